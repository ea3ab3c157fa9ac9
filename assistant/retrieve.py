"""Dense search in Chroma and BM25 over the same chunks."""

from __future__ import annotations

import math
from collections import Counter

import bm25s
import numpy as np
from langchain_chroma import Chroma

from assistant.records import Passage
from assistant.text import terms


class ChunkStore:
    """Every indexed chunk, held in memory for BM25, term statistics and neighbour look-ups."""

    def __init__(self, ids: list[str], texts: list[str], metadatas: list[dict]):
        self.ids = ids
        self.texts = texts
        self.metadatas = metadatas
        self.row = {cid: i for i, cid in enumerate(ids)}
        self._by_position = {(m.get("source"), int(m.get("position", -1))): i for i, m in enumerate(metadatas)}
        self.terms = [terms(f"{m.get('section', '')}\n{t}") for t, m in zip(texts, metadatas)]
        self.document_frequency = Counter(term for chunk_terms in self.terms for term in set(chunk_terms))

    def passage(self, row: int, **scores) -> Passage:
        return Passage.from_metadata(self.ids[row], self.texts[row], self.metadatas[row], **scores)

    def neighbour(self, passage: Passage, step: int = 1) -> Passage | None:
        row = self._by_position.get((passage.source, passage.position + step))
        return None if row is None else self.passage(row)

    def idf(self, term: str) -> float:
        n = len(self.ids)
        return math.log((n - self.document_frequency[term] + 0.5) / (self.document_frequency[term] + 0.5) + 1)


class LexicalIndex:
    """BM25 (bm25s: sparse matrices, so a query does not scan every chunk in Python)."""

    def __init__(self, store: ChunkStore):
        self.store = store
        self.bm25 = bm25s.BM25()
        self.bm25.index(store.terms, show_progress=False)
        self._vocabulary = set(self.bm25.vocab_dict)

    def search(self, query_terms: list[str], k: int) -> list[Passage]:
        known = [term for term in query_terms if term in self._vocabulary]
        if not known:
            return []
        rows, scores = self.bm25.retrieve([known], k=min(k, len(self.store.ids)), show_progress=False, n_threads=1)
        return [
            self.store.passage(int(row), lexical=float(score))
            for row, score in zip(rows[0], scores[0])
            if score > 0
        ]


class DenseIndex:
    """Nearest chunks by cosine similarity, through LangChain's Chroma vector store."""

    def __init__(self, vectorstore: Chroma, store: ChunkStore):
        self.vectorstore = vectorstore
        self.store = store

    def search(self, query_vector: list[float] | np.ndarray, k: int) -> list[Passage]:
        found = self.vectorstore.similarity_search_by_vector_with_relevance_scores(list(map(float, query_vector)), k=k)
        passages = []
        for document, distance in found:
            row = self.store.row.get(document.id)
            if row is not None:  # the index was swapped under us: skip what this process does not know
                passages.append(self.store.passage(row, dense=1.0 - float(distance)))
        return passages
