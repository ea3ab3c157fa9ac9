"""Picking the sentences of an extractive answer: a follow-up's own words decide, not the earlier question's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.question.asks import read_question
from assistant.answer.cite import attach_citations
from assistant.answer.compose import (
    answer_every_part, candidate_statements, choose_statements, compose_extractive, is_reading_line, score_statements,
)
from assistant.answer.picker import load_picker
from assistant.records import Passage
from assistant.search.retrieve import ChunkStore
from assistant.settings import Settings
from assistant.text import terms

EARLIER = "What do organisations do when money gets tight?"
FOLLOW_UP = "And what did they say was still missing?"
TEXT = ("When money gets tight, organisations remain sovereign and think their own way out of the problems. "
        "Stakeholders said trust and maturity between partners was still missing.")
OTHER = "Integrated care boards commission most hospital services for their population."


def best_sentence(focus: list[str]) -> str:
    store = ChunkStore(["c1", "c2"], [TEXT, OTHER], [{"source": "guide", "position": 0}, {"source": "guide", "position": 1}])
    passage = store.passage(0)
    asks = read_question(FOLLOW_UP, store.document_frequency, {}, {})
    scored = score_statements(
        candidate_statements([passage]), asks, terms(f"{FOLLOW_UP} {EARLIER}"), {}, store, load_picker(), focus=focus
    )
    return max(scored, key=lambda statement: statement.score).text


@pytest.mark.fast
def test_a_follow_up_is_answered_by_the_sentence_matching_its_own_words():
    assert best_sentence(focus=terms(FOLLOW_UP)).startswith("Stakeholders said trust and maturity")


@pytest.mark.fast
def test_with_earlier_words_counted_as_the_ask_the_earlier_answer_would_be_repeated():
    assert best_sentence(focus=[]).startswith("When money gets tight")


@pytest.mark.fast
def test_a_list_the_ask_does_not_ask_for_is_quoted_by_the_items_that_answer_it():
    text = ("NHS England has chosen these priority areas:\n- A radical upgrade in early intervention\n"
            "- Continuity of care on release from prison\n- Greater integration of services driven by better partnerships")
    store = ChunkStore(["c1"], [text], [{"source": "strategy", "position": 0}])
    question = "Is there one of the priority areas about better partnerships?"
    asks = read_question(question, store.document_frequency, {}, {})
    listed = candidate_statements([store.passage(0)])
    assert len(listed) == 1 and len(listed[0].items) == 3
    scored = score_statements(listed, asks, terms(question), {}, store, load_picker(), focus=terms(question))
    assert scored[0].items == ("- Greater integration of services driven by better partnerships",)
    assert scored[0].list_length == 3  # what the list holds is still known to the count checks
    every = read_question("What are the priority areas?", store.document_frequency, {}, {})
    assert len(score_statements(listed, every, terms("priority areas"), {}, store, load_picker())[0].items) == 3


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


def scored_for(text: str, question: str):
    """One passage of ``text``, the question read against it, and its statements scored by the shipped picker."""
    store = ChunkStore(["c1"], [text], [{"source": "custody", "position": 0}])
    asks = read_question(question, store.document_frequency, {}, {})
    scored = score_statements(candidate_statements([store.passage(0)]), asks, terms(question), {}, store, load_picker(),
                              focus=terms(question))
    return store, asks, scored


@pytest.mark.fast
def test_each_part_of_a_message_that_asks_two_things_is_answered():
    text = ("A national programme invited police forces to enter into a two year initial partnership. "
            "The first year saw ten police forces join up. "
            "The aim of the partnership was to establish a position of readiness to transfer commissioning.")
    question = "How long was the initial partnership meant to last, and what was it trying to get ready for?"
    store, asks, scored = scored_for(text, question)
    assert asks.parts == ("How long was the initial partnership meant to last", "what was it trying to get ready for?")
    first_part_only = [scored[0]]  # as if the picker had quoted the answer to the first part alone
    assert "two year" in first_part_only[0].text
    answered = answer_every_part(first_part_only, scored, asks, store)
    assert [statement.text for statement in answered] == [first_part_only[0].text, scored[2].text]
    # One ask, or a part with no words of its own ("List them all"), adds nothing.
    for single in ("How long was the initial partnership meant to last?",
                   "How long was the initial partnership meant to last? List them all."):
        one = read_question(single, store.document_frequency, {}, {})
        assert answer_every_part(first_part_only, scored, one, store) == first_part_only


@pytest.mark.fast
def test_a_short_answer_is_filled_out_with_the_next_likeliest_statement_marked_as_a_filler():
    text = ("The Programme came about as a consequence of the Bradley Report published in April 2009. "
            "Lord Bradley was asked to consider ways to divert people with mental health problems away from custody. "
            "Integrated care boards commission most hospital services for their population.")
    _, _, scored = scored_for(text, "When was the Bradley Report published?")
    picker = replace(load_picker(), ratio=1.0)  # only the likeliest statement is worth quoting on its chance
    alone = choose_statements(scored, 6, 10, replace(picker, min_words=0))
    filled = choose_statements(scored, 6, 10, replace(picker, min_words=20))
    assert [st.text for st in alone] == [scored[0].text] and not alone[0].fills
    assert len(filled) == 2 and filled[0] == alone[0] and filled[1].fills  # 15 words: the next one too
    assert "divert people" in filled[1].text


@pytest.mark.fast
def test_a_list_introduced_as_further_resources_is_quoted_only_when_reading_is_asked_for():
    text = ("There is variation across the country in how services are designed, based on local need.\n\n"
            "More information is available about ICS structures from the following resources:\n\n"
            "- NHS England's journey towards integrated care\n- The Kings Fund report on integrated care")
    store = ChunkStore(["c1"], [text], [{"source": "tool", "position": 0}])

    def quoted(question: str) -> list[str]:
        asks = read_question(question, store.document_frequency, {}, {})
        statements, _ = compose_extractive([store.passage(0)], asks, terms(question), {}, store, Settings(),
                                           focus=terms(question))
        return [statement.text for statement in statements]

    listed = [st for st in candidate_statements([store.passage(0)]) if st.items]
    assert len(listed) == 1 and is_reading_line(listed[0])
    assert not any("following resources" in text for text in quoted("Why do ICS structures vary across the country?"))
    assert any("following resources" in text for text in quoted("Where can I read more about ICS structures?"))


@pytest.mark.fast
def test_an_introduction_whose_list_is_past_the_passage_end_is_not_quoted_alone():
    first = Passage("c1", "ICSs replaced CCGs in July 2022.\n\nAs statutory NHS bodies, ICSs will:", "tool", "Tool", "", 0)
    second = Passage("c2", "- Hold budgets and directly employ staff\n- Develop a capital plan", "tool", "Tool", "", 1)
    alone = [statement.text for statement in candidate_statements([first])]
    assert alone == ["ICSs replaced CCGs in July 2022."]
    with_list = candidate_statements([first, second])
    assert with_list[-1].text == "As statutory NHS bodies, ICSs will:" and len(with_list[-1].items) == 2


@pytest.mark.fast
def test_an_aside_in_brackets_is_quoted_with_the_sentence_it_belongs_to():
    text = ("“You need a lot of trust and maturity, and we’re not quite there yet.”\n(ICB stakeholder)\n\n"
            "Funding was the second barrier.")
    statements = candidate_statements([Passage("c1", text, "guide", "Guide", "", 0)])
    assert [statement.text for statement in statements] == [
        "“You need a lot of trust and maturity, and we’re not quite there yet.” (ICB stakeholder)",
        "Funding was the second barrier.",
    ]


@pytest.mark.fast
def test_a_list_that_opens_its_passage_is_quoted_with_the_sentence_before_the_chunk_edge():
    from assistant.search.evidence import list_lead_ins

    meta = {"source": "guide", "section": "ICBs"}
    store = ChunkStore(
        ["c1", "c2"],
        ["ICBs plan care for their area. Services commissioned directly by the ICB include:",
         "- Planned hospital care.\n- Urgent and emergency services, including ambulance services."],
        [{**meta, "position": 0}, {**meta, "position": 1}],
    )
    evidence = [store.passage(1)]
    lead_ins = list_lead_ins(evidence, store)
    assert lead_ins == {"c2": store.passage(0)}
    (statement,) = candidate_statements(evidence, lead_ins)  # the lead-in's other sentence is no candidate
    assert statement.text == "Services commissioned directly by the ICB include:" and len(statement.items) == 2
    assert statement.passage.chunk_id == "c1"  # quoted, and cited, from the whole chunk it is in
