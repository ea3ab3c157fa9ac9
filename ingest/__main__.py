"""``python -m ingest [--corpus DIR] [--rebuild]``: load, clean, chunk and index the corpus."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

from assistant.question.acronyms import defined_acronyms, load_glossary
from assistant.search.index_store import open_client
from assistant.settings import Settings, get_settings
from ingest.chunk import chunk_document, note_acronyms
from ingest.clean import clean_document
from ingest.documents import Block, Chunk, LoadedDocument, Skipped
from ingest.index import IngestReport, sync_index
from ingest.load import Limits, load_corpus

EXIT_SKIPPED = 3  # the index was updated, but some files were skipped


def build_chunks(corpus_dir: Path, settings: Settings) -> tuple[list[Chunk], list[Skipped], int]:
    """Every chunk of every readable file, the files skipped with their reasons, and how many files were read."""
    chunks: list[Chunk] = []
    skipped: list[Skipped] = []
    files = 0
    glossary = load_glossary()
    for item in load_corpus(corpus_dir, Limits.of(settings)):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        document: LoadedDocument = item
        try:
            pieces = document_chunks(document, clean_document(document), settings, glossary)
        except Exception as exc:  # one odd file must never stop the rest of the corpus
            skipped.append(Skipped(document.source, f"could not be split into passages ({type(exc).__name__}: {exc})"))
            continue
        reason = _not_indexable(len(pieces), settings.max_chunks_per_file)
        if reason:
            skipped.append(Skipped(document.source, reason))
            continue
        files += 1
        chunks.extend(pieces)
    return chunks, skipped, files


def _not_indexable(passages: int, limit: int) -> str:
    """Why a file that was read cannot be indexed ('' when it can)."""
    if not passages:
        return "no passage of text long enough to index"
    if passages > limit:
        return f"would give {passages:,} passages, over the limit of {limit:,} per file"
    return ""


def document_chunks(document: LoadedDocument, blocks: list[Block], settings: Settings, glossary: dict[str, str]) -> list[Chunk]:
    """The passages of one cleaned document, as they are indexed (the Review page shows them too)."""
    pieces = chunk_document(
        document, blocks, settings.chunk_size, settings.chunk_overlap, settings.min_chunk_chars, settings.embedded_context
    )
    # A document brings the acronyms it defines ("... Reference Group (CRG)"); the curated glossary wins.
    return note_acronyms(pieces, defined_acronyms(block.text for block in blocks) | glossary)


def ingest(
    settings: Settings,
    corpus_dir: Path | None = None,
    rebuild: bool = False,
    show_progress: bool = True,
    progress: Callable[[Iterable, int], Iterable] | None = None,
) -> IngestReport:
    """Bring the index up to date; ``progress`` wraps the embedding batches (a page's progress bar), else tqdm."""
    started = time.perf_counter()
    chunks, skipped, files = build_chunks(corpus_dir or settings.corpus_dir, settings)

    def embedder():
        from assistant.search.embeddings import load_embeddings

        return load_embeddings(settings).embed_documents

    def console_progress(items, total):
        return tqdm(items, total=total, desc="Embedding", unit="batch", disable=not show_progress)

    report = sync_index(
        chunks, skipped, settings, open_client(settings), embedder, rebuild=rebuild, progress=progress or console_progress
    )
    report.files = files
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def describe(report: IngestReport) -> str:
    lines = [
        f"Indexed {report.files} files into {report.chunks} chunks ({report.collection}) in {report.seconds} s",
        f"  chunks added {report.added}, updated {report.updated}, deleted {report.deleted}, "
        f"unchanged {report.unchanged}; embedded {report.embedded}" + ("; full rebuild" if report.rebuilt else ""),
    ]
    if report.resumed:
        lines.append(f"  finished the build an interrupted run left: {report.resumed} chunks were already in it")
    if report.kept_from_skipped:
        lines.append(f"  kept {report.kept_from_skipped} chunks indexed earlier from files skipped this time")
    for item in report.skipped:
        lines.append(f"  SKIPPED {item.source}: {item.reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("--corpus", type=Path, help="folder of documents (default: NAVIGATOR_CORPUS_DIR or corpus/)")
    parser.add_argument("--rebuild", action="store_true", help="re-embed everything into a fresh collection")
    args = parser.parse_args(argv)
    try:
        report = ingest(get_settings(), args.corpus, args.rebuild)
    except KeyboardInterrupt:
        print("Interrupted: the previous index is still the one in use.", file=sys.stderr)
        return 130
    print(describe(report))
    return EXIT_SKIPPED if report.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
