"""A running Navigator follows a re-ingest: it moves to the new build between questions, never within one, and the
writer removes a build only once no reader can still be on it. Real model, real Chroma, the real corpus."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from assistant.index_store import build_names, open_client, read_pointer
from assistant.llm import ChatEngine
from assistant.navigator import Navigator
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
    assert pointer.previous == first.collection  # kept for readers still on it


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
        return f"{first_sentence(passages[1])} [1]"

    generative = Navigator(
        settings.model_copy(update={"engine": "llamacpp"}),
        chat_engine=ChatEngine("fake", ScriptedChatModel(script=reingest_then_reply)),
    )
    in_flight = generative.ask(KNOWN)
    now = generative.follow_index()
    assert now is not began_with and now is reader.library

    # Verified against the sentence vectors of the build it began with: the cited chunk is not in the new one.
    assert in_flight.engine_used == "fake" and not in_flight.fallback_reason
    assert all(c.chunk_id in began_with.store.row for c in in_flight.citations)
    assert any(c.chunk_id not in now.store.row for c in in_flight.citations)
    assert {p.chunk_id for p in in_flight.retrieved} <= set(began_with.store.row)
    # The question asked meanwhile in another session already read the new build.
    meanwhile = asked_meanwhile["answer"]
    assert "reviewed yearly" in cited_text(meanwhile)
    assert all(c.chunk_id in now.store.row for c in meanwhile.citations)


def test_a_build_is_removed_by_the_build_after_the_one_that_replaced_it(corpus_copy, make_settings):
    settings = make_settings(pointer_check_s=0)
    builds = [ingest(settings, show_progress=False).collection]
    navigator = Navigator(settings)
    for change in range(2):
        (corpus_copy / f"note-{change}.txt").write_text(
            f"Custody healthcare note {change}\n\nLiaison and Diversion teams in area {change} meet weekly.\n"
        )
        report = ingest(settings, show_progress=False)
        builds.append(report.collection)
        assert "1 April 2014" in navigator.ask(KNOWN).answer  # the reader moves with every build
    client = open_client(settings)
    assert build_names(client, settings) == builds[1:]  # the live build and the one before it
    assert report.removed == builds[:1]
