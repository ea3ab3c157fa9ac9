"""Stage 4b: re-score the best fused candidates with what is available here (no cross-encoder model is).

Each candidate's score is the sum of three standardised signals: its best sentence's similarity to the
question, its BM25 score among the candidates (retrieve.Neighbourhood), and its reciprocal-rank-fusion score
(which holds every query's and method's ranking, a follow-up's too). Equal weights: measured on the eval set, not fitted to it (README, "Retrieval").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.records import Passage


def _standardise(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    spread = array.std()
    return (array - array.mean()) / spread if spread > 0 else np.zeros_like(array)


def rescore(candidates: list[Passage], sentence_sims: dict[str, list[float]], lexical: dict[str, float]) -> list[Passage]:
    if len(candidates) < 2:
        return candidates
    best_sentence = [max(sentence_sims.get(p.chunk_id) or [0.0]) for p in candidates]
    combined = (
        _standardise(best_sentence)
        + _standardise([lexical.get(p.chunk_id, 0.0) for p in candidates])
        + _standardise([p.score for p in candidates])  # the fused rank: every query and method had its say
    )
    rescored = [
        replace(p, score=float(score), dense=sim, lexical=lexical.get(p.chunk_id, p.lexical))
        for p, score, sim in zip(candidates, combined, best_sentence)
    ]
    return sorted(rescored, key=lambda p: p.score, reverse=True)
