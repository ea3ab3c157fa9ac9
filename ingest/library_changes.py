"""Changes to the documents officers are answered from, each made only after a maintainer's review.

A new document (an upload, or a file dropped into the inbox folder) is *pending*: it waits in
``library/inbox/`` and is indexed, together with the published corpus, into a candidate index of its own
(``library/candidate-index/``) that no officer's answer reads. Publishing moves it into the corpus with its
``sources.json`` line and brings the published index up to date; rejecting sets it aside; a published
document can be removed again. Every change takes the library lock, rolls back if the ingest fails, and is
written to the audit log with who made it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from assistant.stores.audit import record_library_change
from assistant.settings import Settings
from ingest.__main__ import ingest
from ingest.documents import Skipped, SourceInfo
from assistant.search.index_store import active_collection, open_client
from ingest.index import IngestReport
from ingest.load import FORMATS, SOURCES_FILE, corpus_files, read_sources, too_large

Progress = Callable[[Iterable, int], Iterable]
CANDIDATE_SUFFIX = "-candidate"
SOURCE_FIELDS = ("title", "publisher", "date", "kind", "author")


class LibraryChangeFailed(Exception):
    """A change could not be made; ``str(exc)`` says why, for the maintainer. Nothing was changed."""


@dataclass(frozen=True)
class Library:
    """Where pending, rejected and removed documents and the candidate index live (``library_dir``)."""

    root: Path

    @property
    def inbox(self) -> Path:  # pending documents: uploads land here, and files may be dropped here
        return self.root / "inbox"

    @property
    def candidate_corpus(self) -> Path:  # links to the published and the pending files, indexed together
        return self.root / "candidate"

    @property
    def candidate_index(self) -> Path:
        return self.root / "candidate-index"

    @property
    def set_aside(self) -> Path:  # rejected and removed documents: kept, so a change loses nothing
        return self.root / "set-aside"


@dataclass
class AddedDocuments:
    added: list[str] = field(default_factory=list)  # files now pending review, indexed apart
    not_added: list[Skipped] = field(default_factory=list)  # uploads left out, with the reason
    report: IngestReport | None = None


@dataclass(frozen=True)
class PendingDocument:
    source: str
    path: Path
    size: int
    received: str  # UTC, ISO 8601
    info: SourceInfo


def library(settings: Settings) -> Library:
    return Library(settings.library_dir or settings.data_dir / "library")


def candidate_settings(settings: Settings) -> Settings:
    """Settings of the candidate index (published + pending), apart from the one officers are answered from."""
    place = library(settings)
    return settings.model_copy(
        update={
            "corpus_dir": place.candidate_corpus,
            "index_dir": place.candidate_index,
            "collection": settings.collection + CANDIDATE_SUFFIX,
        }
    )


@contextmanager
def library_lock(settings: Settings) -> Iterator[None]:
    """One change at a time, across threads and processes: two changes would both build from the same index."""
    place = library(settings)
    place.root.mkdir(parents=True, exist_ok=True)
    with open(place.root / ".lock", "w") as handle:  # flock binds to this open file, so threads exclude too
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pending_documents(settings: Settings) -> list[PendingDocument]:
    """The documents waiting for review, oldest first."""
    inbox = library(settings).inbox
    if not inbox.is_dir():
        return []
    sources = _read_sources_or_none(inbox)
    pending = []
    for path in corpus_files(inbox):
        source = path.relative_to(inbox).as_posix()
        stat = path.stat()
        received = datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(timespec="seconds")
        info = sources.get(source) or SourceInfo(title="")
        pending.append(PendingDocument(source, path, stat.st_size, received, info))
    return sorted(pending, key=lambda document: (document.received, document.source))


def awaiting_index(settings: Settings) -> list[str]:
    """Pending documents the candidate index does not hold yet (a file dropped into the inbox folder)."""
    pending = [document.source for document in pending_documents(settings)]
    if not pending:
        return []
    candidate = candidate_settings(settings)
    collection = active_collection(open_client(candidate), candidate)
    indexed = set() if collection is None else {meta["source"] for meta in collection.get(include=["metadatas"])["metadatas"]}
    return [source for source in pending if source not in indexed]


def add_pending(
    settings: Settings, uploads: list[tuple[str, bytes]], who: str, progress: Progress | None = None
) -> AddedDocuments:
    """Save uploaded files as pending documents and index them for review (never where officers' answers look).

    A file the ingest cannot read is removed again and reported; an upload never replaces a document of the
    same name, published or pending: that would change answers already given.
    """
    outcome = AddedDocuments()
    place = library(settings)
    limit = settings.max_file_mb * 1_000_000
    with library_lock(settings):
        place.inbox.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, content in uploads:
            name = Path(name).name  # never a path the uploader chose
            problem = _upload_problem(settings, name, len(content), limit)
            if problem:
                outcome.not_added.append(Skipped(name, problem))
                continue
            (place.inbox / name).write_bytes(content)
            saved.append(name)
        if not saved:
            return outcome
        try:
            outcome.report = build_candidate_index(settings, progress)
        except Exception:
            for name in saved:  # the candidate index did not change: the inbox must match it
                (place.inbox / name).unlink(missing_ok=True)
            raise
    unreadable = {item.source: item for item in outcome.report.skipped}
    for name in saved:
        if name in unreadable:
            (place.inbox / name).unlink()
            outcome.not_added.append(unreadable[name])
        else:
            outcome.added.append(name)
            record_library_change(settings, "add", name, who, "pending review")
    return outcome


def _upload_problem(settings: Settings, name: str, size: int, limit: int) -> str:
    if name.startswith(".") or Path(name).suffix.lower() not in FORMATS or name == SOURCES_FILE:
        return "not a PDF, Word, text, Markdown or HTML file"
    if size > limit:
        return too_large(size, limit)
    if (settings.corpus_dir / name).exists() or (library(settings).inbox / name).exists():
        return "a document with this name is already there; rename the file"
    return ""


def build_candidate_index(settings: Settings, progress: Progress | None = None) -> IngestReport:
    """Index the published and the pending documents together, apart from the published index.

    Incremental like any ingest: the first build embeds the whole corpus, later ones only what changed.
    The caller holds the library lock.
    """
    _link_candidate_corpus(settings)
    return ingest(candidate_settings(settings), show_progress=False, progress=progress)


def _link_candidate_corpus(settings: Settings) -> None:
    """The candidate corpus folder: a link to every published and pending file, and both sources lists."""
    place = library(settings)
    target = place.candidate_corpus
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for folder in (settings.corpus_dir, place.inbox):
        if folder.is_dir():
            for path in corpus_files(folder):
                link = target / path.relative_to(folder)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path.resolve())
    entries = _source_entries(settings.corpus_dir) + _source_entries(place.inbox)
    _write_source_entries(target, entries)


def publish(settings: Settings, source: str, info: SourceInfo, who: str, progress: Progress | None = None) -> IngestReport:
    """Move a pending document into the corpus, with its ``sources.json`` line, and index it for officers."""
    if not info.title.strip():
        raise LibraryChangeFailed("A published document needs a title: fill it in first.")
    place = library(settings)
    with library_lock(settings):
        pending = _pending_path(settings, source)
        published = settings.corpus_dir / source
        if published.exists():
            raise LibraryChangeFailed(f"{source} is already published; remove that one first.")
        before = _snapshot_sources(settings.corpus_dir, place.inbox)
        published.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(pending, published)
        entries = [entry for entry in _source_entries(settings.corpus_dir) if entry["file"] != source]
        _write_source_entries(settings.corpus_dir, [*entries, _source_entry(source, info)])
        _write_source_entries(place.inbox, [e for e in _source_entries(place.inbox) if e["file"] != source])

        def undo() -> None:
            shutil.move(published, pending)
            _restore_sources(before)

        report = _ingest_or_undo(settings, source, undo, progress)
        build_candidate_index(settings)
    record_library_change(settings, "publish", source, who, f"{info.title} ({info.publisher}, {info.date})")
    return report


def reject(settings: Settings, source: str, who: str, reason: str = "") -> None:
    """Set a pending document aside (kept in ``library/set-aside/``); it never reaches officers."""
    place = library(settings)
    with library_lock(settings):
        pending = _pending_path(settings, source)
        _set_aside(place, pending, "rejected")
        _write_source_entries(place.inbox, [e for e in _source_entries(place.inbox) if e["file"] != source])
        build_candidate_index(settings)
    record_library_change(settings, "reject", source, who, reason)


def remove_published(settings: Settings, source: str, who: str, progress: Progress | None = None) -> IngestReport:
    """Take a published document out of the corpus and the index (the file is kept in ``library/set-aside/``)."""
    place = library(settings)
    with library_lock(settings):
        published = settings.corpus_dir / source
        if not _inside(settings.corpus_dir, published) or not published.is_file():
            raise LibraryChangeFailed(f"{source} is not a published document.")
        before = _snapshot_sources(settings.corpus_dir, place.inbox)
        kept = _set_aside(place, published, "removed")
        _write_source_entries(
            settings.corpus_dir, [e for e in _source_entries(settings.corpus_dir) if e["file"] != source]
        )

        def undo() -> None:
            shutil.move(kept, published)
            _restore_sources(before)

        report = _ingest_or_undo(settings, None, undo, progress)
        build_candidate_index(settings)
    record_library_change(settings, "remove", source, who)
    return report


def _ingest_or_undo(settings: Settings, source: str | None, undo: Callable[[], None], progress) -> IngestReport:
    """Bring the published index in line with the corpus; if that fails, put the files back as they were."""
    try:
        report = ingest(settings, show_progress=False, progress=progress)
    except Exception:
        undo()
        raise
    unreadable = next((item for item in report.skipped if item.source == source), None)
    if unreadable is not None:  # read for review but not now: the index took nothing of it; the file goes back
        undo()
        raise LibraryChangeFailed(f"{source} could not be read: {unreadable.reason}")
    return report


def _pending_path(settings: Settings, source: str) -> Path:
    inbox = library(settings).inbox
    path = inbox / source
    if not _inside(inbox, path) or not path.is_file() or path.name == SOURCES_FILE:
        raise LibraryChangeFailed(f"{source} is not a pending document.")
    return path


def _inside(folder: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _set_aside(place: Library, path: Path, why: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = place.set_aside / f"{stamp}-{why}-{path.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, target)
    return target


def _read_sources_or_none(folder: Path) -> dict[str, SourceInfo]:
    try:
        return read_sources(folder)
    except Exception:  # an unreadable list only loses the titles shown, never a document
        return {}


def _source_entry(source: str, info: SourceInfo) -> dict:
    values = {name: value.strip() for name, value in asdict(info).items() if name in SOURCE_FIELDS and value.strip()}
    return {"file": source, **values}


def _source_entries(folder: Path) -> list[dict]:
    path = folder / SOURCES_FILE
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def _write_source_entries(folder: Path, entries: list[dict]) -> None:
    """One document a line, so a publish or a removal changes one line of the file; written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "[\n" + ",\n".join("  " + json.dumps(entry, ensure_ascii=False) for entry in entries) + "\n]\n"
    temporary = folder / f".{SOURCES_FILE}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, folder / SOURCES_FILE)


def _snapshot_sources(*folders: Path) -> dict[Path, str | None]:
    return {
        folder / SOURCES_FILE: (folder / SOURCES_FILE).read_text(encoding="utf-8")
        if (folder / SOURCES_FILE).exists() else None
        for folder in folders
    }


def _restore_sources(snapshot: dict[Path, str | None]) -> None:
    for path, text in snapshot.items():
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text, encoding="utf-8")
