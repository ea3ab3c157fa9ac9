"""The answer pipeline, stage by stage:

guard -> condense follow-up -> expand acronyms and fix typos -> retrieve (dense + BM25) -> fuse -> rescore
-> select evidence -> (refuse, or) compose answer -> attach citations
-> with a generative engine: generate from the evidence -> verify every sentence -> cite (or fall back)
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
import time
from collections.abc import Sequence
from contextlib import contextmanager

from langchain_chroma import Chroma

from assistant.cite import attach_citations, cite_verified
from assistant.compose import Statement, compose_extractive
from assistant.condense import condense, is_follow_up
from assistant.embeddings import load_embeddings
from assistant.evidence import (
    asked_number_of_things,
    assess_support,
    counted_thing,
    counts_it,
    enumerates,
    missing_answer_type,
    select_evidence,
    term_coverage,
    unaddressed_names,
    unknown_names,
)
from assistant.fuse import reciprocal_rank_fusion
from assistant.generate import GenerationFailed, TokenSink, answer_messages, condensed_question, generate, load_prompt
from assistant.guard import (
    QuestionRejected,
    check_instructions,
    check_language,
    check_not_a_records_request,
    check_question,
)
from assistant.llm import GENERATIVE_ENGINES, LLM_FIELDS, load_chat_engine
from assistant.privacy import asks_for_records, find_personal_data, mask, without_personal_data
from assistant.records import Answer, Evidence, Passage, Query, Question
from assistant.rescore import rescore
from assistant.retrieve import ChunkStore, DenseIndex, LexicalIndex
from assistant.settings import Settings, get_settings
from assistant.text import terms
from assistant.verify import Thresholds, verify_answer
from assistant.vocabulary import Vocabulary, load_glossary
from ingest.index import active_collections, open_client


class IndexMissing(RuntimeError):
    """There is no usable index: run ``python -m ingest`` (``make run`` does it)."""


class Navigator:
    """Loads the model and index once; ``ask`` is safe to call from many threads at once."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        client = open_client(self.settings)
        build = active_collections(client, self.settings)
        if build is None:
            raise IndexMissing("No index has been built yet: run `python -m ingest` (or `make run`).")
        collection = build.chunks
        built_with = collection.metadata.get("embedding_model")
        if built_with != self.settings.embedding_model:
            raise IndexMissing(
                f"The index was built with {built_with!r} but the setting asks for "
                f"{self.settings.embedding_model!r}: run `python -m ingest` to rebuild it."
            )
        self.collection = collection
        self.embeddings = load_embeddings(self.settings)
        stored = collection.get(include=["documents", "metadatas"])
        # Headings are the guidance's words too: "Andy Brooks" is named only in the heading of his biography.
        self.vocabulary = Vocabulary(
            load_glossary(),
            [f"{meta.get('section', '')}\n{text}" for text, meta in zip(stored["documents"], stored["metadatas"])],
        )
        self.store = ChunkStore(stored["ids"], stored["documents"], stored["metadatas"])
        self.lexical = LexicalIndex(self.store)
        self.dense = DenseIndex(
            Chroma(client=client, collection_name=collection.name, embedding_function=self.embeddings),
            Chroma(client=client, collection_name=build.sentences.name, embedding_function=self.embeddings),
            self.store,
        )
        self.refusal_text = self._refusal_text()
        # Loaded (and an endpoint checked) now, so a missing model or unreachable server fails at start-up.
        self.chat_engine = load_chat_engine(self.settings) if self.settings.engine in GENERATIVE_ENGINES else None

    # ------------------------------------------------------------------ the pipeline
    def ask(self, question: str, history: Sequence[str] = (), on_token: TokenSink | None = None) -> Answer:
        """Answer from the guidance, or refuse. ``on_token`` receives a generative engine's draft as it streams
        (the returned answer holds only its verified sentences)."""
        clock = _Clock()
        with clock("guard"):
            asked = self.guard(question, history)
        with clock("understand"):
            queries, standalone = self.understand(asked)
            wanted = self.query_terms(queries[-1])
        with clock("retrieve"):
            rankings, weights, query_vector = self.retrieve(queries)
            fused = reciprocal_rank_fusion(rankings, self.settings.rrf_k, weights)
        with clock("rescore"):
            ranked, sentence_sims = self.rescore(queries[-1], query_vector, fused)
        with clock("evidence"):
            evidence = self.weigh_evidence(queries[-1], wanted, query_vector, ranked, sentence_sims)
        if not evidence.supported:
            return self.refuse(asked, queries[-1], ranked, evidence, clock)
        with clock("compose"):
            counted = counted_thing(asked.text, self.vocabulary.glossary)
            statements = compose_extractive(
                evidence.passages,
                queries[-1].text,
                wanted,
                sentence_sims,
                self.store,
                self.settings,
                counted,
            )
            text, citations = attach_citations(statements)
            problem, answer_coverage = self.check_answer(asked.text, wanted, statements, counted)
            evidence = replace(evidence, answer_coverage=answer_coverage)
        if problem:
            return self.refuse(asked, queries[-1], ranked, replace(evidence, supported=False, reason=problem), clock)
        extractive = Answer(
            question=asked.shown,
            answer=text,
            refused=False,
            personal_data=list(asked.personal_data),
            citations=citations,
            retrieved=ranked[:10],
            query=queries[-1].text,
            signals=_signals(evidence),
            engine=self.settings.engine,
            evidence=evidence.passages,
        )
        if self.chat_engine is not None:
            extractive = self.generated(standalone, evidence, extractive, on_token, clock)
        extractive.timings_ms = clock.finish()
        return extractive

    def guard(self, question: str, history: Sequence[str]) -> Question:
        """The question tidied; personal data taken out of what is searched, and masked in what is shown."""
        text = check_question(question, self.settings.max_question_chars)
        check_language(text, self.vocabulary.is_known_word)
        check_instructions(text)
        personal = find_personal_data(text, self.vocabulary.word_counts)
        check_not_a_records_request(asks_for_records(text, personal))
        searched = without_personal_data(text, personal)
        if not searched:
            raise QuestionRejected(
                "Your question held only personal data, which Navigator does not use. "
                "Please ask about the guidance itself."
            )
        earlier = tuple(
            without_personal_data(h, find_personal_data(h, self.vocabulary.word_counts)) for h in history if h and h.strip()
        )
        return Question(searched, earlier, mask(text, personal), tuple(finding.kind for finding in personal))

    def understand(self, question: Question) -> tuple[list[Query], str]:
        """The queries to search with: the question as asked and, for a follow-up, made self-contained; each
        with acronyms and typos handled. Also the question in words a language model can answer on its own."""
        texts = [question.text]
        standalone = question.text
        if is_follow_up(question):
            standalone = f"{question.text} (earlier questions: {'; '.join(question.history)})"
            if self.chat_engine is not None and self.settings.llm_condense:
                rewritten = condensed_question(
                    self.chat_engine, question.text, question.history, self.settings.llm_time_limit_s
                )
                if rewritten:
                    texts.append(rewritten)
                    standalone = rewritten
        condensed = condense(question)
        if condensed:  # last: the query the refusal signals were calibrated on
            texts.append(condensed)
        return [self.prepare_query(text, follow_up=text is not question.text) for text in texts], standalone

    def prepare_query(self, text: str, follow_up: bool) -> Query:
        for wrong, right in self.vocabulary.corrections(text).items():
            text = _replace_word(text, wrong, right)
        expansions = self.vocabulary.expand_acronyms(text)
        return Query(" ".join([text, *expansions.values()]), follow_up, expansions)

    def query_terms(self, query: Query) -> list[str]:
        """Terms to match: an acronym the corpus uses counts as itself, one it never uses as its spelled-out form."""
        spelled_out = {term for expansion in query.expansions.values() for term in terms(expansion)}
        found = [term for term in terms(query.text) if term not in spelled_out]
        for acronym, expansion in query.expansions.items():
            as_written = terms(acronym)
            if not as_written or not any(self.store.document_frequency[t] for t in as_written):
                found.extend(terms(expansion))
        return found

    def retrieve(self, queries: list[Query]) -> tuple[list[list[Passage]], list[float], list[float]]:
        """Ranked passages for each query and each method; a follow-up's bare wording counts for less.

        Returns the rankings, their fusion weights, and the vector of the self-contained query.
        """
        rankings: list[list[Passage]] = []
        weights: list[float] = []
        vectors = self.embeddings.embed_documents([query.text for query in queries])
        for query, vector in zip(queries, vectors):
            weight = self.settings.follow_up_bare_weight if len(queries) > 1 and not query.follow_up else 1.0
            if self.settings.retrieval in ("hybrid", "dense"):
                rankings.append(self.dense.search(vector, self.settings.dense_k, self.settings.dense_unit))
                weights.append(weight * self.settings.dense_weight)
            if self.settings.retrieval in ("hybrid", "bm25"):
                rankings.append(self.lexical.search(terms(query.text), self.settings.bm25_k))
                weights.append(weight)
        return rankings, weights, vectors[-1]

    def rescore(
        self, query: Query, query_vector: list[float], fused: list[Passage]
    ) -> tuple[list[Passage], dict[str, list[float]]]:
        """Re-order the best candidates; also returns each candidate sentence's similarity to the question."""
        candidates = fused[: self.settings.rescore_candidates]
        ids = [p.chunk_id for p in candidates]
        sims = self.dense.sentence_similarities(query_vector, ids)
        if not self.settings.rescore:
            return fused, sims
        lexical = self.lexical.scores(terms(query.text), ids)
        return rescore(candidates, sims, lexical) + fused[len(candidates) :], sims

    def weigh_evidence(
        self,
        query: Query,
        wanted: list[str],
        query_vector: list[float],
        ranked: list[Passage],
        sentence_sims: dict[str, list[float]],
    ) -> Evidence:
        passages = select_evidence(ranked, self.store, self.settings.evidence_passages)
        missing = [p.chunk_id for p in passages if p.chunk_id not in sentence_sims]
        sentence_sims.update(self.dense.sentence_similarities(query_vector, missing))
        best_sentence = max((max(sentence_sims.get(p.chunk_id) or [0.0]) for p in passages), default=0.0)
        return assess_support(
            query.text,
            wanted,
            passages,
            best_sentence,
            self.store,
            self.settings.min_similarity,
            self.settings.min_term_coverage,
            unknown_names(query.text, self.vocabulary.word_counts, self.vocabulary.glossary),
            self.settings.max_unknown_share,
            self.settings.unknown_needs_similarity,
        )

    def check_answer(
        self, question: str, wanted: list[str], statements: list[Statement], counted: set[str]
    ) -> tuple[str, float]:
        """Why the composed answer does not answer the question ('' if it does), and the share of the question's
        terms it quotes."""
        # A sentence is read under its heading and document title ("Andy is a practising ..." under "Andy Brooks").
        in_context = [st.words | set(terms(f"{st.passage.title}\n{st.passage.section}")) for st in statements]
        coverage = term_coverage(wanted, set().union(*in_context), self.store)
        if not statements:
            return "no sentence of the passages matches the question", coverage
        best_first = sorted(statements, key=lambda st: st.score, reverse=True)
        lacking = missing_answer_type(question, [" ".join((st.text, *st.items)) for st in best_first[:2]])
        if lacking:
            return f"the guidance does not give {lacking}", coverage
        units = [unit for st in statements for unit in (st.text, *st.items)]
        if counted and not counts_it(counted, units, question, self.store, self.settings.name_context_coverage):
            return "the guidance does not give the number asked for", coverage
        asked_for = asked_number_of_things(question)
        if asked_for and not enumerates(asked_for, [(st.text, st.list_length) for st in statements]):
            return f"the guidance does not name the {asked_for} things asked for", coverage
        names = unaddressed_names(
            question, wanted, in_context, self.store,
            self.settings.rare_name_chunks, self.settings.name_context_coverage, self.vocabulary.glossary,
        )
        if names:
            return f"the answer found says nothing about {', '.join(names)}", coverage
        if coverage < self.settings.min_answer_coverage:
            return f"the sentences found say little about the question (coverage {coverage:.2f})", coverage
        return "", coverage

    def generated(
        self, question: str, evidence: Evidence, extractive: Answer, on_token: TokenSink | None, clock: _Clock
    ) -> Answer:
        """The model's answer from the evidence, keeping only sentences their cited passage supports;
        the extractive answer (with the reason) when the model fails, declines or too little survives."""
        passages = evidence.passages[: self.settings.llm_passages]
        extractive = replace(extractive, evidence=passages)
        with clock("generate"):
            try:
                draft = generate(
                    self.chat_engine, answer_messages(question, passages), self.settings.llm_time_limit_s, on_token
                )
            except GenerationFailed as exc:
                return replace(extractive, fallback_reason=str(exc))
        if draft.declined:
            return replace(extractive, draft=draft.text, fallback_reason="the model found no answer in the passages")
        with clock("verify"):
            checked = verify_answer(
                draft.text,
                passages,
                self.embeddings.embed_documents,
                self.dense.sentence_vectors([p.chunk_id for p in passages]),
                Thresholds(self.settings.verify_min_similarity, self.settings.verify_min_lexical),
            )
            kept = sum(sentence.kept for sentence in checked)
        if not checked:
            return replace(extractive, draft=draft.text, fallback_reason="the model wrote no sentences")
        if not kept or kept / len(checked) < self.settings.verify_min_kept:
            reason = f"only {kept} of {len(checked)} generated sentences were supported by the passages they cite"
            return replace(extractive, draft=draft.text, checked=checked, fallback_reason=reason)
        text, citations = cite_verified(checked, passages)
        return replace(
            extractive, answer=text, citations=citations, engine_used=self.chat_engine.name, draft=draft.text,
            checked=checked,
        )

    def refuse(self, asked: Question, query: Query, fused: list[Passage], evidence: Evidence, clock) -> Answer:
        return Answer(
            question=asked.shown,
            answer=self.refusal_text,
            refused=True,
            personal_data=list(asked.personal_data),
            retrieved=fused[:10],
            refusal_reason=evidence.reason or "no sentence of the passages matches the question",
            engine=self.settings.engine,
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
        return load_prompt("refusal").format(documents=titles)


def _signals(evidence: Evidence) -> dict[str, float]:
    return {
        "best_dense": round(evidence.best_dense, 4),
        "coverage": round(evidence.coverage, 4),
        "answer_coverage": round(evidence.answer_coverage, 4),
        "unknown": round(evidence.unknown, 4),
    }


def _replace_word(text: str, wrong: str, right: str) -> str:
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
    key = _shared_key(settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Navigator(settings)
        return _shared[key]


def forget_shared_navigator(settings: Settings | None = None) -> None:
    """Drop the shared Navigator of this index, so the next ``shared_navigator`` reads the index afresh.

    Needed after an ingest: a Navigator holds the chunks it read at start, and the ingest deletes the
    collection it was searching.
    """
    with _shared_lock:
        _shared.pop(_shared_key(settings or get_settings()), None)


def _shared_key(settings: Settings) -> tuple:
    return (
        str(settings.index_dir), settings.chroma_host, settings.collection, settings.embedding_model, settings.engine,
        settings.model_dump_json(include=LLM_FIELDS),
    )
