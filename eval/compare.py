"""``python -m eval compare DIR ...``: runs side by side, so every change is justified by numbers."""

from __future__ import annotations

import json
from pathlib import Path

from eval.report import HEADLINE


def compare_runs(run_dirs: list[Path]) -> str:
    summaries = [json.loads((d / "summary.json").read_text(encoding="utf-8")) for d in run_dirs]
    lines = ["| metric | " + " | ".join(d.name for d in run_dirs) + " |", "| --- |" + " --- |" * len(run_dirs)]
    for key, label in HEADLINE:
        lines.append(f"| {label} | " + " | ".join(str(s.get(key, "")) for s in summaries) + " |")
    for component in ("refusal", "personal_data", "personal_data_heldout"):
        for measure in ("precision", "recall"):
            values = [str(s.get("components", {}).get(component, {}).get(measure, "")) for s in summaries]
            lines.append(f"| {component} set {measure} | " + " | ".join(values) + " |")
    return "\n".join(lines)
