"""Reciprocal rank fusion: combine ranked lists without comparing their incomparable scores."""

from __future__ import annotations

from dataclasses import replace

from assistant.records import Passage


def reciprocal_rank_fusion(rankings: list[list[Passage]], k: int, weights: list[float] | None = None) -> list[Passage]:
    fused: dict[str, Passage] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, passage in enumerate(ranking, start=1):
            current = fused.get(passage.chunk_id, replace(passage, score=0.0))
            fused[passage.chunk_id] = replace(
                current,
                score=current.score + weight / (k + rank),
                dense=passage.dense if passage.dense is not None else current.dense,
                lexical=passage.lexical if passage.lexical is not None else current.lexical,
            )
    return sorted(fused.values(), key=lambda p: p.score, reverse=True)
