"""Stage 5: choose the passages to answer from, and weigh how much of the question they hold."""

from __future__ import annotations

from dataclasses import replace

from assistant.records import Passage
from assistant.search.retrieve import ChunkStore
from assistant.text import is_list_item, sentences


def select_evidence(fused: list[Passage], store: ChunkStore, count: int) -> list[Passage]:
    """The top passages, with a list kept whole across a chunk edge: a passage whose list runs on into the next
    chunk is followed by that chunk, and one that opens with a list is preceded by the sentence that introduces it
    ("Services commissioned directly by the ICB include:"), from the chunk before."""
    chosen: list[Passage] = []
    seen: set[str] = set()

    def take(passage: Passage, found: Passage) -> None:
        chosen.append(replace(passage, score=found.score, dense=found.dense, lexical=found.lexical))
        seen.add(passage.chunk_id)

    for passage in fused[:count]:
        if passage.chunk_id in seen:
            continue
        before = store.neighbour(passage, step=-1)
        if before and before.chunk_id not in seen and _list_runs_on(before, passage) and _introduces(before):
            take(_lead_in(before), passage)
        take(passage, passage)
        following = store.neighbour(passage)
        if following and following.chunk_id not in seen and _list_runs_on(passage, following):
            take(following, passage)
    return chosen


def _list_runs_on(passage: Passage, following: Passage) -> bool:
    return following.section == passage.section and is_list_item(following.text)


def _introduces(passage: Passage) -> bool:
    return passage.text.rstrip().endswith(":")


def _lead_in(passage: Passage) -> Passage:
    """The passage cut to the sentence that introduces its list: that sentence is what the list needs, not the
    passage's other sentences, which were not found for the question."""
    return replace(passage, text=sentences(passage.text)[-1])


def term_coverage(question_terms: list[str], present: set[str], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted terms) found among the ``present`` terms. A word the guidance
    never uses (a misspelling left unfixed, an everyday word) can be in no passage, so it tells none apart."""
    wanted = {term for term in question_terms if store.document_frequency[term]}
    if not wanted:
        return 0.0
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted & present) / total
