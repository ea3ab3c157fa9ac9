"""What publishing the pending documents would change: the evaluation questions answered differently from the
candidate index (published + pending) than from the published one. Shown on the Review page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.navigator import Navigator
from assistant.settings import Settings
from eval.dataset import load_questions
from ingest.library_changes import candidate_settings


@dataclass(frozen=True)
class ChangedAnswer:
    question_id: str
    question: str
    before: str
    after: str
    after_cites_pending: bool  # the new answer quotes a pending document



def answer_changes(
    settings: Settings,
    questions_path: Path,
    pending_sources: set[str],
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[ChangedAnswer]:
    """The evaluation questions answered differently once the pending documents are published: each answered
    from the published index (what officers get now) and from the candidate index (published + pending)."""
    questions = load_questions(questions_path)
    published, candidate = Navigator(settings), Navigator(candidate_settings(settings))
    changed = []
    for done, question in enumerate(questions, 1):
        before, _ = _answer(published, question.question, question.history)
        after, cited = _answer(candidate, question.question, question.history)
        if before != after:
            changed.append(ChangedAnswer(question.id, question.question, before, after, bool(cited & pending_sources)))
        progress(done, len(questions))
    return changed


def _answer(navigator: Navigator, question: str, history: list[str]) -> tuple[str, set[str]]:
    answer = navigator.ask(question, history)
    return answer.answer, {citation.source for citation in answer.citations}
