"""Stage 4b: re-score the best fused candidates with what is available here (no cross-encoder model is).

Each candidate's score is a weighted sum of its standardised signals (``SIGNALS``): its best sentence's similarity
to the question, its second-best sentence's (an answer often takes a claim and the sentence that bears it out),
its BM25 score among the candidates (retrieve.Neighbourhood), and its reciprocal-rank-fusion score (which holds
every query's and method's ranking, a follow-up's too). The best sentence and BM25 weigh 1 (ADR 0003); the second
sentence's and the fusion score's weights are cross-validated (``python -m eval fit-rescore``, ADR 0015, 0023), and
so is the least spread each signal is divided by (ADR 0024).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.records import Passage

SIGNALS = ("best_sentence", "second_sentence", "lexical", "fused")


def weights_for(second_sentence_weight: float, fused_weight: float) -> tuple[float, ...]:
    """The weight of each of ``SIGNALS``: both cross-validated weights are always given, so no caller can fall back on
    a weight the settings no longer hold."""
    return 1.0, second_sentence_weight, 1.0, fused_weight


def _standardise(values: np.ndarray, least_spread: tuple[float, ...]) -> np.ndarray:
    spread = np.maximum(values.std(axis=0), least_spread)
    return np.divide(values - values.mean(axis=0), spread, out=np.zeros_like(values), where=spread > 0)


def combine(signals: np.ndarray, signal_weights: tuple[float, ...], least_spread: tuple[float, ...]) -> np.ndarray:
    """Each candidate's score (rows: candidates, columns: ``SIGNALS``): its signals standardised among the
    candidates, weighted and summed. Each signal is divided by its spread among the candidates, but by no less than
    ``least_spread`` (about a typical question's spread): where the candidates barely differ on a signal (their BM25
    scores alike when the ask is in other words than the guidance's), dividing by that small spread would give its
    noise as much say as a signal that tells them apart (ADR 0024)."""
    return _standardise(np.asarray(signals, dtype=float), least_spread) @ np.asarray(signal_weights)


def _best_two(similarities: list[float] | None) -> tuple[float, float]:
    """A chunk's highest and second-highest sentence similarity (a one-sentence chunk's only one, twice)."""
    ranked = sorted(similarities or [0.0], reverse=True)
    return ranked[0], ranked[min(1, len(ranked) - 1)]


def rescore(candidates: list[Passage], sentence_sims: dict[str, list[float]], lexical: dict[str, float],
            signal_weights: tuple[float, ...], least_spread: tuple[float, ...]) -> list[Passage]:
    """The candidates best first, each carrying its ``signals``."""
    if len(candidates) < 2:
        return candidates
    signals = np.array([(*_best_two(sentence_sims.get(p.chunk_id)), lexical.get(p.chunk_id, 0.0), p.score)
                        for p in candidates])
    rescored = [
        replace(p, score=float(score), dense=float(row[0]), lexical=lexical.get(p.chunk_id, p.lexical),
                signals=tuple(map(float, row)))
        for p, score, row in zip(candidates, combine(signals, signal_weights, least_spread), signals)
    ]
    return sorted(rescored, key=lambda p: p.score, reverse=True)
