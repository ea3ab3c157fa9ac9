"""Cross-validate the re-score's weights on the labelled question sets, and report them out of fold.

    python -m eval fit-rescore [QUESTIONS.jsonl ...]     (default: the own set and every officer set but the blind one)

Every answerable question is asked once; the re-score's candidates come back with their signals
(``Answer.rescored``), each labelled by whether it holds the question's evidence. For each weight in ``GRID`` the
candidates are ordered again from those signals (``rescore.combine``, the stage's own arithmetic). The weights are
the second-best sentence's and the fusion score's (the best sentence's and BM25's stay 1). Over ``REPEATS`` shuffles
into ``FOLDS`` folds, each fold's pair is the one with the most recall@5 + MRR on the other folds; the report gives
every set's out-of-fold figures beside those of each fixed pair. The figures go to eval/runs/rescore.md; the
settings (``rescore_second_sentence_weight``, ``rescore_fused_weight``) are changed by hand.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.navigator import Navigator
from assistant.search.rescore import combine, weights_for
from assistant.settings import PROJECT_ROOT, Settings
from eval.dataset import TARGET_FILES
from eval.metrics import first_relevant_rank, relevance
from eval.runner import answered_questions

Weights = tuple[float, float]  # the second-best sentence's and the fusion score's (rescore.weights_for)
GRID: tuple[Weights, ...] = tuple((second, fused) for second in (0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1.0)
                                  for fused in (0.25, 0.375, 0.5, 0.75, 1.0))
FOLDS = 4
REPEATS = 5


@dataclass(frozen=True)
class Sample:
    """One answerable question's re-scored candidates: their signals, and which hold its evidence."""

    set_name: str
    signals: np.ndarray  # candidates x rescore.SIGNALS
    relevant: tuple[bool, ...]

    def first_relevant(self, weights: Weights) -> int | None:
        order = np.argsort(-combine(self.signals, weights_for(*weights)), kind="stable")
        return first_relevant_rank([self.relevant[i] for i in order])


def collect(navigator: Navigator, paths: list[Path]) -> list[Sample]:
    samples = []
    for set_name, question, answer in answered_questions(navigator, paths):
        rescored = [p for p in answer.rescored if p.signals]
        if question.evidence and len(rescored) > 1:
            samples.append(Sample(set_name, np.array([p.signals for p in rescored]),
                                  tuple(relevance([p.text for p in rescored], question.evidence))))
    return samples


def figures(ranks: list[int | None]) -> tuple[float, float]:
    """Recall@5 and MRR among the candidates (evidence outside them counts as not found)."""
    return (statistics.mean(rank is not None and rank <= 5 for rank in ranks),
            statistics.mean(1.0 / rank if rank else 0.0 for rank in ranks))


def best_weights(samples: list[Sample]) -> Weights:
    return max(GRID, key=lambda weights: sum(figures([s.first_relevant(weights) for s in samples])))


def out_of_fold(samples: list[Sample]) -> tuple[dict[str, tuple[float, float]], Counter]:
    """Each set's recall@5 and MRR with every question ranked under the weight chosen without it (mean over the
    repeats), and how often each pair was chosen."""
    by_set: dict[str, list[tuple[float, float]]] = {}
    chosen: Counter = Counter()
    for repeat in range(REPEATS):
        order = np.random.default_rng(repeat).permutation(len(samples))
        ranks: dict[int, int | None] = {}
        for fold in np.array_split(order, FOLDS):
            held = set(fold.tolist())
            weights = best_weights([s for i, s in enumerate(samples) if i not in held])
            chosen[weights] += 1
            ranks.update({i: samples[i].first_relevant(weights) for i in held})
        for name in sorted({s.set_name for s in samples}):
            by_set.setdefault(name, []).append(figures([r for i, r in ranks.items() if samples[i].set_name == name]))
    return {name: tuple(statistics.mean(col) for col in zip(*runs)) for name, runs in by_set.items()}, chosen


def fit_rescore(paths: list[Path] | None = None, settings: Settings | None = None) -> str:
    samples = collect(Navigator(settings or Settings()), paths or TARGET_FILES)
    names = sorted({s.set_name for s in samples})
    lines = [f"# Re-score: the second-best sentence's and the fusion score's weights, on {len(samples)} answerable "
             "questions", "", "Recall@5 / MRR among the re-scored candidates, by set.", "",
             "| second sentence | fused | " + " | ".join(names) + " |", "| --- | --- |" + " --- |" * len(names)]
    for second, fused in GRID:
        by_set = {n: figures([s.first_relevant((second, fused)) for s in samples if s.set_name == n]) for n in names}
        lines.append(f"| {second} | {fused} | "
                     + " | ".join(f"{by_set[n][0]:.3f} / {by_set[n][1]:.3f}" for n in names) + " |")
    oof, chosen = out_of_fold(samples)
    lines.append(f"| out of fold ({REPEATS} x {FOLDS} folds) | | "
                 + " | ".join(f"{oof[n][0]:.3f} / {oof[n][1]:.3f}" for n in names) + " |")
    lines += ["", "Weights (second sentence, fused) chosen by the folds: "
              + ", ".join(f"{w} ({n}x)" for w, n in sorted(chosen.items()))]
    report = "\n".join(lines) + "\n"
    runs = PROJECT_ROOT / "eval" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "rescore.md").write_text(report, encoding="utf-8")
    return report
