"""Stage 5: choose the passages to answer from, and decide whether they support an answer at all."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import replace

from assistant.records import Evidence, Passage
from assistant.retrieve import ChunkStore
from assistant.text import terms

NUMBER = re.compile(r"\b\d+[a-z]?\b")
CAPITALISED = re.compile(r"(?<![\w&])[A-Z][\w&’'-]*")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[-–—]\s+)([A-Z][\w&’'-]*)")

# What a question asks for, and what an answer to it must contain. Checked on the composed answer, so
# "How many prisons are there?" is not answered with a sentence that merely mentions prisons.
ANSWER_TYPES = [
    ("a phone number or e-mail address",
     re.compile(r"\b(phone|telephone)\b|\bcontact (details|number)\b|\be-?mail address\b", re.I),
     re.compile(r"\b0\d{2,4}[\s-]?\d{3}[\s-]?\d{3,4}\b|\b\d{3}\b.*\bcall\b|@\w")),
    ("an amount of money",
     re.compile(r"^\W*how much\b|\b(salary|salaries|paid|earn|earns|cost|costs|spend|spends|spent)\b", re.I),
     re.compile(r"£\s?\d|\b\d[\d,.]*\s?(million|billion|bn|m|k)\b", re.I)),
    ("a time of day",
     re.compile(r"\bwhat time\b|\bopening (hours|times)\b|\bwhen does\b.*\bopen\b", re.I),
     re.compile(r"\b\d{1,2}(:\d{2})?\s?(am|pm)\b|\b\d{1,2}:\d{2}\b|\b24 hours\b", re.I)),
    ("a number",
     re.compile(r"\bhow many\b", re.I),
     re.compile(r"\b\d+\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand)\b", re.I)),
]


def select_evidence(fused: list[Passage], store: ChunkStore, count: int) -> list[Passage]:
    """The top passages; a passage whose list runs on into the next chunk is followed by that chunk."""
    chosen: list[Passage] = []
    seen: set[str] = set()
    for passage in fused[:count]:
        if passage.chunk_id in seen:
            continue
        chosen.append(passage)
        seen.add(passage.chunk_id)
        following = store.neighbour(passage)
        if following and following.chunk_id not in seen and _list_runs_on(passage, following):
            chosen.append(replace(following, score=passage.score, dense=passage.dense, lexical=passage.lexical))
            seen.add(following.chunk_id)
    return chosen


def _list_runs_on(passage: Passage, following: Passage) -> bool:
    starts_with_list = following.text.lstrip().startswith("- ") or bool(re.match(r"\s*\d{1,2}[.)]\s", following.text))
    return following.section == passage.section and starts_with_list


def term_coverage(question_terms: list[str], present: set[str], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted terms) found among the ``present`` terms."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted & present) / total


def unknown_names(question: str, known_words: Container[str], acronyms: Container[str]) -> list[str]:
    """Capitalised names in the question that the corpus never mentions ("Manchester", "CPS", "Jane Doe").

    The first word of a sentence is skipped: "Summarise ..." is capitalised because it starts the question.
    """
    starts = {match.start(1) for match in SENTENCE_START.finditer(question)}
    unknown = []
    for match in CAPITALISED.finditer(question):
        word = re.sub(r"[’']s$", "", match.group(0)).strip("’'-")
        if match.start() in starts or word.upper() in acronyms or len(word) < 2:
            continue
        if word.lower() not in known_words and word.lower().removesuffix("s") not in known_words:
            unknown.append(word)
    return unknown


def missing_answer_type(question: str, best_statements: list[str]) -> str:
    """What the question asks for that the answer's best sentences do not contain ("a phone number"), or ''.

    Only the best-matching sentences count: "How many members sit on the CRG?" is not answered by another
    sentence's "5 domains".
    """
    text = "\n".join(best_statements)
    for name, asks, holds in ANSWER_TYPES:
        if asks.search(question) and not holds.search(text):
            return name
    return ""


def unknown_share(question_terms: list[str], store: ChunkStore) -> float:
    """Share of the question's meaning (IDF-weighted) in words the corpus never uses ("weather", "recipe")."""
    wanted = set(question_terms)
    total = sum(store.idf(term) for term in wanted)
    return sum(store.idf(term) for term in wanted if not store.document_frequency[term]) / total if total else 1.0


def assess_support(
    question: str,
    question_terms: list[str],
    evidence: list[Passage],
    best_dense: float,
    store: ChunkStore,
    min_dense: float,
    min_coverage: float,
    unknown_names_found: list[str] = (),
    max_unknown: float = 1.01,
    unknown_needs_similarity: float = 0.0,
) -> Evidence:
    """Supported only if the passages are close in meaning AND hold the question's key terms, names and numbers."""
    coverage = term_coverage(question_terms, {t for p in evidence for t in store.terms[store.row[p.chunk_id]]}, store)
    unknown = unknown_share(question_terms, store)
    evidence_text = " ".join(f"{p.section} {p.text}" for p in evidence).lower()
    missing_numbers = [n for n in NUMBER.findall(question.lower()) if not re.search(rf"\b{n}\b", evidence_text)]
    reason = ""
    if not evidence:
        reason = "nothing in the index matches the question"
    elif unknown_names_found:
        reason = f"the guidance never mentions {', '.join(unknown_names_found)}"
    elif missing_numbers:
        reason = f"the guidance never mentions {', '.join(missing_numbers)} in this context"
    elif best_dense < min_dense or (unknown >= max_unknown and best_dense < unknown_needs_similarity):
        reason = f"no passage is close in meaning (best similarity {best_dense:.2f} < {min_dense:.2f})"
    elif coverage < min_coverage:
        reason = f"the passages lack key terms of the question (coverage {coverage:.2f} < {min_coverage:.2f})"
    return Evidence(
        evidence, supported=not reason, reason=reason, coverage=coverage, best_dense=best_dense, unknown=unknown
    )
