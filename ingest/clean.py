"""Stage 2: turn raw extracted text into clean paragraphs, lists and headings.

Cleaning removes what extraction added (link stubs, bullet glyphs, footnote markers, page numbers,
running headers, hard line wraps, end-of-line hyphenation) and never rewords the guidance itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from ingest.documents import Block, LoadedDocument

LINK_STUB = re.compile(r"\[([^\]]+)\]\([^)\s]*\)")  # "[slide deck](#)" -> "slide deck"
MARKDOWN_ESCAPE = re.compile(r"\\([()\[\]*_#])")  # "\(HWB\)" -> "(HWB)"
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
BULLET = re.compile(r"^\s*(?:[¢•·▪●◦‣*]|-|\.)\s+")  # "¢ Planned care", ". Improve", "* Mental health"
NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+\S")
MARKDOWN_HEADING = re.compile(r"^\s*(#{1,6})\s+(.+?)\s*#*\s*$")
# A footnote marker left by OCR right after the end of a sentence: "development.™", "restructures.?"
FOOTNOTE_MARKER = re.compile(r"(?<=[.!?;:,)”’\"'])(?:[™®*]|\?(?!\?))(?=\s|$)|(?<=[a-z])[™®](?=\s|$)")
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?\s*$", re.IGNORECASE)
LONE_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s*$")
FOOTNOTE_URL = re.compile(r"^\s*\S{0,3}\s*https?://\S+\s*$")
# A bibliographic footnote: a marker, then "Edge et al." or "Lozito and Horsley, 2020".
FOOTNOTE_CITATION = re.compile(r"^\s*[0-9%'\"]{1,2}\s+[A-Z][a-z]+(?:\s+et al\.|\s+and\s+[A-Z][a-z]+,\s+(?:19|20)\d\d)")
MAX_TITLE_CHARS = 130
DEFINITION = re.compile(r"^[A-Z][\w&’'-]*(?: [\w&’'-]+){0,4}: \S")  # "Provider collaboratives: these are ..."
NUMBERED_LABEL = re.compile(r"^([A-Z][a-z]+)\s+(?:\d{1,2}|[A-Z])\b")  # "Domain 1 – ...", "Stage B: ..."
TERMINAL = tuple(".!?:;”\"’)")
WORD = re.compile(r"[A-Za-z]+")


def clean_document(doc: LoadedDocument) -> list[Block]:
    """The document's blocks in reading order, each with the page it starts on."""
    pages = [page.text.replace("\r\n", "\n").replace("\r", "\n").split("\n") for page in doc.pages]
    if doc.format == "pdf":
        pages = drop_repeated_margins(pages)
    vocabulary = Counter(word.lower() for lines in pages for line in lines for word in WORD.findall(line))
    lines: list[tuple[str, int | None]] = []
    for page, page_lines in zip(doc.pages, pages):
        lines.extend((line, page.number) for line in drop_junk_lines(page_lines))
        lines.append(("", page.number))
    blocks = merge_broken_blocks(assemble_blocks(lines, vocabulary))
    return definitions_as_lists(label_runs_as_lists(blocks))


def fix_line(line: str) -> str:
    line = line.replace("\u00a0", " ").replace("\t", " ").rstrip()
    line = LINK_STUB.sub(r"\1", line)
    line = MARKDOWN_ESCAPE.sub(r"\1", line)
    line = BOLD.sub(lambda m: m.group(1) or m.group(2), line)
    line = BULLET.sub("- ", line)
    line = FOOTNOTE_MARKER.sub("", line)
    return re.sub(r" {2,}", " ", line)


def drop_junk_lines(lines: list[str]) -> list[str]:
    """Bare page numbers, a list number alone on its line, and footnotes (a URL or a citation)."""
    kept: list[str] = []
    after_url = False
    for line in lines:
        if FOOTNOTE_URL.match(line):
            after_url = True
            continue
        # A long URL wraps onto a line of its own with no spaces: part of the footnote just dropped.
        if after_url and line.strip() and " " not in line.strip():
            continue
        after_url = False
        if PAGE_NUMBER.match(line) or LONE_LIST_NUMBER.match(line) or FOOTNOTE_CITATION.match(line):
            continue
        kept.append(fix_line(line))
    return kept


def drop_repeated_margins(pages: list[list[str]], share: float = 0.6) -> list[list[str]]:
    """Remove running headers and footers: the first/last lines that recur on most pages of a PDF."""
    if len(pages) < 3:
        return pages

    def shape(line: str) -> str:
        # "Page 3" and "Page 4" are one footer; "1. Liaison and Diversion" is not a header of every page.
        text = line.strip().lower()
        return re.sub(r"\d+", "#", text) if len(text.split()) <= 3 else text

    margins: Counter[str] = Counter()
    for lines in pages:
        content = [line for line in lines if line.strip()]
        margins.update({shape(line) for line in content[:2] + content[-2:]})
    repeated = {key for key, count in margins.items() if count >= share * len(pages)}
    return [[line for line in lines if shape(line) not in repeated] for lines in pages]


def assemble_blocks(lines: list[tuple[str, int | None]], vocabulary: Counter[str]) -> list[Block]:
    """Join hard-wrapped lines into paragraphs; keep list items one to a line."""
    blocks: list[Block] = []
    parts: list[str] = []
    kind, page = "paragraph", None

    def close() -> None:
        nonlocal parts
        if parts:
            blocks.append(Block("\n".join(parts), page, kind))
        parts = []

    for line, line_page in lines:
        text = line.strip()
        if not text:
            close()
            continue
        heading = MARKDOWN_HEADING.match(text)
        if heading:
            close()
            blocks.append(Block(heading.group(2), line_page, "heading", len(heading.group(1))))
            continue
        is_item = text.startswith("- ") or bool(NUMBERED.match(text))
        if is_item and (not parts or kind == "list"):
            if not parts:
                kind, page = "list", line_page
            parts.append(text)
        elif is_item:
            close()
            kind, page = "list", line_page
            parts.append(text)
        elif parts and _is_short_numbered_line(parts[-1]) and text[:1].isupper():
            # PDF text has no blank line after a heading: "3. The role of ICBs" then "Each ICB ...".
            close()
            kind, page = "paragraph", line_page
            parts.append(text)
        elif parts:
            parts[-1] = join_wrapped(parts[-1], text, vocabulary)
        else:
            kind, page = "paragraph", line_page
            parts.append(text)
    close()
    return blocks


def join_wrapped(left: str, right: str, vocabulary: Counter[str]) -> str:
    """Undo a hard line wrap; undo end-of-line hyphenation only where the joined word is a real one."""
    hyphenated = re.search(r"([A-Za-z]+)-$", left)
    if hyphenated and right[:1].islower():
        first = hyphenated.group(1)
        second = WORD.match(right)
        joined = (first + second.group(0)).lower() if second else ""
        if joined in vocabulary:
            return left[:-1] + right
        return left + right  # a compound such as "place-based": keep the hyphen
    return f"{left} {right}"


def merge_broken_blocks(blocks: list[Block]) -> list[Block]:
    """Rejoin a paragraph split by a stray blank line, and bullet lists split item by item."""
    merged: list[Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if previous and previous.kind == block.kind == "paragraph" and _continues(previous.text, block.text):
            merged[-1] = Block(f"{previous.text} {block.text}", previous.page, "paragraph")
        elif previous and previous.kind == block.kind == "list" and _is_bullet_list(previous) and _is_bullet_list(block):
            merged[-1] = Block(f"{previous.text}\n{block.text}", previous.page, "list")
        elif previous and previous.kind == "list" and _last_item_unfinished(previous) and looks_like_title(block):
            # "- ... Delivered by Avon and Wiltshire" / "Partnership service is called ...": one item, wrapped.
            merged[-1] = Block(f"{previous.text} {block.text}", previous.page, "list")
        else:
            merged.append(block)
    return merged


def looks_like_title(block: Block) -> bool:
    """One short line with no sentence ending: a heading, a link label, or a list item without a bullet."""
    text = block.text
    if block.kind != "paragraph" or "\n" in text or len(text) > MAX_TITLE_CHARS:
        return False
    if not (text[:1].isupper() or text[:1].isdigit()):
        return False
    if text.endswith("?"):
        return len(text) <= 60
    return not text.endswith((".", ",", ";", ":", "!", "”", '"'))


def label_runs_as_lists(blocks: list[Block]) -> list[Block]:
    """Short numbered lines in a run ("Domain 1 – ...", "Domain 2 – ...") are the items of a list that lost its
    bullets, not a run of headings."""
    return _runs_as_lists(blocks, _numbered_label_run, shortest_run=3)


def definitions_as_lists(blocks: list[Block]) -> list[Block]:
    """Paragraphs that each define a term ("Integrated Care Board: individuals responsible for ...") right after
    a lead-in ("The main components of an ICS are:") are the items of a list that lost its bullets."""
    return _runs_as_lists(blocks, _definitions_after_a_lead_in, shortest_run=2)


def is_lead_in(block: Block) -> bool:
    """A paragraph that introduces what follows it ("... are:")."""
    return block.kind == "paragraph" and block.text.endswith(":")


def _runs_as_lists(
    blocks: list[Block], run_at: Callable[[list[Block], int], list[Block]], shortest_run: int
) -> list[Block]:
    """The blocks with each run that ``run_at`` finds (of at least ``shortest_run`` blocks) made one list."""
    grouped: list[Block] = []
    index = 0
    while index < len(blocks):
        run = run_at(blocks, index)
        if len(run) >= shortest_run:
            grouped.append(Block("\n".join(f"- {block.text}" for block in run), run[0].page, "list"))
            index += len(run)
        else:
            grouped.append(blocks[index])
            index += 1
    return grouped


def _definitions_after_a_lead_in(blocks: list[Block], start: int) -> list[Block]:
    if start == 0 or not is_lead_in(blocks[start - 1]):
        return []
    run: list[Block] = []
    for block in blocks[start:]:
        if not (block.kind == "paragraph" and DEFINITION.match(block.text)):
            break
        run.append(block)
    return run


def _numbered_label_run(blocks: list[Block], start: int) -> list[Block]:
    """The labels from ``start`` on that share a first word followed by a number."""
    first = NUMBERED_LABEL.match(blocks[start].text)
    run: list[Block] = []
    for block in blocks[start:]:
        label = NUMBERED_LABEL.match(block.text)
        if not (first and label and looks_like_title(block) and label.group(1) == first.group(1)):
            break
        run.append(block)
    return run


def _is_short_numbered_line(text: str) -> bool:
    return bool(NUMBERED.match(text)) and len(text) <= 80 and not text.endswith(TERMINAL)


def _continues(left: str, right: str) -> bool:
    return not left.endswith(TERMINAL) and right[:1].islower()


def _last_item_unfinished(block: Block) -> bool:
    """The list's other items end with a full stop and its last does not."""
    *others, last = block.text.split("\n")
    return bool(others) and all(item.endswith(TERMINAL) for item in others) and not last.endswith(TERMINAL)


def _is_bullet_list(block: Block) -> bool:
    return block.text.startswith("- ")
