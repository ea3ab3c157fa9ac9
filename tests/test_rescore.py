"""The re-score (ADR 0003, 0015, 0024): signals standardised among the candidates and weighed; a passage whose second
sentence also bears on the question rises; a signal on which the candidates barely differ has little say; the
cross-validation picks the weights and least spreads that rank the evidence first."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.records import Passage
from assistant.search.rescore import SIGNALS, combine, rescore, weights_for
from eval.rescore import Ranking, Sample, best, figures, out_of_fold, spread_options, typical_spread, weight_options


def passage(chunk_id: str, fused: float) -> Passage:
    return Passage(chunk_id, f"text of {chunk_id}", "doc.txt", "Doc", "", 0, score=fused)


# Two candidates alike in their best sentence, BM25 and fused score; only "two" has a second sentence on the ask.
SIMS = {"one": [0.70, 0.20, 0.10], "two": [0.70, 0.60, 0.10], "three": [0.40, 0.30]}
LEXICAL = {"one": 2.0, "two": 2.0, "three": 1.0}
CANDIDATES = [passage("one", 0.03), passage("two", 0.03), passage("three", 0.02)]
UNBOUNDED = (0.0, 0.0, 0.0, 0.0)  # every signal divided by its own spread among the candidates
LEAST = (0.1, 0.1, 1.0, 0.01)


@pytest.mark.fast
def test_the_second_sentence_lifts_a_passage_only_when_it_is_weighed():
    weighed = rescore(CANDIDATES, SIMS, LEXICAL, weights_for(0.5, 1.0), UNBOUNDED)
    assert [p.chunk_id for p in weighed][:2] == ["two", "one"]
    unweighed = rescore(CANDIDATES, SIMS, LEXICAL, weights_for(0.0, 1.0), UNBOUNDED)
    assert unweighed[0].score == unweighed[1].score  # alike but for the second sentence, which now counts for nothing


@pytest.mark.fast
def test_each_candidate_carries_the_signals_it_was_scored_by():
    ranked = rescore(CANDIDATES, SIMS, LEXICAL, weights_for(0.625, 1.0), LEAST)
    two = next(p for p in ranked if p.chunk_id == "two")
    assert dict(zip(SIGNALS, two.signals)) == {"best_sentence": 0.70, "second_sentence": 0.60, "lexical": 2.0,
                                               "fused": 0.03}
    again = combine(np.array([p.signals for p in ranked]), weights_for(0.625, 1.0), LEAST)
    assert np.allclose(again, [p.score for p in ranked])  # the fit re-orders with the stage's own arithmetic


@pytest.mark.fast
def test_a_signal_all_candidates_share_adds_nothing():
    same = np.array([[0.5, 0.4, 1.0, 0.1], [0.5, 0.2, 3.0, 0.1]])
    assert combine(same, (1.0, 0.0, 1.0, 1.0), UNBOUNDED).tolist() == [-1.0, 1.0]


@pytest.mark.fast
def test_a_signal_the_candidates_barely_differ_on_has_little_say():
    # The first candidate's best sentence is much closer to the ask; the second has a hair more BM25 (a paraphrased
    # ask: the candidates' words match it about equally).
    signals = np.array([[0.75, 0.4, 1.00, 0.02], [0.55, 0.4, 1.02, 0.02]])
    weights = (1.0, 0.0, 1.0, 0.0)
    unbounded = combine(signals, weights, UNBOUNDED)
    assert unbounded[0] == pytest.approx(unbounded[1])  # each difference stretched to one spread: a tie
    bounded = combine(signals, weights, LEAST)
    assert bounded[0] > bounded[1]
    assert bounded[0] - bounded[1] == pytest.approx(2.0 - 0.02)  # the BM25 hair counts as what it is: 0.02 spreads


def samples(count: int) -> list[Sample]:
    """Questions whose evidence (candidate 0) is second on its best sentence and its fusion score but first on its
    second sentence."""
    signals = np.array([[0.6, 0.6, 1.0, 0.01], [0.7, 0.1, 1.0, 0.03], [0.3, 0.2, 1.0, 0.02]])
    return [Sample("set", signals, (True, False, False)) for _ in range(count)]


def hair_samples() -> list[Sample]:
    """Ten ordinary questions, whose evidence (candidate 0) is first on every signal, and six whose evidence is first
    on its sentences together but a hair behind on BM25 and behind on the fusion score."""
    ordinary = np.array([[0.8, 0.5, 3.0, 0.03], [0.5, 0.3, 1.0, 0.02], [0.4, 0.2, 0.5, 0.01]])
    hair = np.array([[0.65, 0.6, 1.0, 0.01], [0.7, 0.1, 1.01, 0.03], [0.3, 0.2, 1.0, 0.02]])
    return [Sample("set", signals, (True, False, False)) for signals in [ordinary] * 10 + [hair] * 6]


@pytest.mark.fast
def test_the_folds_choose_weights_that_put_the_evidence_first():
    (second, fused), ranking = best(weight_options(LEAST), samples(8))
    assert second > 0 and fused < 1.0 and ranking == Ranking((second, fused), LEAST)
    oof, chosen = out_of_fold(samples(8), weight_options(LEAST))
    assert oof["set"] == (1.0, 1.0) and all(second > 0 for second, _ in chosen)
    assert samples(1)[0].first_relevant(Ranking((0.625, 1.0), LEAST)) == 2  # the fusion score outvotes it
    assert figures([1, 2, None, 6]) == (0.5, (1 + 1 / 2 + 1 / 6) / 4)


@pytest.mark.fast
def test_the_folds_choose_a_least_spread_that_keeps_a_hair_of_bm25_from_deciding():
    questions = hair_samples()
    hair = questions[-1]
    assert hair.first_relevant(Ranking((0.625, 0.375), UNBOUNDED)) == 2  # BM25's hair stretched to a whole spread
    (multiple,), ranking = best(spread_options((0.625, 0.375)), questions)
    assert multiple > 0 and np.allclose(ranking.least_spread, multiple * typical_spread(questions))
    assert hair.first_relevant(ranking) == 1
    oof, chosen = out_of_fold(questions, spread_options((0.625, 0.375)))
    assert oof["set"] == (1.0, 1.0) and (0.0,) not in chosen


def test_a_real_answer_reports_its_rescored_candidates(navigator):
    answer = navigator.ask("Who chairs the Health and Justice Clinical Reference Group?")
    assert len(answer.rescored) == navigator.settings.rescore_candidates
    assert all(len(p.signals) == len(SIGNALS) for p in answer.rescored)
    scores = [p.score for p in answer.rescored]
    assert scores == sorted(scores, reverse=True) and answer.retrieved[0].chunk_id == answer.rescored[0].chunk_id
    settings = navigator.settings
    weights = weights_for(settings.rescore_second_sentence_weight, settings.rescore_fused_weight)
    signals = np.array([p.signals for p in answer.rescored])
    assert np.allclose(combine(signals, weights, settings.rescore_least_spread), scores)  # the settings' floors
    assert not np.allclose(combine(signals, weights, UNBOUNDED), scores)
    assert "rescored" not in answer.to_dict()  # kept out of results.jsonl and the audit log, like the candidates
