"""The public face of the assistant: ``from assistant.navigator import Navigator``."""

from assistant.guard import QuestionRejected
from assistant.llm import EngineUnavailable
from assistant.pipeline import IndexMissing, Navigator, forget_shared_navigator, shared_navigator
from assistant.records import Answer, Citation, Passage

__all__ = [
    "Answer",
    "Citation",
    "EngineUnavailable",
    "IndexMissing",
    "Navigator",
    "Passage",
    "QuestionRejected",
    "forget_shared_navigator",
    "shared_navigator",
]
