"""The Library: everything loaded once per index build and embedding model, shared by every answer engine.

A process keeps one ``LibraryFollower`` per index: it holds the Library of the build the pointer names and, at most
every ``pointer_check_s``, reads the pointer (one small read) to see whether a re-ingest made a newer build
active, and loads that build's Library when it did. It leases the builds its questions are answered from, so the
writer never removes one under it. The embedding model is loaded once per process and model
(``load_embeddings`` caches it), so a new build costs reading its chunks and indexing them for BM25, not the model.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chromadb.api import ClientAPI
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from assistant.question.acronyms import load_glossary, load_roles
from assistant.search.embeddings import load_embeddings
from assistant.search.index_store import (
    IndexMissing,
    active_collections,
    check_model,
    hold_lease,
    open_client,
    read_pointer,
    release_lease,
)
from assistant.search.retrieve import ChunkStore, DenseIndex, LexicalIndex
from assistant.settings import Settings
from assistant.question.vocabulary import Vocabulary

log = logging.getLogger("navigator.library")


@dataclass(frozen=True, eq=False)
class Library:
    """One index build, read into memory and ready to search."""

    build: str  # the name of the build's chunk collection
    built_at: str  # ISO time, UTC
    client: ClientAPI
    store: ChunkStore
    lexical: LexicalIndex
    dense: DenseIndex
    embeddings: Embeddings
    vocabulary: Vocabulary
    documents: list[dict]  # each document with its title, date and number of chunks, by title


def load_library(settings: Settings, client: ClientAPI | None = None, embeddings: Embeddings | None = None) -> Library:
    """The Library of the build the pointer names now (with the settings' embedding model unless given one)."""
    client = client or open_client(settings)
    build = active_collections(client, settings)
    if build is None:
        raise IndexMissing("No index has been built yet: run `python -m ingest` (or `make run`).")
    check_model(build, settings)
    embeddings = embeddings or load_embeddings(settings)
    stored = build.chunks.get(include=["documents", "metadatas"])
    store = ChunkStore(stored["ids"], stored["documents"], stored["metadatas"])
    return Library(
        build=build.name,
        built_at=build.chunks.metadata.get("built_at", ""),
        client=client,
        store=store,
        lexical=LexicalIndex(store),
        dense=DenseIndex(
            Chroma(client=client, collection_name=build.chunks.name, embedding_function=embeddings),
            Chroma(client=client, collection_name=build.sentences.name, embedding_function=embeddings),
            store,
        ),
        embeddings=embeddings,
        # Headings are the guidance's words too: "Andy Brooks" is named only in the heading of his biography.
        vocabulary=Vocabulary(
            load_glossary(),
            [f"{meta.get('section', '')}\n{text}" for text, meta in zip(stored["documents"], stored["metadatas"])],
            load_roles(),
        ),
        documents=_documents(store),
    )


def _documents(store: ChunkStore) -> list[dict]:
    seen: dict[str, dict] = {}
    for meta in store.metadatas:
        entry = seen.setdefault(
            meta["source"],
            {"source": meta["source"], "title": meta.get("title", ""), "date": meta.get("date", ""),
             "kind": meta.get("kind", ""), "publisher": meta.get("publisher", ""), "chunks": 0},
        )
        entry["chunks"] += 1
    return sorted(seen.values(), key=lambda d: d["title"])


class LibraryFollower:
    """The Library of the active build, switched for a new one when a re-ingest moves the pointer.

    It holds this process's lease (index_store.py) on the builds its questions may be answered from: the current
    one, and one it left while questions begun on it are still being answered. The writer keeps a leased build.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.reader = uuid.uuid4().hex
        self._client = open_client(settings)
        self._counting = threading.Lock()  # guards the Library in use and what questions are answered from
        self._in_flight: Counter[str] = Counter()  # questions being answered, by build
        self.library = load_library(settings, self._client)
        self._held_at = -math.inf
        self._renew(self.library)
        self.loads = 1  # Libraries loaded so far (the page's tests count them)
        self._checked_at = time.monotonic()
        self._switching = threading.Lock()

    @contextmanager
    def answering(self) -> Iterator[Library]:
        """The Library one question is answered from, counted as in use until the answer is done."""
        self.current()
        with self._counting:
            library = self.library
            self._in_flight[library.build] += 1
        try:
            yield library
        finally:
            with self._counting:
                self._in_flight[library.build] -= 1
                if not self._in_flight[library.build]:
                    del self._in_flight[library.build]
                    if library is not self.library:
                        self._renew(self.library)  # the build left behind is free to go

    def current(self, recheck: bool = False) -> Library:
        """The Library to answer the next question from.

        Reads the pointer at most every ``pointer_check_s`` (or now, with ``recheck``), and at least every quarter
        of the lease, which it renews first: a writer that moved the pointer before that renewal sees it, and one
        that moved it after is seen here. While one thread loads a new build, the others go on answering from the
        Library they have: the lease keeps that build on disk.
        """
        now = time.monotonic()
        lease_due = now - self._held_at >= self.settings.reader_lease_s / 4
        due = recheck or lease_due or now - self._checked_at >= self.settings.pointer_check_s
        if not due or not self._switching.acquire(blocking=False):
            return self.library
        try:
            self._checked_at = time.monotonic()
            if lease_due:
                with self._counting:
                    self._renew(self.library)
            active = read_pointer(self._client, self.settings).active
            if active and active != self.library.build:
                library = load_library(self.settings, self._client)
                with self._counting:
                    self._hold(library)  # before it is used: a writer that looks now keeps it
                    self.library = library
                self.loads += 1
                log.info("Now answering from index build %s", self.library.build)
        except Exception:  # a build that cannot be read yet (or an index server gone for a moment)
            log.exception("Could not switch to the new index build; still answering from %s", self.library.build)
            self._checked_at = -math.inf  # try again at the next question
        finally:
            self._switching.release()
        return self.library

    def close(self) -> None:
        """Give up the lease; a reader that ends without it (killed) leaves one the writer deletes once stale."""
        try:
            release_lease(self._client, self.settings, self.reader)
        except Exception:  # at exit the index may be gone already (a test's temporary folder)
            log.debug("Could not release the lease of reader %s", self.reader, exc_info=True)

    def _hold(self, library: Library) -> None:
        """Lease ``library``'s build and every build a question is still being answered from (raises if it cannot:
        a Library the lease does not name is not used)."""
        hold_lease(self._client, self.settings, self.reader, {library.build, *self._in_flight})
        self._held_at = time.monotonic()

    def _renew(self, library: Library) -> None:
        try:
            self._hold(library)
        except Exception:  # the lease still names these builds until it goes stale; the next question tries again
            log.exception("Could not renew this reader's lease on index build %s", library.build)


_followers: dict[tuple, LibraryFollower] = {}
_followers_lock = threading.Lock()


def shared_follower(settings: Settings) -> LibraryFollower:
    """One follower, so one Library in memory, per index, embedding model and backend per process."""
    key = (str(settings.index_dir), settings.chroma_host, settings.chroma_port, settings.collection,
           settings.embedding_model, settings.embedding_backend, str(settings.model_cache_dir))
    with _followers_lock:
        if key not in _followers:
            _followers[key] = follower = LibraryFollower(settings)
            atexit.register(follower.close)
        return _followers[key]
