"""Corpus text as Markdown that shows exactly what the documents say.

Guidance text can hold characters Markdown would act on (``$`` starts LaTeX in Streamlit, ``*`` emphasis,
``<`` HTML), so every piece of it is escaped; only its list markers stay, so lists still read as lists.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from itertools import groupby

LIST_MARKER = re.compile(r"\s*(?:[-*•]|\d{1,2}[.)])\s+")
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]#|~$])")
LEADING_NUMBER = re.compile(r"^(\d+)([.)])")
CITATION_MARKERS = re.compile(r"(?:\\\[\d+\\\]\s*)+")  # "\[1\] " once escaped


def to_markdown(text: str, highlight: Sequence[str] = ()) -> str:
    """``text`` as safe Markdown, line by line, with each sentence of ``highlight`` found in it in ``<mark>``.

    Render the result with ``unsafe_allow_html=True`` when ``highlight`` is given, for the ``<mark>`` tags;
    the text itself is HTML-escaped either way.
    """
    marked = _marked_characters(text, highlight)
    lines = []
    offset = 0
    for line in text.split("\n"):
        marker = LIST_MARKER.match(line)
        prefix = _list_prefix(marker.group(0)) if marker else ""
        # Leading spaces would make Markdown read the line as code.
        body_start = offset + (marker.end() if marker else len(line) - len(line.lstrip()))
        body = _inline(text[body_start : offset + len(line)], marked[body_start : offset + len(line)])
        lines.append(prefix + (body if marker else _plain_line_start(body)))
        offset += len(line) + 1
    return "\n".join(lines)


def statements(markdown: str) -> Iterator[str]:
    """The pieces of an answer's Markdown, each ending after its citation markers ("... [2]").

    Every statement of an answer ends with a marker, so this splits it where a reader would pause.
    """
    start = 0
    for match in CITATION_MARKERS.finditer(markdown):
        yield markdown[start : match.end()]
        start = match.end()
    if start < len(markdown):
        yield markdown[start:]


def _list_prefix(marker: str) -> str:
    """The Markdown for a list marker of the corpus: numbers stay, any bullet ("•") becomes "- "."""
    marker = marker.strip()
    return f"{marker} " if marker[0].isdigit() else "- "


def _plain_line_start(line: str) -> str:
    """The line with what would make it a list item ("- ", "2014. "), a rule or a heading underline made plain."""
    if line.startswith(("-", "+", "=")):
        return "\\" + line
    return LEADING_NUMBER.sub(r"\1\\\2", line)


def _inline(text: str, marked: list[bool]) -> str:
    """Escaped text, with its marked runs of characters in ``<mark>``."""
    pieces = []
    position = 0
    for is_marked, run in groupby(marked):
        length = len(list(run))
        escaped = MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text[position : position + length], quote=False))
        pieces.append(f"<mark>{escaped}</mark>" if is_marked and escaped.strip() else escaped)
        position += length
    return "".join(pieces)


def _marked_characters(text: str, sentences: Sequence[str]) -> list[bool]:
    """Which characters of ``text`` belong to one of ``sentences``, matched line by line.

    A quote of several list items spans lines; matching each line on its own also finds it where the
    passage puts the items in another order or between other lines.
    """
    marked = [False] * len(text)
    for sentence in sentences:
        for line in sentence.split("\n"):
            wanted = line.strip()
            if not wanted:
                continue
            start = text.find(wanted)
            while start != -1:
                marked[start : start + len(wanted)] = [True] * len(wanted)
                start = text.find(wanted, start + len(wanted))
    return marked
