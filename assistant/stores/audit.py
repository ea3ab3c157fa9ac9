"""The audit log: one JSON line per question (time, engine, status, sources, latency), rotated.

Only the masked question is written, and the answer text only when ``NAVIGATOR_AUDIT_ANSWERS`` is set:
officers may paste personal data, and the guidance the answer quotes is already in the corpus. Every text
written (question, refusal reason, answer) goes through the personal-data guard here, with the findings of
the question as the officer typed it, so a reason or an answer that repeats a name is masked whatever wrote it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Collection
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler

from assistant.question.privacy import find_personal_data, mask_personal_data
from assistant.records import Answer
from assistant.settings import Settings

_loggers: dict[str, logging.Logger] = {}
_lock = threading.Lock()


def audit_path(settings: Settings):
    return settings.data_dir / "audit.jsonl"


def _logger(settings: Settings) -> logging.Logger:
    path = audit_path(settings)
    with _lock:
        if str(path) not in _loggers:
            path.parent.mkdir(parents=True, exist_ok=True)
            logger = logging.getLogger(f"navigator.audit.{len(_loggers)}")
            logger.propagate = False  # never into the console or another handler's file
            logger.setLevel(logging.INFO)
            handler = RotatingFileHandler(
                path, maxBytes=settings.audit_max_bytes, backupCount=settings.audit_backups, encoding="utf-8"
            )
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            _loggers[str(path)] = logger
        return _loggers[str(path)]


def record_answer(
    answer: Answer, settings: Settings, where: str, asked: str = "", guidance_words: Collection[str] = frozenset()
) -> None:
    """Append one line for an answered (or refused) question; ``asked`` is the question as typed (never written:
    its findings are masked in every field), ``guidance_words`` the index's words (``Vocabulary.word_counts``)."""
    if not settings.audit_log:
        return
    found = find_personal_data(asked, guidance_words)

    def masked(text: str) -> str:
        return mask_personal_data(text, guidance_words, found)

    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "where": where,
        "engine": answer.engine_used,
        "question": masked(answer.question),  # masked by the pipeline's guard already; again, in case
        "personal_data": answer.personal_data,
        "status": answer.status,
        "check": answer.check,
        "refusal_reason": masked(answer.refusal_reason),
        "sources": [{"n": c.n, "source": c.source, "section": c.section, "page": c.page} for c in answer.citations],
        "latency_ms": answer.timings_ms.get("total"),
    }
    if settings.audit_answers:
        entry["answer"] = masked(answer.answer)
    _logger(settings).info(json.dumps(entry, ensure_ascii=False))


def record_library_change(settings: Settings, action: str, source: str, who: str, detail: str = "") -> None:
    """Append one line for a change to the documents officers are answered from (publish, reject, remove, add).

    ``who`` is the pseudonymous id of the maintainer (never a name or an e-mail address). Written even when
    the question log is turned off: who changed what officers are told must always be known.
    """
    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "where": "library",
        "action": action,
        "source": source,
        "who": who,
        "detail": detail,
    }
    _logger(settings).info(json.dumps(entry, ensure_ascii=False))


def recent_audit(settings: Settings, limit: int = 100) -> list[dict]:
    """The latest ``limit`` lines of the current audit file, newest first (for analysts and maintainers)."""
    path = audit_path(settings)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
