"""Reading the question once, and the checks table: no model, no index (quick)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.question.asks import named_documents, own_words, read_question
from assistant.answer.checks import CHECKS, Case, Policy, decide, measure
from assistant.answer.compose import Statement
from assistant.records import Passage
from assistant.search.retrieve import ChunkStore
from assistant.settings import Settings
from assistant.text import terms, words
from assistant.question.acronyms import defined_acronyms, load_glossary, load_roles

pytestmark = pytest.mark.fast

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
KNOWN = Counter(w for path in CORPUS.glob("*.txt") for w in words(path.read_text(encoding="utf-8")))
GLOSSARY = {k.upper(): v for k, v in load_glossary().items()} | {k.upper(): v for k, v in load_roles().items()}
ROLES = {k.upper() for k in load_roles()}


def read(text: str):
    return read_question(text, KNOWN, GLOSSARY, ROLES)


def test_the_ask_is_apart_from_the_situation_around_it():
    asks = read("Custody sergeant at Leicester here - 34 year old male in cell 4, sleeping rough. "
                "Is there an NHS service that picks up people with a learning disability?")
    assert asks.ask == "Is there an NHS service that picks up people with a learning disability?"
    assert "Leicester" in asks.incidental and "34 year old" in asks.incidental and "cell 4" in asks.incidental
    assert "Leicester" not in asks.searched and "sleeping rough" in asks.searched  # the situation still searches
    assert asks.numbers == () and asks.unknown_names == ()


def test_roles_and_ranks_are_context_never_the_subject():
    asks = read("My DI reckons SOIT officers have no say in SARCs. What does a PC need to know about SARCs?")
    assert {"DI", "SOIT", "PC"} <= set(asks.incidental)
    assert asks.names == () and asks.unknown_names == ()


def test_numbers_and_names_in_the_ask_are_its_subject():
    asks = read("How long can I keep a 13 year old under section 46 of the Children Act 1989?")
    assert asks.numbers == ("46", "1989")  # the age is context
    assert read("Which ICB covers Manchester?").unknown_names == ("Manchester",)
    assert read("Did young people get a voice in the Bristol-area framework?").unknown_names == ()


def test_a_short_ask_that_points_back_reads_the_situation_with_it():
    asks = read("My DI reckons the police have no say at all in sexual assault services. Is that right?")
    assert "sexual assault services" in asks.ask and asks.context == ""


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What's the phone number of my local SARC?", "contact"),
        ("And who made all those check-in phone calls?", "who"),  # a call, not a number asked for
        ("How much is an ICB chief executive paid?", "amount"),
        ("How much do decisions outside the NHS affect health?", "other"),  # an extent, not money
        ("What did the scheme cost to run?", "amount"),
        ("How does NHS England decide how much money each ICB gets?", "method"),  # how it is worked out
        ("How much did each of them put into the pot?", "amount"),
        ("What's the address of the Bristol SARC?", "contact"),
        ("How should an ICB address health inequalities?", "other"),  # the verb, not a postal address
        ("What percentage of people seen by L&D have a learning disability?", "percentage"),
        ("How many SARCs are there?", "count"),
        ("When did it move to NHS England?", "date"),
        ("Who pays for it?", "who"),
        ("Who is the current chair of the Clinical Reference Group?", "post holder"),  # a person, not the post
        ("Who chairs the SARC board?", "post holder"),
        ("Who leads an ICB?", "who"),  # answered by the posts that lead it
        ("Where does the nav tool send me to read up on ICSs?", "reading"),
    ],
)
def test_the_kind_of_answer_wanted(question, kind):
    assert read(question).kind == kind


def test_how_many_things_and_what_is_counted():
    assert read("What are the seven priority areas?").things_asked_for == 7
    assert read("List the names of all 42 integrated care boards.").things_asked_for == 42
    assert read("What is domain 4?").things_asked_for == 0
    assert read("How many members sit on the Clinical Reference Group?").counted == ("member",)
    assert read("How many of them are there?").counted == ()
    assert read("Secure homes and training centres: how many of each are there?").counted == ()


def test_acronyms_the_guidance_defines_are_learned():
    learned = defined_acronyms(path.read_text(encoding="utf-8") for path in CORPUS.glob("*.txt"))
    assert learned["CRG"] == "Clinical Reference Group"
    assert learned["CSTR"] == "Community Sentence Treatment Requirement"
    assert learned["STP"] == "Sustainability and transformation partnerships"  # no trailing "and"


def _case(question: str, statement: str, similarity: float = 0.7, follows_up: bool = False) -> Case:
    meta = {"source": "a.txt", "title": "Guide", "section": "S", "position": 0}
    store = ChunkStore(["c1", "c2"], [statement, "Unrelated text about budgets."], [meta, {**meta, "position": 1}])
    passage = store.passage(0)
    asks = read(question)
    from assistant.text import terms

    return Case(asks, tuple(terms(asks.ask)), (passage,), (Statement(statement, passage, 0, 0, score=1.0),),
                similarity, store, GLOSSARY, follows_up=follows_up)


@pytest.mark.parametrize(
    ("question", "statement", "status", "check"),
    [
        ("What is a SARC?", "A SARC is a sexual assault referral centre.", "answered", ""),
        ("What's the phone number of the SARC?", "SARCs are commissioned by NHS England.", "related", "kind_missing"),
        ("Who chairs the SARC board?", "The SARC board is made up of a chair and members.", "related", "kind_missing"),
        ("Who chairs the SARC board?", "Dr Jane Smith chairs the SARC board.", "answered", ""),
        ("How many SARCs are there?", "SARCs are commissioned by NHS England.", "related", "count_missing"),
        ("What does section 136 say about SARCs?", "SARCs are commissioned by NHS England.", "related",
         "missing_number"),
        ("Which SARC covers Manchester?", "SARCs are commissioned by NHS England.", "related", "unknown_names"),
        # a premise the guidance contradicts is shown with what the guidance says, as the closest it has
        ("Why did SARC referrals go up after 2013?", "SARC referrals have been reduced since 2013.", "related",
         "premise_contradicted"),
        ("Why did SARC referrals go up after 2013?", "SARC referrals have increased since 2013.", "answered", ""),
        ("How were SARC referrals reduced after 2013?", "SARC referrals have been reduced since 2013.", "answered", ""),
    ],
)
def test_each_check_leads_to_its_status(question, statement, status, check):
    verdict = decide(measure(_case(question, statement)), Policy.from_settings(Settings()))
    assert (verdict.status, verdict.check) == (status, check)


def test_nothing_close_is_not_covered():
    verdict = decide(measure(_case("What is a SARC?", "A SARC is a centre.", similarity=0.1)),
                     Policy.from_settings(Settings()))
    assert (verdict.status, verdict.check) == ("not_covered", "not_close")


def test_a_follow_up_has_its_own_similarity_floor():
    policy = Policy.from_settings(Settings(min_similarity=0.4, follow_up_min_similarity=0.3))
    statement = "Now 400 people have used the service."
    asked_whole = decide(measure(_case("Have people used the service?", statement, similarity=0.35)), policy)
    followed_up = decide(measure(_case("Have people used the service?", statement, similarity=0.35, follows_up=True)),
                         policy)
    assert asked_whole.check == "not_close" and followed_up.status == "answered"


def test_every_check_has_a_code_a_message_and_a_status():
    assert len({c.code for c in CHECKS}) == len(CHECKS)
    assert all(c.message and c.status in ("related", "not_covered") for c in CHECKS)


def test_the_asks_own_words_leave_out_what_points_back():
    assert terms(own_words("How many of them are there?")) == []
    assert terms(own_words("And what did they say was still missing?")) == terms("what did say was still missing")


DOCUMENTS = [
    {"source": "tool.txt", "title": "Navigational tool to support the Police to work across the NHS system", "kind": "guidance"},
    {"source": "guide.txt", "title": "Integrated Care Boards and the voluntary sector: a guide to collaboration",
     "publisher": "Revolving Doors and Clinks", "kind": "guide"},
    {"source": "blog.txt", "title": "The final frontier? (blog)", "kind": "blog"},
    {"source": "other-blog.txt", "title": "Custody healthcare notes (blog)", "kind": "blog"},
]


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What does the collaboration guide say ICBs should do?", ("guide.txt",)),  # its sort, once: the guide
        ("Does the Revolving Doors guide mention Clinks?", ("guide.txt",)),  # the publisher's name
        ("What does the RD/Clinks guide list?", ("guide.txt",)),  # publishers joined by a slash
        ("Does the police guide to the NHS mention crime?", ("tool.txt",)),  # no guide is the police's: the tool is
        ("According to the police navigational tool, who runs an ICS?", ("tool.txt",)),  # in its title
        ("What does the custody healthcare blog say?", ("other-blog.txt",)),  # two blogs: told apart by the title
        ("What does the blog say?", ()),  # two blogs and nothing to tell them apart: neither
        ("What did the Bradley Report find?", ()),  # a report the guidance only cites is no indexed document
    ],
)
def test_a_document_the_message_names_is_read_from_its_sort_and_title(question, named):
    assert named_documents(question, DOCUMENTS) == named


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("According to the police navigational tool, who runs an ICS?", "According to , who runs an ICS?"),
        ("What does the collaboration guide say ICBs should do?", "What does say ICBs should do?"),
        ("Who runs an ICS, per the police navigational tool?", "Who runs an ICS, per ?"),
        ("The guide says ICSs are young. Which resource in the guide's further reading explains them?",
         "says ICSs are young. Which resource in further reading explains them?"),
        # The document is what is asked about: its name is searched.
        ("Who wrote the blog?", "Who wrote the blog?"),
        ("What is the purpose of the guide?", "What is the purpose of the guide?"),
        ("When the blog was written, what legislation was awaited?", "When the blog was written, what legislation was awaited?"),
    ],
)
def test_a_document_named_as_the_source_of_the_ask_is_not_searched(question, searched):
    documents = [d for d in DOCUMENTS if d["source"] != "other-blog.txt"]
    asks = read_question(question, KNOWN, GLOSSARY, ROLES, documents)
    assert asks.searched == searched
    assert asks.documents  # still where the answer is looked for


def test_the_publisher_a_document_is_named_by_is_not_a_name_the_answer_must_repeat():
    asks = read_question("CSTR - does the RD/Clinks guide put it under NHSE's remit?", KNOWN, GLOSSARY, ROLES, DOCUMENTS)
    assert asks.documents == ("guide.txt",) and asks.names == ()
    asks = read_question("Is CSTR in NHSE's remit per the RD/Clinks guide?", KNOWN, GLOSSARY, ROLES, DOCUMENTS)
    assert asks.documents == ("guide.txt",) and asks.names == ()
