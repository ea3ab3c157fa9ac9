"""The sentence picker's fit: it learns which features mark the statement holding the key facts, the margin is the
one within the word limit, and weights fitted for other features are refused. Real fitting code, small data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.picker import FEATURES, PICKER_FILE, load_picker
from eval.picker import MAX_MEDIAN_WORDS, Sample, answer_figures, choose_margin, fit

pytestmark = pytest.mark.fast


def samples(count: int = 40) -> list[Sample]:
    """Questions whose fact-holding statement has the highest 'ask_words' but, as often as not, lower similarity."""
    rng = np.random.default_rng(1)
    made = []
    for n in range(count):
        features = rng.uniform(0, 1, size=(6, len(FEATURES)))
        features[0, FEATURES.index("ask_words")] = 1.5
        features[0, FEATURES.index("similarity")] = 0.2 if n % 2 else 0.9
        facts = np.zeros((6, 1), dtype=bool)
        facts[0, 0] = True
        made.append(Sample("set", True, features, facts, tuple(f"statement {i} of question {n}" for i in range(6))))
    return made


def test_the_fit_learns_the_feature_that_marks_the_answer_and_picks_it():
    picker = fit(samples(), margin=0.0)
    weights = dict(zip(FEATURES, picker.weights))
    assert weights["ask_words"] == max(weights.values()) > 0
    held_out = samples(20)  # answered by the fitted weights alone: every answer holds its key fact
    key_facts, words = answer_figures(held_out, picker, margin=0.0, max_statements=4)
    assert key_facts == 1.0 and words == len("statement 0 of question 1".split())  # that statement alone


def test_the_margin_is_the_best_whose_answers_are_short_enough_on_every_set():
    figures = {1.0: {"a": (0.70, 60), "b": (0.80, 50)}, 2.0: {"a": (0.78, 100), "b": (0.84, 90)},
               3.0: {"a": (0.80, MAX_MEDIAN_WORDS + 1), "b": (0.90, 100)}}
    assert choose_margin(figures) == 2.0


def test_the_shipped_weights_fit_these_features_and_others_are_refused(tmp_path):
    assert load_picker(PICKER_FILE).features == FEATURES
    stale = json.loads(PICKER_FILE.read_text())
    stale["features"] = stale["features"][:-1]
    (tmp_path / "picker.json").write_text(json.dumps(stale))
    with pytest.raises(ValueError, match="fit-picker"):
        load_picker(tmp_path / "picker.json")
