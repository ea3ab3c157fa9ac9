"""A question's candidates weighed among themselves (retrieve.Neighbourhood): the statistics the re-score and the
picker use do not move when unrelated documents are indexed beside the guidance (ADR 0011)."""

from __future__ import annotations

import pytest

from assistant.search.retrieve import ChunkStore, LexicalIndex, Neighbourhood
from assistant.text import terms

pytestmark = pytest.mark.fast

QUESTION = "Who commissions health care services for people in police custody?"
# Manual pages that share a few everyday words with the guidance and none of its subject.
MANUAL = ("To restart a service, the system administrator checks the log file, then the daemon reads its "
          "configuration again; people who share the machine keep their sessions.")


@pytest.fixture(scope="module")
def stores(small_library):
    _, library = small_library
    alone = library.store
    manuals = 400
    beside = ChunkStore(
        alone.ids + [f"manual-{i}" for i in range(manuals)],
        alone.texts + [MANUAL] * manuals,
        alone.metadatas + [{"source": "manual", "position": i} for i in range(manuals)],
    )
    candidates = [p.chunk_id for p in LexicalIndex(alone).search(terms(QUESTION), 25)]
    return alone, beside, candidates


def test_the_candidates_statistics_are_the_same_whatever_else_is_indexed(stores):
    alone, beside, candidates = stores
    question = terms(QUESTION)
    assert len(candidates) == 25
    # Over the whole index the manuals shift every word's weight: the guidance's own words gain on the everyday ones.
    health, people = terms("health people")
    assert beside.idf(health) / beside.idf(people) > 2 * alone.idf(health) / alone.idf(people)
    assert Neighbourhood(alone, candidates).scores(question) == Neighbourhood(beside, candidates).scores(question)
    assert [Neighbourhood(alone, candidates).idf(t) for t in question] == [
        Neighbourhood(beside, candidates).idf(t) for t in question]


def test_a_word_every_candidate_holds_weighs_least_and_a_word_none_holds_scores_nothing(stores):
    alone, _, candidates = stores
    neighbourhood = Neighbourhood(alone, candidates)
    counts = neighbourhood.document_frequency
    common, rare = max(counts, key=counts.get), min(counts, key=counts.get)
    assert neighbourhood.idf(common) < neighbourhood.idf(rare)
    scores = neighbourhood.scores(terms(QUESTION))
    assert set(scores) == set(candidates) and max(scores.values()) > 0
    assert set(neighbourhood.scores(["zzzunindexed"]).values()) == {0.0}
