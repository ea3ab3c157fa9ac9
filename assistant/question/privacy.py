"""Personal data in any text: find it, so the officer is warned, and mask it wherever text is stored.

One entry point, ``find_personal_data(text, guidance_words)``, serves the question guard, earlier questions,
feedback comments, the audit log and the downloaded conversation. Patterns find numbers, e-mail addresses,
postcodes and references. Names are found after a cue ("my suspect", "DC", "Mr") and, in any case and
without a cue, as a pair of words that are plainly a person's: a known first name or a word that is not
English, next to a known surname or a word that is not English ("darren whitlock is in custody"). The
first names and surnames are the census lists of the ``names`` package. spaCy's small English model (the
only one on PyPI for spaCy 3.8) was measured and not used: it found 55% of the names of
``eval/pii_heldout.jsonl`` (it leans on capitals) and added about 3 s to start-up. A "name" every word of
which the guidance uses ("Andy Brooks", "Liaison") is what the question is about, not personal data.
Each recogniser is scored on ``eval/pii_labels.jsonl`` and ``eval/pii_heldout.jsonl`` (``python -m eval``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.text import STOPWORDS
from assistant.question.vocabulary import ENGLISH_WORD_MIN_COUNT, english_count, english_word_frequency

MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
DATE = rf"(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\s+(?:19|20)\d{{2}}"
PERSON_ROLE = (
    r"suspect|victim|detainee|prisoner|witness|offender|patient|casualty|misper|missing person|"
    r"complainant|defendant|informant|man|woman|boy|girl|lad|son|daughter|husband|wife|partner|mother|father|"
    r"mum|dad|brother|sister|girlfriend|boyfriend|friend|neighbour|carer|nurse|social worker|probation officer"
)
# Ranks and titles: "ask DC Jones", "PC 4471 Danny Shaw", "Mr Patel".
RANK = r"mr|mrs|ms|miss|mx|dr|prof|pc|pcso|ps|dc|ds|di|dci|dsu|sgt|sergeant|insp|inspector|supt|superintendent"
RANK_WORD = re.compile(RANK, re.I)
# What comes just before a name: "my suspect Jane Doe", "the detainee is called ...", "records of John Smith".
NAME_CUE = re.compile(
    rf"\b(?:(?:my|the|a|our|this)\s+(?:{PERSON_ROLE})\s*,?\s*(?:(?:is|was)\s+)?(?:called\s+|named\s+)?"
    rf"|(?:called|named)\s+|(?:{RANK})\.?\s+(?:\d{{2,6}}\s+)?"
    rf"|(?:number|records?|history|details|address|whereabouts|date of birth)\s+(?:of|for)\s+)$",
    re.I,
)
NAME_WORD = re.compile(r"[A-Za-z](?:[A-Za-z]|['’](?=[A-Za-z]))*(?:-[A-Za-z]+)*(?:['’]s\b)?")
# pyspellchecker's count above which a word is ordinary English even when it is also a name (will, mark, hope).
ORDINARY_WORD_MIN_COUNT = 10_000
MAX_NAME_WORDS = 3
CUE_WINDOW = 60  # characters before a word searched for a cue: longer than any cue


@dataclass(frozen=True)
class Finding:
    kind: str  # "NHS number", "email address", ...
    value: str
    start: int
    end: int


def _nhs_number_is_valid(digits: str) -> bool:
    """NHS numbers end in a modulus-11 check digit; ten random digits pass one time in eleven."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


RECOGNISERS: list[tuple[str, re.Pattern, object]] = [
    ("email address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), None),
    ("NHS number", re.compile(r"(?<![\d/])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d/])"),
     lambda value: _nhs_number_is_valid(re.sub(r"\D", "", value))),
    ("phone number", re.compile(r"(?<![\w/])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w/])"),
     lambda value: 10 <= len(re.sub(r"\D", "", value).removeprefix("44")) <= 11),
    ("National Insurance number",
     re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I), None),
    ("postcode", re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.I),
     lambda value: any(c.isdigit() for c in value) and " " in value or len(value) >= 6),
    ("date of birth", re.compile(rf"\b(?:born(?: on| in)?|d\.?o\.?b\.?:?|date of birth:?|birthday:?)\s*({DATE}|(?:19|20)\d{{2}})", re.I), None),
    ("vehicle registration", re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b|\b[A-HJ-NP-Y]\d{1,3}\s?[A-Z]{3}\b", re.I),
     lambda value: value.upper() == value or value.lower() == value),
    ("crime or custody reference",
     re.compile(r"\b(?:crime|custody|incident|occurrence|log|CAD|URN|PNC|case)\s*(?:ref(?:erence)?|no\.?|number|record|id)?\s*[:#]?\s*"
                r"((?=[A-Z0-9/-]*\d)[A-Z0-9]+(?:[/-][A-Z0-9]+)+|\d{5,}[A-Z]?)", re.I), None),
    ("crime or custody reference", re.compile(r"\b\d{2,4}/\d{5,7}[A-Z]\b"), None),  # PNC id: 12/345678A
]


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Known first names and surnames, lower case, apostrophes dropped (o'neill -> oneill)."""
    import names  # the census lists ship with the package; its random-name functions are not used

    def read(path: str) -> frozenset[str]:
        with open(path, encoding="ascii") as lines:
            return frozenset(line.split()[0].lower() for line in lines if line.strip())

    return read(names.FILES["first:male"]) | read(names.FILES["first:female"]), read(names.FILES["last"])


@dataclass(frozen=True)
class Word:
    """A word that could be part of a name, as written (a possessive "'s" left off)."""

    text: str
    start: int
    end: int
    possessive: bool

    @property
    def key(self) -> str:
        return re.sub(r"['’]", "", self.text.lower())

    @property
    def titled(self) -> bool:
        return self.text[0].isupper() and not self.text.isupper()


def _words(text: str) -> list[Word]:
    found = []
    for match in NAME_WORD.finditer(text):
        written = match.group()
        possessive = bool(re.search(r"['’]s$", written)) and len(written) > 3
        written = written[:-2] if possessive else written
        found.append(Word(written, match.start(), match.start() + len(written), possessive))
    return found


def _is_english(word: Word) -> bool:
    return english_count(word.key) >= ENGLISH_WORD_MIN_COUNT


def _is_ordinary(word: Word) -> bool:
    """A stop word or common English; a hyphened word if any part is ("self-harm", not "ellie-mae")."""
    frequency = english_word_frequency()
    return word.key in STOPWORDS or any(frequency[part] >= ORDINARY_WORD_MIN_COUNT for part in [word.key, *word.key.split("-")])


def _in_list(word: Word, names: frozenset[str]) -> bool:
    return word.key in names or any(part in names for part in word.key.split("-"))


def _may_be_a_name_word(word: Word, guidance_words: Collection[str]) -> bool:
    """A capitalised word that is not a stop word, or a lower-case one that is plainly not ordinary English."""
    if len(word.key) < 2 or word.key in STOPWORDS or RANK_WORD.fullmatch(word.key):
        return False
    if word.titled:
        return True
    first_names, surnames = name_lists()
    # "self-harm" after "a history of" is no name: an unknown lower-case word counts only if it is one word.
    known = _in_list(word, first_names) or _in_list(word, surnames) or (word.key.isalpha() and not _is_english(word))
    return known and not _is_ordinary(word) and word.key not in guidance_words


def _is_a_pair_of_names(first: Word, second: Word, guidance_words: Collection[str]) -> bool:
    """Two words that are plainly a person's name: "Olivia Grant", "kieran walsh"."""
    if not all(len(w.key) > 1 and w.key not in STOPWORDS and not RANK_WORD.fullmatch(w.key) for w in (first, second)):
        return False
    if first.titled != second.titled:  # "misper Daniel", "DC Jones": a name is written one way throughout
        return False
    first_names, surnames = name_lists()
    # A known first name before a surname or an unknown word; or an unknown word before a surname that is no
    # ordinary word ("Kieran Walsh", not "Eurovision Song").
    looks_like = (_in_list(first, first_names) and (_in_list(second, surnames) or not _is_english(second))) or (
        not _is_english(first) and _in_list(second, surnames) and not _is_ordinary(second))
    if first.titled:
        return looks_like
    # In lower case only words the guidance never uses and that are not ordinary English ("will", "grant").
    return looks_like and not any(_is_ordinary(w) or w.key in guidance_words for w in (first, second))


def _adjacent(text: str, before: Word, after: Word) -> bool:
    return not before.possessive and text[before.end : after.start].isspace()


def _names(text: str, guidance_words: Collection[str]) -> Iterator[tuple[int, int]]:
    """Spans of names: after a cue, and pairs of words that are plainly a person's."""
    words = _words(text)
    for i, word in enumerate(words):
        if NAME_CUE.search(text[max(0, word.start - CUE_WINDOW) : word.start]):
            run = [word] if _may_be_a_name_word(word, guidance_words) else []
            for following in words[i + 1 : i + MAX_NAME_WORDS]:
                if not run or not _adjacent(text, run[-1], following) or not _may_be_a_name_word(following, guidance_words):
                    break
                run.append(following)
            if run:
                yield run[0].start, run[-1].end
        if i + 1 < len(words) and _adjacent(text, word, words[i + 1]) and _is_a_pair_of_names(word, words[i + 1], guidance_words):
            yield word.start, words[i + 1].end


def _joined(spans: Iterator[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one: "Mary Ann" and "Ann Smith" are one name."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and start < joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def _used_by_the_guidance(value: str, guidance_words: Collection[str]) -> bool:
    """A name every word of which the guidance uses ("Andy Brooks") is what the question asks about."""
    found = re.findall(r"\w\w+", value.lower())
    return bool(guidance_words) and bool(found) and all(word in guidance_words for word in found)


def find_personal_data(text: str, guidance_words: Collection[str] = frozenset()) -> list[Finding]:
    """Every piece of personal data found, left to right, overlaps resolved in favour of the longer.

    ``guidance_words`` are the words of the indexed guidance (``Vocabulary.word_counts``): a name made of
    them is not personal data. Without them every name is taken for personal data: more is masked, not less.
    """
    found: list[Finding] = []
    for kind, pattern, accept in RECOGNISERS:
        for match in pattern.finditer(text):
            group = 1 if match.groups() and match.group(1) else 0
            value = match.group(group)
            if accept is None or accept(value):
                found.append(Finding(kind, value, match.start(group), match.end(group)))
    for start, end in _joined(_names(text, guidance_words)):
        if not _used_by_the_guidance(text[start:end], guidance_words):
            found.append(Finding("name", text[start:end], start, end))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


# "the NHS number of John Smith", "the medical history of my suspect Jane Doe", "my suspect Jane Doe's address"
RECORD = r"(?:number|records?|history|details|address|whereabouts|date of birth|convictions|record)"
RECORD_BEFORE = re.compile(
    rf"\b{RECORD}\s+(?:of|for|on)\s+(?:(?:my|the|this|that|our|a)\s+(?:{PERSON_ROLE})\s*,?\s*)?(?:(?:{RANK})\.?\s+)?$", re.I
)
RECORD_AFTER = re.compile(rf"^['’]s?\s+(?:[\w-]+\s+)?{RECORD}\b", re.I)


def asks_for_records(text: str, findings: list[Finding]) -> bool:
    """The question asks for the details, numbers or history of a person it names (pass only the findings that
    are personal data: "the history of Liaison and Diversion" names no person)."""
    return any(
        finding.kind == "name" and (RECORD_BEFORE.search(text[: finding.start]) or RECORD_AFTER.match(text[finding.end :]))
        for finding in findings
    )


KINDS = sorted({kind for kind, _, _ in RECOGNISERS} | {"name"})
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(re.escape(kind) for kind in KINDS) + r")\]")


def mask(text: str, findings: Sequence[Finding]) -> str:
    """The text with each finding replaced by its kind in brackets: safe to store and to show."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = f"{text[: finding.start]}[{finding.kind}]{text[finding.end :]}"
    return text


def _occurrences(finding: Finding, text: str) -> Iterator[Finding]:
    """Where the finding (or, for a name, any of its words) appears in another text."""
    pieces = [finding.value]
    if finding.kind == "name":
        pieces += [w.text for w in _words(finding.value) if w.key not in STOPWORDS and len(w.key) > 1]
    for piece in pieces:
        written = r"\s+".join(map(re.escape, piece.split()))
        for match in re.finditer(rf"(?<!\w){written}(?!\w)", text, re.I):
            yield Finding(finding.kind, match.group(), match.start(), match.end())


def mask_found(text: str, findings: Sequence[Finding]) -> str:
    """Any text with the question's findings masked wherever they appear in it: a refusal reason or an answer
    that repeats "Whitlock" from "my suspect Darren Whitlock" is masked too."""
    spans = sorted((f for found in findings for f in _occurrences(found, text)), key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return mask(text, kept)


def mask_personal_data(
    text: str, guidance_words: Collection[str] = frozenset(), question_findings: Sequence[Finding] = ()
) -> str:
    """What may be stored: the text with everything the guard finds in it masked, and anything the question's
    findings name. Every store (audit log, feedback, downloaded conversation) writes through this."""
    return mask_found(mask(text, find_personal_data(text, guidance_words)), question_findings)


def without_personal_data(text: str, findings: list[Finding]) -> str:
    """The text with the findings (and any earlier mask) removed: what is searched for."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = f"{text[: finding.start]}{text[finding.end :]}"
    return re.sub(r"\s{2,}", " ", PLACEHOLDER.sub("", text)).strip()
