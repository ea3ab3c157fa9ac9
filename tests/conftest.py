"""Fixtures build the real thing on small data: real corpus, real embedding models, real Chroma."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hashlib

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.settings import PROJECT_ROOT, Settings
from assistant.text import terms

CORPUS = PROJECT_ROOT / "corpus"
FAST_MODEL = "all-MiniLM-L6-v2"  # real, but 5x quicker than the default: used where the model is not the subject
BLOG = "place-based-partnerships-final-frontier-blog.txt"
# A fact a re-ingest adds to the blog, and a question only it answers.
NEW_FACT = (
    "The Navigatorshire neighbourhood health teams bring together police officers, mental health nurses and "
    "social workers to support people in crisis."
)
NEW_QUESTION = "What do the Navigatorshire neighbourhood health teams bring together?"
KNOWN = "When did Liaison and Diversion move to NHS England?"  # answered "From 1 April 2014, ..."


def add_new_fact(corpus: Path) -> None:
    blog = corpus / BLOG
    blog.write_text(blog.read_text(encoding="utf-8") + f"\n\n{NEW_FACT}\n", encoding="utf-8")


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that points another process (ingest, the CLI, the page) at these settings' index."""
    names = ("corpus_dir", "index_dir", "data_dir", "collection", "embedding_model", "pointer_check_s")
    env = {f"NAVIGATOR_{name.upper()}": str(getattr(settings, name)) for name in names}
    if settings.chroma_host:
        env |= {"CHROMA_HOST": settings.chroma_host, "CHROMA_PORT": str(settings.chroma_port)}
    return env


def ingest_in_another_process(settings: Settings) -> str:
    """``python -m ingest`` run as an operator runs it, in a process of its own; its report."""
    done = subprocess.run(
        [sys.executable, "-m", "ingest"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings_env(settings), "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on (for servers the tests start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(is_up: Callable[[], bool], server: subprocess.Popen, what: str, seconds: float = 60) -> None:
    """Poll ``is_up`` (an OSError counts as not yet) until it holds, the server exits, or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{what} exited with {server.returncode}")
        try:
            if is_up():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{what} was not serving within {seconds} s")


@pytest.fixture(autouse=True)
def fast_tests_load_nothing(request, monkeypatch):
    """A test marked ``fast`` may not load the embedding model nor open a Chroma store: the marker cannot lie."""
    if request.node.get_closest_marker("fast") is None:
        return
    import chromadb

    import assistant.search.embeddings

    def refuse(*args, **kwargs):
        raise AssertionError("a test marked fast loaded the embedding model or opened a Chroma store")

    monkeypatch.setattr(assistant.search.embeddings, "_load", refuse)
    monkeypatch.setattr(chromadb, "PersistentClient", refuse)
    monkeypatch.setattr(chromadb, "HttpClient", refuse)


@pytest.fixture
def make_settings(tmp_path):
    """Settings pointing at a private corpus and index folder, with any field overridden."""

    def make(**overrides) -> Settings:
        values = {
            "corpus_dir": tmp_path / "corpus",
            "index_dir": tmp_path / "index",
            "data_dir": tmp_path / "data",
            "embedding_model": FAST_MODEL,
            "collection": "test",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the real corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory) -> Settings:
    """The real corpus indexed once per test session with the default settings (and default model)."""
    from ingest.__main__ import ingest

    root = tmp_path_factory.mktemp("navigator")
    settings = Settings(corpus_dir=CORPUS, index_dir=root / "index", collection="navigator")
    report = ingest(settings, show_progress=False)
    assert report.chunks > 50 and not report.skipped
    return settings


@pytest.fixture(scope="session")
def navigator(indexed_settings):
    from assistant.navigator import Navigator

    return Navigator(indexed_settings)


class TermEmbeddings(Embeddings):
    """A stand-in for the embedding model where it cannot load (the fast tier): each text's stemmed terms hashed into
    256 dimensions and normalised, so texts sharing words are close. Only the fast tests use it."""

    DIMENSIONS = 256

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = np.zeros(self.DIMENSIONS)
        for term in terms(text):
            vector[int(hashlib.sha256(term.encode()).hexdigest(), 16) % self.DIMENSIONS] += 1.0
        norm = np.linalg.norm(vector)
        return (vector / norm if norm else vector).tolist()


@pytest.fixture(scope="session")
def small_library():
    """The real corpus read, cleaned, chunked and indexed as ingest does, into an in-memory Chroma, with
    ``TermEmbeddings``: a whole Library in a few seconds, with no model and nothing on disk."""
    import chromadb

    from assistant.search.library import load_library
    from ingest.__main__ import build_chunks
    from ingest.index import sync_index

    # Similarity thresholds are the model's own: hashed terms give lower cosines than MPNet for the same match.
    settings = Settings(corpus_dir=CORPUS, collection="small", embedding_model="term-hashing", min_similarity=0.2,
                        follow_up_min_similarity=0.2,
                        unknown_needs_similarity=0.3)
    chunks, skipped, _ = build_chunks(CORPUS, settings)
    client = chromadb.EphemeralClient()
    embeddings = TermEmbeddings()
    sync_index(chunks, skipped, settings, client, lambda: embeddings.embed_documents)
    return settings, load_library(settings, client, embeddings)
