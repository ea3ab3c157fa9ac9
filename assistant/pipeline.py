"""The answer pipeline, stage by stage:

guard -> condense follow-up -> expand acronyms and fix typos -> retrieve (dense + BM25) -> fuse -> rescore
-> select evidence -> (refuse, or) compose answer -> attach citations
-> with a generative engine: generate from the evidence -> verify every sentence -> cite (or fall back)
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import replace
import time
from collections.abc import Sequence
from contextlib import contextmanager, nullcontext

from assistant.answer.cite import attach_citations, cite_verified
from assistant.answer.compose import Statement, compose_extractive
from assistant.question.condense import condense, is_follow_up
from assistant.question.asks import own_words, read_question
from assistant.answer.checks import Case, Policy, decide, measure
from assistant.search.evidence import list_lead_ins, select_evidence
from assistant.search.fuse import reciprocal_rank_fusion
from assistant.engines.generate import GenerationFailed, TokenSink, answer_messages, condensed_question, generate, load_prompt
from assistant.question.guard import (
    QuestionRejected,
    check_instructions,
    check_language,
    check_not_a_records_request,
    check_question,
)
from assistant.search.library import Library, shared_follower
from assistant.engines.llm import GENERATIVE_ENGINES, LLM_FIELDS, ChatEngine, load_chat_engine
from assistant.question.privacy import (
    asks_for_records,
    find_personal_data,
    mask,
    mask_personal_data,
    without_personal_data,
)
from assistant.records import Answer, Asks, Candidate, Passage, Query, Question
from assistant.search.rescore import rescore, weights_for
from assistant.search.retrieve import Neighbourhood
from assistant.settings import Settings, get_settings
from assistant.text import terms
from assistant.engines.verify import Thresholds, verify_answer


def _one_library_per_question(ask):
    """Answer the whole question from the Library that is current when it begins: a build that becomes active
    meanwhile serves the next question, so an answer never mixes two builds (the follower's lease keeps the
    build this one began with until it is done)."""

    @functools.wraps(ask)
    def answer_from_one_library(self: Navigator, *args, **kwargs):
        with self._follower.answering() if self._follower else nullcontext(self.library) as library:
            self.library = self._question.library = library
            try:
                return ask(self, *args, **kwargs)
            finally:
                self._question.library = None

    return answer_from_one_library


def _library_part(name: str) -> property:
    """A part of the Library the question this thread is answering began with (else of the current one)."""
    return property(lambda self: getattr(self.answering_from(), name))


class Navigator:
    """Answers from a Library (the index and models, loaded once per process); ``ask`` is safe from many threads.

    Without a ``library`` it answers from the process's shared one and follows the index: a question asked after a
    re-ingest is answered from the new build. ``chat_engine`` stands in for the one the settings name (tests).
    """

    store = _library_part("store")
    lexical = _library_part("lexical")
    dense = _library_part("dense")
    embeddings = _library_part("embeddings")
    vocabulary = _library_part("vocabulary")

    def __init__(self, settings: Settings | None = None, library: Library | None = None,
                 chat_engine: ChatEngine | None = None):
        self.settings = settings or get_settings()
        self._follower = None if library is not None else shared_follower(self.settings)
        # A new Navigator reads the pointer now: one made just after a publish must answer from that build,
        # even when the shared follower checked it less than pointer_check_s ago.
        self.library = library or self._follower.current(recheck=True)
        self._question = threading.local()  # the Library of the question this thread is answering
        self.policy = Policy.from_settings(self.settings)
        # Loaded (and an endpoint checked) now, so a missing model or unreachable server fails at start-up.
        if chat_engine is None and self.settings.engine in GENERATIVE_ENGINES:
            chat_engine = load_chat_engine(self.settings)
        self.chat_engine = chat_engine

    def follow_index(self, recheck: bool = False) -> Library:
        """The Library of the active build, switching to a new build's when the pointer moved (see library.py)."""
        if self._follower is not None:
            self.library = self._follower.current(recheck)
        return self.library

    def answering_from(self) -> Library:
        """The Library of the question this thread is answering (between questions, the current one)."""
        return getattr(self._question, "library", None) or self.library

    @property
    def refusal_text(self) -> str:
        """The fixed refusal, listing the documents of the build the question is answered from."""
        titles = "\n".join(f"- {doc['title']}" for doc in self.answering_from().documents)
        return load_prompt("refusal").format(documents=titles)

    # ------------------------------------------------------------------ the pipeline
    @_one_library_per_question
    def ask(self, question: str, history: Sequence[str] = (), on_token: TokenSink | None = None) -> Answer:
        """Answer from the guidance: ``answered``, ``related`` (the closest guidance, said to be so), ``not_covered``
        or ``rejected`` (the guard's message). ``on_token`` receives a generative engine's draft as it streams (the
        returned answer holds only its verified sentences); only an ``answered`` question reaches a model."""
        clock = _Clock()
        with clock("guard"):
            try:
                asked = self.guard(question, history)
            except QuestionRejected as exc:
                return Answer(question=mask_personal_data(question or ""), answer=str(exc), status="rejected",
                              refusal_reason=str(exc),
                              check="guard", engine=self.settings.engine, timings_ms=clock.finish())
        with clock("understand"):
            asks = self.read(asked)
            queries, standalone = self.understand(asked, asks)
            wanted = self.query_terms(queries[-1])
        with clock("retrieve"):
            rankings, weights, query_vector = self.retrieve(queries)
            fused = self.named_documents_first(asks, reciprocal_rank_fusion(rankings, self.settings.rrf_k, weights))
        with clock("rescore"):
            ranked, sentence_sims, neighbourhood = self.rescore(queries[-1], query_vector, fused)
            ranked = self.named_documents_first(asks, ranked)
        with clock("evidence"):
            passages = select_evidence(ranked, self.store, self.settings.evidence_passages)
            lead_ins = list_lead_ins(passages, self.store)
            missing = [p.chunk_id for p in (*passages, *lead_ins.values()) if p.chunk_id not in sentence_sims]
            sentence_sims.update(self.dense.sentence_similarities(query_vector, missing))
            best = max((max(sentence_sims.get(p.chunk_id) or [0.0]) for p in passages), default=0.0)
        with clock("compose"):
            focus = self.query_terms(self.prepare_query(own_words(asks.ask), follow_up=False))
            statements, scored = compose_extractive(
                passages, asks, wanted, sentence_sims, neighbourhood, self.settings, focus, lead_ins
            )
            text, citations = attach_citations(statements)
        with clock("check"):
            quoted = tuple(st for st in statements if not st.fills)
            case = Case(asks, tuple(self.ask_terms(asks, queries[-1])), tuple(passages), quoted, best,
                        self.store, self.vocabulary.glossary, self.settings.rare_name_chunks,
                        self.settings.name_context_coverage, queries[-1].follow_up)
            verdict = decide(measure(case), self.policy)
        answer = Answer(
            question=asked.shown,
            answer=text,
            status=verdict.status,
            personal_data=list(asked.personal_data),
            citations=citations,
            retrieved=ranked[:10],
            refusal_reason=verdict.reason,
            check=verdict.check,
            query=queries[-1].text,
            signals=verdict.measurements or {},
            engine=self.settings.engine,
            evidence=passages,
            candidates=[Candidate(" ".join((st.text, *st.items)), st.features, st.score) for st in scored],
            rescored=ranked[: self.settings.rescore_candidates],
        )
        if verdict.status == "not_covered":
            answer = replace(answer, answer=self.refusal_text, citations=[], evidence=[])
        elif verdict.status == "related":
            answer = replace(answer, answer=f"{load_prompt('related').strip()}\n\n{text}")
        elif self.chat_engine is not None:
            answer = self.generated(standalone, passages, answer, on_token, clock)
        answer.timings_ms = clock.finish()
        return answer

    def read(self, question: Question) -> Asks:
        """The question read once, against the guidance's words, acronyms and the roles that are only context."""
        vocabulary = self.vocabulary
        return read_question(self.corrected(question.text), vocabulary.word_counts, vocabulary.glossary, vocabulary.roles,
                             self.answering_from().documents)

    def ask_terms(self, asks: Asks, query: Query) -> list[str]:
        """The terms of what is asked, without the context around it: what the checks weigh."""
        if not asks.context:
            return self.query_terms(query)
        return self.query_terms(self.prepare_query(asks.ask, follow_up=query.follow_up))

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

    def understand(self, question: Question, asks: Asks) -> tuple[list[Query], str]:
        """The queries to search with: the question as asked (what is only context taken out) and, for a follow-up,
        made self-contained; each with acronyms and typos handled. Also the question in words a language model can
        answer on its own."""
        question = replace(question, text=asks.searched)
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

    def corrected(self, text: str) -> str:
        """The text with its misspellings fixed ("prisns" -> "prisons"), so every stage reads the words meant."""
        for wrong, right in self.vocabulary.corrections(text).items():
            text = _replace_word(text, wrong, right)
        return text

    def prepare_query(self, text: str, follow_up: bool) -> Query:
        text = self.corrected(text)
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

    def named_documents_first(self, asks: Asks, passages: list[Passage]) -> list[Passage]:
        """The passages of a document the message names ("what does the collaboration guide say ...") before every
        other's, each group in its order: the officer wants the answer from that document (of the 99 answerable
        questions of the fitted sets that name one, 98 have all their evidence in it). The others stay behind them
        for a document too short to answer."""
        if not asks.documents or not self.settings.named_documents_first:
            return passages
        return sorted(passages, key=lambda p: p.source not in asks.documents)

    def rescore(
        self, query: Query, query_vector: list[float], fused: list[Passage]
    ) -> tuple[list[Passage], dict[str, list[float]], Neighbourhood]:
        """Re-order the best candidates, their words weighed among themselves; also returns each candidate
        sentence's similarity to the question, and the candidates' term statistics."""
        candidates = fused[: self.settings.rescore_candidates]
        ids = [p.chunk_id for p in candidates]
        sims = self.dense.sentence_similarities(query_vector, ids)
        neighbourhood = Neighbourhood(self.store, ids)
        if not self.settings.rescore:
            return fused, sims, neighbourhood
        lexical = neighbourhood.scores(terms(query.text))
        signal_weights = weights_for(self.settings.rescore_second_sentence_weight, self.settings.rescore_fused_weight)
        ranked = rescore(candidates, sims, lexical, signal_weights, self.settings.rescore_least_spread)
        return ranked + fused[len(candidates) :], sims, neighbourhood

    def generated(
        self, question: str, evidence: list[Passage], extractive: Answer, on_token: TokenSink | None, clock: _Clock
    ) -> Answer:
        """The model's answer from the evidence, keeping only sentences their cited passage supports;
        the extractive answer (with the reason) when the model fails, declines or too little survives."""
        passages = evidence[: self.settings.llm_passages]
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

    # ------------------------------------------------------------------ about the corpus
    def documents(self) -> list[dict]:
        """Each indexed document with its title, date and number of chunks."""
        return self.follow_index().documents


def _replace_word(text: str, wrong: str, right: str) -> str:
    """Every ``wrong`` as ``right``, keeping a capital where one was written (a name stays a name)."""
    def as_written(match: re.Match) -> str:
        return right[:1].upper() + right[1:] if match.group(0)[0].isupper() else right

    return re.sub(rf"\b{re.escape(wrong)}\b", as_written, text, flags=re.IGNORECASE)


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
    """One Navigator per engine per process (the chat page serves many sessions with it); every engine answers
    from the same Library."""
    settings = settings or get_settings()
    key = _shared_key(settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Navigator(settings)
        return _shared[key]


def _shared_key(settings: Settings) -> tuple:
    return (
        str(settings.index_dir), settings.chroma_host, settings.collection, settings.embedding_model, settings.engine,
        settings.model_dump_json(include=LLM_FIELDS),
    )
