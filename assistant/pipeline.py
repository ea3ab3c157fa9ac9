"""The answer pipeline, stage by stage:

guard -> condense follow-up -> expand acronyms and fix typos -> retrieve (dense + BM25) -> fuse
-> select evidence -> (refuse, or) compose answer -> attach citations
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager

from langchain_chroma import Chroma

from assistant.cite import attach_citations
from assistant.compose import compose_extractive
from assistant.condense import condense
from assistant.embeddings import load_embeddings
from assistant.evidence import assess_support, select_evidence
from assistant.fuse import reciprocal_rank_fusion
from assistant.guard import check_question
from assistant.records import Answer, Evidence, Passage, Query, Question
from assistant.retrieve import ChunkStore, DenseIndex, LexicalIndex
from assistant.settings import PROJECT_ROOT, Settings, get_settings
from assistant.text import terms
from assistant.vocabulary import Vocabulary, load_glossary
from ingest.index import active_collection, open_client

REFUSAL_TEMPLATE = PROJECT_ROOT / "prompts" / "refusal.txt"


class IndexMissing(RuntimeError):
    """There is no usable index: run ``python -m ingest`` (``make run`` does it)."""


class Navigator:
    """Loads the model and index once; ``ask`` is safe to call from many threads at once."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        client = open_client(self.settings)
        collection = active_collection(client, self.settings)
        if collection is None:
            raise IndexMissing("No index has been built yet: run `python -m ingest` (or `make run`).")
        built_with = collection.metadata.get("embedding_model")
        if built_with != self.settings.embedding_model:
            raise IndexMissing(
                f"The index was built with {built_with!r} but the setting asks for "
                f"{self.settings.embedding_model!r}: run `python -m ingest` to rebuild it."
            )
        self.collection = collection
        self.embeddings = load_embeddings(self.settings)
        stored = collection.get(include=["documents", "metadatas"])
        self.store = ChunkStore(stored["ids"], stored["documents"], stored["metadatas"])
        self.lexical = LexicalIndex(self.store)
        vectorstore = Chroma(client=client, collection_name=collection.name, embedding_function=self.embeddings)
        self.dense = DenseIndex(vectorstore, self.store)
        self.vocabulary = Vocabulary(load_glossary(), self.store.texts)
        self.refusal_text = self._refusal_text()

    # ------------------------------------------------------------------ the pipeline
    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        clock = _Clock()
        with clock("guard"):
            asked = Question(check_question(question, self.settings.max_question_chars), tuple(history))
        with clock("understand"):
            queries = self.understand(asked)
        with clock("retrieve"):
            rankings, weights, best_dense = self.retrieve(queries)
            fused = reciprocal_rank_fusion(rankings, self.settings.rrf_k, weights)
        with clock("evidence"):
            evidence = self.weigh_evidence(queries[-1], fused, best_dense)
        if not evidence.supported:
            return self.refuse(asked, queries[-1], fused, evidence, clock)
        with clock("compose"):
            statements = compose_extractive(
                evidence.passages,
                self.query_terms(queries[-1]),
                self.store,
                self.settings.answer_sentences,
                self.settings.answer_list_items,
            )
            text, citations = attach_citations(statements)
        if not statements:
            return self.refuse(asked, queries[-1], fused, evidence, clock)
        return Answer(
            question=asked.text,
            answer=text,
            refused=False,
            citations=citations,
            retrieved=fused[:10],
            timings_ms=clock.finish(),
            query=queries[-1].text,
            signals=_signals(evidence),
        )

    def understand(self, question: Question) -> list[Query]:
        """The question as asked and, for a follow-up, made self-contained; each with acronyms and typos handled."""
        texts = [question.text]
        condensed = condense(question)
        if condensed:
            texts.append(condensed)
        return [self.prepare_query(question.text, text, follow_up=text is not question.text) for text in texts]

    def prepare_query(self, asked: str, text: str, follow_up: bool) -> Query:
        corrections = self.vocabulary.corrections(text)
        for wrong, right in corrections.items():
            text = _replace_word(text, wrong, right)
        expansions = self.vocabulary.expand_acronyms(text)
        searched = " ".join([text, *expansions.values()])
        return Query(asked, searched, follow_up, corrections, expansions)

    def query_terms(self, query: Query) -> list[str]:
        """Terms to match, with an acronym the corpus never uses replaced by its spelled-out form."""
        found: list[str] = []
        spelled_out = {term for expansion in query.expansions.values() for term in terms(expansion)}
        for term in terms(query.text):
            if term in spelled_out:
                continue
            acronym = term.upper()
            if acronym in query.expansions and self.store.document_frequency[term] == 0:
                found.extend(terms(query.expansions[acronym]))
            else:
                found.append(term)
        return found

    def retrieve(self, queries: list[Query]) -> tuple[list[list[Passage]], list[float], float]:
        """Ranked passages for each query and each method; a follow-up's bare wording counts for less."""
        rankings: list[list[Passage]] = []
        weights: list[float] = []
        vectors = self.embeddings.embed_documents([query.text for query in queries])
        best_dense = 0.0
        for query, vector in zip(queries, vectors):
            # Dense search runs in every mode: its similarity is one of the refusal signals.
            dense = self.dense.search(vector, self.settings.dense_k)
            best_dense = max([best_dense, *(p.dense for p in dense)])
            weight = self.settings.follow_up_bare_weight if len(queries) > 1 and not query.follow_up else 1.0
            if self.settings.retrieval in ("hybrid", "dense"):
                rankings.append(dense)
                weights.append(weight * self.settings.dense_weight)
            if self.settings.retrieval in ("hybrid", "bm25"):
                rankings.append(self.lexical.search(terms(query.text), self.settings.bm25_k))
                weights.append(weight)
        return rankings, weights, best_dense

    def weigh_evidence(self, query: Query, fused: list[Passage], best_dense: float) -> Evidence:
        passages = select_evidence(fused, self.store, self.settings.evidence_passages)
        return assess_support(
            query.text,
            self.query_terms(query),
            passages,
            best_dense,
            self.store,
            self.settings.min_dense_similarity,
            self.settings.min_term_coverage,
        )

    def refuse(self, asked: Question, query: Query, fused: list[Passage], evidence: Evidence, clock) -> Answer:
        return Answer(
            question=asked.text,
            answer=self.refusal_text,
            refused=True,
            retrieved=fused[:10],
            refusal_reason=evidence.reason or "no sentence of the passages matches the question",
            timings_ms=clock.finish(),
            query=query.text,
            signals=_signals(evidence),
        )

    # ------------------------------------------------------------------ about the corpus
    def documents(self) -> list[dict]:
        """Each indexed document with its title, date and number of chunks."""
        seen: dict[str, dict] = {}
        for meta in self.store.metadatas:
            entry = seen.setdefault(
                meta["source"],
                {"source": meta["source"], "title": meta.get("title", ""), "date": meta.get("date", ""), "chunks": 0},
            )
            entry["chunks"] += 1
        return sorted(seen.values(), key=lambda d: d["title"])

    def _refusal_text(self) -> str:
        titles = "\n".join(f"- {doc['title']}" for doc in self.documents())
        return REFUSAL_TEMPLATE.read_text(encoding="utf-8").strip().format(documents=titles)


def _signals(evidence: Evidence) -> dict[str, float]:
    return {"best_dense": round(evidence.best_dense, 4), "coverage": round(evidence.coverage, 4)}


def _replace_word(text: str, wrong: str, right: str) -> str:
    import re

    return re.sub(rf"\b{re.escape(wrong)}\b", right, text, flags=re.IGNORECASE)


class _Clock:
    """Milliseconds spent in each stage of one question, and in total."""

    def __init__(self):
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        begun = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = round((time.perf_counter() - begun) * 1000, 2)

    def finish(self) -> dict[str, float]:
        return {**self.stages, "total": round((time.perf_counter() - self.started) * 1000, 2)}


_shared: dict[tuple, Navigator] = {}
_shared_lock = threading.Lock()


def shared_navigator(settings: Settings | None = None) -> Navigator:
    """One Navigator per index and model per process (the chat page serves many sessions with it)."""
    settings = settings or get_settings()
    key = (str(settings.index_dir), settings.chroma_host, settings.collection, settings.embedding_model)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Navigator(settings)
        return _shared[key]
