"""Dense search in Chroma and BM25 over the same chunks."""

from __future__ import annotations

import math
from collections import Counter
from typing import Protocol

import bm25s
import numpy as np
from langchain_chroma import Chroma

from assistant.records import Passage
from assistant.text import terms


def bm25_idf(chunks: int, frequency: int) -> float:
    """BM25's inverse document frequency (the Lucene form bm25s uses): never negative."""
    return math.log((chunks - frequency + 0.5) / (frequency + 0.5) + 1)


def document_frequency(chunk_terms: list[list[str]]) -> Counter:
    """How many of the chunks hold each term."""
    return Counter(term for one in chunk_terms for term in set(one))


class TermStatistics(Protocol):
    def idf(self, term: str) -> float: ...


class ChunkStore:
    """Every indexed chunk, held in memory for BM25, term statistics and neighbour look-ups."""

    def __init__(self, ids: list[str], texts: list[str], metadatas: list[dict]):
        self.ids = ids
        self.texts = texts
        self.metadatas = metadatas
        self.row = {cid: i for i, cid in enumerate(ids)}
        self._by_position = {(m.get("source"), int(m.get("position", -1))): i for i, m in enumerate(metadatas)}
        # The title, heading path and lead-in are searchable too: officers ask about "the blog" or "the
        # collaboration guide", and a list cut from its lead-in does not say what it lists. So are the acronyms
        # spelled out: "who leads an integrated care board" finds "ICBs ... led by".
        self.terms = [
            terms("\n".join(m.get(field, "") for field in ("title", "section", "lead_in", "acronyms")) + "\n" + t)
            for t, m in zip(texts, metadatas)
        ]
        self.document_frequency = document_frequency(self.terms)

    def passage(self, row: int, **scores) -> Passage:
        return Passage.from_metadata(self.ids[row], self.texts[row], self.metadatas[row], **scores)

    def neighbour(self, passage: Passage, step: int = 1) -> Passage | None:
        row = self._by_position.get((passage.source, passage.position + step))
        return None if row is None else self.passage(row)

    def idf(self, term: str) -> float:
        return bm25_idf(len(self.ids), self.document_frequency[term])


class Neighbourhood:
    """A question's candidate chunks taken as a corpus of their own, for the statistics that weigh them against
    each other. Over the whole index a word's rarity depends on whatever else is indexed: beside a few hundred
    manuals "health" and "care" become rare and outweigh the words that tell one guidance passage from another.
    Among the candidates, a word they all share tells nothing, whatever else the index holds (ADR 0011)."""

    def __init__(self, store: ChunkStore, chunk_ids: list[str]):
        self.ids = chunk_ids
        chunk_terms = [store.terms[store.row[cid]] for cid in chunk_ids]
        self.document_frequency = document_frequency(chunk_terms)
        self.bm25 = bm25s.BM25()
        if chunk_ids:
            self.bm25.index(chunk_terms, show_progress=False)

    def idf(self, term: str) -> float:
        return bm25_idf(len(self.ids), self.document_frequency[term])

    def scores(self, query_terms: list[str]) -> dict[str, float]:
        """Each candidate's BM25 score against the others (0 when it shares no term with the query)."""
        known = [term for term in query_terms if term in self.document_frequency]
        if not known:
            return {cid: 0.0 for cid in self.ids}
        return dict(zip(self.ids, map(float, self.bm25.get_scores(known))))


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
    """Nearest passages by cosine similarity, through LangChain's Chroma vector store.

    Chunks are found through their best-matching sentence (a long chunk's average meaning blurs the one
    sentence that answers); chunk-level search is kept as a setting for comparison.
    """

    def __init__(self, chunks: Chroma, sentences: Chroma, store: ChunkStore):
        self.chunks = chunks
        self.sentences = sentences
        self.store = store

    def search(self, query_vector: list[float], k: int, unit: str = "sentence") -> list[Passage]:
        if unit == "chunk":
            found = self.chunks.similarity_search_by_vector_with_relevance_scores(query_vector, k=k)
            best = {document.id: 1.0 - float(distance) for document, distance in found}
        else:
            found = self.sentences.similarity_search_by_vector_with_relevance_scores(query_vector, k=k * 3)
            best = {}
            for document, distance in found:
                chunk_id = document.metadata["chunk_id"]
                best.setdefault(chunk_id, 1.0 - float(distance))  # results come best first
        rows = [(self.store.row[cid], sim) for cid, sim in best.items() if cid in self.store.row]
        return [self.store.passage(row, dense=sim) for row, sim in rows[:k]]

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Each chunk's sentence embeddings as rows, in sentence order."""
        if not chunk_ids:
            return {}
        got = self.sentences.get(where={"chunk_id": {"$in": list(chunk_ids)}}, include=["embeddings", "metadatas"])
        by_chunk: dict[str, dict[int, np.ndarray]] = {}
        for meta, vector in zip(got["metadatas"], got["embeddings"]):
            by_chunk.setdefault(meta["chunk_id"], {})[int(meta["index"])] = vector
        return {cid: np.asarray([found[i] for i in sorted(found)], dtype=np.float32) for cid, found in by_chunk.items()}

    def sentence_similarities(self, query_vector: list[float], chunk_ids: list[str]) -> dict[str, list[float]]:
        """Cosine similarity of the query to each sentence of each chunk, in sentence order."""
        query = np.asarray(query_vector, dtype=np.float32)
        return {cid: (vectors @ query).tolist() for cid, vectors in self.sentence_vectors(chunk_ids).items()}
