"""The glossary's acronyms in a text: pure text helpers, used where the corpus is indexed and where it is read."""

from __future__ import annotations

import json
import re
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("glossary.json")


def load_glossary(path: Path = GLOSSARY_FILE) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8"))


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
