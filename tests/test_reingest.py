"""A running Navigator follows a re-ingest: it moves to the new build between questions, never within one, and the
writer removes a build only once no reader can still be on it. Real model, real Chroma, the real corpus."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from assistant.search.index_store import build_names, open_client, read_pointer
from assistant.engines.llm import ChatEngine
from assistant.navigator import Navigator
from assistant.settings import Settings
from ingest.__main__ import ingest
from tests.conftest import KNOWN, NEW_FACT, NEW_QUESTION, add_new_fact, ingest_in_another_process
from tests.test_generation import ScriptedChatModel, first_sentence

HEALTH_AND_JUSTICE = "nhs-england-health-and-justice.txt"


def cited_text(answer) -> str:
    return "\n".join(citation.text for citation in answer.citations)


def test_a_running_navigator_answers_across_a_re_ingest_from_another_process(corpus_copy, make_settings):
    settings = make_settings(pointer_check_s=0)
    first = ingest(settings, show_progress=False)
    navigator = Navigator(settings)
    assert "1 April 2014" in navigator.ask(KNOWN).answer
    assert navigator.ask(NEW_QUESTION).refused

    add_new_fact(corpus_copy)
    ingest_in_another_process(settings)

    after = navigator.ask(NEW_QUESTION)
    assert not after.refused and NEW_FACT in cited_text(after)
    assert "1 April 2014" in navigator.ask(KNOWN).answer
    pointer = read_pointer(open_client(settings), settings)
    assert navigator.library.build == pointer.active != first.collection
    # Kept: this reader's lease named it when the other process published the new build.
    assert pointer.previous == first.collection in build_names(open_client(settings), settings)


def test_a_navigator_made_after_a_re_ingest_answers_from_the_new_build_at_once(corpus_copy, make_settings):
    # The shared follower would not look at the pointer again for an hour; a new Navigator still must.
    settings = make_settings(pointer_check_s=3600)
    ingest(settings, show_progress=False)
    assert Navigator(settings).ask(NEW_QUESTION).refused
    add_new_fact(corpus_copy)
    second = ingest(settings, show_progress=False)
    navigator = Navigator(settings)
    assert navigator.library.build == second.collection
    assert NEW_FACT in cited_text(navigator.ask(NEW_QUESTION))


def test_a_question_in_flight_is_answered_from_the_build_it_began_with(corpus_copy, make_settings):
    settings = make_settings(pointer_check_s=0)
    ingest(settings, show_progress=False)
    reader = Navigator(settings)
    began_with = reader.library
    asked_meanwhile = {}

    def reingest_then_reply(passages: dict[int, str]) -> str:
        # While this question's draft is being written, the passage it will quote changes and a new build goes live.
        document = corpus_copy / HEALTH_AND_JUSTICE
        text = document.read_text(encoding="utf-8")
        document.write_text(text.replace("operating to a high quality.", "operating to a high quality, reviewed yearly."))
        ingest(settings, show_progress=False)
        with ThreadPoolExecutor(max_workers=1) as other_session:
            asked_meanwhile["answer"] = other_session.submit(reader.ask, KNOWN).result()
        # The process's reader has moved on, but this question is still on its build: a further build keeps it.
        (corpus_copy / "note.txt").write_text("Custody healthcare note\n\nLiaison and Diversion teams meet weekly.\n")
        ingest(settings, show_progress=False)
        asked_meanwhile["builds"] = build_names(open_client(settings), settings)
        return f"{first_sentence(passages[1])} [1]"

    generative = Navigator(
        settings.model_copy(update={"engine": "llamacpp"}),
        chat_engine=ChatEngine("fake", ScriptedChatModel(script=reingest_then_reply)),
    )
    in_flight = generative.ask(KNOWN)
    assert began_with.build in asked_meanwhile["builds"]
    now = generative.follow_index()
    assert now is not began_with and now.build == read_pointer(open_client(settings), settings).active

    # Verified against the sentence vectors of the build it began with: the cited chunk is not in the new one.
    assert in_flight.engine_used == "fake" and not in_flight.fallback_reason
    assert all(c.chunk_id in began_with.store.row for c in in_flight.citations)
    assert any(c.chunk_id not in now.store.row for c in in_flight.citations)
    assert {p.chunk_id for p in in_flight.retrieved} <= set(began_with.store.row)
    # The question asked meanwhile in another session already read the new build.
    meanwhile = asked_meanwhile["answer"]
    assert "reviewed yearly" in cited_text(meanwhile)
    assert all(c.chunk_id in now.store.row for c in meanwhile.citations)
    # Its answer done, nothing holds the build it began with: the next run removes it.
    assert began_with.build in ingest(settings, show_progress=False).removed


def test_a_build_is_removed_once_no_reader_is_on_it(corpus_copy, make_settings):
    settings = make_settings(pointer_check_s=0)
    builds = [ingest(settings, show_progress=False).collection]
    navigator = Navigator(settings)
    for change in range(2):
        (corpus_copy / f"note-{change}.txt").write_text(
            f"Custody healthcare note {change}\n\nLiaison and Diversion teams in area {change} meet weekly.\n"
        )
        report = ingest(settings, show_progress=False)
        builds.append(report.collection)
        # The reader was still on the build before: it stays, and the one the reader left goes.
        assert build_names(open_client(settings), settings) == builds[-2:]
        assert "1 April 2014" in navigator.ask(KNOWN).answer  # the reader moves with every build
    assert report.removed == builds[:1]
    # Nobody is on the build before the live one any more: the next run with nothing to build removes it.
    assert ingest(settings, show_progress=False).removed == builds[1:2]
    assert build_names(open_client(settings), settings) == builds[2:]


def test_a_reader_whose_lease_went_stale_reads_the_new_build_before_it_answers(corpus_copy, make_settings):
    # An idle reader: its lease is stale, so the writer removes its build; its next question must not look there.
    settings = make_settings(pointer_check_s=3600, reader_lease_s=1.0, llm_time_limit_s=0.5)
    first = ingest(settings, show_progress=False)
    navigator = Navigator(settings)
    assert navigator.ask(NEW_QUESTION).refused
    time.sleep(1.2)
    add_new_fact(corpus_copy)
    second = ingest(settings, show_progress=False)
    assert second.removed == [first.collection]
    answer = navigator.ask(NEW_QUESTION)
    assert navigator.library.build == second.collection
    assert NEW_FACT in cited_text(answer)


@pytest.mark.fast
def test_a_lease_shorter_than_a_question_can_take_is_refused_with_the_reason():
    with pytest.raises(ValidationError, match="reader_lease_s .* must be at least twice llm_time_limit_s"):
        Settings(reader_lease_s=60, llm_time_limit_s=90)
    assert Settings(reader_lease_s=180, llm_time_limit_s=90).reader_lease_s == 180
