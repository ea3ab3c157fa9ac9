"""Stage 5: choose the passages to answer from, and decide whether they support an answer at all."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.records import Evidence, Passage
from assistant.retrieve import ChunkStore
from assistant.text import terms

NUMBER = re.compile(r"\b\d+[a-z]?\b")


def select_evidence(fused: list[Passage], store: ChunkStore, count: int) -> list[Passage]:
    """The top passages; a passage that ends by introducing a list is followed by the chunk holding the list."""
    chosen: list[Passage] = []
    seen: set[str] = set()
    for passage in fused[:count]:
        if passage.chunk_id in seen:
            continue
        chosen.append(passage)
        seen.add(passage.chunk_id)
        following = store.neighbour(passage) if passage.text.rstrip().endswith(":") else None
        if following and following.chunk_id not in seen:
            chosen.append(replace(following, score=passage.score, dense=passage.dense, lexical=passage.lexical))
            seen.add(following.chunk_id)
    return chosen


def term_coverage(question_terms: list[str], passages: list[Passage], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted terms) that appears in the passages."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    present = {term for p in passages for term in terms(f"{p.section}\n{p.text}")}
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted & present) / total


def assess_support(
    question: str,
    question_terms: list[str],
    evidence: list[Passage],
    best_dense: float,
    store: ChunkStore,
    min_dense: float,
    min_coverage: float,
) -> Evidence:
    """Supported only if the passages are close in meaning AND hold the question's key terms and numbers."""
    coverage = term_coverage(question_terms, evidence, store)
    evidence_text = " ".join(p.text for p in evidence).lower()
    missing_numbers = [n for n in NUMBER.findall(question.lower()) if not re.search(rf"\b{n}\b", evidence_text)]
    reason = ""
    if not evidence:
        reason = "nothing in the index matches the question"
    elif missing_numbers:
        reason = f"the guidance never mentions {', '.join(missing_numbers)} in this context"
    elif best_dense < min_dense:
        reason = f"no passage is close in meaning (best similarity {best_dense:.2f} < {min_dense:.2f})"
    elif coverage < min_coverage:
        reason = f"the passages lack key terms of the question (coverage {coverage:.2f} < {min_coverage:.2f})"
    return Evidence(evidence, supported=not reason, reason=reason, coverage=coverage, best_dense=best_dense)
