"""The real llamacpp engine: the packaged Qwen2.5-Coder-1.5B GGUF, run by llama-cpp-python on this CPU; and the
real openai engine, against llama-cpp-python's OpenAI-compatible server running the same model.

`make test` installs requirements-llm.txt first (`make llm`), so these run everywhere the suite runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from assistant.engines.llm import PACKAGED_GGUF, assemble_packaged_gguf
from assistant.search.packaged import ModelUnavailable
from assistant.settings import PROJECT_ROOT
from assistant.text import terms
from eval.metrics import cited_sentences

NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")


def held_by(passage: str, sentence: str) -> bool:
    """An independent check of a citation, stricter on words than the engine's verifier and blind to meaning:
    most of the sentence's terms, and every number, are in the passage."""
    wanted = set(terms(sentence))
    found = len(wanted & set(terms(passage))) / len(wanted) if wanted else 0.0
    return found >= 0.6 and set(NUMBER.findall(sentence)) <= set(NUMBER.findall(passage))


def assert_cites_what_holds_its_claims(answer: dict, engine: str = "llamacpp") -> None:
    assert answer["engine_used"] == engine, answer["fallback_reason"]
    by_number = {c["n"]: c["text"] for c in answer["citations"]}
    claims = cited_sentences(answer["answer"])
    assert claims and all(numbers for _, numbers in claims)
    for sentence, numbers in claims:
        assert any(held_by(by_number[n], sentence) for n in numbers), (sentence, numbers)


def test_the_cli_gives_a_fluent_cited_answer(indexed_settings):
    env = {
        **os.environ,
        "NAVIGATOR_INDEX_DIR": str(indexed_settings.index_dir),
        "NAVIGATOR_COLLECTION": indexed_settings.collection,
        "NAVIGATOR_DATA_DIR": str(indexed_settings.index_dir.parent / "data"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "What is Liaison and Diversion?", "--engine", "llamacpp", "--json"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout)
    assert_cites_what_holds_its_claims(answer)
    assert re.search(r"identif|mental health|vulnerab", answer["answer"], re.I)


def test_the_engine_answers_a_second_corpus_question_through_the_api(indexed_settings):
    from assistant.navigator import Navigator

    navigator = Navigator(indexed_settings.model_copy(update={"engine": "llamacpp"}))
    answer = navigator.ask("What is a SARC?")
    assert_cites_what_holds_its_claims(answer.to_dict())
    assert re.search(r"sexual assault referral", answer.answer, re.I)
    assert answer.timings_ms["generate"] > 0 and answer.draft


def test_the_packaged_model_is_verified_before_it_is_trusted(tmp_path):
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        assemble_packaged_gguf(tmp_path, "0" * 64)
    assert not list(tmp_path.iterdir())  # no half-joined or unverified file is left behind
    assert PACKAGED_GGUF in str(assemble_packaged_gguf(tmp_path / "real", _settings_sha()))


def _settings_sha() -> str:
    from assistant.settings import Settings

    return Settings().gguf_sha256


@pytest.fixture(scope="module")
def openai_compatible_server(indexed_settings):
    """llama-cpp-python's OpenAI-compatible server on a free local port, serving the packaged model."""
    import httpx

    from assistant.engines.llm import resolve_gguf
    from tests.conftest import free_port, wait_until_serving

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(resolve_gguf(indexed_settings)),
         "--model_alias", "local-qwen", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
         "--n_threads", "2", "--verbose", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"

    def models_listed() -> bool:
        try:
            return httpx.get(f"{url}/models", timeout=2).status_code == 200
        except httpx.HTTPError:  # not yet listening
            return False

    try:
        wait_until_serving(models_listed, server, "llama_cpp.server")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_openai_engine_answers_through_a_real_openai_compatible_server(indexed_settings, openai_compatible_server):
    from assistant.navigator import Navigator

    settings = indexed_settings.model_copy(
        update={"engine": "openai", "llm_base_url": openai_compatible_server, "llm_model": "local-qwen"}
    )
    answer = Navigator(settings).ask("What is a SARC?")
    assert_cites_what_holds_its_claims(answer.to_dict(), engine="openai")
    assert re.search(r"sexual assault referral", answer.answer, re.I)
