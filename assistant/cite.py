"""Stage 7: number the passages an answer quotes, and write the answer with a [n] after every statement."""

from __future__ import annotations

from assistant.compose import Statement
from assistant.records import Citation, Passage
from assistant.text import sentences


def attach_citations(statements: list[Statement]) -> tuple[str, list[Citation]]:
    numbers: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    passages: dict[str, Passage] = {}

    def cite(passage: Passage, quoted: list[str]) -> str:
        """The [n] for the passage; each quoted sentence is kept verbatim so it can be highlighted in it."""
        if passage.chunk_id not in numbers:
            numbers[passage.chunk_id] = len(numbers) + 1
            passages[passage.chunk_id] = passage
        quotes.setdefault(passage.chunk_id, []).extend(quoted)
        return f"[{numbers[passage.chunk_id]}]"

    parts: list[str] = []
    for statement in statements:
        line = f"{statement.text} {cite(statement.passage, sentences(statement.text))}"
        for passage, items in _items_by_passage(statement):
            line = f"{line}\n" + "\n".join(items) + f" {cite(passage, items)}"
        parts.append(line)
    text = _join(parts)
    citations = [
        Citation(
            n=numbers[cid],
            source=p.source,
            title=p.title,
            section=p.section,
            page=p.page,
            text=p.text,
            chunk_id=cid,
            quotes=quotes[cid],
        )
        for cid, p in passages.items()
    ]
    return text, citations


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
