"""Fit the sentence picker (assistant/answer/picker.json) on the labelled question sets, and report it out of fold.

    python -m eval fit-picker [QUESTIONS.jsonl ...]     (default: the own set and both officer sets)

Every answerable question is asked once; each candidate statement the picker scored is labelled by the key facts
it holds. The weights maximise, question by question, the chance that the top-scored statement holds a key fact
(a soft-max over that question's candidates, L2-regularised). The margin (how far below the best a statement may
score and still be quoted) is the one whose out-of-fold answers, over five folds of all the questions, hold the
most key facts with a median answer within ``MAX_MEDIAN_WORDS`` on every set. The figures go to
eval/runs/picker.md.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.navigator import Navigator
from assistant.answer.picker import PICKER_FILE, Picker
from assistant.settings import PROJECT_ROOT, Settings
from eval.dataset import load_questions
from eval.metrics import normalise

DEFAULT_SETS = [PROJECT_ROOT / "eval" / name for name in
                ("questions.jsonl", "officer_questions_a.jsonl", "officer_questions_b.jsonl")]
MARGINS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
MAX_MEDIAN_WORDS = 110  # issue 13's target for officer questions, held on every set
FOLDS = 5
L2 = 0.01
ITERATIONS = 400
RATE = 0.5


@dataclass(frozen=True)
class Sample:
    """One answerable question's candidates: features, the key facts each holds, and its words."""

    set_name: str
    answered: bool  # not refused: a refusal quotes nothing, so it holds no key fact whatever is picked
    features: np.ndarray  # candidates x features
    facts: np.ndarray  # candidates x key facts (bool)
    texts: tuple[str, ...]

    @property
    def labels(self) -> np.ndarray:
        return self.facts.any(axis=1)


def collect(navigator: Navigator, paths: list[Path]) -> list[Sample]:
    samples = []
    for path in paths:
        for question in load_questions(path):
            if not question.answerable or not question.key_facts:
                continue
            answer = navigator.ask(question.question, question.history)
            if not answer.candidates:
                continue
            facts = [normalise(fact) for fact in question.key_facts]
            samples.append(Sample(
                set_name=path.stem,
                answered=answer.status != "not_covered",
                features=np.array([c.features for c in answer.candidates], dtype=float),
                facts=np.array([[fact in normalise(c.text) for fact in facts] for c in answer.candidates]),
                texts=tuple(c.text for c in answer.candidates),
            ))
    return samples


def fit(samples: list[Sample], margin: float = 0.0) -> Picker:
    """Weights under which a question's top-scored candidate most likely holds a key fact."""
    useful = [s for s in samples if s.labels.any()]
    stacked = np.vstack([s.features for s in useful])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
    standard = [((s.features - mean) / scale, s.labels.astype(float)) for s in useful]
    weights = np.zeros(stacked.shape[1])
    for _ in range(ITERATIONS):
        gradient = L2 * weights
        for x, y in standard:
            scores = x @ weights
            p = np.exp(scores - scores.max())
            p /= p.sum()
            on_facts = p * y / (p * y).sum()
            gradient += x.T @ (p - on_facts) / len(standard)
        weights -= RATE * gradient
    return Picker(tuple(weights.round(4)), tuple(mean.round(6)), tuple(scale.round(6)), margin)


def answer_figures(samples: list[Sample], picker: Picker, margin: float, max_statements: int) -> tuple[float, float]:
    """Key facts held and median words of the answers the picker would compose (a statement quoted once)."""
    shares, words = [], []
    for sample in samples:
        if not sample.answered:
            shares.append(0.0)
            continue
        scores = np.array([picker.score(tuple(row)) for row in sample.features])
        chosen: list[int] = []
        for i in np.argsort(-scores):
            if len(chosen) == max_statements or scores[i] < scores.max() - margin:
                break
            if sample.texts[i] not in {sample.texts[j] for j in chosen}:
                chosen.append(i)
        shares.append(float(sample.facts[chosen].any(axis=0).mean()))
        words.append(sum(len(sample.texts[i].split()) for i in chosen))
    return statistics.mean(shares), statistics.median(words) if words else 0.0


def out_of_fold(samples: list[Sample], max_statements: int) -> dict[float, dict[str, tuple[float, float]]]:
    """For each margin, each set's key facts and median words with every question answered by a fold that did not
    see it."""
    order = np.random.default_rng(0).permutation(len(samples))
    folds = [set(part.tolist()) for part in np.array_split(order, FOLDS)]
    pickers = [fit([s for i, s in enumerate(samples) if i not in fold]) for fold in folds]
    figures = {}
    for margin in MARGINS:
        by_set: dict[str, list[tuple[float, float, int]]] = {}
        for fold, picker in zip(folds, pickers):
            held = [samples[i] for i in sorted(fold)]
            for name in sorted({s.set_name for s in held}):
                part = [s for s in held if s.set_name == name]
                by_set.setdefault(name, []).append((*answer_figures(part, picker, margin, max_statements), len(part)))
        figures[margin] = {
            name: (sum(k * n for k, _, n in parts) / sum(n for *_, n in parts), statistics.median(w for _, w, _ in parts))
            for name, parts in by_set.items()
        }
    return figures


def choose_margin(figures: dict[float, dict[str, tuple[float, float]]]) -> float:
    """The margin with the most key facts (mean over sets) whose median answer is short enough on every set."""
    short = [m for m, sets in figures.items() if all(words <= MAX_MEDIAN_WORDS for _, words in sets.values())]
    return max(short or [min(figures)], key=lambda m: statistics.mean(k for k, _ in figures[m].values()))


def fit_picker(paths: list[Path] | None = None, settings: Settings | None = None, out: Path = PICKER_FILE) -> str:
    settings = settings or Settings()
    samples = collect(Navigator(settings), paths or DEFAULT_SETS)
    figures = out_of_fold(samples, settings.answer_sentences)
    margin = choose_margin(figures)
    picker = fit(samples, margin)
    picker.save(out)
    report = report_lines(figures, margin, picker, len(samples))
    runs = PROJECT_ROOT / "eval" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "picker.md").write_text(report, encoding="utf-8")
    return report


def report_lines(figures, margin: float, picker: Picker, questions: int) -> str:
    names = sorted(next(iter(figures.values())))
    lines = [f"# Sentence picker, fitted on {questions} answerable questions", "",
             f"Out of fold ({FOLDS} folds): key facts in the answer / median words, by margin; chosen {margin} "
             f"(median at most {MAX_MEDIAN_WORDS} words on every set).", "",
             "| margin | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for m, sets in figures.items():
        lines.append(f"| {m}{' (chosen)' if m == margin else ''} | "
                     + " | ".join(f"{sets[n][0]:.3f} / {sets[n][1]:.0f}" for n in names) + " |")
    lines += ["", "| feature | weight |", "| --- | --- |"]
    lines += [f"| {name} | {weight:+.2f} |" for name, weight in zip(picker.features, picker.weights)]
    return "\n".join(lines) + "\n"
