"""The index layout, shared by the writer (``ingest/``) and the readers (``assistant/``).

A *build* is two Chroma collections: ``<prefix>-<UTC stamp>`` (the chunks) and ``...-sentences`` (every sentence
of them embedded on its own). A pointer collection ``<prefix>-active`` names, in its metadata, the build readers
use (``active``) and the one before it (``previous``). A reader checks the pointer between questions and moves to
a new build. Each reading process holds a *lease*, a collection ``<prefix>-reader-<id>`` whose metadata names the
builds it may still be answering from and when it last said so; the writer removes a build only when it is not
active and no live lease names it (see README, "Ingest").
"""

from __future__ import annotations

import shutil
import sqlite3
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import NotFoundError

from assistant.settings import Settings

POINTER_SUFFIX = "-active"
LEASE_INFIX = "-reader-"
SENTENCES_SUFFIX = "-sentences"
CHROMA_DATABASE = "chroma.sqlite3"
FULL_TEXT_INDEX = "embedding_fulltext_search"  # Chroma's FTS5 table of documents


class IndexMissing(RuntimeError):
    """There is no usable index: run ``python -m ingest`` (``make run`` does it)."""


@dataclass(frozen=True)
class IndexCollections:
    """One build: the chunks, and every sentence of them embedded on its own (for sentence-level search)."""

    chunks: Collection
    sentences: Collection

    @property
    def name(self) -> str:
        return self.chunks.name


@dataclass(frozen=True)
class Pointer:
    """What the pointer collection says: the build readers use, and the one before it."""

    active: str = ""
    previous: str = ""


def open_client(settings: Settings) -> ClientAPI:
    """A Chroma server when CHROMA_HOST is set, else the embedded store in the index folder."""
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir))


def pointer_name(settings: Settings) -> str:
    return settings.collection + POINTER_SUFFIX


def read_pointer(client: ClientAPI, settings: Settings) -> Pointer:
    """One small read: what readers check between questions."""
    try:
        metadata = client.get_collection(pointer_name(settings)).metadata or {}
    except (NotFoundError, ValueError):  # nothing indexed yet (ValueError: older Chroma clients)
        return Pointer()
    return Pointer(metadata.get("active", ""), metadata.get("previous", ""))


def point_to(client: ClientAPI, settings: Settings, name: str) -> None:
    """Make ``name`` the build readers use; the build it replaces becomes the previous one."""
    pointer = client.get_or_create_collection(pointer_name(settings), metadata={"active": ""})
    previous = (pointer.metadata or {}).get("active", "")
    pointer.modify(
        metadata={
            "active": name,
            "previous": previous if previous != name else "",
            "switched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
    )


def hold_lease(client: ClientAPI, settings: Settings, reader: str, builds: set[str]) -> None:
    """Say, as of now, that reader ``reader`` may be answering from ``builds``: the writer keeps them."""
    metadata = {"builds": ",".join(sorted(builds)), "seen_at": time.time()}
    lease = client.get_or_create_collection(_lease_name(settings, reader), metadata=metadata)
    lease.modify(metadata=metadata)


def _lease_name(settings: Settings, reader: str) -> str:
    return settings.collection + LEASE_INFIX + reader


def release_lease(client: ClientAPI, settings: Settings, reader: str) -> None:
    try:
        client.delete_collection(_lease_name(settings, reader))
    except (NotFoundError, ValueError):
        pass


def leased_builds(client: ClientAPI, settings: Settings) -> set[str]:
    """The builds a live lease names. A lease not renewed within ``reader_lease_s`` is a reader gone (or idle: it
    reads the pointer before it answers again) and is deleted."""
    prefix = settings.collection + LEASE_INFIX
    leased: set[str] = set()
    for name in collection_names(client):
        if not name.startswith(prefix):
            continue
        try:
            metadata = client.get_collection(name).metadata or {}
        except (NotFoundError, ValueError):  # released meanwhile
            continue
        if time.time() - float(metadata.get("seen_at", 0)) < settings.reader_lease_s:
            leased.update(filter(None, str(metadata.get("builds", "")).split(",")))
        else:
            release_lease(client, settings, name.removeprefix(prefix))
    return leased


def open_build(client: ClientAPI, name: str) -> IndexCollections:
    return IndexCollections(client.get_collection(name), client.get_collection(name + SENTENCES_SUFFIX))


def active_collections(client: ClientAPI, settings: Settings) -> IndexCollections | None:
    """The build readers should use, or None when nothing has been indexed yet."""
    name = read_pointer(client, settings).active
    if not name:
        return None
    try:
        return open_build(client, name)
    except (NotFoundError, ValueError):
        return None


def active_collection(client: ClientAPI, settings: Settings) -> Collection | None:
    build = active_collections(client, settings)
    return build.chunks if build else None


def graph_recall(collection: Collection, queries: list[list[float]], k: int) -> float:
    """Share of the ``k`` truly nearest stored vectors to each query (exact cosine over all of them) that the
    collection's nearest-neighbour graph returns: how much the graph's speed costs in recall."""
    stored = collection.get(include=["embeddings"])
    vectors = np.asarray(stored["embeddings"], dtype=np.float32)
    found = 0
    for query in queries:
        exact = {stored["ids"][i] for i in np.argsort(-(vectors @ np.asarray(query, dtype=np.float32)))[:k]}
        found += len(exact & set(collection.query(query_embeddings=[query], n_results=k, include=[])["ids"][0]))
    return found / (k * len(queries)) if queries else 1.0


def check_model(build: IndexCollections, settings: Settings) -> None:
    """Vectors of one model cannot be compared with another's: refuse an index built with a different one."""
    built_with = build.chunks.metadata.get("embedding_model")
    if built_with != settings.embedding_model:
        raise IndexMissing(
            f"The index was built with {built_with!r} but the setting asks for "
            f"{settings.embedding_model!r}: run `python -m ingest` to rebuild it."
        )


def collection_names(client: ClientAPI) -> list[str]:
    """Every collection's name (older Chroma clients list names, newer ones collections)."""
    return [collection if isinstance(collection, str) else collection.name for collection in client.list_collections()]


def build_names(client: ClientAPI, settings: Settings) -> list[str]:
    """Every build's chunk-collection name, oldest first (complete or not)."""
    prefix = settings.collection + "-"
    names = {name.removesuffix(SENTENCES_SUFFIX) for name in collection_names(client)}
    return sorted(name for name in names if name.startswith(prefix) and name[len(prefix) :].isdigit())


def collection_configuration(settings: Settings) -> dict:
    """Cosine similarity, and the nearest-neighbour graph the settings ask for."""
    return {"hnsw": {"space": "cosine", "max_neighbors": settings.hnsw_max_neighbors,
                     "ef_construction": settings.hnsw_ef_construction, "ef_search": settings.hnsw_ef_search}}


def create_build(client: ClientAPI, settings: Settings) -> IndexCollections:
    """Two new, empty collections, marked incomplete until the writer has filled them."""
    stamp = datetime.now(timezone.utc)
    name = f"{settings.collection}-{stamp.strftime('%Y%m%d%H%M%S%f')}"
    metadata = {
        "embedding_model": settings.embedding_model,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "built_at": stamp.isoformat(timespec="seconds"),
        "complete": False,
    }
    return IndexCollections(
        *(client.create_collection(name=n, configuration=collection_configuration(settings), metadata=metadata)
          for n in (name, name + SENTENCES_SUFFIX)),
    )


def remove_builds(client: ClientAPI, settings: Settings, keep: set[str]) -> list[str]:
    """Delete every build not in ``keep`` and give their disk space back; the names removed."""
    removed = [name for name in build_names(client, settings) if name not in keep]
    for name in removed:
        for collection in (name, name + SENTENCES_SUFFIX):
            try:
                client.delete_collection(collection)
            except (NotFoundError, ValueError):  # half of a build an interrupted run never created
                pass
    if removed and not settings.chroma_host:
        reclaim_disk(settings)
    return removed


def reclaim_disk(settings: Settings) -> None:
    """Give back the disk space of deleted collections in the embedded store.

    Chroma 1.x deletes a collection from its database but leaves its HNSW folder (``<segment uuid>/``) on disk
    (chroma-core/chroma#5259, #5520), and SQLite keeps the freed pages, ever more scattered: the index grew with
    every build. A folder goes once the database no longer names its segment. Chroma's full-text index (SQLite
    FTS5) keeps a deleted row's entries until its segments are merged: FTS5's own ``optimize`` merges them.
    VACUUM (what ``chroma vacuum`` runs) then rewrites the file compactly, holding its lock for a fraction of a
    second at this size. A Chroma server keeps its own disk: its operator reclaims it.
    """
    database = settings.index_dir / CHROMA_DATABASE
    if not database.exists():
        return
    with closing(sqlite3.connect(database, timeout=30)) as connection:
        known = {str(row[0]) for row in connection.execute("SELECT id FROM segments")}
        with connection:
            connection.execute(f"INSERT INTO {FULL_TEXT_INDEX}({FULL_TEXT_INDEX}) VALUES ('optimize')")
        connection.execute("VACUUM")
    for folder in settings.index_dir.iterdir():
        if folder.is_dir() and _is_uuid(folder.name) and folder.name not in known:
            shutil.rmtree(folder, ignore_errors=True)


def _is_uuid(name: str) -> bool:
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False
