"""Officers' thumbs up or down on answers, kept in a local SQLite file (``data/feedback.sqlite3``, git-ignored)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from assistant.question.privacy import mask_personal_data
from assistant.records import Citation
from assistant.settings import Settings

HELPFUL, NOT_HELPFUL = 1, 0  # the values of st.feedback("thumbs")

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,  -- UTC, ISO 8601
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,   -- JSON: what each [n] of the answer pointed at
    rating INTEGER NOT NULL CHECK (rating IN (0, 1)),
    comment TEXT NOT NULL DEFAULT '',
    giver TEXT NOT NULL DEFAULT ''  -- a pseudonymous id (a keyed hash of the signed-in subject), never a name
)
"""


@dataclass(frozen=True)
class Feedback:
    created_at: str
    question: str
    answer: str
    citations: list[dict]
    rating: int  # HELPFUL or NOT_HELPFUL
    comment: str
    giver: str = ""  # pseudonymous id of whoever gave it


def feedback_path(settings: Settings) -> Path:
    return settings.data_dir / "feedback.sqlite3"


def save_feedback(
    path: Path,
    question: str,
    answer: str,
    citations: Sequence[Citation],
    rating: int,
    comment: str = "",
    giver: str = "",
    guidance_words: Collection[str] = frozenset(),
) -> None:
    """Store one rating, with the answer and its sources as the officer saw them.

    The question, the answer and the comment are masked here, whatever the caller passes (names the guidance
    uses, in ``guidance_words``, stay): personal data never reaches the file. ``giver`` is a pseudonymous id,
    never a name or an e-mail address.
    """
    if rating not in (HELPFUL, NOT_HELPFUL):
        raise ValueError(f"rating must be {HELPFUL} (helpful) or {NOT_HELPFUL} (not helpful), not {rating!r}")
    # The passage text is left out: the chunk id finds it, and the quotes show what the answer took from it.
    sources = [
        {"n": c.n, "title": c.title, "section": c.section, "page": c.page, "source": c.source,
         "chunk_id": c.chunk_id, "quotes": c.quotes}
        for c in citations
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10)) as db, db:
        _open(db)
        db.execute(
            "INSERT INTO feedback (created_at, question, answer, citations, rating, comment, giver) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
                mask_personal_data(question, guidance_words),
                mask_personal_data(answer, guidance_words),
                json.dumps(sources, ensure_ascii=False),
                rating,
                mask_personal_data(comment.strip(), guidance_words),
                giver,
            ),
        )


def _open(db: sqlite3.Connection) -> None:
    """Create the table, or add the column a database written before sign-in existed lacks."""
    db.execute(SCHEMA)
    if "giver" not in {row[1] for row in db.execute("PRAGMA table_info(feedback)")}:
        db.execute("ALTER TABLE feedback ADD COLUMN giver TEXT NOT NULL DEFAULT ''")


def recent_feedback(path: Path, limit: int = 50) -> list[Feedback]:
    """The latest ``limit`` ratings, newest first (none when nothing has been rated yet)."""
    if not path.exists():
        return []
    with closing(sqlite3.connect(path, timeout=10)) as db, db:
        _open(db)
        rows = db.execute(
            "SELECT created_at, question, answer, citations, rating, comment, giver FROM feedback "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
    return [Feedback(created, question, answer, json.loads(cited), rating, comment, giver)
            for created, question, answer, cited, rating, comment, giver in rows]
