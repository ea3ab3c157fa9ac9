"""Question sets: JSONL, one question per line (format in the README, "Evaluation")."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
# The labelled sets as `make eval` reports them and the CI gate holds them: the two officer files are one set. The
# fits and the benchmarks weigh and compare sets, not files.
REPORTED_SETS: dict[str, tuple[Path, ...]] = {
    "questions": (EVAL_DIR / "questions.jsonl",),
    "officer": (EVAL_DIR / "officer_questions_a.jsonl", EVAL_DIR / "officer_questions_b.jsonl"),
    # Officer-style questions written later, from the corpus alone, by a helper session told not to read the code:
    # how the rules fitted on the sets above carry over to questions of the same kinds (README, "Evaluation").
    "blind": (EVAL_DIR / "officer_questions_c.jsonl",),
    # Two more written the same way, whose failures were then read for classes: from then on data to fit on.
    "officer-later": (EVAL_DIR / "officer_questions_d.jsonl", EVAL_DIR / "officer_questions_e.jsonl"),
    # One more written the same way and added unread, after the blind set's failures had been read for classes: the
    # freshest estimate of questions nobody has seen.
    "blind-later": (EVAL_DIR / "officer_questions_g.jsonl",),
}
# The blind sets are reported and gated, never fitted on: they show how what was fitted carries over.
BLIND_SETS = ("blind", "blind-later")
# The sets the fits weigh and the benchmarks compare.
TARGET_SETS: dict[str, tuple[Path, ...]] = {
    name: paths for name, paths in REPORTED_SETS.items() if name not in BLIND_SETS
}
TARGET_FILES: list[Path] = [path for paths in TARGET_SETS.values() for path in paths]


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    history: list[str] = field(default_factory=list)
    answerable: bool = True
    evidence: list[str] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    category: str = ""


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a question set; a line that is not valid is reported with its line number."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(raw["id"]),
                    question=raw["question"],
                    history=list(raw.get("history") or []),
                    answerable=bool(raw.get("answerable", True)),
                    evidence=list(raw.get("evidence") or []),
                    key_facts=list(raw.get("key_facts") or []),
                    category=raw.get("category") or _infer_category(raw),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid question line ({exc})") from exc
    return questions


def reported_set(path: Path) -> str:
    """The name of the reported set a question file belongs to; a file of no such set is a set of its own."""
    return next((name for name, paths in REPORTED_SETS.items() if Path(path).resolve() in paths), Path(path).stem)


def _infer_category(raw: dict) -> str:
    """Sets without a category still get a useful breakdown."""
    if not raw.get("answerable", True):
        return "unanswerable"
    return "followup" if raw.get("history") else "general"
