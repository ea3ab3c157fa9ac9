"""``python bench/privacy.py``: what the personal-data guard costs, written to bench/privacy.json.

Run in a fresh process, so the first call pays for loading the name lists and the English word counts as
the first question after start-up would. The texts are every labelled personal-data text and every
evaluation question; the guidance words are those of the corpus files (the index holds the same words).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "privacy.json"
SETS = {"pii_labels": "text", "pii_heldout": "text", "questions": "question"}


def _texts() -> list[str]:
    texts = []
    for name, field in SETS.items():
        lines = (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)[field] for line in lines if line.strip()]
    return texts


def main() -> dict:
    from assistant.text import words

    guidance_words = Counter(w for path in (ROOT / "corpus").glob("*.txt") for w in words(path.read_text("utf-8")))
    texts = _texts()
    started = time.perf_counter()
    from assistant.question.privacy import find_personal_data, mask_personal_data

    find_personal_data(texts[0], guidance_words)
    first_call_ms = (time.perf_counter() - started) * 1000
    find_ms, mask_ms = [], []
    for text in texts:
        started = time.perf_counter()
        find_personal_data(text, guidance_words)
        find_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        mask_personal_data(text, guidance_words)
        mask_ms.append((time.perf_counter() - started) * 1000)
    quantiles = {name: statistics.quantiles(values, n=20) for name, values in (("find", find_ms), ("mask", mask_ms))}
    result = {
        "texts": len(texts),
        "first_call_ms (import, name lists, English word counts)": round(first_call_ms),
        "find_p50_ms": round(statistics.median(find_ms), 3),
        "find_p95_ms": round(quantiles["find"][18], 3),
        "find_max_ms": round(max(find_ms), 3),
        "mask_p50_ms": round(statistics.median(mask_ms), 3),
        "mask_p95_ms": round(quantiles["mask"][18], 3),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
