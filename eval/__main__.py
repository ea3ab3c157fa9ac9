"""Evaluate Navigator.

    python -m eval --questions eval/questions.jsonl --out eval/runs/NAME [--engine extractive] [--k 5]
                   [--set retrieval=bm25 --set embedding_model=all-MiniLM-L6-v2 ...]
                   (--questions officer: both officer files, one set as `make eval` reports it)
    python -m eval compare eval/runs/A eval/runs/B ...
    python -m eval calibrate eval/runs/llamacpp     (citation-verification thresholds from a generative run)
    python -m eval crossval eval/runs/own eval/runs/officer eval/runs/refusal   (the answer policy's thresholds)
    python -m eval fit-picker [QUESTIONS.jsonl ...]   (the sentence picker's weights: assistant/answer/picker.json)
    python -m eval fit-rescore [QUESTIONS.jsonl ...]  (the re-score's weights and least spreads, out of fold)
"""

from __future__ import annotations

import argparse
import json
import sys
import typing
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings
from eval.dataset import REPORTED_SETS
from eval.report import HEADLINE

(DEFAULT_QUESTIONS,) = REPORTED_SETS["questions"]
DEFAULT_REFUSAL_LABELS = PROJECT_ROOT / "eval" / "refusal_labels.jsonl"
DEFAULT_PERSONAL_DATA_LABELS = PROJECT_ROOT / "eval" / "pii_labels.jsonl"
DEFAULT_PERSONAL_DATA_HELDOUT = PROJECT_ROOT / "eval" / "pii_heldout.jsonl"


def _override(item: str) -> tuple[str, object]:
    """A ``--set KEY=VALUE``, read as its NAVIGATOR_ environment variable would be: a list or tuple as JSON
    (``--set "rescore_least_spread=[0, 0, 0, 0]"``), anything else as the text Settings validates."""
    key, _, value = item.partition("=")
    field = Settings.model_fields.get(key)
    if field is None or typing.get_origin(field.annotation) not in (list, tuple):
        return key, value
    try:
        return key, json.loads(value)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{key} takes a JSON list, such as [0.1, 0.2]: {exc}") from exc


def _optional_path(value: str) -> Path | None:
    return None if value.lower() == "none" else Path(value)


def _question_files(value: str) -> list[Path]:
    """A question file, or the name of a set as `make eval` reports it ("officer": both officer files)."""
    return list(REPORTED_SETS.get(value, (Path(value),)))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["compare"]:
        from eval.compare import compare_runs

        print(compare_runs([Path(d) for d in argv[1:]]))
        return 0
    if argv[:1] == ["crossval"]:
        from eval.crossval import crossval

        print(crossval([Path(d) for d in argv[1:]], Settings()))
        return 0
    if argv[:1] == ["fit-picker"]:
        from eval.picker import fit_picker

        print(fit_picker([Path(p) for p in argv[1:]] or None))
        return 0
    if argv[:1] == ["fit-rescore"]:
        from eval.rescore import fit_rescore

        print(fit_rescore([Path(p) for p in argv[1:]] or None))
        return 0
    if argv[:1] == ["calibrate"]:
        from eval.calibrate import calibrate

        print(calibrate(Path(argv[1]), Settings()))
        return 0
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=_question_files, action="append",
                        help="a question file or a reported set's name (officer); repeat to run several as one "
                             "(default eval/questions.jsonl)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "runs" / "latest")
    parser.add_argument("--engine", default=None, help="answer engine (default: the NAVIGATOR_ENGINE setting)")
    parser.add_argument("--k", type=int, default=None, help="passages an answer is composed from")
    parser.add_argument("--refusal-labels", type=_optional_path, default=DEFAULT_REFUSAL_LABELS,
                        help="labelled refusal set ('none' to skip it)")
    parser.add_argument("--personal-data-labels", type=_optional_path, default=DEFAULT_PERSONAL_DATA_LABELS,
                        help="labelled personal-data set ('none' to skip it)")
    parser.add_argument("--personal-data-heldout", type=_optional_path, default=DEFAULT_PERSONAL_DATA_HELDOUT,
                        help="held-out personal-data set, written apart from the guard ('none' to skip it)")
    parser.add_argument("--set", action="append", default=[], type=_override, metavar="KEY=VALUE",
                        help="override a setting (a list as JSON)")
    args = parser.parse_args(argv)

    overrides = dict(args.set)
    if args.engine:
        overrides["engine"] = args.engine
    if args.k:
        overrides["evidence_passages"] = args.k
    settings = Settings(**overrides)

    from assistant.navigator import Navigator
    from eval.runner import run_eval

    summary = run_eval(
        Navigator(settings), [path for paths in args.questions or [[DEFAULT_QUESTIONS]] for path in paths], args.out,
        settings.engine, args.refusal_labels,
        personal_data_labels=args.personal_data_labels, personal_data_heldout=args.personal_data_heldout,
    )
    print(json.dumps({key: summary[key] for key, _ in HEADLINE if key in summary}, indent=2))
    for name, scores in summary["components"].items():
        print(f"{name} set: precision {scores['precision']} recall {scores['recall']}")
    print(f"report: {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
