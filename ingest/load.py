"""Stage 1: read every file of the corpus into pages of raw text, or say why it was skipped."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from langchain_community.document_loaders import Docx2txtLoader, PyPDFLoader, TextLoader

from assistant.settings import Settings
from ingest.documents import LoadedDocument, Page, Skipped, SourceInfo

SOURCES_FILE = "sources.json"
FORMATS = {".txt": "txt", ".md": "md", ".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx"}
# Elements that stand on lines of their own: their text must not run into the next ("Custody healthcare
# noteCustody healthcare services ..."); inline ones (<b>, <a>, <span>) stay within their sentence.
HTML_BLOCKS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
)


class UnreadableFile(Exception):
    """Raised with the reason a person should read when a file cannot be ingested."""


@dataclass(frozen=True)
class Limits:
    """What one file may hold (settings ``max_file_mb``, ``max_unpacked_mb``, ``max_line_chars``): a file over a
    limit is skipped with the reason, so that one odd file cannot stall the ingest for hours."""

    file_bytes: float
    unpacked_bytes: float
    line_chars: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.max_file_mb * 1e6, settings.max_unpacked_mb * 1e6, settings.max_line_chars)


DEFAULT_LIMITS = Limits.of(Settings.model_construct())  # the settings' defaults, without reading the environment


def too_large(size: int, max_file_bytes: int) -> str:
    """The reason a file over the size limit is refused (NAVIGATOR_MAX_FILE_MB)."""
    return f"{size / 1_000_000:.1f} MB, over the {max_file_bytes / 1_000_000:g} MB limit for one document"


def read_sources(corpus_dir: Path) -> dict[str, SourceInfo]:
    """Titles, publishers and dates from ``sources.json`` (none when it is absent)."""
    path = corpus_dir / SOURCES_FILE
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"not valid JSON ({exc}); titles fall back to file names") from exc
    return {
        entry["file"]: SourceInfo(
            title=entry.get("title", ""),
            publisher=entry.get("publisher", ""),
            date=entry.get("date", ""),
            kind=entry.get("kind", ""),
            author=entry.get("author", ""),
        )
        for entry in entries
    }


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every file below the corpus folder except ``sources.json`` and hidden files, in a stable order."""
    return sorted(
        path
        for path in corpus_dir.rglob("*")
        if path.is_file() and path.name != SOURCES_FILE and not any(p.startswith(".") for p in path.parts)
    )


def load_corpus(corpus_dir: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[LoadedDocument | Skipped]:
    try:
        sources = read_sources(corpus_dir)
    except UnreadableFile as exc:
        sources = {}
        yield Skipped(SOURCES_FILE, str(exc))
    for path in corpus_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            yield load_file(path, source, sources.get(source), limits)
        except UnreadableFile as exc:
            yield Skipped(source, str(exc))


def load_file(path: Path, source: str, info: SourceInfo | None, limits: Limits = DEFAULT_LIMITS) -> LoadedDocument:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnreadableFile(f"unknown format '{path.suffix or '(no extension)'}'")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty file")
    if size > limits.file_bytes:
        raise UnreadableFile(too_large(size, limits.file_bytes))
    if fmt == "docx":
        _check_archive(path, limits.unpacked_bytes)
    pages = _read_pages(path, fmt)
    if not any(page.text.strip() for page in pages):
        raise UnreadableFile("no text could be extracted (empty, or a scanned document without OCR)")
    longest = max(len(line) for page in pages for line in page.text.split("\n"))
    if longest > limits.line_chars:
        raise UnreadableFile(
            f"{longest:,} characters without a line break, over the limit of {limits.line_chars:,} "
            "(is it really text?)"
        )
    return LoadedDocument(source=source, format=fmt, info=info or SourceInfo(title=_title_from_name(path)), pages=pages)


def _read_pages(path: Path, fmt: str) -> list[Page]:
    try:
        if fmt == "pdf":
            return _read_pdf(path)
        if fmt == "html":
            return [Page(_html_text(path.read_text(encoding="utf-8")))]
        loader = {
            "txt": lambda: TextLoader(str(path), encoding="utf-8"),
            "md": lambda: TextLoader(str(path), encoding="utf-8"),
            "docx": lambda: Docx2txtLoader(str(path)),
        }[fmt]()
        return [Page(doc.page_content) for doc in loader.load()]
    except UnreadableFile:
        raise
    except Exception as exc:  # each loader fails in its own way; the person running ingest needs the gist
        raise UnreadableFile(_describe_failure(exc)) from exc


class _HTMLText(HTMLParser):
    """The text of an HTML page, read as a stream of tags: linear in the page, however deep its nesting (a parsed
    tree took three minutes for a page of 50,000 nested <div>s). What sits in <head>, <script> or <style> is no text."""

    HIDDEN = {"head", "script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self._tag(tag, +1)

    def handle_endtag(self, tag):
        self._tag(tag, -1)

    def _tag(self, tag: str, step: int) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden + step)
        elif tag in HTML_BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    """The text of an HTML page's body, each block element on lines of its own."""
    reader = _HTMLText()
    reader.feed(html)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(reader.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _check_archive(path: Path, max_unpacked_bytes: float) -> None:
    """A DOCX is a zip: refuse one that would unpack to more than the limit (a zip bomb) before reading it."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile("not a valid DOCX file (it is not a zip archive)") from exc
    if unpacked > max_unpacked_bytes:
        raise UnreadableFile(
            f"would unpack to {unpacked / 1e6:,.0f} MB, over the {max_unpacked_bytes / 1e6:,.0f} MB limit"
        )


def _read_pdf(path: Path) -> list[Page]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    # An owner password only restricts printing or copying and opens with an empty user password.
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadableFile("encrypted PDF (remove the password and add it again)")
    # PyPDFLoader numbers pages from 0; officers read page numbers from 1.
    return [Page(doc.page_content, int(doc.metadata.get("page", 0)) + 1) for doc in PyPDFLoader(str(path)).load()]


def _describe_failure(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
        text = f"{type(exc).__name__}: {exc}"
    if "UnicodeDecodeError" in text or "codec can't decode" in text:
        return "not UTF-8 text (save it as UTF-8 and add it again)"
    return f"could not be read ({text[:200]})"


def _title_from_name(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
