"""Stage 4: write chunks and their embeddings to Chroma, incrementally, and swap in the result atomically.

Every run that changes anything builds a *new* collection (copying the vectors of unchanged chunks, embedding
only new text) and then flips a pointer to it. Readers always follow the pointer, so a crash or Ctrl-C
mid-build leaves the previous index in use; the half-built collection is removed by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import time

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from assistant.settings import Settings
from assistant.text import sentences
from ingest.documents import Chunk, Skipped

POINTER_SUFFIX = "-active"
SENTENCES_SUFFIX = "-sentences"
COLLECTION_CONFIGURATION = {"hnsw": {"space": "cosine"}}


@dataclass
class IngestReport:
    files: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0
    sentences_embedded: int = 0
    embedding_seconds: float = 0.0  # time inside the embedding model only
    kept_from_skipped: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    collection: str = ""
    rebuilt: bool = False


@dataclass(frozen=True)
class StoredChunk:
    metadata: dict
    document: str
    embedding: list[float]


@dataclass(frozen=True)
class IndexCollections:
    """One build: the chunks, and every sentence of them embedded on its own (for sentence-level search)."""

    chunks: Collection
    sentences: Collection


def open_client(settings: Settings) -> ClientAPI:
    """A Chroma server when CHROMA_HOST is set, else the embedded store in the index folder."""
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir))


def pointer_name(settings: Settings) -> str:
    return settings.collection + POINTER_SUFFIX


def active_collections(client: ClientAPI, settings: Settings) -> IndexCollections | None:
    """The build readers should use, or None when nothing has been indexed yet."""
    try:
        name = client.get_collection(pointer_name(settings)).metadata.get("active")
        if not name:
            return None
        return IndexCollections(client.get_collection(name), client.get_collection(name + SENTENCES_SUFFIX))
    except Exception:  # chromadb raises NotFoundError, ValueError or InvalidCollectionException by version
        return None


def active_collection(client: ClientAPI, settings: Settings) -> Collection | None:
    build = active_collections(client, settings)
    return build.chunks if build else None


def sync_index(
    chunks: list[Chunk],
    skipped: list[Skipped],
    settings: Settings,
    client: ClientAPI,
    embed: Callable[[], Callable[[list[str]], list[list[float]]]],
    rebuild: bool = False,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
) -> IngestReport:
    """Bring the index in line with ``chunks``. ``embed`` is called (so the model is loaded) only if needed."""
    report = IngestReport(skipped=list(skipped))
    old = active_collections(client, settings)
    model_changed = old is not None and old.chunks.metadata.get("embedding_model") != settings.embedding_model
    report.rebuilt = rebuild or model_changed or old is None
    stored = {} if old is None else _read_all(old.chunks)

    wanted = {chunk.id: chunk for chunk in chunks}
    # A file that could not be read this time keeps the chunks it had: a corrupt copy loses nothing
    # (unless the model changed: its old vectors would not be comparable with the new ones).
    unreadable = {item.source for item in skipped}
    carried = {} if report.rebuilt else {
        cid: item for cid, item in stored.items() if item.metadata.get("source") in unreadable
    }
    report.kept_from_skipped = len(carried)
    _count_changes(report, wanted, stored, carried)

    if not report.rebuilt and report.added == report.updated == report.deleted == 0:
        report.collection = old.chunks.name
        return report

    reused = {} if report.rebuilt else {cid: item for cid, item in stored.items() if cid in wanted}
    to_embed = [chunk for cid, chunk in wanted.items() if cid not in reused]
    build = _create_build(client, settings)
    _copy_stored(build.chunks, reused, wanted)
    _copy_stored(build.chunks, carried, {})
    if old is not None and not report.rebuilt:
        kept_ids = set(reused) | set(carried)
        old_sentences = _read_all(old.sentences)
        _copy_stored(build.sentences, {k: v for k, v in old_sentences.items() if v.metadata["chunk_id"] in kept_ids}, {})
    if to_embed:
        embed_texts = _timed(embed(), report)
        batch = settings.embedding_batch_size * 8  # chunks per call: large calls pad least (length-sorted)
        for start in progress(range(0, len(to_embed), batch), (len(to_embed) + batch - 1) // batch):
            report.sentences_embedded += _add_chunks(build, to_embed[start : start + batch], embed_texts)
        report.embedded = len(to_embed)
    for collection in (build.chunks, build.sentences):
        collection.modify(metadata={**collection.metadata, "dimension": _dimension(collection), "complete": True})
    _point_to(client, settings, build.chunks.name)
    _remove_other_builds(client, settings, keep=build.chunks.name)
    report.collection = build.chunks.name
    return report


def _timed(embed_texts, report: IngestReport):
    def timed(texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors = embed_texts(texts)
        report.embedding_seconds += time.perf_counter() - started
        return vectors

    return timed


def _add_chunks(build: IndexCollections, chunks: list[Chunk], embed_texts) -> int:
    units = [
        (chunk.id, index, text, read)
        for chunk in chunks
        for index, (text, read) in enumerate(zip(sentences(chunk.text), chunk.embedded_sentences()))
    ]
    # One call for the chunks and their sentences: the model sorts a call's texts by length, so mixing
    # them pads less than two calls would.
    vectors = embed_texts([chunk.embedded_text for chunk in chunks] + [read for *_, read in units])
    build.chunks.add(
        ids=[chunk.id for chunk in chunks],
        embeddings=vectors[: len(chunks)],
        documents=[chunk.text for chunk in chunks],
        metadatas=[chunk.metadata() for chunk in chunks],
    )
    if units:
        build.sentences.add(
            ids=[f"{cid}-{index}" for cid, index, *_ in units],
            embeddings=vectors[len(chunks) :],
            documents=[text for _, _, text, _ in units],
            metadatas=[{"chunk_id": cid, "index": index} for cid, index, *_ in units],
        )
    return len(units)


def _count_changes(report: IngestReport, wanted: dict[str, Chunk], stored: dict[str, StoredChunk], carried) -> None:
    old_sources = {item.metadata.get("source") for item in stored.values()}
    for cid, chunk in wanted.items():
        if cid in stored and stored[cid].metadata == chunk.metadata():
            report.unchanged += 1
        elif cid in stored or chunk.source in old_sources:
            report.updated += 1
        else:
            report.added += 1
    report.deleted = sum(1 for cid in stored if cid not in wanted and cid not in carried)
    report.chunks = len(wanted) + len(carried)


def _read_all(collection: Collection, page: int = 5000) -> dict[str, StoredChunk]:
    stored: dict[str, StoredChunk] = {}
    for offset in range(0, collection.count(), page):
        got = collection.get(include=["metadatas", "documents", "embeddings"], limit=page, offset=offset)
        for cid, meta, doc, vector in zip(got["ids"], got["metadatas"], got["documents"], got["embeddings"]):
            stored[cid] = StoredChunk(dict(meta), doc, list(vector))
    return stored


def _create_build(client: ClientAPI, settings: Settings) -> IndexCollections:
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
        client.create_collection(name=name, configuration=COLLECTION_CONFIGURATION, metadata=metadata),
        client.create_collection(
            name=name + SENTENCES_SUFFIX, configuration=COLLECTION_CONFIGURATION, metadata=metadata
        ),
    )


def _copy_stored(target: Collection, items: dict[str, StoredChunk], wanted: dict[str, Chunk]) -> None:
    """Copy vectors without re-embedding; metadata comes from the new chunk when there is one."""
    ids = list(items)
    step = 1000
    for start in range(0, len(ids), step):
        part = ids[start : start + step]
        target.add(
            ids=part,
            embeddings=[items[cid].embedding for cid in part],
            documents=[wanted[cid].text if cid in wanted else items[cid].document for cid in part],
            metadatas=[wanted[cid].metadata() if cid in wanted else items[cid].metadata for cid in part],
        )


def _dimension(collection: Collection) -> int:
    got = collection.get(limit=1, include=["embeddings"])
    return len(got["embeddings"][0]) if len(got["embeddings"]) else 0


def _point_to(client: ClientAPI, settings: Settings, name: str) -> None:
    pointer = client.get_or_create_collection(pointer_name(settings), metadata={"active": ""})
    pointer.modify(metadata={"active": name, "switched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})


def _remove_other_builds(client: ClientAPI, settings: Settings, keep: str) -> None:
    """Delete the previous index and any half-built one an interrupted run left behind."""
    prefix = settings.collection + "-"
    for collection in client.list_collections():
        name = collection if isinstance(collection, str) else collection.name
        build = name.removesuffix(SENTENCES_SUFFIX)
        if build.startswith(prefix) and build != keep and build[len(prefix) :].isdigit():
            client.delete_collection(name)
