"""Choose the answer policy's thresholds by cross-validation over every labelled set, and test each check.

    python -m eval crossval eval/runs/latest eval/runs/officer eval/runs/refusal

Each run's results.jsonl holds, per question, every check's measurement (``signals``) and whether it is answerable.
The thresholds are fitted on four folds and scored on the fifth, so the reported figures are out of fold: what
the policy does on questions it was not fitted on. A check earns its place if dropping it makes the out-of-fold
figures worse; ``crossval.md`` says which do.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.answer.checks import CHECKS, MEASURED, Policy
from assistant.settings import Settings

FOLDS = 5
SEED = 13
# A wrong answer given confidently is the worst failure: one counts as much as this many answerable questions
# turned away.
WRONG_ANSWER_COST = 5.0
GRID = {
    "min_similarity": np.round(np.arange(0.24, 0.47, 0.02), 2),
    "follow_up_min_similarity": np.round(np.arange(0.30, 0.47, 0.02), 2),
    "max_unknown_share": np.array([0.4, 0.5, 0.6, 0.7]),
    "unknown_needs_similarity": np.round(np.arange(0.36, 0.61, 0.02), 2),
    "count_needs_context": np.array([0.1, 0.2, 0.3, 0.4, 0.5]),
}
FITTED = tuple(GRID)


@dataclass(frozen=True)
class Labelled:
    set_name: str
    answerable: bool
    signals: dict[str, float]


def load_runs(run_dirs: list[Path]) -> list[Labelled]:
    """The questions the guard let through, with their measurements (a rejected question is decided before)."""
    rows = []
    for run in run_dirs:
        for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("status") != "rejected" and row.get("signals"):
                rows.append(Labelled(run.name, bool(row["answerable"]), row["signals"]))
    return rows


class Table:
    """The measurements as arrays, so thousands of threshold sets are decided at once."""

    def __init__(self, rows: list[Labelled]):
        self.answerable = np.array([r.answerable for r in rows])
        self.values = {code: np.array([r.signals.get(code, 0.0) for r in rows]) for code in MEASURED}

    def answered(self, policy: Policy, enabled: frozenset[str]) -> np.ndarray:
        """Every question decided at once by the checks' own tests (``Check.falls_short``); nothing found is always
        not covered. A policy whose thresholds are arrays gives a verdict per threshold set (the question last)."""
        falls = np.zeros(len(self.answerable), dtype=bool)
        for check in CHECKS:
            if check.code in enabled or check.code == "no_evidence":
                falls = falls | check.falls_short(self.values, policy)
        return ~falls


def _score(answered: np.ndarray, answerable: np.ndarray) -> np.ndarray:
    """Answerable questions answered, less ``WRONG_ANSWER_COST`` for each unanswerable one: one score, or one per
    threshold set when ``answered`` holds a verdict per threshold set (the question last)."""
    return answered @ np.where(answerable, 1.0, -WRONG_ANSWER_COST)


def fit(table: Table, rows: np.ndarray, base: Policy, enabled: frozenset[str]) -> Policy:
    """The threshold set that scores best on these rows (ties: the strictest, i.e. the first in grid order
    from the top). Every threshold set is decided at once: each threshold is an array along an axis of its own, so
    the checks' tests broadcast to one verdict per threshold set and question."""
    sub = _subset(table, rows)
    axes = {name: GRID[name][::-1].reshape([-1 if i == axis else 1 for i in range(len(FITTED))] + [1])
            for axis, name in enumerate(FITTED)}
    grid = replace(base, **axes)
    scores = _score(sub.answered(grid, enabled), sub.answerable)
    best = np.unravel_index(np.argmax(scores), scores.shape)
    return replace(base, **{name: float(axes[name].flat[i]) for name, i in zip(FITTED, best)})


def _subset(table: Table, rows: np.ndarray) -> Table:
    sub = Table.__new__(Table)
    sub.answerable = table.answerable[rows]
    sub.values = {code: values[rows] for code, values in table.values.items()}
    return sub


def out_of_fold(rows: list[Labelled], base: Policy, enabled: frozenset[str]) -> tuple[np.ndarray, list[Policy]]:
    """Each question decided by thresholds fitted without its fold (folds stratified by set and label)."""
    table = Table(rows)
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    order.sort(key=lambda i: (rows[i].set_name, rows[i].answerable))
    fold = np.empty(len(rows), dtype=int)
    fold[order] = np.arange(len(rows)) % FOLDS
    answered = np.zeros(len(rows), dtype=bool)
    policies = []
    for k in range(FOLDS):
        policy = fit(table, np.flatnonzero(fold != k), base, enabled)
        policies.append(policy)
        held = np.flatnonzero(fold == k)
        answered[held] = _subset(table, held).answered(policy, enabled)
    return answered, policies


def figures(rows: list[Labelled], answered: np.ndarray) -> dict[str, dict]:
    result = {}
    for name in sorted({r.set_name for r in rows}):
        mine = np.array([r.set_name == name for r in rows])
        answerable = np.array([r.answerable for r in rows])
        result[name] = {
            "answerable_answered": round(float(answered[mine & answerable].mean()), 3) if (mine & answerable).any() else None,
            "unanswerable_answered": int(answered[mine & ~answerable].sum()),
            "unanswerable": int((mine & ~answerable).sum()),
        }
    return result


def crossval(run_dirs: list[Path], settings: Settings) -> str:
    rows = load_runs(run_dirs)
    base = Policy.from_settings(settings)
    every = frozenset(check.code for check in CHECKS)
    answered, policies = out_of_fold(rows, base, every)
    report = {"all checks": figures(rows, answered)}
    lines = ["# Answer policy, cross-validated", "",
             f"{len(rows)} questions from {', '.join(d.name for d in run_dirs)}; {FOLDS} folds; a wrong answer costs "
             f"{WRONG_ANSWER_COST:g} refused answerable ones. Out-of-fold figures (answerable answered / "
             "unanswerable answered):", "", "| checks | " + " | ".join(report["all checks"]) + " |",
             "| --- |" + " --- |" * len(report["all checks"])]

    def row(label: str, found: dict) -> str:
        return f"| {label} | " + " | ".join(
            f"{f['answerable_answered']} / {f['unanswerable_answered']} of {f['unanswerable']}" for f in found.values()
        ) + " |"

    lines.append(row("all checks", report["all checks"]))
    table = Table(rows)
    verdicts = []
    for check in CHECKS:
        if check.code == "no_evidence":
            continue
        without, _ = out_of_fold(rows, base, every - {check.code})
        found = figures(rows, without)
        report[f"without {check.code}"] = found
        lines.append(row(f"without {check.code}", found))
        worse = _score(without, table.answerable) < _score(answered, table.answerable)
        verdicts.append(f"- `{check.code}`: {'earns its place' if worse else 'does NOT earn its place (drop it)'}")
    full = fit(table, np.arange(len(rows)), base, every)
    lines += ["", *verdicts, "", "Thresholds fitted per fold: " + "; ".join(
        ", ".join(f"{name} {getattr(p, name)}" for name in FITTED) for p in policies),
        "", "Fitted on every question (the defaults in assistant/settings.py): "
        + ", ".join(f"{name} {getattr(full, name)}" for name in FITTED)]
    text = "\n".join(lines) + "\n"
    out = run_dirs[0].parent / "crossval.md"
    out.write_text(text, encoding="utf-8")
    (out.with_suffix(".json")).write_text(json.dumps({"out_of_fold": report, "fitted": {
        name: getattr(full, name) for name in FITTED}}, indent=2), encoding="utf-8")
    return text
