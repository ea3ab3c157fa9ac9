"""With CHROMA_HOST set, ingestion and retrieval go to a real Chroma server (`chroma run`)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAST_MODEL, free_port, wait_until_serving


def _listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(lambda: _listening(port), process, "chroma run")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_and_ask_through_a_chroma_server(chroma_server, corpus_copy, make_settings):
    from assistant.navigator import Navigator
    from ingest.__main__ import ingest
    from ingest.index import open_client

    settings = make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server, embedding_model=FAST_MODEL)
    first = ingest(settings, show_progress=False)
    again = ingest(settings, show_progress=False)
    assert first.chunks > 50 and again.embedded == 0

    client = open_client(settings)
    assert type(client).__name__ != "PersistentClient" and not settings.index_dir.exists()
    answer = Navigator(settings).ask("When did Liaison and Diversion move to NHS England?")
    assert "1 April 2014" in answer.answer and answer.citations
