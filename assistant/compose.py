"""Stage 6 (extractive engine): answer with the sentences of the evidence that best match the question."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.records import Passage
from assistant.retrieve import ChunkStore
from assistant.settings import Settings
from assistant.text import sentences, terms

LIST_ITEM_PREFIXES = ("- ",)


@dataclass(frozen=True)
class Statement:
    """One sentence of the answer (possibly introducing a list), and the passage it is quoted from."""

    text: str
    passage: Passage
    rank: int  # the passage's rank among the evidence
    index: int  # the sentence's position in its passage
    items: tuple[str, ...] = ()
    items_passage: Passage | None = None
    score: float = 0.0

    @property
    def words(self) -> set[str]:
        return set(terms(" ".join((self.text, *self.items))))


def candidate_statements(evidence: list[Passage]) -> list[Statement]:
    """Every sentence of the evidence, with the list items that follow a sentence ending in ':' attached to it."""
    statements: list[Statement] = []
    for rank, passage in enumerate(evidence):
        for index, unit in enumerate(sentences(passage.text)):
            if _is_item(unit) and statements and _takes_items(statements[-1], passage):
                last = statements[-1]
                statements[-1] = Statement(
                    last.text, last.passage, last.rank, last.index, (*last.items, unit), passage
                )
            else:
                statements.append(Statement(unit, passage, rank, index))
    return statements


def _is_item(unit: str) -> bool:
    return unit.startswith(LIST_ITEM_PREFIXES) or unit[:1].isdigit() and unit[1:3].strip()[:1] in ".)"


def _takes_items(statement: Statement, passage: Passage) -> bool:
    """A list continues the sentence that introduced it, in the same passage or the one that follows it."""
    if not statement.text.rstrip().endswith(":"):
        return False
    owner = statement.items_passage or statement.passage
    same_place = owner.chunk_id == passage.chunk_id
    follows = owner.source == passage.source and passage.position == owner.position + 1
    return same_place or follows


def score_statements(
    statements: list[Statement],
    query_terms: list[str],
    sentence_sims: dict[str, list[float]],
    store: ChunkStore,
    similarity_weight: float,
) -> list[Statement]:
    """Shared meaning (sentence similarity) plus shared words (IDF-weighted), nudged towards better passages."""
    wanted = set(query_terms)
    total = sum(store.idf(term) for term in wanted) or 1.0
    scored = []
    for statement in statements:
        overlap = sum(store.idf(term) for term in wanted & statement.words) / total
        similarity = _similarity(statement, sentence_sims)
        too_short = len(statement.text.split()) < 5 and not statement.items
        score = overlap + similarity_weight * similarity + 0.15 / (1 + statement.rank) - (0.2 if too_short else 0.0)
        scored.append(Statement(**{**statement.__dict__, "score": score}))
    return scored


def _similarity(statement: Statement, sentence_sims: dict[str, list[float]]) -> float:
    sims = sentence_sims.get(statement.passage.chunk_id) or []
    return sims[statement.index] if statement.index < len(sims) else 0.0


def choose_statements(scored: list[Statement], max_statements: int, max_items: int, keep_ratio: float = 0.6) -> list[Statement]:
    """The best sentence, plus others nearly as good that say something new, in reading order."""
    ranked = sorted(scored, key=lambda s: s.score, reverse=True)
    if not ranked or ranked[0].score <= 0:
        return []
    chosen: list[Statement] = []
    for statement in ranked:
        if len(chosen) == max_statements or statement.score < keep_ratio * ranked[0].score:
            break
        if any(_repeats(statement, earlier) for earlier in chosen):
            continue
        chosen.append(Statement(**{**statement.__dict__, "items": statement.items[:max_items]}))
    return sorted(chosen, key=lambda s: (s.rank, s.index))


def _repeats(statement: Statement, earlier: Statement) -> bool:
    """Overlapping chunks repeat sentences; near-identical ones say nothing new."""
    a, b = statement.words, earlier.words
    return bool(a) and len(a & b) / len(a | b) > 0.7


def compose_extractive(
    evidence: list[Passage],
    query_terms: list[str],
    sentence_sims: dict[str, list[float]],
    store: ChunkStore,
    settings: Settings,
) -> list[Statement]:
    candidates = candidate_statements(evidence)
    scored = score_statements(candidates, query_terms, sentence_sims, store, settings.sentence_similarity_weight)
    return choose_statements(scored, settings.answer_sentences, settings.answer_list_items)
