"""Domain vocabulary: spell out acronyms ("SARC?") and fix misspellings ("liason") before searching."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from spellchecker import SpellChecker

from assistant.text import STOPWORDS, words

GLOSSARY_FILE = Path(__file__).with_name("glossary.json")
# pyspellchecker's English word list includes rare junk ("bradly"); a word this common is real English.
ENGLISH_WORD_MIN_COUNT = 1000


@lru_cache(maxsize=1)
def english_word_frequency():
    """pyspellchecker's English word counts, loaded once for the vocabulary and the personal-data guard."""
    return SpellChecker(language="en").word_frequency


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


class Vocabulary:
    """The glossary plus the words of the indexed corpus."""

    def __init__(self, glossary: dict[str, str], corpus_texts: Iterable[str]):
        self._english = english_word_frequency()
        self.glossary = {acronym.upper(): expansion for acronym, expansion in glossary.items()}
        texts = list(corpus_texts)
        self.word_counts = Counter(word for text in texts for word in words(text))
        # Words the corpus itself writes in lower case ("at pace"): an acronym typed that way is that word.
        self._ordinary = {word for text in texts for word in re.findall(r"\b[a-z]{2,}\b", text)}
        self._candidates = [word for word in self.word_counts if len(word) >= 4 and not word.isdigit()]
        # Upper-case acronyms always match; lower-case ones ("sarc?") only where that is not an ordinary word.
        self._acronym = acronym_pattern(self.glossary, any_case=True)

    def expand_acronyms(self, text: str) -> dict[str, str]:
        """Each acronym in the text, mapped to its spelled-out form."""
        found: dict[str, str] = {}
        for match in self._acronym.finditer(text):
            written = match.group(1)
            acronym = written.upper()
            if written != acronym and (len(acronym) < 3 or acronym.lower() in self._ordinary):
                continue
            found[acronym] = self.glossary[acronym]
        return found

    def is_known_word(self, word: str) -> bool:
        """Ordinary English, a word of the guidance, or one of its acronyms."""
        return self._english[word] >= ENGLISH_WORD_MIN_COUNT or word in self.word_counts or word.upper() in self.glossary

    def corrections(self, text: str) -> dict[str, str]:
        """Misspelt words mapped to the corpus word they most likely meant.

        A word is left alone if the corpus uses it, or if it is ordinary English the corpus happens not to
        use ("according", "arrest"): correcting those would put words in an officer's mouth.
        """
        fixed: dict[str, str] = {}
        for word in words(text):
            if len(word) < 5 or word in self.word_counts or word in STOPWORDS or not word.isalpha():
                continue
            if word.upper() in self.glossary or self._english[word] >= ENGLISH_WORD_MIN_COUNT:
                continue
            max_edits = 1 if len(word) < 9 else 2
            matches = process.extract(
                word, self._candidates, scorer=DamerauLevenshtein.distance, score_cutoff=max_edits, limit=5
            )
            if matches:
                best = min(matches, key=lambda m: (m[1], -self.word_counts[m[0]]))
                fixed[word] = best[0]
        return fixed
