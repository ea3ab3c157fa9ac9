"""Cross-validate the re-score's weights and least spreads on the labelled question sets, and report them out of fold.

    python -m eval fit-rescore [QUESTIONS.jsonl ...]     (default: the own set and every officer set but the blind one)

Every answerable question is asked once; the re-score's candidates come back with their signals
(``Answer.rescored``), each labelled by whether it holds the question's evidence. For each setting tried the
candidates are ordered again from those signals (``rescore.combine``, the stage's own arithmetic):
- each weight pair in ``GRID``, at the settings' least spreads: the second-best sentence's and the fusion score's
  weights (the best sentence's and BM25's stay 1);
- each multiple in ``SPREAD_MULTIPLES`` of the signals' typical spreads (their median spread among a question's
  candidates), as the least spread each signal is divided by, at the settings' weights.
Over ``REPEATS`` shuffles into ``FOLDS`` folds, each fold's choice is the one with the most recall@5 + MRR on the
other folds (the typical spreads measured on those folds too); the report gives every set's out-of-fold figures
beside those of each fixed choice. The figures go to eval/runs/rescore.md; the settings
(``rescore_second_sentence_weight``, ``rescore_fused_weight``, ``rescore_least_spread``) are changed by hand.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
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
# 0: each signal divided by its own spread among the candidates, however small; large: by a fixed typical spread.
SPREAD_MULTIPLES = (0.0, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
FOLDS = 4
REPEATS = 5


@dataclass(frozen=True)
class Ranking:
    """What orders the candidates: the two fitted weights and each signal's least spread."""

    weights: Weights
    least_spread: tuple[float, ...]


@dataclass(frozen=True)
class Sample:
    """One answerable question's re-scored candidates: their signals, and which hold its evidence."""

    set_name: str
    signals: np.ndarray  # candidates x rescore.SIGNALS
    relevant: tuple[bool, ...]

    def first_relevant(self, ranking: Ranking) -> int | None:
        scores = combine(self.signals, weights_for(*ranking.weights), ranking.least_spread)
        order = np.argsort(-scores, kind="stable")
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


def typical_spread(samples: list[Sample]) -> np.ndarray:
    """Each signal's median spread among a question's candidates."""
    return np.median([s.signals.std(axis=0) for s in samples], axis=0)


# A choice tried: its name (the report's columns for it) and the ranking it makes.
Option = tuple[tuple[float, ...], Ranking]
# The choices tried, given the questions they are fitted on (the typical spreads are measured on those).
Options = Callable[[list[Sample]], list[Option]]


def weight_options(least_spread: tuple[float, ...]) -> Options:
    """Each weight pair of ``GRID``, at the given least spreads."""
    return lambda samples: [(weights, Ranking(weights, least_spread)) for weights in GRID]


def spread_options(weights: Weights) -> Options:
    """Each multiple in ``SPREAD_MULTIPLES`` of the questions' typical spreads as the least spreads, at the given
    weights."""
    def options(samples: list[Sample]) -> list[Option]:
        typical = typical_spread(samples)
        return [((multiple,), Ranking(weights, tuple(multiple * typical))) for multiple in SPREAD_MULTIPLES]
    return options


def best(options: Options, samples: list[Sample]) -> Option:
    """The choice that ranks the evidence of ``samples`` best (the most recall@5 + MRR); of equals, the first."""
    return max(options(samples), key=lambda option: sum(figures([s.first_relevant(option[1]) for s in samples])))


def out_of_fold(samples: list[Sample], options: Options) -> tuple[dict[str, tuple[float, float]], Counter]:
    """Each set's recall@5 and MRR with every question ranked by the choice made without it (mean over the
    repeats), and how often each choice was made."""
    by_set: dict[str, list[tuple[float, float]]] = {}
    chosen: Counter = Counter()
    for repeat in range(REPEATS):
        order = np.random.default_rng(repeat).permutation(len(samples))
        ranks: dict[int, int | None] = {}
        for fold in np.array_split(order, FOLDS):
            held = set(fold.tolist())
            name, ranking = best(options, [s for i, s in enumerate(samples) if i not in held])
            chosen[name] += 1
            ranks.update({i: samples[i].first_relevant(ranking) for i in held})
        for name in sorted({s.set_name for s in samples}):
            by_set.setdefault(name, []).append(figures([r for i, r in ranks.items() if samples[i].set_name == name]))
    return {name: tuple(statistics.mean(col) for col in zip(*runs)) for name, runs in by_set.items()}, chosen


def fit_rescore(paths: list[Path] | None = None, settings: Settings | None = None) -> str:
    settings = settings or Settings()
    samples = collect(Navigator(settings), paths or TARGET_FILES)
    names = sorted({s.set_name for s in samples})
    weights = (settings.rescore_second_sentence_weight, settings.rescore_fused_weight)
    typical = tuple(round(float(t), 4) for t in typical_spread(samples))
    lines = [f"# Re-score: weights and least spreads, on {len(samples)} answerable questions", "",
             "Recall@5 / MRR among the re-scored candidates, by set.", ""]
    lines += _table(samples, names, ["second sentence", "fused"], weight_options(settings.rescore_least_spread),
                    f"The weights, at the least spreads of the settings {settings.rescore_least_spread}")
    lines += _table(samples, names, ["multiple of the typical spread"], spread_options(weights),
                    f"The least spreads, at the weights of the settings {weights}; each signal's typical spread "
                    f"(median among a question's candidates) on all these questions: {typical}")
    report = "\n".join(lines)
    runs = PROJECT_ROOT / "eval" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "rescore.md").write_text(report, encoding="utf-8")
    return report


def _table(samples: list[Sample], names: list[str], columns: list[str], options: Options, title: str) -> list[str]:
    """Each choice's figures by set (fitted on every question), then the out-of-fold figures and how often the folds
    chose each."""
    lines = [f"## {title}", "", "| " + " | ".join(columns) + " | " + " | ".join(names) + " |",
             "|" + " --- |" * (len(columns) + len(names))]
    for key, ranking in options(samples):
        by_set = {n: figures([s.first_relevant(ranking) for s in samples if s.set_name == n]) for n in names}
        lines.append("| " + " | ".join(map(str, key)) + " | "
                     + " | ".join(f"{by_set[n][0]:.3f} / {by_set[n][1]:.3f}" for n in names) + " |")
    oof, chosen = out_of_fold(samples, options)
    lines.append(f"| out of fold ({REPEATS} x {FOLDS} folds) |" + " |" * (len(columns) - 1) + " "
                 + " | ".join(f"{oof[n][0]:.3f} / {oof[n][1]:.3f}" for n in names) + " |")
    chosen_names = ", ".join(f"{' / '.join(map(str, key))} ({n}x)" for key, n in sorted(chosen.items()))
    return lines + ["", f"Chosen by the folds: {chosen_names}", ""]
