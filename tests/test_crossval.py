"""The answer policy's cross-validation (``python -m eval crossval``): the whole threshold grid decided at once
chooses what deciding each threshold set in turn would."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import numpy as np
import pytest

from assistant.answer.checks import MEASURED, Policy, decide
from assistant.settings import Settings
from eval.crossval import FITTED, GRID, Labelled, Table, _score, fit


def labelled(count: int, seed: int) -> list[Labelled]:
    """Questions whose measurements straddle the grid's thresholds, a third of them unanswerable."""
    draw = random.Random(seed)
    rows = []
    for i in range(count):
        signals = {code: 0.0 for code in MEASURED} | {
            "no_evidence": 5.0,
            "not_close": draw.uniform(0.25, 0.6),
            "unknown_words": draw.uniform(0.3, 0.8),
            "count_missing": draw.choice([0.05, 0.15, 0.35, 1.0]),
            "follows_up": float(draw.random() < 0.2),
        }
        rows.append(Labelled("set", i % 3 != 0, signals))
    return rows


def one_at_a_time(table: Table, base: Policy, enabled: frozenset[str]) -> Policy:
    """The grid searched one threshold set after another, strictest first, the first of the best kept."""
    best, best_score = base, -np.inf
    for values in itertools.product(*(GRID[name][::-1] for name in FITTED)):
        policy = replace(base, **dict(zip(FITTED, map(float, values))))
        score = _score(table.answered(policy, enabled), table.answerable)
        if score > best_score:
            best, best_score = policy, score
    return best


@pytest.mark.fast
def test_the_grid_decided_at_once_fits_what_each_threshold_set_in_turn_fits():
    rows = labelled(40, seed=1)
    table = Table(rows)
    base = Policy.from_settings(Settings())
    every = frozenset(MEASURED) - {"follows_up"}
    fitted = fit(table, np.arange(len(rows)), base, every)
    assert fitted == one_at_a_time(table, base, every)
    # The fitted thresholds decide each question as the product decides it.
    answered = table.answered(fitted, every)
    assert [decide(r.signals, fitted).status == "answered" for r in rows] == answered.tolist()
