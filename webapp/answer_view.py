"""How one turn of the conversation looks: the question, the answer with its sources, and the feedback."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator

import streamlit as st

from assistant.stores.feedback import feedback_path, save_feedback
from assistant.navigator import Citation
from assistant.settings import Settings
from webapp.access import current_visitor
from webapp.conversation import Turn, ask_later
from webapp.documents import show_document
from webapp.examples import suggestions_for
from webapp.markup import statements, to_markdown
from webapp.navigator_cache import navigator_for

log = logging.getLogger(__name__)

STATEMENT_PAUSE_SECONDS = 0.06
OFFICER_AVATAR = ":material/local_police:"
NAVIGATOR_AVATAR = ":material/explore:"


def render_turn(turn: Turn, settings: Settings) -> None:
    render_question(turn.question)
    with st.chat_message("assistant", avatar=NAVIGATOR_AVATAR):
        render_reply(turn, settings)


def render_question(question: str) -> None:
    with st.chat_message("user", avatar=OFFICER_AVATAR):
        st.markdown(to_markdown(question))


def render_reply(turn: Turn, settings: Settings, stream: bool = False) -> None:
    """The assistant's side of a turn; ``stream`` reveals the answer statement by statement."""
    if turn.answer is None:
        (st.error if turn.failed else st.warning)(turn.notice)
        return
    if turn.answer.personal_data:
        kinds = ", ".join(dict.fromkeys(turn.answer.personal_data))
        st.warning(
            f"Your question seemed to hold personal data ({kinds}). It was not used to search, and it is "
            "masked above and in anything saved. Please leave it out next time.",
            icon=":material/shield_person:",
        )
    answer_text = to_markdown(turn.answer.answer)
    status = turn.answer.status
    if status == "rejected":  # the guard's message: empty, too long, instructions, a records request
        st.warning(answer_text, icon=":material/block:")
    elif status == "not_covered":
        # Set apart from answers, so a refusal is never read as one; it is a fixed text, so nothing streams.
        st.info(answer_text, icon=":material/search_off:")
        render_suggestions(turn)
    elif status == "related":  # the closest guidance, said to be so, with its sources
        st.info(answer_text, icon=":material/travel_explore:")
        render_sources(turn.answer.citations, settings, turn.id)
    else:
        if stream:
            st.write_stream(_paced(statements(answer_text)))
        else:
            st.markdown(answer_text)
        if turn.answer.fallback_reason:
            st.caption(
                f"The {turn.answer.engine} engine's answer was not used ({turn.answer.fallback_reason}): "
                "this answer quotes the guidance directly.",
            )
        render_sources(turn.answer.citations, settings, turn.id)
    render_feedback(turn, settings)


def _paced(pieces: Iterator[str]) -> Iterator[str]:
    # Not token streaming: the extractive engine has the whole answer before anything is shown. Revealing
    # it one cited statement at a time lets the officer start reading while the rest appears, as a
    # generating engine would; the pauses add well under a second.
    for piece in pieces:
        yield piece
        time.sleep(STATEMENT_PAUSE_SECONDS)


def render_sources(citations: list[Citation], settings: Settings, turn_id: str) -> None:
    """Each cited document once, as a link that opens it whole, with its cited passages under it."""
    if not citations:
        return
    st.caption("Sources")
    for number, cited in enumerate(_by_document(citations)):
        # The container's key gives it a CSS class: style.css makes the title button read like a link.
        with st.container(key=f"sources-{turn_id}-{number}", gap="xsmall"):
            if st.button(
                to_markdown(cited[0].title),
                key=f"open-{turn_id}-{number}",
                type="tertiary",
                icon=":material/description:",
                help="Read the whole document",
            ):
                show_document(settings, cited[0].source, cited[0].title, tuple(q for c in cited for q in c.quotes))
            for citation in cited:
                with st.expander(f"[{citation.n}] {to_markdown(_where(citation))}"):
                    st.markdown(to_markdown(citation.text, citation.quotes), unsafe_allow_html=True)


def _where(citation: Citation) -> str:
    """Where in its document a passage stands: "Section · page 4"."""
    parts = [citation.section, f"page {citation.page}" if citation.page else ""]
    return " · ".join(part for part in parts if part) or "Passage"


def _by_document(citations: list[Citation]) -> list[list[Citation]]:
    """Citations grouped by the document they come from, in the order the answer first cites each."""
    groups: dict[str, list[Citation]] = {}
    for citation in sorted(citations, key=lambda c: c.n):
        groups.setdefault(citation.source, []).append(citation)
    return list(groups.values())


def render_suggestions(turn: Turn) -> None:
    st.markdown("**Questions the guidance does answer:**")
    for number, suggestion in enumerate(suggestions_for(turn.question)):
        st.button(suggestion, key=f"suggest-{turn.id}-{number}", on_click=ask_later, args=(suggestion,))


def render_feedback(turn: Turn, settings: Settings) -> None:
    """Thumbs up or down; once one is picked, an optional comment and a button that saves both."""
    if turn.feedback_sent:
        st.caption("Thank you: your feedback was saved.")
        return
    rating = st.feedback("thumbs", key=f"rating-{turn.id}")
    if rating is None:
        return
    # A form, so the comment is sent with the button rather than on Enter.
    with st.form(key=f"feedback-{turn.id}", border=False):
        st.text_input(
            "Comment (optional)",
            key=f"comment-{turn.id}",
            max_chars=500,
            placeholder="What was right or wrong? No personal data, please.",
        )
        st.form_submit_button("Send feedback", on_click=_send_feedback, args=(turn, settings))


def _send_feedback(turn: Turn, settings: Settings) -> None:
    try:
        save_feedback(
            feedback_path(settings),
            turn.question,
            turn.answer.answer,
            turn.answer.citations,
            st.session_state[f"rating-{turn.id}"],
            st.session_state.get(f"comment-{turn.id}", ""),
            giver=current_visitor(settings).pseudonym,
            guidance_words=navigator_for(settings)[0].vocabulary.word_counts,  # cached: names the guidance uses stay
        )
    except (sqlite3.Error, OSError) as exc:
        log.error("Saving feedback failed: %s", type(exc).__name__)
        st.toast("Sorry, your feedback could not be saved.", icon=":material/error:")
        return
    turn.feedback_sent = True
