"""Answering on the real corpus with the default model: what an officer would notice."""

from __future__ import annotations

import re

import pytest

from eval.metrics import cited_sentences, holds_snippet, supports


def _top_texts(answer, k=5):
    return [p.text for p in answer.retrieved[:k]]


@pytest.mark.parametrize(
    ("question", "history", "snippet"),
    [
        ("Who is legally responsible for commissioning healthcare in police custody?", [],
         "The legal responsibility for commissioning police healthcare services in custody"),
        ("SARC?", [], "Sexual Assault Referral Centres"),
        ("what does an ICB do", [], "responsible for controlling most NHS resources"),
        ("L&D?", [], "aims to identify, assess and refer people"),
        ("what is liason and diversoin", [], "aims to identify, assess and refer people"),
        ("helth and welbeing bords - what are they for?", [], "bring together NHS, public health and local government"),
        ("When did it move to NHS England?", ["What is Liaison and Diversion?"],
         "From 1 April 2014, the Programme transitioned"),
        ("How many of them are there?", ["What are SARCs?", "Who commissions them?"], "supporting 36 Sexual Assault"),
    ],
)
def test_known_passages_are_retrieved(navigator, question, history, snippet):
    answer = navigator.ask(question, history)
    assert any(holds_snippet(text, snippet) for text in _top_texts(answer)), [t[:80] for t in _top_texts(answer)]
    assert not answer.refused


def test_a_follow_up_is_answered_in_context(navigator):
    answer = navigator.ask("When did it move to NHS England?", ["What is Liaison and Diversion?"])
    assert "1 April 2014" in answer.answer


def test_a_list_question_gets_the_list(navigator):
    answer = navigator.ask("What services do ICBs commission directly?")
    for service in ("Planned hospital care", "Maternity services", "Mental health services", "Continuing healthcare"):
        assert service in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "What are my powers under section 136 of the Mental Health Act?",
        "What's the weather forecast for London tomorrow?",
        "What is the weather in London tomorrow?",  # "London" is in the guidance; the weather is not
        "What's the phone number for the L&D team in Leeds?",
        "How much does NHS England spend on Liaison and Diversion services each year?",
        # A count the guidance does not give, though it mentions the thing counted
        "How many custody nurses work in England?",
        # A rare name mentioned in the guidance, but never together with what is asked about it
        "Who is the Director of Public Health for Dorset?",
        # The guidance mentions the eight actions and all 42 boards, but names none of them
        "What are the eight urgent actions on health inequalities that were set out on 31 July?",
        "List the names of all 42 integrated care boards.",
        # findings asked for; the guidance says only that they are expected
        "What did the interim evaluation of the BNSSG Vanguard find?",
        # an amount asked for with "cost" as a verb, and an address: the guidance gives neither
        "What did the Good Neighbours scheme in North Tyneside cost to run?",
        "What's the address of the SARC in Bristol?",
    ],
)
def test_questions_the_guidance_does_not_answer_are_not_answered(navigator, question):
    answer = navigator.ask(question)
    assert answer.status in ("related", "not_covered") and answer.refused and answer.refusal_reason and answer.check
    if answer.status == "not_covered":
        assert answer.citations == [] and answer.answer.startswith("I can't find this in the guidance I have")
        assert "Liaison and Diversion" in answer.answer  # the refusal says what the guidance does cover
    else:  # the closest guidance, said plainly to be only that, with its sources
        assert answer.answer.startswith("The guidance does not answer this exactly") and answer.citations


def test_a_list_cut_from_its_introduction_by_a_chunk_edge_is_quoted_with_it(navigator):
    answer = navigator.ask("Whose job is it to commission ambulance and out-of-hours services now?")
    assert "Services commissioned directly by the ICB include:" in answer.answer


def test_a_situation_is_answered_whatever_place_age_or_role_it_names(navigator):
    answer = navigator.ask("Custody sergeant at Leicester here - 34 year old male in cell 4, sleeping rough, and I'm "
                           "fairly sure he has a learning disability. Is there an NHS service that's meant to pick "
                           "people like him up when they first come into contact with us?")
    assert answer.status == "answered", answer.refusal_reason
    assert "Liaison and Diversion" in answer.answer or "L&D" in answer.answer


def test_a_why_asked_in_words_the_guidance_never_uses_is_answered_with_reasons_joined_to_their_sentence(navigator):
    # Words the guidance never uses ("handed over") do not count against the evidence twice, and "Reasons for this
    # include ..." is a candidate together with the sentence it points back to. (The picker quotes other sentences
    # of the evidence first here: docs/adr/0009-a-fitted-sentence-picker.md.)
    answer = navigator.ask("Why was Health and Justice commissioning not handed over to the ICSs?")
    assert answer.status == "answered", answer.refusal_reason
    reasons = [c.text for c in answer.candidates if "Reasons for this include the complexity" in c.text]
    assert reasons and reasons[0].startswith("Despite serving a population")


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("How many SARCs are there?", "36"),  # the count, with the thing counted, in one sentence
        ("How many Liaison and Diversion trial schemes were announced?", "ten"),
        ("What kind of organisation is Revolving Doors?", "charity"),  # a rare name, asked about itself
        ("Who is Andy Brooks?", "primary care doctor"),  # named only in the heading of his biography
        ("H&J CRG - what is its vision?", "catalyst"),  # the text a colon introduces comes with it
        # a sentence that spells the acronym out speaks of it ("sexual assault service commissioning")
        ("When did NHS England take over SARC commissioning and how many SARCs are there?", "36"),
        ("What three main barriers to collaboration has previous research found?", "sharing data"),  # "identified"
        # as many things as asked for: a list, or a sentence that goes on to name them
        ("What are the seven priority areas in the health and justice strategic direction?", "radical upgrade"),
        ("What five components of successful partnerships did NCVO identify?", "shared vision and values"),
        # misspellings are read as the words meant, and a word the guidance never uses weighs nothing in the count
        ("how many prisns are ther in englnd", "118"),
    ],
)
def test_what_the_guidance_gives_is_answered_with_the_fact(navigator, question, fact):
    answer = navigator.ask(question)
    assert not answer.refused, answer.refusal_reason
    assert fact in answer.answer


QUESTIONS = [
    ("What is Liaison and Diversion?", []),
    ("What are the seven priority areas in the health and justice strategic direction?", []),
    ("Who is on the board of an ICB?", []),
    ("How many of them are there?", ["What are SARCs?"]),
    ("What did the NCVO research find about partnerships?", []),
    ("What are the five domains of the NHS outcomes framework?", []),
]


@pytest.mark.parametrize(("question", "history"), QUESTIONS)
def test_every_citation_points_at_a_passage_holding_the_cited_words(navigator, question, history):
    answer = navigator.ask(question, history)
    assert not answer.refused
    by_number = {c.n: c for c in answer.citations}
    assert sorted(by_number) == list(range(1, len(by_number) + 1))
    cited = cited_sentences(answer.answer)
    assert cited and all(numbers for _, numbers in cited)  # no uncited statement
    for sentence, numbers in cited:
        for n in numbers:
            assert n in by_number, f"[{n}] cites no passage"
            assert supports(by_number[n].text, sentence), (sentence, by_number[n].text)
    for citation in answer.citations:
        assert all(quote in citation.text for quote in citation.quotes)  # quotes are verbatim


@pytest.mark.parametrize(("question", "history"), QUESTIONS)
def test_answers_quote_whole_sentences_and_never_repeat_one(navigator, question, history):
    from assistant.text import sentences

    answer = navigator.ask(question, history)
    quotes = [quote for c in answer.citations for quote in c.quotes]
    assert len(quotes) == len(set(quotes))
    for citation in answer.citations:
        units = sentences(citation.text)
        for quote in citation.quotes:
            # each line is a whole sentence or list item of the passage, or the lines are consecutive sentences
            assert all(line in units for line in quote.split("\n")) or quote in " ".join(units), quote


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Please type a question"), ("   \n\t ", "Please type a question"), ("x" * 1001, "under 1,000")],
)
def test_unusable_input_gets_a_clear_message(navigator, question, message):
    answer = navigator.ask(question)
    assert answer.status == "rejected" and message in answer.answer and answer.citations == []


def test_control_characters_are_tidied_not_fatal(navigator):
    answer = navigator.ask("What is\x00 a SARC?\x1b")
    assert not answer.refused and answer.question == "What is a SARC?"


def test_timings_and_signals_are_reported(navigator):
    answer = navigator.ask("What is a SARC?")
    assert {"guard", "understand", "retrieve", "rescore", "evidence", "compose", "check", "total"} <= set(answer.timings_ms)
    assert 0 < answer.signals["not_close"] <= 1 and answer.signals["unknown_words"] == 0  # every check's measurement


def test_a_passage_that_writes_only_the_acronym_is_found_by_the_spelled_out_words(navigator):
    from assistant.text import terms

    row = next(i for i, text in enumerate(navigator.store.texts) if text.startswith("Furthermore, examples were given of shared investment"))
    assert "police and crime commissioner" not in navigator.store.texts[row].lower()  # it writes "PCC"
    assert set(terms("police and crime commissioner")) <= set(navigator.store.terms[row])
    found = navigator.lexical.search(terms("pooled money with a police and crime commissioner"), 3)
    assert any(p.chunk_id == navigator.store.ids[row] for p in found)
