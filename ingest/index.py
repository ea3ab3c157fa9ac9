"""Stage 4: write chunks and their embeddings to Chroma, incrementally, and swap in the result atomically.

Every run that changes anything fills a *new* build (copying the vectors of unchanged chunks, embedding only
new text) and then flips the pointer to it (layout: assistant/search/index_store.py). Readers follow the pointer, so a
crash or Ctrl-C mid-build leaves the previous index in use; the next run finishes the half-made build, embedding
only what it still lacks (chunk ids are content hashes). The build the pointer leaves is kept while a reader's
lease names it (a reader still answering from it), and removed by the first run that finds it free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import time

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import NotFoundError

from assistant.search.index_store import (
    IndexCollections,
    active_collections,
    build_names,
    collection_configuration,
    create_build,
    leased_builds,
    open_build,
    point_to,
    read_pointer,
    remove_builds,
)
from assistant.settings import Settings
from assistant.text import sentences
from ingest.documents import Chunk, Skipped


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
    resumed: int = 0  # chunks an interrupted run had already put into the build this run finished
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    collection: str = ""
    rebuilt: bool = False
    removed: list[str] = field(default_factory=list)  # older builds deleted by this run


def _graph_as_set(build: IndexCollections, settings: Settings) -> bool:
    """Whether the build's nearest-neighbour graph is the one the settings ask for: a changed setting makes a new
    build, its vectors copied from the old one (a graph's parameters are fixed when its collection is created)."""
    wanted = collection_configuration(settings)["hnsw"]
    return all(
        {key: (collection.configuration_json.get("hnsw") or {}).get(key) for key in wanted} == wanted
        for collection in (build.chunks, build.sentences)
    )


@dataclass(frozen=True)
class StoredChunk:
    metadata: dict
    document: str
    embedding: list[float]


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
    pointer = read_pointer(client, settings)
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

    if not report.rebuilt and report.added == report.updated == report.deleted == 0 and _graph_as_set(old, settings):
        report.collection = old.chunks.name
        # Nothing to build: a half-made build an interrupted run left, or one readers have left, is not needed.
        report.removed = remove_builds(client, settings, keep={pointer.active} | leased_builds(client, settings))
        return report

    build = None if rebuild else _resumable_build(client, settings, finished={pointer.active, pointer.previous})
    build = build or create_build(client, settings)
    present = _keep_only(build, wanted, carried)
    report.resumed = len(present)
    reused = {} if report.rebuilt else {cid: item for cid, item in stored.items() if cid in wanted and cid not in present}
    carried = {cid: item for cid, item in carried.items() if cid not in present}
    if old is not None and not report.rebuilt:
        # Sentences first: a chunk in the build always has its sentences, so a resumed run can trust it.
        kept_ids = set(reused) | set(carried)
        old_sentences = _read_all(old.sentences)
        _copy_stored(build.sentences, {k: v for k, v in old_sentences.items() if v.metadata["chunk_id"] in kept_ids}, {})
    _copy_stored(build.chunks, reused, wanted)
    _copy_stored(build.chunks, carried, {})
    to_embed = [chunk for cid, chunk in wanted.items() if cid not in reused and cid not in present]
    if to_embed:
        embed_texts = _timed(embed(), report)
        batch = settings.ingest_batch_chunks
        for start in progress(range(0, len(to_embed), batch), (len(to_embed) + batch - 1) // batch):
            report.sentences_embedded += _add_chunks(build, to_embed[start : start + batch], embed_texts)
        report.embedded = len(to_embed)
    for collection in (build.chunks, build.sentences):
        collection.modify(metadata={**collection.metadata, "dimension": _dimension(collection), "complete": True})
    point_to(client, settings, build.name)
    # Leases read after the pointer moved: a reader that renews later reads the new pointer before it answers.
    report.removed = remove_builds(client, settings, keep={build.name} | leased_builds(client, settings))
    report.collection = build.name
    return report


def _resumable_build(client: ClientAPI, settings: Settings, finished: set[str]) -> IndexCollections | None:
    """The newest build an interrupted run left half-made with this embedding model and graph, to finish it."""
    for name in reversed(build_names(client, settings)):
        if name in finished:
            continue
        try:
            build = open_build(client, name)
        except (NotFoundError, ValueError):  # killed between creating its two collections
            continue
        metadata = build.chunks.metadata
        if (not metadata.get("complete") and metadata.get("embedding_model") == settings.embedding_model
                and _graph_as_set(build, settings)):
            return build
    return None


def _keep_only(build: IndexCollections, wanted: dict[str, Chunk], carried: dict[str, StoredChunk]) -> set[str]:
    """Take out of a (resumed) build whatever the corpus no longer has; the ids of the chunks it keeps.

    Their metadata is brought up to date (a chunk can move within its document without changing its text).
    """
    got = build.chunks.get(include=["metadatas"])
    present = dict(zip(got["ids"], got["metadatas"]))
    sentence_owners = build.sentences.get(include=["metadatas"])
    kept = {cid for cid in present if cid in wanted or cid in carried}
    stale = [cid for cid in present if cid not in kept]
    orphans = [sid for sid, meta in zip(sentence_owners["ids"], sentence_owners["metadatas"]) if meta["chunk_id"] not in kept]
    if stale:
        build.chunks.delete(ids=stale)
    if orphans:
        build.sentences.delete(ids=orphans)
    moved = [cid for cid in kept if cid in wanted and present[cid] != wanted[cid].metadata()]
    if moved:
        build.chunks.update(ids=moved, metadatas=[wanted[cid].metadata() for cid in moved])
    return kept


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
    # Sentences before their chunks, and upserts: a run killed in between leaves nothing a resumed run trusts
    # wrongly, and the resumed run can write the same sentences again.
    if units:
        build.sentences.upsert(
            ids=[f"{cid}-{index}" for cid, index, *_ in units],
            embeddings=vectors[len(chunks) :],
            documents=[text for _, _, text, _ in units],
            metadatas=[{"chunk_id": cid, "index": index} for cid, index, *_ in units],
        )
    build.chunks.upsert(
        ids=[chunk.id for chunk in chunks],
        embeddings=vectors[: len(chunks)],
        documents=[chunk.text for chunk in chunks],
        metadatas=[chunk.metadata() for chunk in chunks],
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


def _copy_stored(target: Collection, items: dict[str, StoredChunk], wanted: dict[str, Chunk]) -> None:
    """Copy vectors without re-embedding; metadata comes from the new chunk when there is one."""
    ids = list(items)
    step = 1000
    for start in range(0, len(ids), step):
        part = ids[start : start + step]
        target.upsert(
            ids=part,
            embeddings=[items[cid].embedding for cid in part],
            documents=[wanted[cid].text if cid in wanted else items[cid].document for cid in part],
            metadatas=[wanted[cid].metadata() if cid in wanted else items[cid].metadata for cid in part],
        )


def _dimension(collection: Collection) -> int:
    got = collection.get(limit=1, include=["embeddings"])
    return len(got["embeddings"][0]) if len(got["embeddings"]) else 0
