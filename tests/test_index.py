"""Incremental, atomic indexing into a real Chroma store with a real embedding model."""

from __future__ import annotations

import shutil

import pytest

from assistant.search.embeddings import ModelUnavailable, assemble_mpnet, resolve_model_path
from assistant.search.index_store import (active_collection, active_collections, build_names, graph_recall,
                                          open_client)
from assistant.settings import get_settings
from ingest.__main__ import EXIT_SKIPPED, ingest, main
from tests.conftest import BLOG, CORPUS, FAST_MODEL, settings_env
from tests.documents import write_encrypted_pdf, write_pdf

PREVENTION = "nhs-prevention-population-health-ics.txt"


def _stored(settings):
    collection = active_collection(open_client(settings), settings)
    return collection.get(include=["metadatas", "documents"])


def test_second_run_embeds_nothing(corpus_copy, make_settings):
    settings = make_settings()
    first = ingest(settings, show_progress=False)
    second = ingest(settings, show_progress=False)
    assert first.files == 5 and first.added == first.chunks == first.embedded > 50
    assert (second.added, second.updated, second.deleted, second.embedded) == (0, 0, 0, 0)
    assert second.unchanged == first.chunks and second.collection == first.collection


def test_every_sentence_of_every_chunk_is_indexed_for_sentence_search(corpus_copy, make_settings):
    from assistant.text import sentences

    settings = make_settings()
    ingest(settings, show_progress=False)
    build = active_collections(open_client(settings), settings)
    chunks = build.chunks.get(include=["documents"])
    stored = build.sentences.get(include=["documents", "metadatas"])
    expected = {(cid, i, s) for cid, doc in zip(chunks["ids"], chunks["documents"]) for i, s in enumerate(sentences(doc))}
    assert {(m["chunk_id"], m["index"], d) for m, d in zip(stored["metadatas"], stored["documents"])} == expected


def test_every_chunk_carries_its_metadata(corpus_copy, make_settings):
    write_pdf(corpus_copy / "briefing.pdf")
    settings = make_settings()
    ingest(settings, show_progress=False)
    stored = _stored(settings)
    for cid, meta in zip(stored["ids"], stored["metadatas"]):
        assert meta["chunk_id"] == cid
        assert meta["source"] and meta["title"] and "section" in meta
        assert ("page" in meta) == meta["source"].endswith(".pdf")
    pdf_pages = {meta["page"] for meta in stored["metadatas"] if meta["source"] == "briefing.pdf"}
    assert pdf_pages == {1, 2, 3}
    guide = next(m for m in stored["metadatas"] if m["source"].startswith("ics-health"))
    assert guide["title"].startswith("Integrated Care Boards, NHS England Health and Justice")
    assert guide["kind"] == "guide"  # from sources.json: how officers name it ("the guide says")


def test_a_changed_file_is_re_embedded_and_a_deleted_file_removed(corpus_copy, make_settings):
    settings = make_settings()
    first = ingest(settings, show_progress=False)
    blog = corpus_copy / BLOG
    blog.write_text(blog.read_text(encoding="utf-8") + "\n\nA new closing paragraph about neighbourhood teams.\n")
    (corpus_copy / PREVENTION).unlink()
    second = ingest(settings, show_progress=False)
    assert second.updated >= 1 and second.deleted >= 12
    assert second.embedded == second.added + second.updated < 5  # only the changed chunk(s)
    assert second.chunks < first.chunks
    sources = {meta["source"] for meta in _stored(settings)["metadatas"]}
    assert PREVENTION not in sources
    assert any("neighbourhood teams" in doc for doc in _stored(settings)["documents"])


def test_bad_files_are_reported_and_the_rest_indexed(corpus_copy, make_settings, monkeypatch):
    (corpus_copy / "empty.txt").write_text("")
    (corpus_copy / "latin1.txt").write_bytes("Caf\xe9 in the custody suite".encode("latin-1"))
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    (corpus_copy / "notes.xyz").write_text("unknown")
    write_encrypted_pdf(corpus_copy / "locked.pdf")
    settings = make_settings()
    report = ingest(settings, show_progress=False)
    reasons = {item.source: item.reason for item in report.skipped}
    assert set(reasons) == {"empty.txt", "latin1.txt", "broken.pdf", "notes.xyz", "locked.pdf"}
    assert "empty" in reasons["empty.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "unknown format" in reasons["notes.xyz"]
    assert "encrypted" in reasons["locked.pdf"]
    assert report.files == 5 and report.chunks > 50

    monkeypatch.setenv("NAVIGATOR_CORPUS_DIR", str(corpus_copy))
    monkeypatch.setenv("NAVIGATOR_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("NAVIGATOR_EMBEDDING_MODEL", FAST_MODEL)
    monkeypatch.setenv("NAVIGATOR_COLLECTION", "test")
    get_settings.cache_clear()
    try:
        assert main([]) == EXIT_SKIPPED
    finally:
        get_settings.cache_clear()


def test_a_file_that_turns_unreadable_keeps_its_earlier_chunks(corpus_copy, make_settings):
    settings = make_settings()
    first = ingest(settings, show_progress=False)
    (corpus_copy / BLOG).write_bytes(b"\xff\xfe broken \x80 bytes")
    second = ingest(settings, show_progress=False)
    assert [item.source for item in second.skipped] == [BLOG]
    assert second.kept_from_skipped > 0 and second.chunks == first.chunks and second.deleted == 0
    assert BLOG in {meta["source"] for meta in _stored(settings)["metadatas"]}


def test_an_interrupted_ingest_leaves_the_previous_index_in_use(corpus_copy, make_settings):
    from ingest.__main__ import build_chunks
    from ingest.index import sync_index

    settings = make_settings()
    first = ingest(settings, show_progress=False)
    (corpus_copy / BLOG).write_text("A completely rewritten blog about neighbourhood health teams.\n")
    chunks, skipped, _ = build_chunks(corpus_copy, settings)

    def crash():
        def embed(texts):
            raise KeyboardInterrupt

        return embed

    client = open_client(settings)
    with pytest.raises(KeyboardInterrupt):
        sync_index(chunks, skipped, settings, client, crash)
    live = active_collection(client, settings)
    assert live.name == first.collection and live.count() == first.chunks
    half_built = [name for name in build_names(client, settings) if name != live.name]
    assert len(half_built) == 1

    recovered = ingest(settings, show_progress=False)
    assert recovered.collection == half_built[0] and recovered.embedded == 1  # finished, not started again
    names = [c.name for c in open_client(settings).list_collections()]
    # The live build and the pointer: no reader holds a lease on the build it replaced.
    assert sorted(names) == sorted([recovered.collection, recovered.collection + "-sentences", "test-active"])


def _killed_mid_embedding(corpus, settings, batches: int):
    """Chunks of the corpus, and the sizes of the batches a sync embedded before it was killed."""
    from assistant.search.embeddings import load_embeddings
    from ingest.__main__ import build_chunks
    from ingest.index import sync_index

    chunks, skipped, _ = build_chunks(corpus, settings)
    embedded: list[int] = []

    def dies_after_some_batches():
        model = load_embeddings(settings)

        def embed(texts):
            if len(embedded) == batches:
                raise MemoryError("killed")
            embedded.append(len(texts))
            return model.embed_documents(texts)

        return embed

    with pytest.raises(MemoryError):
        sync_index(chunks, skipped, settings, open_client(settings), dies_after_some_batches)
    assert active_collection(open_client(settings), settings) is None  # nothing half-built is ever read
    return chunks, embedded


def test_a_build_killed_mid_embedding_is_resumed_embedding_only_what_it_lacks(corpus_copy, make_settings):
    settings = make_settings(ingest_batch_chunks=32)  # the corpus takes several batches
    chunks, embedded = _killed_mid_embedding(corpus_copy, settings, batches=3)

    resumed = ingest(settings, show_progress=False)
    fresh_texts = len(chunks) + sum(len(chunk.embedded_sentences()) for chunk in chunks)  # what a fresh build embeds
    texts = resumed.embedded + resumed.sentences_embedded
    assert resumed.resumed == 3 * 32 and resumed.embedded == len(chunks) - 3 * 32
    assert texts == fresh_texts - sum(embedded) and texts < fresh_texts  # nothing embedded twice
    build = active_collections(open_client(settings), settings)
    assert set(build.chunks.get()["ids"]) == {chunk.id for chunk in chunks}
    assert set(build.sentences.get()["ids"]) == {
        f"{chunk.id}-{index}" for chunk in chunks for index in range(len(chunk.embedded_sentences()))
    }


def test_a_half_made_build_with_another_graph_is_not_resumed(corpus_copy, make_settings):
    settings = make_settings(ingest_batch_chunks=32)
    chunks, _ = _killed_mid_embedding(corpus_copy, settings, batches=1)
    changed = make_settings(ingest_batch_chunks=32, hnsw_ef_search=settings.hnsw_ef_search + 100)
    report = ingest(changed, show_progress=False)
    assert report.resumed == 0 and report.embedded == len(chunks)
    build = active_collections(open_client(changed), changed)
    assert build.sentences.configuration_json["hnsw"]["ef_search"] == changed.hnsw_ef_search


def _size(folder) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_ten_rebuilds_in_a_row_leave_the_index_the_size_of_a_fresh_build(corpus_copy, make_settings):
    settings = make_settings()
    fresh = ingest(settings, show_progress=False)
    fresh_size = _size(settings.index_dir)
    sizes = []
    for change in range(10):
        blog = corpus_copy / BLOG
        blog.write_text(blog.read_text(encoding="utf-8") + f"\n\nRebuild {change} added this closing line.\n")
        assert ingest(settings, show_progress=False).updated == 1
        sizes.append(_size(settings.index_dir))
    # No reader holds a lease on a replaced build, so each rebuild removes the one before it.
    print(f"fresh {fresh_size / 1e6:.2f} MB; after rebuilds 1..10: {[round(size / 1e6, 2) for size in sizes]} MB")
    assert max(sizes) <= 1.1 * fresh_size
    assert build_names(open_client(settings), settings) == [active_collections(open_client(settings), settings).name]
    assert fresh.collection not in build_names(open_client(settings), settings)
    segment_folders = [path for path in settings.index_dir.iterdir() if path.is_dir()]
    assert len(segment_folders) == 2  # one build of two collections: nothing of the ten deleted ones is left


def test_a_huge_file_on_one_line_is_skipped_by_the_limit_and_reported(make_settings, monkeypatch, capsys):
    settings = make_settings()
    settings.corpus_dir.mkdir()
    shutil.copy(CORPUS / BLOG, settings.corpus_dir)
    (settings.corpus_dir / "one-line.txt").write_text("custody " * 2_500_000)  # 20 MB, no line break
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert main([]) == EXIT_SKIPPED
    finally:
        get_settings.cache_clear()
    printed = capsys.readouterr().out
    assert "Indexed 1 files" in printed
    assert "SKIPPED one-line.txt: 20,000,000 characters without a line break, over the limit of 100,000" in printed


@pytest.mark.fast
def test_files_over_the_size_or_passage_limits_are_skipped(corpus_copy, make_settings):
    from ingest.__main__ import build_chunks

    (corpus_copy / "large.txt").write_text("Custody healthcare is commissioned locally.\n" * 30_000)  # 1.3 MB
    chunks, skipped, files = build_chunks(corpus_copy, make_settings(max_file_mb=1, max_chunks_per_file=40))
    reasons = {item.source: item.reason for item in skipped}
    assert reasons.pop("large.txt") == "1.3 MB, over the 1 MB limit for one document"
    assert reasons and all(reason.endswith("passages, over the limit of 40 per file") for reason in reasons.values())
    assert set(reasons).isdisjoint({chunk.source for chunk in chunks}) and files == 5 - len(reasons)


def test_changing_the_embedding_model_forces_a_full_rebuild(corpus_copy, make_settings):
    first = ingest(make_settings(), show_progress=False)
    other_name_same_weights = resolve_model_path(make_settings())  # a path: a different model setting
    second = ingest(make_settings(embedding_model=other_name_same_weights), show_progress=False)
    assert second.rebuilt and second.embedded == first.chunks
    assert active_collection(open_client(make_settings()), make_settings()).metadata["embedding_model"] == (
        other_name_same_weights
    )


def test_the_packaged_mpnet_model_is_verified_and_cached(tmp_path):
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        assemble_mpnet(tmp_path / "cache", "0" * 64)
    assert not any((tmp_path / "cache").glob("all-mpnet-*"))  # nothing half-made is left to be trusted


def test_the_dense_graph_is_built_as_set_finds_the_truly_nearest_and_follows_a_setting(corpus_copy, make_settings):
    import json

    from assistant.search.embeddings import load_embeddings

    settings = make_settings(hnsw_max_neighbors=32, hnsw_ef_construction=150, hnsw_ef_search=300)
    ingest(settings, show_progress=False)
    build = active_collections(open_client(settings), settings)
    for collection in (build.chunks, build.sentences):
        graph = collection.configuration_json["hnsw"]
        assert (graph["space"], graph["max_neighbors"], graph["ef_construction"], graph["ef_search"]) == (
            "cosine", 32, 150, 300)
    lines = (CORPUS.parent / "eval" / "officer_questions_a.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    queries = load_embeddings(settings).embed_documents([json.loads(line)["question"] for line in lines])
    assert graph_recall(build.sentences, queries, 30) == 1.0
    sentences = build.sentences.count()
    # A changed graph setting takes effect at the next ingest, in a new build of copied vectors.
    again = ingest(make_settings(hnsw_max_neighbors=32, hnsw_ef_construction=150, hnsw_ef_search=200),
                   show_progress=False)
    assert again.collection != build.name and again.embedded == 0 and again.unchanged == again.chunks
    rebuilt = active_collections(open_client(settings), settings)
    assert rebuilt.sentences.configuration_json["hnsw"]["ef_search"] == 200
    assert rebuilt.sentences.count() == sentences
