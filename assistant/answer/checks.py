"""Stage 7: does the guidance answer what is asked? A table of checks, each a small function.

Each check measures one thing about the question read once (``Asks``), the evidence and the composed answer, and
says whether that measurement falls short of the policy; the first check that falls short sets the status. Checks
read only the ask, never its context: a place, an age or a role in the situation is not something the guidance
must name. The thresholds live in one ``Policy`` built from ``Settings`` and are chosen by cross-validation over
every labelled set (``python -m eval crossval``; README, "Refusal").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from assistant.question.asks import gives_count
from assistant.answer.compose import Statement
from assistant.search.evidence import term_coverage
from assistant.records import Asks, Passage
from assistant.search.retrieve import ChunkStore
from assistant.settings import Settings
from assistant.text import terms

# Each check's measurement by its code, and whether the question follows up earlier ones: one question's numbers,
# or (in the cross-validation) an array of every question's.
Measurements = Mapping[str, "float | np.ndarray"]
FOLLOWS_UP = "follows_up"


@dataclass(frozen=True)
class Policy:
    min_similarity: float
    follow_up_min_similarity: float
    max_unknown_share: float
    unknown_needs_similarity: float
    count_needs_context: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})

    def similarity_floor(self, measurements: Measurements):
        """A follow-up ("Has anyone used it?") brings few words of its own, so its best sentence is less similar
        to it than a question asked whole is to its answer: it has a floor of its own."""
        return np.where(measurements.get(FOLLOWS_UP, 0.0), self.follow_up_min_similarity, self.min_similarity)


@dataclass(frozen=True)
class Case:
    """Everything a check may read about one question."""

    asks: Asks
    ask_terms: tuple[str, ...]  # the ask's terms, acronyms as the guidance writes them
    evidence: tuple[Passage, ...]
    statements: tuple[Statement, ...]  # the composed answer
    best_similarity: float
    store: ChunkStore
    glossary: dict[str, str]
    rare_name_chunks: int = 3  # a name in at most this many chunks is rare ...
    name_context_coverage: float = 0.4  # ... and must be spoken of with this share of the rest of the ask
    follows_up: bool = False  # the question leans on earlier ones and was searched with their topic

    def statement_terms(self) -> list[set[str]]:
        """Each statement's terms, read under its heading and document title."""
        return [st.words | set(terms(f"{st.passage.title}\n{st.passage.section}")) for st in self.statements]


Measure = Callable[[Case], float]
# All measurements: a check may weigh one against another. The cross-validation passes every question's at once (an
# array per code), so a check's test is written with operators that work on both.
Falls = Callable[[Measurements, Policy], bool]


@dataclass(frozen=True)
class Check:
    code: str
    message: str  # why the guidance does not answer; {value} is the measurement
    status: str  # what falling short leads to: "related" or "not_covered"
    measure: Measure
    falls_short: Falls


def unknown_share(case: Case) -> float:
    """Share of the ask's meaning in words the guidance never uses ("weather", "warrant")."""
    wanted = set(case.ask_terms)
    total = sum(case.store.idf(t) for t in wanted)
    return sum(case.store.idf(t) for t in wanted if not case.store.document_frequency[t]) / total if total else 1.0


def missing_numbers(case: Case) -> float:
    """How many numbers of the ask ("section 136", "1989") the evidence never writes."""
    text = " ".join(f"{p.section} {p.text}" for p in case.evidence).lower()
    return float(sum(not re.search(rf"\b{re.escape(n)}\b", text) for n in case.asks.numbers))


def unknown_names(case: Case) -> float:
    return float(len(case.asks.unknown_names))


# What an answer of each checkable kind contains, in its best sentences.
HOLDS = {
    "contact": re.compile(r"\b0\d{2,4}[\s-]?\d{3}[\s-]?\d{3,4}\b|\b\d{3}\b.*\bcall\b|@\w|\bwww\.|https?://|"
                          r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),  # a phone number, an address online or a postcode
    "percentage": re.compile(r"\d\s?%|\bper ?cent\b|\b(?:half|a third|a quarter|one in \w+)\b", re.I),
    "amount": re.compile(r"£\s?\d|\b\d[\d,.]*\s?(?:million|billion|bn|m|k)\b", re.I),
    "time of day": re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\b24 hours\b", re.I),
    # A person: titled ("Lord Bradley", "Dr Claire Fuller"), named with their post ("Victor Adebowale, Chair of ...")
    # or as the one who chairs.
    "post holder": re.compile(r"\b(?:Dr|Professor|Prof|Lord|Lady|Baroness|Sir|Dame|Mr|Mrs|Ms)\.? [A-Z][a-z]+|"
                              r"\b[A-Z][a-z]+ [A-Z][a-z'-]+, (?:the )?(?:Chair|Director|Chief|Head)\b|"
                              r"\b(?:chaired|headed|led) by [A-Z][a-z]+ [A-Z]"),
    "findings": re.compile(r"\b(?:found|finds|showed|shows|shown|concluded|recommended|recommends|identified|"
                           r"identifies|revealed|reported)\b", re.I),
}


def kind_missing(case: Case) -> float:
    """1 when the ask wants a checkable kind of answer (a phone number, a percentage, an amount, a time, findings, a
    named person) and the answer's two best sentences hold none."""
    holds = HOLDS.get(case.asks.kind)
    if holds is None or not case.statements:
        return 0.0
    best = sorted(case.statements, key=lambda st: st.score, reverse=True)[:2]
    return float(not any(holds.search(" ".join((st.text, *st.items))) for st in best))


def count_context(case: Case) -> float:
    """For "how many X ...": the most of the rest of its clause (IDF-weighted) that a sentence giving a number together
    with X holds; 0 when no sentence gives one, 1 when nothing is counted or the clause says nothing more."""
    counted = set(case.asks.counted)
    if not counted or not case.statements:
        return 1.0
    rest = [t for t in terms(case.asks.counting_clause) if t not in counted]
    units = [unit for st in case.statements for unit in (st.text, *st.items)]
    found = [set(terms(unit)) for unit in units if gives_count(unit)]
    held = [term_coverage(rest, words, case.store) if rest else 1.0 for words in found if counted & words]
    return max(held, default=0.0)


ENUMERATION_BREAK = re.compile(r",|;|\band\b|\bor\b")


def things_missing(case: Case) -> float:
    """How many of the N things asked for ("the seven priority areas") no list or sentence of the answer names."""
    wanted = case.asks.things_asked_for
    if not wanted:
        return 0.0
    named = 0
    for st in case.statements:
        named = max(named, st.list_length, len(ENUMERATION_BREAK.findall(st.text)) + 1 if gives_count(st.text) else 0)
    return float(max(wanted - named, 0))


def rare_names_unaddressed(case: Case) -> float:
    """How many rarely mentioned names of the ask ("Surrey", "the CQC") no sentence of the answer speaks of
    together with the rest of the ask. A name the ask asks about ("What is Revolving Doors?") needs only a mention."""
    missing = 0
    found_terms = case.statement_terms()
    for name in case.asks.names:
        stems = terms(name)
        if not stems or min(case.store.document_frequency[s] for s in stems) > case.rare_name_chunks or name in case.asks.unknown_names:
            continue
        forms = [set(stems)] + [
            set(terms(case.glossary[w.removesuffix("s")])) for w in name.split() if w.removesuffix("s") in case.glossary
        ]
        together = [found for found in found_terms if any(form <= found for form in forms)]
        rest = [t for t in case.ask_terms if t not in stems and not any(t in form for form in forms[1:])]
        if together and (name in case.asks.names_asked_about or not rest
                         or any(term_coverage(rest, found, case.store) >= case.name_context_coverage for found in together)):
            continue
        missing += 1
    return float(missing)


# Which way a question supposes something changed, and which way the guidance says it did.
DIRECTIONS = {
    "up": re.compile(r"\b(?:go(?:ne|es)? up|went up|ris(?:e|es|en|ing)|rose|increas(?:e|ed|es|ing)|gr[eo]w(?:n|s|ing)?|"
                     r"doubl(?:e|ed|ing)|worsen(?:ed|ing)?)\b", re.I),
    "down": re.compile(r"\b(?:go(?:ne|es)? down|went down|f[ae]ll(?:en|ing|s)?|decreas(?:e|ed|es|ing)|reduc(?:e|ed|es|ing|tion)|"
                       r"dropp?(?:ed|ing|s)?|declin(?:e|ed|es|ing)|halv(?:e|ed|ing))\b", re.I),
}


def directions(text: str) -> set[str]:
    return {name for name, pattern in DIRECTIONS.items() if pattern.search(text)}


def premise_contradicted(case: Case) -> float:
    """1 when the ask supposes a change one way ("Why did admissions go up ...?") and the answer's best statement,
    about the same things, says it went the other way ("admissions ... have been reduced")."""
    supposed = directions(case.asks.ask)
    if len(supposed) != 1 or not case.statements:
        return 0.0
    best = max(case.statements, key=lambda st: st.score)
    said = directions(" ".join((best.text, *best.items)))
    change = set(terms(" ".join(m.group(0) for m in DIRECTIONS[next(iter(supposed))].finditer(case.asks.ask))))
    subject = [t for t in case.ask_terms if t not in change]
    about_the_same = term_coverage(subject, best.words, case.store) >= case.name_context_coverage
    return float(about_the_same and bool(said) and not said & supposed)


CHECKS: list[Check] = [
    Check("no_evidence", "nothing in the index matches the question", "not_covered",
          lambda case: float(len(case.evidence)), lambda m, policy: m["no_evidence"] == 0),
    Check("not_close", "no passage is close in meaning (best similarity {value:.2f})", "not_covered",
          lambda case: case.best_similarity, lambda m, policy: m["not_close"] < policy.similarity_floor(m)),
    Check("unknown_words", "much of the question is in words the guidance never uses (share {value:.2f}), and no "
          "passage is close enough in meaning to make up for it", "not_covered",
          unknown_share, lambda m, policy: (m["unknown_words"] >= policy.max_unknown_share)
          & (m["not_close"] < policy.unknown_needs_similarity)),
    Check("unknown_names", "the question names something the guidance never mentions", "related",
          unknown_names, lambda m, policy: m["unknown_names"] > 0),
    Check("missing_number", "the guidance never gives a number the question asks about", "related",
          missing_numbers, lambda m, policy: m["missing_number"] > 0),
    Check("kind_missing", "the guidance does not give the kind of answer asked for", "related",
          kind_missing, lambda m, policy: m["kind_missing"] > 0),
    Check("count_missing", "the guidance does not give the number asked for", "related",
          count_context, lambda m, policy: m["count_missing"] < policy.count_needs_context),
    Check("things_missing", "the guidance does not name as many things as asked for", "related",
          things_missing, lambda m, policy: m["things_missing"] > 0),
    Check("rare_name", "the answer found says nothing about a name the question asks about", "related",
          rare_names_unaddressed, lambda m, policy: m["rare_name"] > 0),
    Check("premise_contradicted", "the guidance says it went the other way from what the question supposes", "related",
          premise_contradicted, lambda m, policy: m["premise_contradicted"] > 0),
]


MEASURED = (*(check.code for check in CHECKS), FOLLOWS_UP)


@dataclass(frozen=True)
class Verdict:
    status: str  # "answered", "related" or "not_covered"
    check: str = ""  # the code of the check that fell short
    reason: str = ""
    measurements: dict[str, float] | None = None


def measure(case: Case) -> dict[str, float]:
    """Every check's measurement, and whether the question follows up earlier ones (which sets its similarity
    floor): what the cross-validation re-decides on."""
    found = {check.code: round(float(check.measure(case)), 4) for check in CHECKS}
    return found | {FOLLOWS_UP: float(case.follows_up)}


def decide(measurements: dict[str, float], policy: Policy, enabled: frozenset[str] | None = None) -> Verdict:
    """The first check that falls short sets the status."""
    for check in CHECKS:
        if enabled is not None and check.code not in enabled:
            continue
        value = measurements[check.code]
        if check.falls_short(measurements, policy):
            return Verdict(check.status, check.code, check.message.format(value=value), measurements)
    return Verdict("answered", measurements=measurements)
