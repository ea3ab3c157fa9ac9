"""The records passed between ingest stages: load -> clean -> chunk -> index."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from assistant.question.acronyms import spelled_out
from assistant.text import sentences


@dataclass(frozen=True)
class SourceInfo:
    """What ``corpus/sources.json`` says about a file (or what we can infer when it says nothing)."""

    title: str
    publisher: str = ""
    date: str = ""
    kind: str = ""
    author: str = ""


@dataclass(frozen=True)
class Page:
    """Raw text of one page (PDF) or of a whole file (every other format: ``number`` is None)."""

    text: str
    number: int | None = None


@dataclass(frozen=True)
class LoadedDocument:
    source: str  # path relative to the corpus folder, with forward slashes
    format: str  # "txt", "md", "pdf", "html", "docx"
    info: SourceInfo
    pages: list[Page]


@dataclass(frozen=True)
class Skipped:
    """A file that could not be ingested, and why (shown to whoever runs the ingest)."""

    source: str
    reason: str


@dataclass(frozen=True)
class Block:
    """A paragraph, a list, or a heading, after cleaning."""

    text: str
    page: int | None
    kind: str = "paragraph"  # "paragraph" | "list" | "heading"
    level: int = 0  # heading level: 1 for "3. The role of ...", 2 for a sub-heading


@dataclass(frozen=True)
class Section:
    headings: tuple[str, ...]
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    source: str
    title: str
    section: str  # heading path, "3. The role of Integrated Care Boards > Services"
    text: str
    position: int  # order of the chunk within its document, for neighbour look-ups
    page: int | None = None
    publisher: str = ""
    date: str = ""
    kind: str = ""  # what sort of document (sources.json: guide, blog, briefing ...): how officers name it
    context: str = ""  # heading path put in front of the text for embedding (see chunk.heading_context)
    lead_in: str = ""  # the sentence introducing a list or section this chunk continues (see chunk.find_lead_ins)
    acronyms: dict[str, str] = field(default_factory=dict, hash=False)  # the glossary acronyms it writes, spelled out

    @property
    def embedded_text(self) -> str:
        """What the embedding model sees: the heading path gives a short chunk its topic, the lead-in
        says what a list that starts the chunk is a list of, the glossary what its acronyms stand for."""
        return "\n".join(part for part in (self.context, self.lead_in, self.text, self.acronyms_note) if part)

    @property
    def acronyms_note(self) -> str:
        return "; ".join(f"{acronym}: {expansion}" for acronym, expansion in self.acronyms.items())

    def embedded_sentences(self) -> list[str]:
        """Each of ``sentences(text)`` as the embedding model sees it: with its acronyms spelled out."""
        return [spelled_out(sentence, self.acronyms) for sentence in sentences(self.text)]

    @property
    def id(self) -> str:
        """Stable across runs: the same source and content always give the same id."""
        digest = hashlib.sha256(f"{self.source}\n{self.embedded_text}".encode()).hexdigest()
        return digest[:32]

    def metadata(self) -> dict[str, str | int]:
        meta: dict[str, str | int] = {
            "chunk_id": self.id,
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "position": self.position,
            "publisher": self.publisher,
            "date": self.date,
            "kind": self.kind,
            "lead_in": self.lead_in,
            "acronyms": self.acronyms_note,
        }
        if self.page is not None:
            meta["page"] = self.page
        return meta
