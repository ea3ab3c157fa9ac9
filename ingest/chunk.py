"""Stage 3: find the sections of a document and cut each into chunks that never cross a section."""

from __future__ import annotations

import re

from dataclasses import replace

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.question.acronyms import acronyms_written
from assistant.text import is_list_item, sentences
from ingest.clean import MAX_TITLE_CHARS, is_lead_in, looks_like_title
from ingest.documents import Block, Chunk, LoadedDocument, Section

NUMBERED_HEADING = re.compile(r"^\d{1,2}\.\s+[A-Z]")
# Split long sections at paragraphs, then list items, then sentence ends: a chunk never ends mid-sentence
# unless one sentence is longer than a chunk (then at words, and a word longer than a chunk by characters).
SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+(?=[A-Z0-9“‘\"'(])", r"(?<=[;:])\s+", " ", ""]


def find_sections(blocks: list[Block]) -> list[Section]:
    """Group blocks under the heading path they sit beneath."""
    numbered = any(_is_numbered_heading(block) for block in blocks)
    sections: list[Section] = [Section(headings=())]
    path: list[tuple[int, str]] = []
    for index, block in enumerate(blocks):
        level = _heading_level(block, blocks[index + 1] if index + 1 < len(blocks) else None, numbered)
        if level:
            path = [(lvl, text) for lvl, text in path if lvl < level] + [(level, block.text.replace("\n", " "))]
            sections.append(Section(headings=tuple(text for _, text in path)))
        else:
            sections[-1].blocks.append(block)
    return [section for section in sections if section.blocks]


def _heading_level(block: Block, following: Block | None, numbered: bool) -> int:
    if block.kind == "heading":
        return block.level
    if _is_numbered_heading(block):
        return 1
    if looks_like_title(block) and following is not None and not looks_like_title(following):
        # A short line is a heading only when body text follows it: a run of short lines
        # ("Domain 1 – ...", "Domain 2 – ...") is a list, not five empty sections.
        return 2 if numbered else 1
    return 0


def _is_numbered_heading(block: Block) -> bool:
    return (
        block.kind == "list"
        and "\n" not in block.text
        and bool(NUMBERED_HEADING.match(block.text))
        and len(block.text) <= MAX_TITLE_CHARS
        and not block.text.endswith((".", ",", ";", ":"))
    )


def join_lead_in_sections(sections: list[Section]) -> list[Section]:
    """A section that says only "... whose core vision and mission is as follows:" answers nothing on its own:
    it opens the section after it, which becomes its sub-section ("... (CRG) > Vision")."""
    joined: list[Section] = []
    for section in sections:
        before = joined[-1] if joined else None
        if before and _is_only_a_lead_in(before):
            headings = section.headings
            if headings[: len(before.headings)] != before.headings:
                headings = before.headings + headings[-1:]
            joined[-1] = Section(headings=headings, blocks=before.blocks + section.blocks)
        else:
            joined.append(section)
    return joined


def _is_only_a_lead_in(section: Section) -> bool:
    return len(section.blocks) == 1 and is_lead_in(section.blocks[0])


def heading_context(title: str, headings: tuple[str, ...], style: str) -> str:
    """The heading path embedded with each chunk: "section" (headings only), "title_section" or "none"."""
    if style == "none":
        return ""
    parts = ([title] if style == "title_section" else []) + list(headings)
    return " > ".join(part for part in parts if part)


def chunk_document(
    doc: LoadedDocument,
    blocks: list[Block],
    chunk_size: int,
    chunk_overlap: int,
    min_chars: int,
    context_style: str = "section",
) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator=True,
        add_start_index=True,
    )
    chunks: list[Chunk] = []
    for section in join_lead_in_sections(find_sections(blocks)):
        content = without_labels(section.blocks, doc.info.title)
        if not content:
            continue
        text, starts = _join_blocks(content)
        for piece in splitter.create_documents([text]):
            if _is_fragment(piece.page_content, min_chars):
                continue
            start = piece.metadata["start_index"]
            page = next(block.page for offset, block in reversed(starts) if offset <= max(start, 0))
            chunks.append(
                Chunk(
                    source=doc.source,
                    title=doc.info.title,
                    section=" > ".join(section.headings),
                    text=piece.page_content,
                    position=len(chunks),
                    page=page,
                    publisher=doc.info.publisher,
                    date=doc.info.date,
                    kind=doc.info.kind,
                    context=heading_context(doc.info.title, section.headings, context_style),
                )
            )
    return find_lead_ins(chunks)


def note_acronyms(chunks: list[Chunk], glossary: dict[str, str]) -> list[Chunk]:
    """Record what each acronym a chunk writes stands for: searched and embedded with it."""
    return [replace(chunk, acronyms=acronyms_written(chunk.text, glossary)) for chunk in chunks]


def find_lead_ins(chunks: list[Chunk]) -> list[Chunk]:
    """Give each chunk the sentence that introduces it when that sentence was cut off into the chunk before:
    "Services commissioned directly by the ICB include:" for a chunk that is the rest of that list, or the
    sentence just before a list that starts the chunk ("... to fulfil the following outcomes ...")."""
    found: list[Chunk] = []
    for chunk in chunks:
        before = found[-1] if found else None
        units = sentences(before.text) if before else []
        if units and units[-1].endswith(":") and before.section == chunk.section:
            lead_in = units[-1]
        elif before and before.section == chunk.section and is_list_item(chunk.text.lstrip()):
            lead_in = _lead_in_at_end(units) or before.lead_in or (units[-1] if units else "")
        else:
            lead_in = ""
        found.append(replace(chunk, lead_in=lead_in))
    return found


def _lead_in_at_end(units: list[str]) -> str:
    """The sentence introducing the list the units end in ('' if they do not end in a list)."""
    if not units or not is_list_item(units[-1]):
        return ""
    return next((unit for unit in reversed(units) if not is_list_item(unit)), "")


def without_labels(blocks: list[Block], title: str) -> list[Block]:
    """The section's blocks without the document's own title (a cover page; the title is searchable anyway) and
    without a label line ending the section after its body: a link ("Liaison and Diversion programme details")
    or a heading that lost its text. A label ending a run of labels is kept (it may be a list's last item)."""
    kept = [block for block in blocks if block.text.strip().lower() != title.strip().lower()]
    if len(kept) >= 2 and looks_like_title(kept[-1]) and not looks_like_title(kept[-2]):
        kept = kept[:-1]
    return kept


def _is_fragment(text: str, min_chars: int) -> bool:
    """A stray title or link label with nothing to say ("Children and young people's secure settings resources")."""
    return len(text) < min_chars and not text.endswith((".", "!", "?"))


def _join_blocks(blocks: list[Block]) -> tuple[str, list[tuple[int, Block]]]:
    """The section's text, and where each block starts in it (to give every chunk its page)."""
    parts, starts, offset = [], [], 0
    for block in blocks:
        starts.append((offset, block))
        parts.append(block.text)
        offset += len(block.text) + 2
    return "\n\n".join(parts), starts
