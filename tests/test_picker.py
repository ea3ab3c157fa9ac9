"""The sentence picker's fit: it learns which features mark the statement holding the key facts, its scores are
chances, the ratio is the one within the word limit, and weights fitted for another picker are refused. Real fitting
code, small data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.picker import FEATURES, PICKER_FILE, load_picker, worth_quoting
from eval.picker import MAX_MEDIAN_WORDS, Sample, answer_figures, chances, choose_bar, fit

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
    picker = fit(samples(), ratio=1.0)
    weights = dict(zip(FEATURES, picker.weights))
    assert weights["ask_words"] == max(weights.values()) > 0
    held_out = samples(20)  # answered by the fitted weights alone: every answer holds its key fact
    key_facts, words = answer_figures([(s, chances(picker, s)) for s in held_out], ratio=1.0, max_statements=4)
    assert key_facts == 1.0 and words == len("statement 0 of question 1 [1]".split())  # that statement alone


def test_a_score_is_the_chance_of_a_key_fact_and_a_lower_ratio_quotes_more():
    picker = fit(samples(), ratio=1.0)
    rows = [tuple(row) for row in samples(1)[0].features]
    chances = [picker.score(row) for row in rows]
    assert all(0.0 < chance < 1.0 for chance in chances)
    assert max(chances) == chances[0] > 0.5  # the statement holding the fact, and likely to
    assert picker.bias < 0  # one statement in six holds the fact: below even odds before the features speak
    quoted = {ratio: sum(worth_quoting(c, max(chances), ratio) for c in chances) for ratio in (1.0, 0.1, 0.0)}
    assert quoted[1.0] == 1 and quoted[0.0] == len(chances) and quoted[1.0] <= quoted[0.1] <= quoted[0.0]


def test_the_bar_is_the_best_whose_answers_are_short_enough_on_every_set():
    figures = {(0.5, 0): {"a": (0.70, 60), "b": (0.80, 50)}, (0.3, 0): {"a": (0.78, 100), "b": (0.84, 90)},
               (0.2, 0): {"a": (0.80, MAX_MEDIAN_WORDS + 1), "b": (0.90, 100)},
               (0.4, 0): {"a": (0.78, 90), "b": (0.84, 80)}, (0.4, 40): {"a": (0.78, 95), "b": (0.84, 85)},
               (0.4, 60): {"a": (0.80, 105), "b": (0.86, 95)}}
    assert choose_bar(figures) == (0.4, 60)  # the most key facts within the limit
    del figures[(0.4, 60)]
    assert choose_bar(figures) == (0.4, 0)  # as many key facts as 0.3 and as 0.4 with 40 words, in shorter answers


def test_a_short_answer_takes_the_next_statement_whatever_its_chance():
    picker = fit(samples(), ratio=1.0, min_words=8)
    held_out = samples(20)
    one, two = (answer_figures([(s, chances(picker, s)) for s in held_out], 1.0, 4, least) for least in (0, 8))
    assert one[1] == 6 and two[1] == 12  # "statement 0 of question 1 [1]" (five words) alone, then with the next
    assert one[0] == two[0] == 1.0
    assert worth_quoting(0.1, 0.9, ratio=1.0, words=7, min_words=8) and not worth_quoting(0.1, 0.9, 1.0, 8, 8)


@pytest.mark.parametrize("stale", [
    lambda d: d.update(features=d["features"][:-1]),  # fitted for other features
    lambda d: (d.pop("bias"), d.pop("ratio"), d.update(margin=2.5)),  # the soft-max picker's file
])
def test_the_shipped_weights_fit_this_picker_and_others_are_refused(tmp_path, stale):
    assert load_picker(PICKER_FILE).features == FEATURES
    data = json.loads(PICKER_FILE.read_text())
    stale(data)
    (tmp_path / "picker.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="fit-picker"):
        load_picker(tmp_path / "picker.json")
