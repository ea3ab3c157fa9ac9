"""The guidance documents in the app: reading one whole (adding and removing them: ingest/library_changes.py)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.settings import Settings
from ingest.clean import clean_document
from ingest.load import FORMATS, UnreadableFile, load_file
from webapp.markup import to_markdown

UPLOAD_TYPES = sorted(extension.lstrip(".") for extension in FORMATS)
QUOTED_ANCHOR = "quoted"


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
