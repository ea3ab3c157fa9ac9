"""Library changes run in the background, one at a time per server, so answering goes on meanwhile and every
session can see how far the change has got (a first candidate build embeds the whole corpus: about a minute).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Job:
    label: str  # "Publishing notes.md"
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    done: int = 0
    total: int = 0  # 0 while the amount of work is not known yet
    step: str = "Reading the documents…"
    finished: bool = False
    error: str = ""  # for the maintainer; the details are in the server's log
    result: Any = None

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0

    def track(self, items: Iterable, total: int) -> Iterable:
        """An ingest ``progress`` wrapper: counts the embedding batches as they are done."""
        self.step, self.total, self.done = "Embedding the new text", total, 0
        for item in items:
            yield item
            self.done += 1

    def answered(self, done: int, total: int) -> None:
        """An impact comparison's progress: how many evaluation questions have been answered both ways."""
        self.step, self.done, self.total = "Answering the evaluation questions", done, total


_lock = threading.Lock()
_current: Job | None = None


def current_job() -> Job | None:
    return _current


def start_job(label: str, work: Callable[[Job], Any], expected: tuple[type[Exception], ...] = ()) -> Job | None:
    """Run ``work(job)`` in a background thread; None when another change is still running.

    An exception of an ``expected`` type is a message for the maintainer (``str(exc)``); any other is logged
    and the maintainer is told that nothing changed (every library change rolls back on failure).
    """
    global _current
    with _lock:
        if _current is not None and not _current.finished:
            return None
        job = _current = Job(label)

    def run() -> None:
        try:
            job.result = work(job)
        except expected as exc:
            job.error = str(exc)
        except Exception:
            log.exception("%s failed", label)
            job.error = "It failed and nothing was changed. The details are in the server's log."
        finally:
            job.finished = True

    threading.Thread(target=run, name=f"library: {label}", daemon=True).start()
    return job


def forget_finished_job() -> None:
    """Once its outcome has been shown, a finished job is no longer reported."""
    global _current
    with _lock:
        if _current is not None and _current.finished:
            _current = None
