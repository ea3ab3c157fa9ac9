"""One officer's conversation, kept in Streamlit's session state: the questions, the answers, the feedback."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import uuid4

import streamlit as st

from assistant.stores.audit import record_answer
from assistant.question.guard import tidy
from assistant.navigator import Answer, Navigator
from assistant.question.privacy import mask_personal_data

log = logging.getLogger(__name__)

TURNS_KEY = "turns"
PENDING_KEY = "pending_question"  # a question clicked on (an example or a suggestion), asked on the next run
FAILURE_MESSAGE = "Sorry, Navigator could not answer just now. Please try again in a moment."


@dataclass
class Turn:
    question: str
    answer: Answer | None = None
    notice: str = ""  # shown instead of an answer: why the question was not taken, or that answering failed
    failed: bool = False
    feedback_sent: bool = False
    id: str = field(default_factory=lambda: uuid4().hex[:12])  # keys this turn's widgets

    @property
    def answered(self) -> bool:
        return self.answer is not None and not self.answer.refused


def turns() -> list[Turn]:
    return st.session_state.setdefault(TURNS_KEY, [])


def start_new_conversation() -> None:
    st.session_state[TURNS_KEY] = []
    st.session_state.pop(PENDING_KEY, None)


def ask_later(question: str) -> None:
    """Button callback: the next run asks ``question`` as if it had been typed."""
    st.session_state[PENDING_KEY] = question


def take_pending_question() -> str | None:
    return st.session_state.pop(PENDING_KEY, None)


def earlier_questions(conversation: list[Turn]) -> list[str]:
    """The questions a follow-up may lean on: only answered ones, since a follow-up borrows the topic of the
    questions back to the last that stood on its own, and a refused question would lend it a topic the
    guidance does not cover."""
    return [turn.question for turn in conversation if turn.answered]


def writing_progress(placeholder) -> Callable[[str], None]:
    """How far a language model has got. Its draft is not shown: a sentence reaches the officer only after
    verification has found it in the passage it cites."""
    written: list[str] = []

    def show(token: str) -> None:
        written.append(token)
        words = len("".join(written).split())
        placeholder.caption(f"Writing the answer… {words} words so far; each sentence is checked before it is shown.")

    return show


def answer_question(
    navigator: Navigator, question: str, history: list[str], on_token: Callable[[str], None] | None = None
) -> Turn:
    """The question answered, or a turn holding the short message the officer sees instead.

    The turn keeps the question with personal data masked: it is what the page shows from now on, what
    the downloaded conversation holds, and what feedback stores.
    """
    guidance_words = navigator.vocabulary.word_counts
    try:
        answer = navigator.ask(question, history, on_token=on_token)
        record_answer(answer, navigator.settings, "chat", question, guidance_words)
        return Turn(answer.question, answer=answer)
    except Exception as exc:  # the officer gets a short message, never a traceback
        # Only the exception type and the code path are logged: its message could quote the question,
        # and officers may paste personal data into it.
        log.error("Answering failed (%s):\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        return Turn(shown_question(question, guidance_words), notice=FAILURE_MESSAGE, failed=True)


def shown_question(question: str, guidance_words: Collection[str]) -> str:
    """A question as the page echoes it before (or instead of) an answer: tidied and masked as the guard does."""
    return mask_personal_data(tidy(question), guidance_words)


def conversation_markdown(
    conversation: list[Turn], exported_at: datetime | None = None, guidance_words: Collection[str] = frozenset()
) -> str:
    """The conversation as a Markdown document, each answer followed by the sources it cites; everything in it
    passes the personal-data guard once more (names the guidance uses, in ``guidance_words``, stay)."""
    return mask_personal_data(_markdown(conversation, exported_at or datetime.now(timezone.utc)), guidance_words)


def _markdown(conversation: list[Turn], exported_at: datetime) -> str:
    lines = [
        "# Navigator conversation",
        "",
        f"Exported {exported_at:%d %B %Y, %H:%M} UTC. Answers quote NHS guidance documents; they are not legal advice.",
    ]
    for number, turn in enumerate(conversation, 1):
        lines += ["", f"## {number}. {turn.question}", ""]
        if turn.answer is None:
            lines.append(f"_{turn.notice}_")
            continue
        lines.append(turn.answer.answer)
        if turn.answer.citations:
            lines += ["", "**Sources**"]
        for citation in turn.answer.citations:
            where = source_label(citation.title, citation.section, citation.page)
            lines += ["", f"[{citation.n}] {where} ({citation.source})"]
            lines += [f"> {quoted}" for quote in citation.quotes for quoted in quote.split("\n")]
    return "\n".join(lines) + "\n"


def source_label(title: str, section: str, page: int | None) -> str:
    """Where a citation points, in words: "Title, Section, page 4"."""
    return ", ".join(part for part in (title, section, f"page {page}" if page else "") if part)
