"""The guidance documents in the app: reading one whole, and adding new ones to the corpus."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from assistant.settings import Settings
from ingest.__main__ import ingest
from ingest.clean import clean_document
from ingest.documents import Skipped
from ingest.index import IngestReport
from ingest.load import FORMATS, UnreadableFile, load_file
from webapp.markup import to_markdown

UPLOAD_TYPES = sorted(extension.lstrip(".") for extension in FORMATS)
QUOTED_ANCHOR = "quoted"

# Two sessions adding documents at once would both build a new index from the same old one.
_ingest_lock = threading.Lock()


@dataclass
class AddedDocuments:
    added: list[str] = field(default_factory=list)  # files now in the corpus and the index
    not_added: list[Skipped] = field(default_factory=list)  # uploads left out, with the reason
    skipped_already: list[Skipped] = field(default_factory=list)  # files already in the folder the ingest skips
    report: IngestReport | None = None


def document_text(settings: Settings, source: str) -> str | None:
    """The text of a corpus file as Navigator reads it, or None when the file is no longer readable there."""
    corpus = settings.corpus_dir.resolve()
    path = (corpus / source).resolve()
    if not path.is_relative_to(corpus) or not path.is_file():
        return None
    try:
        # The modification time is part of the cache key, so a replaced file is read again.
        return _read_document(str(path), source, path.stat().st_mtime)
    except UnreadableFile:
        return None


@st.cache_data(max_entries=16, show_spinner=False)
def _read_document(path: str, source: str, modified: float) -> str:
    document = load_file(Path(path), source, None)
    paragraphs = []
    page = None
    for block in clean_document(document):
        if block.page is not None and block.page != page:
            page = block.page
            paragraphs.append(f"(page {page})")
        paragraphs.append(block.text)
    return "\n\n".join(paragraphs)


@st.dialog("Guidance document", width="large")
def show_document(settings: Settings, source: str, title: str, highlight: tuple[str, ...] = ()) -> None:
    st.markdown(f"**{to_markdown(title)}**")
    text = document_text(settings, source)
    if text is None:
        st.warning("This document is no longer in the corpus folder, so it cannot be shown.")
        return
    body = to_markdown(text, highlight)
    if "<mark>" in body:
        # A link down to the first quoted sentence: a long document would otherwise hide it.
        body = body.replace("<mark>", f'<mark id="{QUOTED_ANCHOR}">', 1)
        st.markdown(
            f'The sentences the answer quotes are highlighted: <a href="#{QUOTED_ANCHOR}">go to the first</a>.',
            unsafe_allow_html=True,
        )
    st.markdown(body, unsafe_allow_html=True)


def add_documents(settings: Settings, uploads: list[tuple[str, bytes]]) -> AddedDocuments:
    """Save uploaded files into the corpus folder and bring the index up to date (only new text is embedded).

    A file the ingest cannot read is removed again, so the folder holds only what Navigator can answer from.
    An upload never replaces a document of the same name: that would change answers already given.
    """
    outcome = AddedDocuments()
    saved = []
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    for name, content in uploads:
        name = Path(name).name  # never a path the uploader chose
        target = settings.corpus_dir / name
        if name.startswith(".") or target.suffix.lower() not in FORMATS:
            outcome.not_added.append(Skipped(name, "not a PDF, Word, text, Markdown or HTML file"))
        elif target.exists():
            outcome.not_added.append(Skipped(name, "a document with this name is already there; rename the file"))
        else:
            target.write_bytes(content)
            saved.append(name)
    if not saved:
        return outcome
    try:
        with _ingest_lock:
            outcome.report = ingest(settings, show_progress=False)
    except Exception:
        # The index did not change: take the files out again, so the folder still matches it.
        for name in saved:
            (settings.corpus_dir / name).unlink(missing_ok=True)
        raise
    for item in outcome.report.skipped:
        if item.source in saved:
            (settings.corpus_dir / item.source).unlink()
            outcome.not_added.append(item)
        else:
            outcome.skipped_already.append(item)
    outcome.added = [name for name in saved if name not in {item.source for item in outcome.not_added}]
    return outcome
