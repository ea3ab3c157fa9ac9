"""Sections and chunks of the real corpus."""

from __future__ import annotations

import pytest

from assistant.settings import Settings
from assistant.text import sentences
from ingest.__main__ import build_chunks
from tests.conftest import CORPUS

pytestmark = pytest.mark.fast  # no model, index or server: `make test-fast`

GUIDE = "ics-health-and-justice-collaboration-guide.txt"


def _chunks():
    chunks, skipped, files = build_chunks(CORPUS, Settings())
    assert files == 5 and skipped == []
    return chunks


def test_numbered_sections_of_the_guide_become_sections():
    sections = {chunk.section.split(" > ")[0] for chunk in _chunks() if chunk.source == GUIDE}
    for heading in [
        "1. Introduction",
        "2. What are Integrated Care Systems?",
        "3. The role of Integrated Care Boards",
        "4. Why collaboration between NHS England Health and Justice and Integrated Care Boards is important",
        "5. The role of the Voluntary Community Sector",
        "6. Enablers to joint-working",
        "7. Barriers to joint-working",
        "8. Looking to the future",
    ]:
        assert heading in sections


def test_sub_headings_nest_under_their_section():
    sections = {chunk.section for chunk in _chunks() if chunk.source == GUIDE}
    assert "1. Introduction > Purpose of this guide" in sections
    assert (
        "4. Why collaboration between NHS England Health and Justice and Integrated Care Boards is important"
        " > The Bristol, North Somerset and South Gloucestershire (BNSSG) Vanguard"
    ) in sections


def test_unnumbered_headings_of_the_web_page_are_found():
    sections = {chunk.section for chunk in _chunks() if chunk.source == "nhs-england-health-and-justice.txt"}
    assert {"Liaison and Diversion", "Police custody healthcare across England", "Prison healthcare (including youth offender institutions)"} <= sections
    # "Domain 1 – ...", "Domain 2 – ..." are a run of short lines: a list, not five empty sections
    assert not any(section.startswith("Domain") for section in sections)


def test_chunks_stay_within_size_and_carry_their_heading_into_the_embedding():
    chunks = _chunks()
    settings = Settings()
    assert all(len(chunk.text) <= settings.chunk_size for chunk in chunks)
    ld = next(chunk for chunk in chunks if chunk.text.startswith("The Liaison and Diversion (L&D) service aims"))
    assert ld.embedded_text.startswith("Liaison and Diversion\n")  # the section path; the title is a setting


def test_the_embedded_heading_format_is_a_setting():
    from ingest.chunk import heading_context

    headings = ("3. The role of Integrated Care Boards", "Services")
    assert heading_context("Guide", headings, "section") == "3. The role of Integrated Care Boards > Services"
    assert heading_context("Guide", headings, "title_section") == "Guide > 3. The role of Integrated Care Boards > Services"
    assert heading_context("Guide", headings, "none") == ""


def test_chunks_end_at_a_sentence_or_at_the_end_of_a_paragraph_or_list_item():
    from ingest.clean import clean_document
    from ingest.load import load_corpus

    line_ends = {
        line[-40:]
        for doc in load_corpus(CORPUS)
        for block in clean_document(doc)
        for line in block.text.split("\n")
    }
    for chunk in _chunks():
        text = chunk.text.rstrip()
        assert text.endswith((".", "!", "?", ":", ";", "”", ")")) or text.split("\n")[-1][-40:] in line_ends, text[-80:]


def test_chunk_ids_are_stable_and_distinct():
    first, second = _chunks(), _chunks()
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_a_list_cut_from_its_lead_in_carries_the_lead_in_into_search():
    chunks = _chunks()
    services = next(chunk for chunk in chunks if chunk.text.startswith("- Planned hospital care."))
    assert services.lead_in == "Services commissioned directly by the ICB include:"
    assert services.lead_in in services.embedded_text and services.metadata()["lead_in"] == services.lead_in
    # a section that is nothing but a lead-in opens the next section, which becomes its sub-section
    vision = next(chunk for chunk in chunks if "To operate as a catalyst" in chunk.text)
    assert vision.text.startswith("The Health and Justice Clinical Reference Group is made up of")
    assert vision.section == "Health and Justice Clinical Reference Group (CRG) > Vision"
    # the sentence just before a list is its lead-in, with or without a colon
    outcomes = next(chunk for chunk in chunks if chunk.text.startswith("- Develop the understanding of the healthcare"))
    assert outcomes.lead_in.startswith("NHS England works in partnership with Youth Justice Board")
    # an ordinary paragraph that does not introduce a list is no lead-in
    strategy = next(chunk for chunk in chunks if chunk.text.startswith("Developed in collaboration with health"))
    assert strategy.lead_in == ""


def test_numbered_labels_and_definitions_become_lists_and_stray_labels_and_the_cover_title_are_dropped():
    chunks = _chunks()
    texts = "\n".join(chunk.text for chunk in chunks)
    assert "- Domain 1 – Preventing people from dying prematurely\n- Domain 2 – Enhancing" in texts
    # so are paragraphs that each define a term after a lead-in ("The main components of an ICS are:")
    assert "\n- Integrated Care Board: individuals responsible for managing the NHS budget" in texts
    # link labels ending a section, and a cover page that only repeats the document's title, are not passages
    for label in ("Liaison and Diversion programme details", "Health and Justice resources page"):
        assert label not in texts
    assert not any(chunk.text.startswith("Navigational tool to support the Police") for chunk in chunks)
    # a reading list is kept whole: its first entry is not taken for a label
    assert "The Hewitt Review: an independent review of integrated care systems" in texts


def test_a_list_item_wrapped_onto_a_line_of_its_own_stays_one_item():
    chunks = _chunks()
    assert not any("Partnership service is called" in chunk.section for chunk in chunks)
    assert any(
        "- Advice and Support in Custody and Court Delivered by Avon and Wiltshire Partnership service is called Youth "
        "Liaison and Diversion" in chunk.text
        for chunk in chunks
    )


def test_acronyms_are_spelled_out_for_search_and_embedding():
    chunk = next(chunk for chunk in _chunks() if chunk.text.startswith("ICBs operate as single boards"))
    assert chunk.acronyms["ICB"] == "integrated care board"
    assert chunk.metadata()["acronyms"].startswith("ICB: integrated care board")
    first = chunk.embedded_sentences()[0]
    assert first.startswith("ICBs operate as single boards led by a chair") and first.endswith("(ICB: integrated care board)")
    assert len(chunk.embedded_sentences()) == len(sentences(chunk.text))  # one vector per sentence shown


@pytest.mark.fast
def test_a_document_brings_the_acronyms_it_defines(tmp_path):
    (tmp_path / "local.md").write_text(
        "# Local agreement\n\nThe Custody Health Oversight Panel (CHOP) meets every month to review custody "
        "healthcare. The CHOP reports to the chief constable and the integrated care board each quarter.\n",
        encoding="utf-8",
    )
    chunks, skipped, files = build_chunks(tmp_path, Settings(corpus_dir=tmp_path))
    assert files == 1 and not skipped
    assert chunks[0].acronyms["CHOP"] == "Custody Health Oversight Panel"
