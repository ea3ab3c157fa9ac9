"""Words as the retrieval stages see them: lower-cased, stop words dropped, stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

TOKEN = re.compile(r"(?u)\b\w\w+\b")
# Words that carry no topic in a question an officer asks ("what does an ICB do", "explain ...").
QUESTION_WORDS = frozenset(
    "what whats which who whom whose when where why how does do did can could would should shall may might "
    "tell explain describe mean means meaning please give list there any about role roles many much "
    # conversational filler ("OK, different subject: ...")
    "ok okay thanks thank different subject switching switch topic another question also".split()
)
STOPWORDS = frozenset(STOPWORDS_EN) | QUESTION_WORDS
# The stemmer leaves "JSNAs" and "CCGs" as they are (it keeps an "s" after a vowel or with no vowel before it).
ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Z&]*[A-Z])['’]?s\b")
LIST_NUMBER = re.compile(r"^\d{1,2}[.)]\s")
# The one table of number words: what a question counts in ("the seven priority areas") and what an answer counts
# with ("two year partnership", "Six key principles").
NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split(),
        1,
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000, "dozen": 12}
# A count as written: digits or a number word ("a two-way resource" counts nothing).
COUNT = re.compile(r"\b\d[\d,.]*\b|\b(?:" + "|".join(NUMBER_WORDS) + r")\b(?!-)", re.I)
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’)]))\s+(?=[A-Z0-9“‘\"'(])")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, stop words kept."""
    return TOKEN.findall(text.lower())


def terms(text: str) -> list[str]:
    """Stemmed content terms: what BM25, coverage and overlap are computed on."""
    return _stemmer().stemWords([w for w in words(ACRONYM_PLURAL.sub(r"\1", text)) if w not in STOPWORDS])


def introduces(text: str) -> bool:
    """It ends in a colon: what it introduces (a list, the sentence after it) must follow it."""
    return text.rstrip().endswith(":")


def is_list_item(line: str) -> bool:
    """A line of a list: a bullet ("- ...") or a number ("2. ...", "3) ...")."""
    return line.lstrip().startswith("- ") or bool(LIST_NUMBER.match(line.lstrip()))


def number_value(written: str) -> int | None:
    """The value of a count as written ("seven", "42"), or None."""
    written = written.lower().replace(",", "")
    return NUMBER_WORDS.get(written) or (int(written) if written.isdigit() else None)


def sentences(text: str) -> list[str]:
    """Whole sentences and list items, in order; a list item is never split."""
    units: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if is_list_item(line):
            units.append(line)
        else:
            units.extend(part.strip() for part in SENTENCE_END.split(line) if part.strip())
    return units
