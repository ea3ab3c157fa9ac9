"""Stage 6 (extractive engine): answer with the sentences of the evidence that best match the question."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import cached_property

from assistant.question.asks import own_words
from assistant.question.instructions import reads_as_instruction
from assistant.answer.picker import PICKER_FILE, Picker, load_picker, quoted_words, worth_quoting
from assistant.records import Asks, Passage
from assistant.search.retrieve import TermStatistics
from assistant.settings import Settings
from assistant.text import COUNT, introduces, is_list_item, sentences, terms

SENTENCE_ENDINGS = (".", "!", "?", ":", ";", "”", '"', ")", "’")
STUB_WORDS = 5  # "It aims to:" says nothing without the sentence before it
MAX_SPAN = 3
MIN_PART_WORDS = 2  # words of its own that make a part of a message an ask of its own
# A line wholly in brackets ("(ICB stakeholder)") is an aside on the sentence before it: who said it, where to look.
ASIDE = re.compile(r"\([^()]*\)")
# A sentence opening with one of these points back ("These were building relationships, ...", "Reasons for this").
POINTS_BACK = re.compile(r"^(These|This|They|Those|Such|Its|Their|It)\b|^\w+(?: \w+)? (?:for|of|to) (?:this|these|that)\b")
# What a sentence that gives each kind of answer contains: preferred when choosing sentences.
GIVES = {
    "date": re.compile(r"\b(19|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|october|"
                       r"november|december)\b", re.I),
    "count": COUNT,
    "amount": COUNT,
    "percentage": re.compile(r"\d\s?%|\bper ?cent\b", re.I),
}
# A reading-list line ("NHS England (2021), Building strong integrated care systems everywhere ..."), a section of
# them, or a list introduced as one ("More information is available ... from the following resources:"): quoted only
# when reading is what is asked for.
READING_LINE = re.compile(r"^[^.?!]{2,80}\(\d{4}\)[,.]|^\W*(?:https?://|www\.)")
READING_SECTION = re.compile(r"\b(further (resources|reading|information)|references|bibliography|resources)\b", re.I)


@dataclass(frozen=True)
class Statement:
    """A sentence of the answer (with the list it introduces, if any) and the passage it is quoted from."""

    text: str
    passage: Passage
    rank: int  # the passage's rank among the evidence
    index: int  # the (first) sentence's position in its passage
    span: int = 1  # how many of the passage's sentences ``text`` holds
    items: tuple[str, ...] = ()
    item_passages: tuple[Passage, ...] = ()  # where each item is quoted from: a list may cross a chunk edge
    item_indexes: tuple[int, ...] = ()  # each item's sentence position in its passage
    score: float = 0.0
    items_left_out: int = 0  # of a list longer than an answer shows
    joined: tuple[str, ...] = ()  # the passage's sentences ``text`` joins (a paragraph break may stand between)
    features: tuple[float, ...] = ()  # what the picker scored (compose.statement_features)
    fills: bool = False  # quoted only because the answer was short (picker.worth_quoting): no check reads it

    @property
    def quotes(self) -> tuple[str, ...]:
        """The text as the passage has it, a sentence at a time, so each can be found and highlighted in it."""
        return self.joined or (self.text,)

    @property
    def introduces(self) -> bool:
        return introduces(self.text)

    @property
    def list_length(self) -> int:
        """Items of the list this statement quotes, shown or not (a list cut from its lead-in starts the text)."""
        return len(self.items) + self.items_left_out + (bool(self.items) and is_list_item(self.text))

    @cached_property  # stemming is the costly part of scoring, and repeat checks ask again
    def words(self) -> set[str]:
        return set(terms(" ".join((self.text, *self.items))))


def candidate_statements(evidence: list[Passage], lead_ins: dict[str, Passage] | None = None) -> list[Statement]:
    """Every sentence of the evidence, grouped so that each statement can be read on its own:
    a list joins the sentence that introduces it, and a stub ("It aims to:"), a sentence that points
    back ("These were ..."), one that a colon introduces or an aside in brackets joins the sentence before it.
    An introduction whose list lies outside the evidence (past the passage's end) is left out: it says nothing.
    A passage that opens with a list gets the sentence that introduces it from the chunk before (``lead_ins``,
    evidence.list_lead_ins), quoted from that chunk."""
    statements: list[Statement] = []
    for rank, passage in enumerate(evidence):
        lead_in = (lead_ins or {}).get(passage.chunk_id)
        if lead_in and not (statements and _continues_list(statements[-1], passage)):
            lead_units = sentences(lead_in.text)
            statements.append(Statement(lead_units[-1], lead_in, rank, len(lead_units) - 1))
        units = sentences(passage.text)
        for index, unit in enumerate(units):
            if reads_as_instruction(unit):  # planted in a document: never quoted as guidance, whoever published it
                continue
            last = statements[-1] if statements else None
            listed = is_list_item(unit) or _in_run_of_lines(units, index)
            if listed and last and _continues_list(last, passage):
                if unit not in last.items:  # overlapping chunks repeat the items at their edge
                    statements[-1] = replace(
                        last, items=(*last.items, unit), item_passages=(*last.item_passages, passage),
                        item_indexes=(*last.item_indexes, index),
                    )
            elif listed:
                statements.append(Statement(unit, passage, rank, index))
            elif len(units) > 1 and not unit.endswith(SENTENCE_ENDINGS):
                continue  # a title or link label ("Liaison and Diversion programme details"), not a sentence
            elif last and _leans_on(last, unit, passage):
                statements[-1] = replace(
                    last, text=f"{last.text} {unit}", span=last.span + 1, joined=(*last.quotes, unit)
                )
            elif ASIDE.fullmatch(unit):
                continue  # an aside that cannot join its sentence says nothing alone
            else:
                statements.append(Statement(unit, passage, rank, index))
    return [st for st in statements if st.items or not st.introduces]


def _in_run_of_lines(units: list[str], index: int) -> bool:
    """Unpunctuated lines in a run ("Domain 1 – ...", "Domain 2 – ...") are a list, not titles."""
    def bare(i: int) -> bool:
        return 0 <= i < len(units) and not units[i].endswith(SENTENCE_ENDINGS) and not is_list_item(units[i])

    return bare(index) and (bare(index - 1) or bare(index + 1))


def _leans_on(last: Statement, unit: str, passage: Passage) -> bool:
    if last.passage.chunk_id != passage.chunk_id or last.items or last.span >= MAX_SPAN:
        return False
    stub = introduces(unit) and len(unit.split()) <= STUB_WORDS
    introduced = last.introduces  # "... whose core vision and mission is as follows:" then its text
    return stub or introduced or bool(POINTS_BACK.match(unit) or ASIDE.fullmatch(unit))


def _continues_list(statement: Statement, passage: Passage) -> bool:
    """A list belongs to the sentence just before it: in the same passage, or ending the passage before it."""
    owner = statement.item_passages[-1] if statement.item_passages else statement.passage
    if owner.chunk_id == passage.chunk_id:
        return True
    return owner.source == passage.source and passage.position == owner.position + 1 and (
        bool(statement.items) or statement.introduces
    )


def score_statements(
    statements: list[Statement],
    asks: Asks,
    query_terms: list[str],
    sentence_sims: dict[str, list[float]],
    statistics: TermStatistics,
    picker: Picker,
    focus: Collection[str] = (),
    item_keep_ratio: float = 0.6,
) -> list[Statement]:
    """Each statement scored by the picker from what it shares with the question (see ``statement_features``), its
    words weighed by ``statistics`` (the question's candidate passages: retrieve.Neighbourhood); a list the ask does
    not ask for keeps only the items that bear on it."""
    weight = {term: statistics.idf(term) for term in query_terms}
    ask_weight = {term: idf for term, idf in weight.items() if term in focus or not focus}
    scored = []
    for statement in statements:
        features = statement_features(statement, asks, ask_weight, sentence_sims)
        trimmed = _items_that_bear_on_the_ask(statement, asks, weight, sentence_sims, item_keep_ratio)
        scored.append(replace(trimmed, score=picker.score(features), features=features))
    return scored


def statement_features(statement: Statement, asks: Asks, ask_weight: dict[str, float],
                       sentence_sims: dict[str, list[float]]) -> tuple[float, ...]:
    """What the picker weighs (in ``FEATURES`` order): the ask's own words it holds (an IDF-weighted share; the words
    only of the situation or earlier questions earned nothing out of fold, ADR 0016), its meaning's closeness to the
    question, its neighbours' (an answer often follows the sentence that matches: "The following seven areas ... .
    Improving quality ... is at the heart of each one."), the evidence rank, whether it gives the kind of answer asked
    for, and its shape (its length is left out: longer statements hold more facts but cost words, and without it
    the answers held more key facts within the word limit out of fold)."""
    sims = sentence_sims.get(statement.passage.chunk_id) or []
    before = statement.index - 1
    after = statement.index + statement.span
    return (
        _share(ask_weight, statement.words),
        _similarity(statement, sentence_sims),
        sims[before] if 0 <= before < len(sims) else 0.0,
        sims[after] if after < len(sims) else 0.0,
        1 / (1 + statement.rank),
        float(_gives_what_is_wanted(asks, statement)),
        float(len(statement.items) >= 2),
        float(statement.index == 0),
    )


def _share(weight: dict[str, float], words: set[str]) -> float:
    return sum(weight[term] for term in weight.keys() & words) / (sum(weight.values()) or 1.0)


def _similarity(statement: Statement, sentence_sims: dict[str, list[float]]) -> float:
    """The best of its sentences' similarities: a list is as close to the question as its closest item."""
    sims = (sentence_sims.get(statement.passage.chunk_id) or [])[statement.index : statement.index + statement.span]
    return max((*sims, *_item_similarities(statement, sentence_sims)), default=0.0)


def _item_similarities(statement: Statement, sentence_sims: dict[str, list[float]]) -> list[float]:
    """Each item's similarity (0 for one whose passage was not scored)."""
    found = []
    for passage, index in zip(statement.item_passages, statement.item_indexes):
        sims = sentence_sims.get(passage.chunk_id) or []
        found.append(sims[index] if index < len(sims) else 0.0)
    return found


def _items_that_bear_on_the_ask(statement: Statement, asks: Asks, weight: dict[str, float],
                                sentence_sims: dict[str, list[float]], keep_ratio: float) -> Statement:
    """A list the ask does not ask for ("Is there one about partnerships?") is quoted by the items that answer it."""
    if len(statement.items) < 2 or wants_list(asks):
        return statement
    scores = [
        _share(weight, set(terms(item))) + similarity
        for item, similarity in zip(statement.items, _item_similarities(statement, sentence_sims))
    ]
    keep = [i for i, score in enumerate(scores) if score >= keep_ratio * max(scores)]
    return replace(
        statement,
        items=tuple(statement.items[i] for i in keep),
        item_passages=tuple(statement.item_passages[i] for i in keep),
        item_indexes=tuple(statement.item_indexes[i] for i in keep),
        items_left_out=statement.items_left_out + len(statement.items) - len(keep),
    )


def _gives_what_is_wanted(asks: Asks, statement: Statement) -> bool:
    """A date for "when", a number with the thing counted for "how many ICBs", a list where a number of things
    or a list is asked for, a reason for "why"."""
    if len(statement.items) >= 2 and wants_list(asks):
        return True
    if asks.counted and COUNT.search(statement.text) and set(asks.counted) & statement.words:
        return True
    gives = GIVES.get(asks.kind)
    return bool(gives and gives.search(statement.text))


def wants_list(asks: Asks) -> bool:
    """The ask names a number of things, or asks what they are, or for a list."""
    return bool(asks.things_asked_for or re.match(r"\W*(what|which) (are|were)\b|.*\blist\b", asks.ask, re.I))


def is_reading_line(statement: Statement) -> bool:
    return bool(READING_LINE.search(statement.text) or READING_SECTION.search(statement.passage.section)
                or (statement.items and READING_SECTION.search(statement.text)))


def choose_statements(scored: list[Statement], max_statements: int, max_items: int, picker: Picker) -> list[Statement]:
    """The best sentence, plus others the picker finds worth quoting that say something new, in reading order."""
    ranked = sorted(scored, key=lambda s: s.score, reverse=True)
    chosen: list[Statement] = []
    for statement in ranked:
        words = quoted_words(" ".join((st.text, *st.items)) for st in chosen)
        if len(chosen) == max_statements or not worth_quoting(
            statement.score, ranked[0].score, picker.ratio, words, picker.min_words
        ):
            break
        if any(_repeats(statement, earlier) for earlier in chosen):
            continue
        chosen.append(
            replace(
                statement,
                fills=not worth_quoting(statement.score, ranked[0].score, picker.ratio),
                items=statement.items[:max_items],
                item_passages=statement.item_passages[:max_items],
                item_indexes=statement.item_indexes[:max_items],
                items_left_out=statement.items_left_out + max(len(statement.items) - max_items, 0),
            )
        )
    return _in_answer_order(chosen)


def answer_every_part(chosen: list[Statement], scored: list[Statement], asks: Asks,
                      statistics: TermStatistics) -> list[Statement]:
    """A message that asks several things ("how long was it meant to last, and what was it trying to get ready
    for?") gets, for each part no chosen statement speaks to, the statement holding the most of that part's own
    words (IDF-weighted; the picker's score breaks ties). A part's own words are those no other part has, and it needs
    two of them to be an ask of its own: "List them all" asks nothing new."""
    if len(asks.parts) < 2:
        return chosen
    own = [set(terms(own_words(part))) for part in asks.parts]
    added: list[Statement] = []
    for i, words in enumerate(own):
        distinct = words.difference(*own[:i], *own[i + 1:])
        if len(distinct) < MIN_PART_WORDS or any(distinct & st.words for st in chosen + added):
            continue
        weight = {term: statistics.idf(term) for term in distinct}
        speaking = [st for st in scored if distinct & st.words and not any(_repeats(st, c) for c in chosen + added)]
        if speaking:
            added.append(max(speaking, key=lambda st: (_share(weight, st.words), st.score)))
    return _in_answer_order(chosen + added)


def _in_answer_order(chosen: list[Statement]) -> list[Statement]:
    """The sentence that answers best leads; the others follow in reading order."""
    return chosen[:1] + sorted(chosen[1:], key=lambda s: (s.rank, s.index))


def _repeats(statement: Statement, earlier: Statement) -> bool:
    """Overlapping chunks repeat sentences (alone in one chunk, introducing its list in the next); near-identical
    ones say nothing new."""
    if statement.text in (earlier.text, *earlier.items) or earlier.text in statement.items:
        return True
    a, b = statement.words, earlier.words
    return bool(a) and len(a & b) / len(a | b) > 0.7


def compose_extractive(
    evidence: list[Passage],
    asks: Asks,
    query_terms: list[str],
    sentence_sims: dict[str, list[float]],
    statistics: TermStatistics,
    settings: Settings,
    focus: Collection[str] = (),
    lead_ins: dict[str, Passage] | None = None,
) -> tuple[list[Statement], list[Statement]]:
    """The statements of the answer, and every candidate scored (what the picker's fit learns from)."""
    candidates = candidate_statements(evidence, lead_ins)
    if asks.kind != "reading":
        candidates = [st for st in candidates if not is_reading_line(st)]
    picker = load_picker(settings.answer_picker or PICKER_FILE)
    scored = score_statements(candidates, asks, query_terms, sentence_sims, statistics, picker, focus,
                              settings.answer_item_keep_ratio)
    chosen = choose_statements(scored, settings.answer_sentences, settings.answer_list_items, picker)
    return answer_every_part(chosen, scored, asks, statistics), scored
