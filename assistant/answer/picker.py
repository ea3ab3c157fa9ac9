"""The sentence picker's weights: how likely each candidate statement is to hold a key fact, from the statement's
features, fitted on the labelled question sets (``python -m eval fit-picker``, eval/picker.py) and kept in
``assistant/answer/picker.json``."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

# The order of compose.statement_features.
FEATURES = (
    "ask_words", "similarity", "before_similarity", "after_similarity", "evidence_rank",
    "gives_kind", "is_list", "opens_passage",
)
PICKER_FILE = Path(__file__).with_name("picker.json")


@dataclass(frozen=True)
class Picker:
    """Score = the chance a statement holds a key fact, sigmoid(bias + weights . (features - mean) / scale). An answer
    quotes the best statement and the others at least ``ratio`` times as likely as it, and, while it is shorter than
    ``min_words``, the next likeliest whatever its chance (``worth_quoting``)."""

    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    bias: float
    ratio: float
    min_words: int
    features: tuple[str, ...] = FEATURES

    def score(self, values: tuple[float, ...]) -> float:
        logit = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-logit))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def worth_quoting(score: float, best: float, ratio: float, words: int = 0, min_words: int = 0) -> bool:
    """A bar relative to the best statement, not an absolute one: a question whose best statement is an unlikely
    answer is still answered by its likeliest, and a sure one is not padded (an absolute bar measured worse out of
    fold, ADR 0016). An answer of fewer than ``min_words`` so far (``words``) takes the next statement whatever its
    chance: one sentence that names what is asked about rarely says all of it ("the Bradley Report published in
    April 2009" does not say what the report was about; ADR 0023)."""
    return words < min_words or score >= ratio * best


def quoted_words(texts: Iterable[str]) -> int:
    """The words of the statements an answer quotes, as ``min_words`` counts them."""
    return sum(len(text.split()) for text in texts)


@lru_cache(maxsize=4)
def load_picker(path: Path = PICKER_FILE) -> Picker:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    lengths = {len(data.get(key, ())) for key in ("weights", "mean", "scale")}
    fields = set(Picker.__dataclass_fields__)
    if set(data) != fields or tuple(data["features"]) != FEATURES or lengths != {len(FEATURES)}:
        raise ValueError(f"{path} was not fitted for this picker (a logistic over {FEATURES}): "
                         "run `python -m eval fit-picker` to fit it again")
    return Picker(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})
