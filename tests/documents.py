"""Small documents of every supported format, written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

from docx import Document as DocxDocument
from fpdf import FPDF

PDF_HEADINGS = ["Liaison and Diversion", "Sexual assault services", "Integrated Care Boards"]
PDF_BODY = [
    "Liaison and Diversion services identify, assess and refer people with vulnerabilities "
    "when they first come into contact with the police.",
    "Sexual Assault Referral Centres are commissioned by NHS England with the police as co-commissioners.",
    "Integrated Care Boards plan health care services for their area and hold the NHS budget.",
]


def write_pdf(path: Path, pages: list[str] = PDF_BODY, header: str = "Health and Justice Briefing") -> Path:
    """A PDF with a running header, a footer with the page number, and one paragraph per page."""

    class Briefing(FPDF):
        def header(self):
            self.set_font("helvetica", size=9)
            self.cell(0, 8, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("helvetica", size=9)
            self.cell(0, 8, f"Page {self.page_no()}", align="C")

    pdf = Briefing()
    pdf.set_font("helvetica", size=12)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 14)
        pdf.cell(0, 10, f"{number}. {PDF_HEADINGS[(number - 1) % len(PDF_HEADINGS)]}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 7, text)
    pdf.output(str(path))
    return path


def write_encrypted_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="A confidential note about custody healthcare.")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.output(str(path))
    return path


def write_docx(path: Path) -> Path:
    doc = DocxDocument()
    doc.add_heading("Working with Health and Wellbeing Boards", level=1)
    doc.add_paragraph("Local police forces should be actively involved in their health and wellbeing board.")
    doc.add_paragraph("Directors of Public Health bridge local authorities and the NHS.")
    doc.save(str(path))
    return path


def write_html(path: Path) -> Path:
    path.write_text(
        "<html><head><title>Custody healthcare</title><script>var x = 1;</script></head><body>"
        "<h1>Custody healthcare</h1><p>The legal responsibility for commissioning police healthcare "
        "in custody is that of the Police and Crime Commissioners.</p><ul><li>First item</li></ul></body></html>",
        encoding="utf-8",
    )
    return path


def write_markdown(path: Path) -> Path:
    path.write_text(
        "# Glossary notes\n\n## Place-based partnerships\n\nPlace-based partnerships lead the detailed design "
        "and delivery of integrated services across their localities.\n",
        encoding="utf-8",
    )
    return path
