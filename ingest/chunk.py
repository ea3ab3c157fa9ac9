"""Stage 3: find the sections of a document and cut each into chunks that never cross a section."""

from __future__ import annotations

import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.documents import Block, Chunk, LoadedDocument, Section

NUMBERED_HEADING = re.compile(r"^\d{1,2}\.\s+[A-Z]")
MAX_HEADING_CHARS = 130
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
    if _looks_like_title(block) and following is not None and not _looks_like_title(following):
        # A short line is a heading only when body text follows it: a run of short lines
        # ("Domain 1 – ...", "Domain 2 – ...") is a list, not five empty sections.
        return 2 if numbered else 1
    return 0


def _is_numbered_heading(block: Block) -> bool:
    return (
        block.kind == "list"
        and "\n" not in block.text
        and bool(NUMBERED_HEADING.match(block.text))
        and len(block.text) <= MAX_HEADING_CHARS
        and not block.text.endswith((".", ",", ";", ":"))
    )


def _looks_like_title(block: Block) -> bool:
    text = block.text
    if block.kind != "paragraph" or "\n" in text or len(text) > MAX_HEADING_CHARS:
        return False
    if not (text[:1].isupper() or text[:1].isdigit()):
        return False
    if text.endswith("?"):
        return len(text) <= 60
    return not text.endswith((".", ",", ";", ":", "!", "”", '"'))


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
    for section in find_sections(blocks):
        text, starts = _join_blocks(section.blocks)
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
                    context=heading_context(doc.info.title, section.headings, context_style),
                )
            )
    return chunks


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
