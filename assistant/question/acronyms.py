"""The glossary's acronyms in a text: pure text helpers, used where the corpus is indexed and where it is read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("glossary.json")
ROLES_FILE = Path(__file__).with_name("roles.json")
# "... Health and Justice Clinical Reference Group (CRG)": the guidance defines an acronym by writing it in
# brackets after its spelled-out form, whose significant words start with its capitals.
DEFINED = re.compile(r"\(([A-Z][A-Za-z&]{1,9}?)(?:['’]?s)?\)")
JOINING = frozenset({"and", "of", "for", "the", "in", "on", "&", "to"})


def load_glossary(path: Path = GLOSSARY_FILE) -> dict[str, str]:
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def load_roles(path: Path = ROLES_FILE) -> dict[str, str]:
    """Police ranks and roles: who is asking, never what is asked."""
    return load_glossary(path)


def acronym_pattern(glossary: dict[str, str], any_case: bool) -> re.Pattern:
    """Matches a glossary acronym as a word, plural or possessive too ("ICBs", "SARC's")."""
    alternatives = "|".join(re.escape(a) for a in sorted(glossary, key=len, reverse=True))
    return re.compile(rf"(?<![\w&])({alternatives})(?:['’]?s)?(?![\w&])", re.IGNORECASE if any_case else 0)


def acronyms_written(text: str, glossary: dict[str, str]) -> dict[str, str]:
    """Each acronym the text writes in capitals, with its spelled-out form (for a passage of the guidance)."""
    capitals = {acronym.upper(): expansion for acronym, expansion in glossary.items()}
    if not capitals:
        return {}
    return {match.group(1): capitals[match.group(1)] for match in acronym_pattern(capitals, any_case=False).finditer(text)}


def spelled_out(text: str, acronyms: dict[str, str]) -> str:
    """The text followed by the spelled-out form of each acronym it writes: an embedding model that has never
    met "ICB" then reads "integrated care board" (as an officer's question may put it)."""
    found = acronyms_written(text, acronyms)
    return f"{text} ({'; '.join(f'{a}: {e}' for a, e in found.items())})" if found else text


def defined_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """The acronyms the texts define ("Community Sentence Treatment Requirement (CSTR)"), spelled out as written."""
    found: dict[str, str] = {}
    for text in texts:
        for match in DEFINED.finditer(text):
            acronym = match.group(1)
            capitals = [c for c in acronym if c.isupper()]
            before = re.findall(r"[\w’'-]+|&", text[max(0, match.start() - 200) : match.start()])
            spelled = _spelled_out(before, capitals)
            if spelled and acronym.upper() not in found:
                found[acronym.upper()] = spelled
    return found


def _spelled_out(before: list[str], capitals: list[str]) -> str:
    """The words just before an acronym whose significant words' initials are its capitals, or ''."""
    while before and before[-1].lower() in JOINING:  # "... partnerships and (STPs)"
        before = before[:-1]
    taken: list[str] = []
    significant = 0
    for word in reversed(before):
        if significant == len(capitals):
            break
        taken.insert(0, word)
        if word.lower() not in JOINING:
            significant += 1
    initials = [w[0].upper() for w in taken if w.lower() not in JOINING]
    return " ".join(taken) if initials == [c.upper() for c in capitals] and len(capitals) >= 2 else ""
