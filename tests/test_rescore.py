"""The re-score (ADR 0003, 0015): signals standardised among the candidates and weighed; a passage whose second
sentence also bears on the question rises; the cross-validation picks the weight that ranks the evidence first."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.records import Passage
from assistant.search.rescore import SIGNALS, combine, rescore, weights_for
from eval.rescore import Sample, best_weights, figures, out_of_fold


def passage(chunk_id: str, fused: float) -> Passage:
    return Passage(chunk_id, f"text of {chunk_id}", "doc.txt", "Doc", "", 0, score=fused)


# Two candidates alike in their best sentence, BM25 and fused score; only "two" has a second sentence on the ask.
SIMS = {"one": [0.70, 0.20, 0.10], "two": [0.70, 0.60, 0.10], "three": [0.40, 0.30]}
LEXICAL = {"one": 2.0, "two": 2.0, "three": 1.0}
CANDIDATES = [passage("one", 0.03), passage("two", 0.03), passage("three", 0.02)]


@pytest.mark.fast
def test_the_second_sentence_lifts_a_passage_only_when_it_is_weighed():
    assert [p.chunk_id for p in rescore(CANDIDATES, SIMS, LEXICAL, weights_for(0.5, 1.0))][:2] == ["two", "one"]
    unweighed = rescore(CANDIDATES, SIMS, LEXICAL, weights_for(0.0, 1.0))
    assert unweighed[0].score == unweighed[1].score  # alike but for the second sentence, which now counts for nothing


@pytest.mark.fast
def test_each_candidate_carries_the_signals_it_was_scored_by():
    ranked = rescore(CANDIDATES, SIMS, LEXICAL, weights_for(0.625, 1.0))
    two = next(p for p in ranked if p.chunk_id == "two")
    assert dict(zip(SIGNALS, two.signals)) == {"best_sentence": 0.70, "second_sentence": 0.60, "lexical": 2.0,
                                               "fused": 0.03}
    again = combine(np.array([p.signals for p in ranked]), weights_for(0.625, 1.0))
    assert np.allclose(again, [p.score for p in ranked])  # the fit re-orders with the stage's own arithmetic


@pytest.mark.fast
def test_a_signal_all_candidates_share_adds_nothing():
    same = np.array([[0.5, 0.4, 1.0, 0.1], [0.5, 0.2, 3.0, 0.1]])
    assert combine(same, (1.0, 0.0, 1.0, 1.0)).tolist() == [-1.0, 1.0]


def samples(count: int) -> list[Sample]:
    """Questions whose evidence (candidate 0) is second on its best sentence and its fusion score but first on its
    second sentence."""
    signals = np.array([[0.6, 0.6, 1.0, 0.01], [0.7, 0.1, 1.0, 0.03], [0.3, 0.2, 1.0, 0.02]])
    return [Sample("set", signals, (True, False, False)) for _ in range(count)]


@pytest.mark.fast
def test_the_folds_choose_weights_that_put_the_evidence_first():
    second, fused = best_weights(samples(8))
    assert second > 0 and fused < 1.0
    oof, chosen = out_of_fold(samples(8))
    assert oof["set"] == (1.0, 1.0) and all(second > 0 for second, _ in chosen)
    assert samples(1)[0].first_relevant((0.625, 1.0)) == 2  # at the weights of old the fusion score outvotes it
    assert figures([1, 2, None, 6]) == (0.5, (1 + 1 / 2 + 1 / 6) / 4)


def test_a_real_answer_reports_its_rescored_candidates(navigator):
    answer = navigator.ask("Who chairs the Health and Justice Clinical Reference Group?")
    assert len(answer.rescored) == navigator.settings.rescore_candidates
    assert all(len(p.signals) == len(SIGNALS) for p in answer.rescored)
    scores = [p.score for p in answer.rescored]
    assert scores == sorted(scores, reverse=True) and answer.retrieved[0].chunk_id == answer.rescored[0].chunk_id
    assert "rescored" not in answer.to_dict()  # kept out of results.jsonl and the audit log, like the candidates
