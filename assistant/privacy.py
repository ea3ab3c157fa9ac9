"""Personal data in a question: find it, so the officer is warned, and mask it before anything is stored.

Patterns, not a language model (no spaCy model can be downloaded here); each is tested on
``eval/pii_labels.jsonl``, whose precision and recall the evaluation reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
DATE = rf"\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\s+(?:19|20)\d{{2}}"
_WORD = r"[A-Z](?:[a-z]+|['’][A-Z][a-z]+)(?:-[A-Z]?[a-z]+)*"  # Patel, O'Brien, Smith-Jones
NAME = rf"{_WORD}(?:\s+{_WORD}){{0,2}}"
PERSON_ROLE = (
    r"suspect|victim|detainee|prisoner|witness|offender|patient|casualty|misper|missing person|"
    r"complainant|defendant|informant|man|woman|boy|girl|son|daughter|husband|wife|partner|mother|father"
)


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
     re.compile(r"\b(?:crime|custody|incident|occurrence|log|CAD|URN|PNC|case)\s*(?:ref(?:erence)?|no\.?|number|id)?\s*[:#]?\s*"
                r"([A-Z0-9]*\d[A-Z0-9]*(?:[/-][A-Z0-9]+)+|\d{5,}[A-Z]?)", re.I), None),
    ("crime or custody reference", re.compile(r"\b\d{2,4}/\d{5,7}[A-Z]\b"), None),  # PNC id: 12/345678A
    # A capitalised name after a cue: "my suspect Jane Doe", "called Bob Jones", "Mr Patel", "records of John Smith".
    # Only the cue ignores case; the name itself must be capitalised.
    ("name", re.compile(rf"(?i:\b(?:(?:my|the|a|our)\s+(?:{PERSON_ROLE})\s*,?\s*(?:(?:is|was)\s+)?(?:called\s+|named\s+)?|"
                        rf"(?:called|named)\s+|(?:mr|mrs|ms|miss|mx)\.?\s+|"
                        rf"(?:number|records?|history|details|address|whereabouts|date of birth)\s+(?:of|for)\s+))({NAME})"), None),
]


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data found, left to right, overlaps resolved in favour of the longer."""
    found: list[Finding] = []
    for kind, pattern, accept in RECOGNISERS:
        for match in pattern.finditer(text):
            group = 1 if match.groups() and match.group(1) else 0
            value = match.group(group)
            if accept is None or accept(value):
                found.append(Finding(kind, value, match.start(group), match.end(group)))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


# "the NHS number of John Smith", "the medical history of my suspect Jane Doe", "my suspect Jane Doe's address"
RECORD = r"(?:number|records?|history|details|address|whereabouts|date of birth|convictions|record)"
RECORD_BEFORE = re.compile(rf"\b{RECORD}\s+(?:of|for|on)\s+(?:(?:my|the|this|that|our|a)\s+(?:{PERSON_ROLE})\s*,?\s*)?$", re.I)
RECORD_AFTER = re.compile(rf"^['’]s?\s+(?:[\w-]+\s+)?{RECORD}\b", re.I)


def asks_for_records(text: str, findings: list[Finding]) -> bool:
    """The question asks for the details, numbers or history of a person it names (pass only the findings that
    are personal data: "the history of Liaison and Diversion" names no person)."""
    return any(
        finding.kind == "name" and (RECORD_BEFORE.search(text[: finding.start]) or RECORD_AFTER.match(text[finding.end :]))
        for finding in findings
    )


KINDS = sorted({kind for kind, _, _ in RECOGNISERS})
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(re.escape(kind) for kind in KINDS) + r")\]")


def mask(text: str, findings: list[Finding]) -> str:
    """The text with each finding replaced by its kind in brackets: safe to store and to show."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = f"{text[: finding.start]}[{finding.kind}]{text[finding.end :]}"
    return text


def mask_personal_data(text: str) -> str:
    """The text with everything the guard finds masked: what may be stored."""
    return mask(text, find_personal_data(text))


def without_personal_data(text: str, findings: list[Finding]) -> str:
    """The text with the findings (and any earlier mask) removed: what is searched for."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = f"{text[: finding.start]}{text[finding.end :]}"
    return re.sub(r"\s{2,}", " ", PLACEHOLDER.sub("", text)).strip()
