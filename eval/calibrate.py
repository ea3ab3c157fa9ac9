"""``python -m eval calibrate RUN_DIR``: choose the citation-verification thresholds from a generative run.

Every sentence the model wrote is re-checked, at each pair of thresholds on a grid, against two kinds of
passage: the passages it was given (how much of the model's answer would survive), and the passages given
for a *different* question answered from other documents (which cannot be what it means: any acceptance
there is a false one).
The recommended pair is the one that keeps the most sentences while accepting none of the mismatched
pairs (as the refusal thresholds allow no false refusal). Writes RUN_DIR/calibration.md with the grid and a sample of kept and removed sentences to read.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from assistant.search.embeddings import load_embeddings
from assistant.records import Passage
from assistant.settings import Settings
from assistant.text import sentences
from assistant.engines.verify import Thresholds, check_sentence, split_cited

SIMILARITIES = [0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70]
LEXICAL = [0.3, 0.4, 0.5, 0.6, 0.7]
MAX_FALSE_ACCEPT = 0.0


def calibrate(run_dir: Path, settings: Settings, seed: int = 7) -> str:
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r.get("draft") and r.get("evidence")]
    embeddings = load_embeddings(settings)
    cases = _cases(rows, random.Random(seed))
    texts = [text for text, _, _, _ in cases]
    sentence_vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32) if texts else []
    passage_vectors = _passage_vectors(rows, embeddings)

    grid = []
    for min_sim in SIMILARITIES:
        for min_lex in LEXICAL:
            kept, false = _rates(cases, sentence_vectors, passage_vectors, Thresholds(min_sim, min_lex))
            grid.append((min_sim, min_lex, kept, false))
    safe = [g for g in grid if g[3] <= MAX_FALSE_ACCEPT] or grid
    best = max(safe, key=lambda g: (g[2], -g[3]))
    return _report(run_dir, rows, grid, best, cases, sentence_vectors, passage_vectors, settings)


def _cases(rows: list[dict], rng: random.Random) -> list[tuple[str, list[int], list[Passage], list[Passage]]]:
    """(sentence, its citations, the passages it was given, passages of another question) for each sentence."""
    cases = []
    for index, row in enumerate(rows):
        given = [_passage(p) for p in row["evidence"]]
        # From other documents: passages of the same document often do hold a general sentence.
        sources = {p["source"] for p in row["evidence"]}
        other_rows = [r for r in rows if not sources & {p["source"] for p in r["evidence"]}]
        for text, numbers in split_cited(row["draft"]):
            other = [_passage(p) for p in rng.choice(other_rows)["evidence"]] if other_rows else []
            cases.append((text, numbers, given, other))
    return cases


def _passage(stored: dict) -> Passage:
    return Passage(stored["chunk_id"], stored["text"], stored["source"], stored["title"], stored["section"], 0)


def _passage_vectors(rows: list[dict], embeddings) -> dict[str, np.ndarray]:
    texts = {p["chunk_id"]: p["text"] for r in rows for p in r["evidence"]}
    return {
        cid: np.asarray(embeddings.embed_documents(sentences(text) or [text]), dtype=np.float32)
        for cid, text in texts.items()
    }


def _rates(cases, sentence_vectors, passage_vectors, thresholds: Thresholds) -> tuple[float, float]:
    """Share of sentences kept against their own passages; share accepted against another question's."""
    kept = false = 0
    for (text, numbers, given, other), vector in zip(cases, sentence_vectors):
        kept += check_sentence(text, numbers, vector, given, passage_vectors, thresholds).kept
        # Against the mismatched passages, with the citation numbers as the model wrote them.
        false += check_sentence(text, numbers, vector, other, passage_vectors, thresholds).kept
    n = len(cases) or 1
    return round(kept / n, 4), round(false / n, 4)


def _report(run_dir, rows, grid, best, cases, sentence_vectors, passage_vectors, settings) -> str:
    lines = [
        f"# Citation-verification calibration: {len(rows)} generated answers, {len(cases)} sentences",
        "",
        f"Run: `{run_dir}`. Command: `python -m eval calibrate {run_dir}`.",
        "",
        "kept = sentences accepted against the passages the model was given; false = sentences accepted against",
        "the passages given for another question, from other documents (any acceptance there is wrong).",
        "",
        "| min similarity | min lexical | kept | false accept |",
        "| --- | --- | --- | --- |",
        *[f"| {s} | {l} | {k} | {f} |" for s, l, k, f in grid],
        "",
        f"**Recommended** (most kept with false accept <= {MAX_FALSE_ACCEPT}): min similarity {best[0]}, "
        f"min lexical {best[1]}: kept {best[2]}, false accept {best[3]}.",
        f"Current settings: min similarity {settings.verify_min_similarity}, min lexical {settings.verify_min_lexical}.",
        "",
        "## Sample of decisions at the recommended thresholds (to read)",
        "",
    ]
    thresholds = Thresholds(best[0], best[1])
    sample = random.Random(1).sample(range(len(cases)), min(30, len(cases)))
    for i in sorted(sample):
        text, numbers, given, _ = cases[i]
        checked = check_sentence(text, numbers, sentence_vectors[i], given, passage_vectors, thresholds)
        verdict = "kept" if checked.kept else "removed"
        note = f" ({checked.reason})" if checked.reason else ""
        lines.append(f"- **{verdict}**{note}, sim {checked.similarity:.2f}, lex {checked.lexical:.2f}: {text}")
        if checked.quotes:
            lines.append(f"  - closest passage sentence: {checked.quotes[0]}")
    report = "\n".join(lines) + "\n"
    (run_dir / "calibration.md").write_text(report, encoding="utf-8")
    return report
