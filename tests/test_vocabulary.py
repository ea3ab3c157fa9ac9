"""Query understanding: acronyms, misspellings, follow-ups, fusion and the refusal checks."""

from __future__ import annotations

import pytest

from assistant.question.acronyms import load_glossary
from assistant.question.condense import condense
from assistant.search.fuse import reciprocal_rank_fusion
from assistant.records import Passage, Question
from assistant.question.vocabulary import Vocabulary
from tests.conftest import CORPUS

pytestmark = pytest.mark.fast  # no model, index or server: `make test-fast`


@pytest.fixture(scope="module")
def vocabulary():
    texts = [path.read_text(encoding="utf-8") for path in CORPUS.glob("*.txt")]
    return Vocabulary(load_glossary(), texts)


def test_glossary_covers_the_acronyms_officers_meet():
    glossary = load_glossary()
    for acronym in "ICS ICB ICP CCG STP HWB JSNA DPH L&D SARC CSTR MHTR OPCC PCC VCSE CQC YOT CAMHS IRC NOMS BNSSG".split():
        assert acronym in glossary


def test_acronyms_are_spelled_out_in_any_case(vocabulary):
    assert vocabulary.expand_acronyms("SARC?") == {"SARC": "sexual assault referral centre"}
    assert vocabulary.expand_acronyms("what do icbs do and what is L&D") == {
        "ICB": "integrated care board",
        "L&D": "liaison and diversion",
    }
    # a lower-case ordinary word that happens to be an acronym is left alone
    assert "PACE" not in vocabulary.expand_acronyms("grow the model at pace")


def test_an_acronym_a_document_defines_is_learned_without_the_glossary():
    learned = Vocabulary({}, ["The Health and Justice Clinical Reference Group (CRG) advises NHS England."])
    assert learned.expand_acronyms("Who sits on the CRG?") == {"CRG": "Clinical Reference Group"}


def test_misspellings_are_corrected_to_corpus_words(vocabulary):
    assert vocabulary.corrections("what is liason and diversoin") == {"liason": "liaison", "diversoin": "diversion"}
    assert vocabulary.corrections("intergrated care") == {"intergrated": "integrated"}


def test_a_misspelling_is_corrected_to_the_word_that_fits_the_rest_of_the_question():
    """Unrelated text beside the guidance brings nearer words: "discourse" is one edit from "discourge", "main" as
    near to "makin" as "making" is, and both far commoner in a software manual."""
    paragraphs = [part for path in CORPUS.glob("*.txt") for part in path.read_text(encoding="utf-8").split("\n\n")]
    manual = ["The main discourse of the main module is in the main function; see main below."] * 50
    beside = Vocabulary(load_glossary(), paragraphs + manual)
    assert beside.corrections("why did ccgs discourge partnership workin") == {
        "discourge": "discouraged", "workin": "working"}
    assert beside.corrections("makin partnerships work across the system") == {"makin": "making"}


def test_real_english_words_are_never_corrected(vocabulary):
    assert vocabulary.corrections("according to the guide, can I arrest someone") == {}
    # rarer real words, and British spellings the American word list lacks
    assert vocabulary.corrections("who has to authorise a youth conditional caution for detainees in Leeds") == {}
    assert vocabulary.corrections("the neighbourhood programme's behaviour and wording") == {}
    assert vocabulary.corrections("helthcare in prisn") == {"helthcare": "healthcare", "prisn": "prison"}


def test_a_follow_up_borrows_the_topic_of_the_conversation():
    assert condense(Question("When did it move to NHS England?", ("What is Liaison and Diversion?",))).endswith(
        "Liaison Diversion"
    )
    # back through a chain of follow-ups to the question that stood on its own
    chained = condense(Question("How many are there?", ("What are SARCs?", "Who commissions them?")))
    assert "SARCs" in chained and "commissions" in chained
    assert condense(Question("What does an ICB do?", ("What is a SARC?",))) is None  # stands on its own


def _passage(chunk_id: str) -> Passage:
    return Passage(chunk_id=chunk_id, text=chunk_id, source="s", title="t", section="", position=0)


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([[_passage("a"), _passage("b")], [_passage("b"), _passage("c")]], k=60)
    assert [p.chunk_id for p in fused] == ["b", "a", "c"]
    weighted = reciprocal_rank_fusion([[_passage("a")], [_passage("c")]], k=60, weights=[0.5, 1.0])
    assert [p.chunk_id for p in weighted] == ["c", "a"]


def test_an_acronyms_plural_is_the_acronym():
    from assistant.text import terms

    # the stemmer alone keeps the "s" of "JSNAs" and "CCGs"
    assert terms("JSNAs, CCGs and SARC's") == terms("JSNA, CCG and SARC")
