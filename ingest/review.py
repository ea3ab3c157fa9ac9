"""What a maintainer sees of a pending document before publishing it: the document as the ingest reads it
(sections, passages, what cleaning removed), flags on what should not reach officers, and its impact (the
evaluation questions whose answer it would change, before and after).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.question.instructions import reads_as_instruction
from assistant.question.privacy import find_personal_data
from assistant.settings import Settings
from assistant.text import sentences
from assistant.question.acronyms import load_glossary
from ingest.__main__ import document_chunks
from ingest.clean import clean_document, drop_junk_lines, drop_repeated_margins, fix_line
from ingest.documents import Chunk, LoadedDocument
from ingest.library_changes import PendingDocument, candidate_settings
from ingest.load import Limits, load_file

LINK = re.compile(r"\bhttps?://[^\s<>()\]]+|\bwww\.[^\s<>()\]]+", re.I)
INSTRUCTION = "addressed to an assistant, or giving it instructions"
PERSONAL_DATA = "personal data"
LINK_FLAG = "link"


@dataclass(frozen=True)
class Flag:
    kind: str  # INSTRUCTION, PERSONAL_DATA or LINK
    text: str  # the sentence (or the link) flagged
    detail: str = ""  # for personal data: the kinds found


@dataclass(frozen=True)
class DocumentReview:
    source: str
    sections: list[tuple[str, int]]  # each heading path with how many passages it gave
    chunks: list[Chunk]
    removed: list[str]  # lines cleaning dropped (page numbers, running headers, footnote URLs ...)
    flags: list[Flag]

    @property
    def instruction_flags(self) -> list[Flag]:
        return [flag for flag in self.flags if flag.kind == INSTRUCTION]


def review_document(settings: Settings, document: PendingDocument) -> DocumentReview:
    """The pending document read exactly as the ingest reads it; raises UnreadableFile when it cannot be."""
    loaded = load_file(document.path, document.source, None, Limits.of(settings))
    blocks = clean_document(loaded)
    chunks = document_chunks(loaded, blocks, settings, load_glossary())
    sections = list(Counter(chunk.section for chunk in chunks).items())
    flags = [flag for block in blocks for sentence in sentences(block.text) for flag in sentence_flags(sentence)]
    links = dict.fromkeys(link.rstrip(".,;:") for page in loaded.pages for link in LINK.findall(page.text))
    flags += [Flag(LINK_FLAG, link) for link in links]
    return DocumentReview(document.source, sections, chunks, removed_by_cleaning(loaded), flags)


def sentence_flags(sentence: str) -> list[Flag]:
    """What a maintainer must look at in one sentence: an instruction to an assistant, or personal data."""
    flags = []
    if reads_as_instruction(sentence):
        flags.append(Flag(INSTRUCTION, sentence))
    kinds = sorted({finding.kind for finding in find_personal_data(sentence)})
    if kinds:
        flags.append(Flag(PERSONAL_DATA, sentence, ", ".join(kinds)))
    return flags


def removed_by_cleaning(document: LoadedDocument) -> list[str]:
    """The lines of the raw text that cleaning dropped (running headers and footers, page numbers, footnotes)."""
    pages = [page.text.replace("\r\n", "\n").replace("\r", "\n").split("\n") for page in document.pages]
    without_margins = drop_repeated_margins(pages) if document.format == "pdf" else pages
    removed = []
    for raw, kept in zip(pages, without_margins):
        survivors = Counter(drop_junk_lines(kept))
        for line in raw:
            fixed = fix_line(line)
            if survivors[fixed] > 0:
                survivors[fixed] -= 1
            elif line.strip():
                removed.append(line.strip())
    return removed
