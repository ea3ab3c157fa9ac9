"""Stage 8: number the passages an answer quotes, and write the answer with a [n] after every statement."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer.compose import Statement
from assistant.records import CheckedSentence, Citation, Passage
from assistant.text import sentences


class _Numbering:
    """Numbers passages in the order the answer first cites them; keeps what each is quoted for."""

    def __init__(self):
        self.numbers: dict[str, int] = {}
        self.quotes: dict[str, list[str]] = {}
        self.passages: dict[str, Passage] = {}

    def cite(self, passage: Passage, quoted: Sequence[str]) -> int:
        """The passage's number; each quoted sentence is kept verbatim so it can be highlighted in it."""
        if passage.chunk_id not in self.numbers:
            self.numbers[passage.chunk_id] = len(self.numbers) + 1
            self.passages[passage.chunk_id] = passage
        self.quotes.setdefault(passage.chunk_id, []).extend(q for q in quoted if q not in self.quotes[passage.chunk_id])
        return self.numbers[passage.chunk_id]

    def citations(self) -> list[Citation]:
        return [
            Citation(
                n=self.numbers[cid],
                source=p.source,
                title=p.title,
                section=p.section,
                page=p.page,
                text=p.text,
                chunk_id=cid,
                quotes=self.quotes[cid],
            )
            for cid, p in self.passages.items()
        ]


def attach_citations(statements: list[Statement]) -> tuple[str, list[Citation]]:
    """The extractive answer: each quoted statement followed by the [n] of its passage."""
    numbering = _Numbering()
    parts: list[str] = []
    for statement in statements:
        quoted = [sentence for quote in statement.quotes for sentence in sentences(quote)]
        line = f"{statement.text} [{numbering.cite(statement.passage, quoted)}]"
        for passage, items in _items_by_passage(statement):
            line = f"{line}\n" + "\n".join(items) + f" [{numbering.cite(passage, items)}]"
        parts.append(line)
    return _join(parts), numbering.citations()


def cite_verified(checked: list[CheckedSentence], given: Sequence[Passage]) -> tuple[str, list[Citation]]:
    """A generated answer from its verified sentences only, renumbered to the passages it still cites."""
    numbering = _Numbering()
    parts = []
    for sentence in (s for s in checked if s.kept):
        marks = "".join(
            f"[{numbering.cite(given[n - 1], [quote])}]" for n, quote in zip(sentence.cited, sentence.quotes)
        )
        parts.append(f"{sentence.text} {marks}")
    return " ".join(parts), numbering.citations()


def _items_by_passage(statement: Statement) -> list[tuple[Passage, list[str]]]:
    """Consecutive list items quoted from the same passage, so each run is cited to where it stands."""
    runs: list[tuple[Passage, list[str]]] = []
    for item, passage in zip(statement.items, statement.item_passages):
        if runs and runs[-1][0].chunk_id == passage.chunk_id:
            runs[-1][1].append(item)
        else:
            runs.append((passage, [item]))
    return runs


def _join(parts: list[str]) -> str:
    """Sentences run on as a paragraph; a statement with a list stands on its own lines."""
    text = ""
    for part in parts:
        separator = "\n\n" if text and ("\n" in part or "\n" in text.split("\n\n")[-1]) else " "
        text = f"{text}{separator}{part}" if text else part
    return text
