"""Questions the guidance answers well: offered on the welcome screen and after a refusal.

tests/test_app.py checks that Navigator answers every one of them.
"""

from __future__ import annotations

from assistant.text import terms

EXAMPLE_QUESTIONS = (
    "What is Liaison and Diversion?",
    "Who commissions healthcare in police custody?",
    "What does an integrated care board do?",
    "How can the police work with an integrated care board?",
    "What does a Director of Public Health do?",
    "What is a health and wellbeing board?",
    "What is a SARC?",
    "What is NHS England Health and Justice responsible for?",
)


def suggestions_for(question: str, count: int = 3) -> list[str]:
    """The example questions sharing most words with ``question``, in their listed order when none do."""
    asked = set(terms(question))
    ranked = sorted(EXAMPLE_QUESTIONS, key=lambda example: -len(asked & set(terms(example))))
    return [example for example in ranked if example != question][:count]
