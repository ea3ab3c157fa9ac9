"""Stage 0: refuse input that cannot be a question, with a message the officer can act on."""

from __future__ import annotations

import re
import unicodedata

from assistant.question.instructions import reads_as_instruction

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
EMPTY = "Please type a question about working with the NHS."
UNREADABLE = "That question held no readable text (only control characters). Please type it again."
LETTERS = re.compile(r"[^\W\d_]+")
NOT_ENGLISH = "Navigator answers questions in English, from English guidance: please ask your question in English."
NOT_A_QUESTION_ABOUT_THE_GUIDANCE = (
    "Navigator only answers questions about working with the NHS, from the guidance it holds, and its instructions "
    "cannot be changed from the chat. Please ask about the guidance."
)
NO_RECORDS = (
    "Navigator holds published guidance, not records about people: it cannot look up anyone's details, numbers or "
    "history. Please use your force's systems for that, and ask Navigator about the guidance."
)
class QuestionRejected(ValueError):
    """The question cannot be answered as written; ``str(exc)`` is the message for the officer."""


def tidy(text: str) -> str:
    """The text as it may be echoed: control characters as spaces, and no format characters (Unicode "Cf":
    a right-to-left override would show the echoed question reversed; zero-width characters hide words)."""
    cleaned = CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")
    return re.sub(r"\s+", " ", cleaned).strip()


def check_question(text: str, max_chars: int) -> str:
    """The question, tidied; or QuestionRejected with a polite reason."""
    if text is None or not text.strip():
        raise QuestionRejected(EMPTY)
    if len(text) > max_chars:
        raise QuestionRejected(
            f"That question is {len(text):,} characters long; please keep it under {max_chars:,} "
            "and ask one thing at a time."
        )
    cleaned = tidy(text)
    if not cleaned:
        raise QuestionRejected(UNREADABLE)
    return cleaned


def check_language(text: str, is_known_word) -> None:
    """QuestionRejected for a question that is not in English.

    A question is taken for English when half its words are English or the guidance's own words (acronyms
    and misspellings included: "wat was the bradly report" passes); a question mostly in another script is not.
    """
    letters = "".join(LETTERS.findall(text))
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        raise QuestionRejected(NOT_ENGLISH)
    found = [w.lower() for w in LETTERS.findall(text)]
    if len(found) >= 3 and sum(map(is_known_word, found)) / len(found) < 0.5:
        raise QuestionRejected(NOT_ENGLISH)


def check_instructions(text: str) -> None:
    """QuestionRejected for an attempt to give Navigator new instructions ("Ignore previous instructions ...")."""
    if reads_as_instruction(text):
        raise QuestionRejected(NOT_A_QUESTION_ABOUT_THE_GUIDANCE)


def check_not_a_records_request(asks_for_records: bool) -> None:
    """QuestionRejected for a request for a person's details ("What is the NHS number of John Smith?"): the
    guidance holds none, and an answer quoted from nearby passages would mislead."""
    if asks_for_records:
        raise QuestionRejected(NO_RECORDS)
