"""The public face of the assistant: ``from assistant.navigator import Navigator``."""

from assistant.question.guard import QuestionRejected
from assistant.search.index_store import IndexMissing
from assistant.engines.llm import EngineUnavailable
from assistant.pipeline import Navigator, shared_navigator
from assistant.records import Answer, Citation, Passage

__all__ = [
    "Answer",
    "Citation",
    "EngineUnavailable",
    "IndexMissing",
    "Navigator",
    "Passage",
    "QuestionRejected",
    "shared_navigator",
]
