"""The sentence picker's weights: a linear score over each candidate statement's features, fitted on the labelled
question sets (``python -m eval fit-picker``, eval/picker.py) and kept in ``assistant/answer/picker.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

# The order of compose.statement_features.
FEATURES = (
    "ask_words", "context_words", "similarity", "before_similarity", "after_similarity", "evidence_rank",
    "gives_kind", "too_short", "is_list", "opens_passage", "length",
)
PICKER_FILE = Path(__file__).with_name("picker.json")


@dataclass(frozen=True)
class Picker:
    """Score = weights . (features - mean) / scale. An answer quotes the best statement and others scoring within
    ``margin`` of it (in the same units)."""

    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    margin: float
    features: tuple[str, ...] = FEATURES

    def score(self, values: tuple[float, ...]) -> float:
        return sum(w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.mean, self.scale))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_picker(path: Path = PICKER_FILE) -> Picker:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    picker = Picker(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})
    if picker.features != FEATURES or not len(picker.weights) == len(picker.mean) == len(picker.scale) == len(FEATURES):
        raise ValueError(f"{path} was fitted for features {picker.features}, not {FEATURES}: "
                         "run `python -m eval fit-picker` to fit it again")
    return picker
