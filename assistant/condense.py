"""Stage 1: make a follow-up question self-contained using the earlier questions of the conversation."""

from __future__ import annotations

from assistant.records import Question
from assistant.text import STOPWORDS, terms, words

# Words that point back to something said earlier ("When did *it* move to NHS England?").
POINTING_WORDS = frozenset("it its they them their theirs this that these those he she his her him".split())


def is_follow_up(question: Question) -> bool:
    if not question.history:
        return False
    asked = words(question.text)
    return any(word in POINTING_WORDS for word in asked) or len(terms(question.text)) <= 2


def condense(question: Question) -> str | None:
    """The question with the topic words of the latest earlier question that has any, or None if not a follow-up."""
    if not is_follow_up(question):
        return None
    for earlier in reversed(question.history):
        topic = [word for word in earlier.split() if word.strip("?.,!;:").lower() not in STOPWORDS]
        if topic:
            return f"{question.text} {' '.join(topic)}"
    return None
