"""With CHROMA_HOST set, ingestion and retrieval go to a real Chroma server (`chroma run`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from tests.conftest import (
    FAST_MODEL,
    KNOWN,
    NEW_FACT,
    NEW_QUESTION,
    add_new_fact,
    free_port,
    ingest_in_another_process,
    settings_env,
    wait_until_serving,
)



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
    from assistant.search.index_store import open_client

    settings = make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server, embedding_model=FAST_MODEL)
    first = ingest(settings, show_progress=False)
    again = ingest(settings, show_progress=False)
    assert first.chunks > 50 and again.embedded == 0

    client = open_client(settings)
    assert type(client).__name__ != "PersistentClient" and not settings.index_dir.exists()
    answer = Navigator(settings).ask("When did Liaison and Diversion move to NHS England?")
    assert "1 April 2014" in answer.answer and answer.citations


def test_two_readers_on_a_chroma_server_follow_re_ingests(chroma_server, corpus_copy, make_settings):
    """One reader in this process, one in another (``python -m assistant chat``); the writer in a third."""
    from assistant.search.index_store import build_names, open_client
    from assistant.navigator import Navigator
    from ingest.__main__ import ingest

    settings = make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server, pointer_check_s=0)
    first = ingest(settings, show_progress=False).collection
    here = Navigator(settings)
    there = subprocess.Popen(
        [sys.executable, "-m", "assistant", "chat", "--json"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings_env(settings), "PYTHONPATH": str(PROJECT_ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def ask_there(question: str) -> dict:
        there.stdin.write(question + "\n")
        there.stdin.flush()
        return json.loads(there.stdout.readline())

    def cited(answer: dict) -> str:
        return " ".join(citation["text"] for citation in answer["citations"])

    try:
        assert ask_there(NEW_QUESTION)["refused"] and here.ask(NEW_QUESTION).refused
        add_new_fact(corpus_copy)
        ingest_in_another_process(settings)
        assert NEW_FACT in cited(ask_there(NEW_QUESTION))
        assert NEW_FACT in " ".join(citation.text for citation in here.ask(NEW_QUESTION).citations)

        (corpus_copy / "note.txt").write_text("Custody healthcare note\n\nLiaison and Diversion teams meet weekly.\n")
        ingest_in_another_process(settings)
        # The first build has gone from the server; both readers answer from the newest.
        assert first not in build_names(open_client(settings), settings)
        assert "1 April 2014" in ask_there(KNOWN)["answer"] and "1 April 2014" in here.ask(KNOWN).answer
        assert here.library.build == build_names(open_client(settings), settings)[-1]
    finally:
        there.stdin.close()
        assert there.wait(timeout=60) == 0
