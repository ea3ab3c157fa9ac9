"""Texts go to the embedding model in calls sized by tokens, not by count.

A call's cost grows with its rows times its longest row (every row is padded to it). On this machine's two cores a
call of about 512 tokens embeds twice the texts per second of sentence-transformers' 32-text calls, which put 32
chunks of 200 tokens each into one call; short sentences, on the other hand, are best taken many at a time
(ADR 0017). So texts are taken longest first, and a call takes as many as keep rows x
longest within ``embedding_batch_tokens``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings


def batches_by_tokens(token_counts: Sequence[int], budget: int) -> list[list[int]]:
    """The texts' indexes, longest first, cut into calls of at most ``budget`` padded tokens (a text longer
    than the budget goes alone)."""
    order = sorted(range(len(token_counts)), key=lambda i: -token_counts[i])
    batches: list[list[int]] = []
    for index in order:
        if batches and (len(batches[-1]) + 1) * token_counts[batches[-1][0]] <= budget:
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches


class TokenBatchedEmbeddings(Embeddings):
    """LangChain embeddings that count each text's tokens and hand the model one token-sized call at a time;
    a runtime supplies ``encode`` (unit-length vectors for one call's texts)."""

    def __init__(self, model_dir: str, dimension: int, batch_tokens: int, max_length: int | None = None):
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.dimension = dimension
        self.batch_tokens = batch_tokens
        self.max_length = max_length

    def tokenize(self, texts: list[str]):
        """Token ids, unpadded. Always with these settings: a fast tokenizer keeps its truncation and padding
        settings between calls, and the page's threads share it, so a call with other settings would change
        another thread's mid-way (pad with ``tokenizer.pad``, which leaves them alone)."""
        return self.tokenizer(texts, truncation=True, max_length=self.max_length)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        counts = [len(ids) for ids in self.tokenize(texts)["input_ids"]]
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in batches_by_tokens(counts, self.batch_tokens):
            vectors[batch] = self.encode([texts[i] for i in batch])
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    @abstractmethod
    def encode(self, texts: list[str]) -> np.ndarray: ...
