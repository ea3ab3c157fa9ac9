"""Stage 1: make a follow-up question self-contained using the earlier questions of the conversation."""

from __future__ import annotations

import re

from assistant.records import Question
from assistant.text import STOPWORDS, terms, words

# Words that point back to something said earlier ("When did *it* move to NHS England?").
POINTING_WORDS = frozenset("it its they them their theirs this that these those he she his her him".split())
CONTINUES = re.compile(r"^\W*(and|but|so|also|what about|how about|and what about)\b", re.I)


def leans_on_earlier(text: str) -> bool:
    """Points back ("it", "them"), carries on ("And in prisons?"), or names no topic ("How many are there?")."""
    return any(word in POINTING_WORDS for word in words(text)) or bool(CONTINUES.match(text)) or not terms(text)


def is_follow_up(question: Question) -> bool:
    return bool(question.history) and leans_on_earlier(question.text)


def conversation_topic(history: tuple[str, ...]) -> list[str]:
    """Topic words of the earlier questions, back to the last one that stood on its own."""
    topic: list[str] = []
    for earlier in reversed(history):
        topic = [w for w in re.findall(r"[\w&]+", earlier) if w.lower() not in STOPWORDS] + topic
        if not leans_on_earlier(earlier):
            break
    return topic


def condense(question: Question) -> str | None:
    """The follow-up with the conversation's topic words added; None if the question stands on its own."""
    if not is_follow_up(question):
        return None
    topic = conversation_topic(question.history)
    return f"{question.text} {' '.join(topic)}" if topic else None
