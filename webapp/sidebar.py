"""The sidebar on every page: the answer engine, what the guidance holds, and the conversation's controls."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from assistant.navigator import Navigator
from assistant.settings import Settings
from webapp.access import Visitor
from webapp.conversation import conversation_markdown, start_new_conversation, turns
from webapp.navigator_cache import ENGINE_KEY, available_engines
from webapp.sign_in import render_who


def render_sidebar(settings: Settings, navigator: Navigator, visitor: Visitor) -> None:
    with st.sidebar:
        render_who(visitor)
        engines = available_engines(settings)
        st.selectbox(
            "Answer engine",
            engines,
            index=engines.index(settings.engine) if settings.engine in engines else 0,
            key=ENGINE_KEY,
            help="Extractive (fast): answers only with sentences quoted from the guidance. "
            "llamacpp, ollama, openai: a language model writes the answer in plain words from the same "
            "passages; every sentence is checked against the passage it cites before you see it, and the "
            "extractive answer is shown instead if too little survives.",
        )
        st.caption(corpus_summary(navigator))
        conversation = turns()
        st.button("New conversation", icon=":material/add_comment:", width="stretch", on_click=start_new_conversation)
        st.download_button(
            "Download conversation",
            data=conversation_markdown(conversation, guidance_words=navigator.vocabulary.word_counts),
            file_name=f"navigator-conversation-{datetime.now(timezone.utc):%Y-%m-%d}.md",
            mime="text/markdown",
            icon=":material/download:",
            width="stretch",
            disabled=not conversation,
            on_click="ignore",
        )


def corpus_summary(navigator: Navigator) -> str:
    """What the guidance holds and when the index last changed, in two short lines."""
    library = navigator.follow_index()
    documents = library.documents
    passages = sum(document["chunks"] for document in documents)
    built_at = library.built_at
    updated = f"{datetime.fromisoformat(built_at):%d %b %Y %H:%M} UTC" if built_at else "unknown"
    return f"**Guidance:** {len(documents)} documents · {passages} passages  \nIndex updated {updated}"
