"""Stage 5: choose the passages to answer from, and weigh how much of the question they hold."""

from __future__ import annotations

from dataclasses import replace

from assistant.records import Passage
from assistant.search.retrieve import ChunkStore
from assistant.text import introduces, is_list_item


def select_evidence(fused: list[Passage], store: ChunkStore, count: int) -> list[Passage]:
    """The top passages; a passage whose list runs on into the next chunk is followed by that chunk."""
    chosen: list[Passage] = []
    seen: set[str] = set()
    for passage in fused[:count]:
        if passage.chunk_id in seen:
            continue
        chosen.append(passage)
        seen.add(passage.chunk_id)
        following = store.neighbour(passage)
        if following and following.chunk_id not in seen and _list_runs_on(passage, following):
            chosen.append(replace(following, score=passage.score, dense=passage.dense, lexical=passage.lexical))
            seen.add(following.chunk_id)
    return chosen


def list_lead_ins(evidence: list[Passage], store: ChunkStore) -> dict[str, Passage]:
    """For each passage that opens with a list, the chunk before it when that chunk ends by introducing the list
    ("Services commissioned directly by the ICB include:"): a chunk edge fell between them, and the list says whose
    items they are only with it."""
    lead_ins = {}
    for passage in evidence:
        before = store.neighbour(passage, step=-1)
        if before and _list_runs_on(before, passage) and introduces(before.text):
            lead_ins[passage.chunk_id] = before
    return lead_ins


def _list_runs_on(passage: Passage, following: Passage) -> bool:
    return following.section == passage.section and is_list_item(following.text)


def term_coverage(question_terms: list[str], present: set[str], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted terms) found among the ``present`` terms. A word the guidance
    never uses (a misspelling left unfixed, an everyday word) can be in no passage, so it tells none apart."""
    wanted = {term for term in question_terms if store.document_frequency[term]}
    if not wanted:
        return 0.0
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted & present) / total
