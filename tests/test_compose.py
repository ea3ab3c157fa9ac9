"""Picking the sentences of an extractive answer: a follow-up's own words decide, not the earlier question's."""

from __future__ import annotations

import pytest

from assistant.asks import read_question
from assistant.cite import attach_citations
from assistant.compose import candidate_statements, score_statements
from assistant.records import Passage
from assistant.retrieve import ChunkStore
from assistant.text import terms

EARLIER = "What do organisations do when money gets tight?"
FOLLOW_UP = "And what did they say was still missing?"
TEXT = ("When money gets tight, organisations remain sovereign and think their own way out of the problems. "
        "Stakeholders said trust and maturity between partners was still missing.")
OTHER = "Integrated care boards commission most hospital services for their population."


def best_sentence(context_weight: float) -> str:
    store = ChunkStore(["c1", "c2"], [TEXT, OTHER], [{"source": "guide", "position": 0}, {"source": "guide", "position": 1}])
    passage = store.passage(0)
    asks = read_question(FOLLOW_UP, store.document_frequency, {}, {})
    scored = score_statements(
        candidate_statements([passage]), asks, terms(f"{FOLLOW_UP} {EARLIER}"), {}, store, 1.0,
        focus=terms(FOLLOW_UP), context_weight=context_weight,
    )
    return max(scored, key=lambda statement: statement.score).text


@pytest.mark.fast
def test_a_follow_up_is_answered_by_the_sentence_matching_its_own_words():
    assert best_sentence(context_weight=0.25).startswith("Stakeholders said trust and maturity")


@pytest.mark.fast
def test_with_earlier_words_counted_in_full_the_earlier_answer_would_be_repeated():
    assert best_sentence(context_weight=1.0).startswith("When money gets tight")


@pytest.mark.fast
def test_a_sentence_joined_across_a_paragraph_break_is_quoted_as_the_passage_has_it():
    text = ("The flexibility of ICSs should be seen positively. As the Kings Fund explain:\n\n"
            "The flexibility ICSs have been given lets them suit their local contexts and population needs.")
    passage = Passage("c1", text, "guide", "Guide", "", 0)
    statements = candidate_statements([passage])
    joined = max(statements, key=lambda statement: statement.span)
    assert "As the Kings Fund explain: The flexibility ICSs" in joined.text
    _, citations = attach_citations([joined])
    assert citations[0].quotes and all(quote in text for quote in citations[0].quotes)
