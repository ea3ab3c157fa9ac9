"""Stage 0: refuse input that cannot be a question, with a message the officer can act on."""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QuestionRejected(ValueError):
    """The question cannot be answered as written; ``str(exc)`` is the message for the officer."""


def check_question(text: str, max_chars: int) -> str:
    """The question, tidied; or QuestionRejected with a polite reason."""
    if text is None or not text.strip():
        raise QuestionRejected("Please type a question about working with the NHS.")
    if len(text) > max_chars:
        raise QuestionRejected(
            f"That question is {len(text):,} characters long; please keep it under {max_chars:,} "
            "and ask one thing at a time."
        )
    cleaned = CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", cleaned).strip()
