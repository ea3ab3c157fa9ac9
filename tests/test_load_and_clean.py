"""Loading every format, and cleaning the extraction artefacts found in the real corpus."""

from __future__ import annotations

from collections import Counter

import pytest

from ingest.clean import clean_document, fix_line, join_wrapped
from ingest.documents import LoadedDocument, Page, SourceInfo
from ingest.load import UnreadableFile, load_corpus, load_file
from tests.conftest import CORPUS
from tests.documents import PDF_BODY, write_docx, write_html, write_markdown, write_pdf

pytestmark = pytest.mark.fast  # no model, index or server: `make test-fast`


def test_pdf_keeps_page_numbers_and_drops_running_header_and_footer(tmp_path):
    doc = load_file(write_pdf(tmp_path / "briefing.pdf"), "briefing.pdf", None)
    assert [page.number for page in doc.pages] == [1, 2, 3]
    blocks = clean_document(doc)
    text = "\n".join(block.text for block in blocks)
    assert "Health and Justice Briefing" not in text
    assert "Page 2" not in text
    assert blocks[-1].page == 3
    assert [(b.text, b.page) for b in blocks if b.text[:2] == "2."] == [("2. Sexual assault services", 2)]
    assert any(block.text.startswith("Sexual Assault Referral Centres") and block.page == 2 for block in blocks)
    # The hard line wraps fpdf2 puts into the paragraph are joined back into one paragraph.
    assert PDF_BODY[0] in text


def test_docx_html_and_markdown_load_as_text(tmp_path):
    docx = load_file(write_docx(tmp_path / "hwb.docx"), "hwb.docx", None)
    html = load_file(write_html(tmp_path / "custody.html"), "custody.html", None)
    md = load_file(write_markdown(tmp_path / "notes.md"), "notes.md", None)
    assert "Directors of Public Health bridge" in docx.pages[0].text
    assert "Police and Crime Commissioners" in html.pages[0].text
    assert "var x" not in html.pages[0].text
    assert docx.info.title == "Hwb" and md.format == "md"
    headings = [b for b in clean_document(md) if b.kind == "heading"]
    assert [(h.text, h.level) for h in headings] == [("Glossary notes", 1), ("Place-based partnerships", 2)]


def test_an_html_heading_does_not_run_into_its_first_paragraph(tmp_path):
    page = tmp_path / "note.html"
    page.write_text(
        "<html><head><title>Custody healthcare note</title></head><body><h1>Custody healthcare note</h1>"
        "<p>Custody healthcare services are <b>commissioned</b> by NHS England.</p><ul><li>Nurses</li>"
        "<li>Doctors</li></ul></body></html>",
        encoding="utf-8",
    )
    text = load_file(page, "note.html", None).pages[0].text
    assert text.split("\n\n") == [
        "Custody healthcare note", "Custody healthcare services are commissioned by NHS England.", "Nurses", "Doctors"]


def test_titles_come_from_sources_json():
    docs = {doc.source: doc for doc in load_corpus(CORPUS)}
    assert len(docs) == 5
    guide = docs["ics-health-and-justice-collaboration-guide.txt"]
    assert guide.info.publisher == "Revolving Doors and Clinks"
    assert guide.info.date == "2023"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # link stubs and markdown escapes from the navigational tool
        ("This [slide deck by The Kings Fund](#) explains", "This slide deck by The Kings Fund explains"),
        ("local [health and wellbeing \\(HWB\\) board](#).", "local health and wellbeing (HWB) board."),
        ("- **Primary:** often the first point of contact", "- Primary: often the first point of contact"),
        # bullet glyphs from the PDF-extracted guide
        ("¢ Planned hospital care.", "- Planned hospital care."),
        ("*  Community health services.", "- Community health services."),
        (". Reduce high-risk behaviours,", "- Reduce high-risk behaviours,"),
        ("  • Develop Liaison and Diversion services", "- Develop Liaison and Diversion services"),
        # footnote markers stuck to sentence ends
        ("social and economic development.™", "social and economic development."),
        ("than in previous NHS restructures.?", "than in previous NHS restructures."),
        ("can support the ICBs success.®", "can support the ICBs success."),
        ("if not commissioned centrally.* Nonetheless", "if not commissioned centrally. Nonetheless"),
        # a real question mark is left alone
        ("2. What are Integrated Care Systems?", "2. What are Integrated Care Systems?"),
    ],
)
def test_fix_line_removes_artefacts_without_changing_words(raw, clean):
    assert fix_line(raw) == clean


def test_hyphenation_is_undone_only_for_real_words():
    vocabulary = Counter({"development": 3, "place": 5, "based": 4})
    assert join_wrapped("the wider develop-", "ment of trauma", vocabulary) == "the wider development of trauma"
    assert join_wrapped("footprint of ICSs — place-", "based partnerships", vocabulary) == (
        "footprint of ICSs — place-based partnerships"
    )
    assert join_wrapped("a hard", "wrap", vocabulary) == "a hard wrap"


def test_real_guide_loses_page_numbers_footnotes_and_line_wraps():
    doc = load_file(CORPUS / "ics-health-and-justice-collaboration-guide.txt", "guide.txt", None)
    blocks = clean_document(doc)
    texts = [block.text for block in blocks]
    joined = "\n".join(texts)
    assert "13" not in texts  # a bare page number
    assert "https://" not in joined  # footnotes that were only a URL
    assert "Edge et al. (2022)" not in joined  # a bibliographic footnote
    assert "™" not in joined and "¢" not in joined
    assert (
        "ICBs operate as single boards led by a chair and chief executive officer. There is flexibility to tailor"
        in joined
    )
    services = next(block for block in blocks if block.text.startswith("- Planned hospital care."))
    assert services.kind == "list" and services.text.count("\n- ") == 9  # ten services, one list


def test_a_paragraph_split_by_a_stray_blank_line_is_rejoined():
    doc = LoadedDocument("x.txt", "txt", SourceInfo("x"), [Page("support for the most\n\nvulnerable children.\n")])
    assert [block.text for block in clean_document(doc)] == ["support for the most vulnerable children."]


def test_unknown_format_and_empty_file_are_refused_with_a_reason(tmp_path):
    (tmp_path / "notes.xyz").write_text("hello")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(UnreadableFile, match="unknown format"):
        load_file(tmp_path / "notes.xyz", "notes.xyz", None)
    with pytest.raises(UnreadableFile, match="empty"):
        load_file(tmp_path / "empty.txt", "empty.txt", None)
