"""Stage 7 (generative engines): check every sentence of a generated answer against the passage it cites.

A sentence is kept only if it cites a passage that was given to the model and that passage supports it:
enough of the sentence's terms occur in the passage, one of the passage's sentences means nearly the same
(embedding similarity), and every number in the sentence appears in the passage (a wrong year is the
classic invented detail), and it says "not" or "except" where the closest passage sentence does, and only
there. Citations to passages that do not support the sentence are dropped; a sentence the model numbered
wrongly or left uncited is re-cited to the given passage that holds it; unsupported and instruction-like
sentences are removed. Every decision is reported. Thresholds: ``python -m eval calibrate`` (README, "Engines").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.question.instructions import reads_as_instruction
from assistant.records import CheckedSentence, Passage
from assistant.text import sentences, terms

CITE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
CITE_AFTER_FULL_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
NEGATION = re.compile(
    r"\b(not|no|never|none|nor|neither|without|except|exception|excluding|unless|cannot)\b|n[’']t\b", re.I
)
UNFINISHED = re.compile(
    r"\b(by|of|the|a|an|to|and|or|with|for|from|in|on|at|as|is|are|was|were|include|including)\W*$", re.I
)
@dataclass(frozen=True)
class Thresholds:
    min_similarity: float
    min_lexical: float


def split_cited(text: str) -> list[tuple[str, list[int]]]:
    """Each sentence of a generated answer with the passage numbers it cites ("[2]", "[1, 3]", "[1][3]")."""
    text = CITE_AFTER_FULL_STOP.sub(r"\2\1", text)  # "... custody. [2]" cites for the sentence before it
    found = []
    for unit in sentences(text):
        numbers = [int(n) for group in CITE.findall(unit) for n in re.split(r"\s*[,;]\s*", group)]
        clean = re.sub(r"\s+([.!?,;:])", r"\1", CITE.sub("", unit)).strip()
        if re.search(r"\w", clean):
            found.append((clean, numbers))
    return found


def verify_answer(
    draft: str,
    passages: Sequence[Passage],
    embed: Callable[[list[str]], list[list[float]]],
    sentence_vectors: dict[str, np.ndarray],
    thresholds: Thresholds,
) -> list[CheckedSentence]:
    cited = split_cited(draft)
    vectors = embed([text for text, _ in cited]) if cited else []
    return [
        check_sentence(text, numbers, np.asarray(vector, dtype=np.float32), passages, sentence_vectors, thresholds)
        for (text, numbers), vector in zip(cited, vectors)
    ]


def check_sentence(
    text: str,
    numbers: list[int],
    vector: np.ndarray,
    passages: Sequence[Passage],
    sentence_vectors: dict[str, np.ndarray],
    thresholds: Thresholds,
) -> CheckedSentence:
    if reads_as_instruction(text):  # planted and echoed "verbatim": only its form gives it away
        return CheckedSentence(text, (), False, "reads as an instruction, not as guidance")
    wanted = set(terms(text))
    if not wanted:
        return CheckedSentence(text, (), False, "says nothing that can be checked")
    if UNFINISHED.search(text):  # "The blog was written by." holds only words its passage holds
        return CheckedSentence(text, (), False, "is unfinished")
    support = {n: _support(text, wanted, vector, p, sentence_vectors, thresholds) for n, p in enumerate(passages, 1)}
    given = [n for n in dict.fromkeys(numbers) if n in support]
    holding = [n for n in given if support[n].holds]
    note = ""
    if not holding:
        # The model often numbers a true sentence wrongly (or writes "[n]"): cite the passage that holds it.
        best = max(support, key=lambda n: (support[n].holds, support[n].similarity), default=None)
        if best is None or not support[best].holds:
            reason = (
                f"passage {given} does not support it" if given
                else f"cites passage {numbers} that was not given" if numbers else "cites no passage"
            )
            closest = [support[n] for n in given] or list(support.values())
            return CheckedSentence(
                text, (), False, reason,
                similarity=max((c.similarity for c in closest), default=0.0),
                lexical=max((c.lexical for c in closest), default=0.0),
            )
        note = f"cited {numbers or 'nothing'}; passage [{best}] holds it"
        holding = [best]
    return CheckedSentence(
        text,
        tuple(holding),
        True,
        note,
        tuple(support[n].quote for n in holding),
        max(support[n].similarity for n in holding),
        max(support[n].lexical for n in holding),
    )


@dataclass(frozen=True)
class _Support:
    """How well one passage holds one sentence."""

    holds: bool
    similarity: float  # to the passage sentence closest in meaning
    lexical: float  # share of the sentence's terms found in the passage
    quote: str  # that closest passage sentence


def _support(
    text: str,
    wanted: set[str],
    vector: np.ndarray,
    passage: Passage,
    sentence_vectors: dict[str, np.ndarray],
    thresholds: Thresholds,
) -> _Support:
    lexical = len(wanted & _terms_of(f"{passage.title} {passage.section} {passage.text}")) / len(wanted)
    sims = sentence_vectors.get(passage.chunk_id, np.zeros((0, len(vector)), dtype=np.float32)) @ vector
    similarity = float(sims.max()) if len(sims) else 0.0
    units = _sentences_of(passage.text)
    quote = units[min(int(sims.argmax()), len(units) - 1)] if len(sims) and units else ""
    holds = (
        similarity >= thresholds.min_similarity
        and lexical >= thresholds.min_lexical
        and _numbers_appear(text, passage.text)
        and _same_polarity(text, quote)
    )
    return _Support(holds, similarity, lexical, quote)


# Each sentence of a draft is checked against every passage: stem and split each passage once.
@lru_cache(maxsize=256)
def _terms_of(text: str) -> frozenset[str]:
    return frozenset(terms(text))


@lru_cache(maxsize=256)
def _sentences_of(text: str) -> tuple[str, ...]:
    return tuple(sentences(text))


def _same_polarity(sentence: str, closest: str) -> bool:
    """Both or neither say "not", "except", "without" ...: shared words and meaning cannot tell "NHS England
    commissions ambulance care" from "... all health services, with the exception of ambulance services"."""
    return bool(NEGATION.search(sentence)) == bool(NEGATION.search(closest))


def _numbers_appear(sentence: str, passage: str) -> bool:
    return set(NUMBER.findall(sentence)) <= set(NUMBER.findall(passage))
