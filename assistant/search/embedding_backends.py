"""Faster runtimes for the same embedding model, trusted only once they give the same vectors as torch.

``NAVIGATOR_EMBEDDING_BACKEND``: ``torch`` (the default) runs the model through sentence-transformers;
``onnx`` runs an ONNX export of the same weights with onnxruntime; ``onnx-int8`` runs that export with its
weights quantised to int8 block by block (onnxruntime's MatMulNBits, computing in int8); ``openvino`` runs the
export with OpenVINO, whose CPU plugin computes in bfloat16 where the processor has AMX / AVX-512 BF16 (how much
faster it is depends on that: README, Performance).

sentence-transformers' own ``backend="onnx"/"openvino"`` goes through Optimum, whose releases want an older
transformers than the one installed, so the export is made here with ``torch.onnx`` from the local weights,
once, into ``<model cache>/exports/``; later processes load it without torch. The pipeline after the
transformer is the model's own: mean of the token vectors under the attention mask, scaled to unit length.

The quality gate: a new export is used only if its vectors for sentences of the corpus have a mean cosine of
at least ``embedding_min_cosine`` (0.99) to torch's float32 vectors. The verdict is stored beside the export,
so a backend that drifts is refused at once on every later load, with the figure.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.search.batching import TokenBatchedEmbeddings
from assistant.search.packaged import ModelUnavailable
from assistant.text import sentences

EXPORTED_BACKENDS = ("onnx", "onnx-int8", "openvino")
GATE_SENTENCES = 200  # spread over the corpus; enough that one odd sentence cannot move the mean much
MIN_GATE_SENTENCES = 20
ONNX_OPSET = 17
INT8_BLOCK = 128  # weights per int8 scale (64 gave a cosine of 0.9996 and ran slower; 256, 0.9988)
INT8_ACCURACY_LEVEL = 4  # MatMulNBits computes in int8 (0 would dequantise to float: as slow as float32)

# One export at a time per process: two threads asking for the same backend must not both write it.
_export_lock = threading.Lock()
Runner = Callable[[dict[str, np.ndarray]], np.ndarray]


class BackendRejected(ModelUnavailable):
    """An exported backend failed the quality gate: its vectors drift too far from torch's."""


@dataclass(frozen=True)
class ExportInfo:
    """What the runtime needs to reproduce sentence-transformers' encode: written when exporting."""

    inputs: list[str]  # the tokenizer outputs the exported graph takes, in order
    max_seq_length: int
    dimension: int


@dataclass(frozen=True)
class GateVerdict:
    backend: str
    sentences: int
    mean_cosine: float
    min_cosine: float
    threshold: float

    @property
    def passed(self) -> bool:
        return self.mean_cosine >= self.threshold


class ExportedEmbeddings(TokenBatchedEmbeddings):
    """LangChain embeddings over an exported transformer: tokenise, run, mean-pool, normalise."""

    def __init__(self, model_dir: str, info: ExportInfo, run: Runner, batch_tokens: int, backend: str):
        super().__init__(model_dir, info.dimension, batch_tokens, info.max_seq_length)
        self.info = info
        self.run = run
        self.backend = backend

    def encode(self, texts: list[str]) -> np.ndarray:
        tokens = self.tokenizer.pad(self.tokenize(texts), return_tensors="np")
        hidden = self.run({name: tokens[name].astype(np.int64) for name in self.info.inputs})
        mask = tokens["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


# ------------------------------------------------------------------------------------------- loading
def load_exported(
    backend: str,
    model_dir: str,
    cache_dir: Path,
    corpus_dir: Path,
    batch_tokens: int,
    min_cosine: float,
    reference: Callable[[], Embeddings],
) -> ExportedEmbeddings:
    """The backend's embeddings, exporting and gating it first if this machine has not yet.

    ``reference`` gives the torch embeddings; it is called only when a new export has to be checked.
    """
    folder = export_folder(cache_dir, model_dir)
    with _export_lock:
        embeddings = open_exported(backend, model_dir, cache_dir, batch_tokens)
        verdict = stored_verdict(folder, backend, min_cosine)
        if verdict is None:
            verdict = check_quality(embeddings, reference(), gate_sentences(corpus_dir), min_cosine)
            _write_json(folder / f"gate-{_variant(backend)}.json", asdict(verdict))
    if not verdict.passed:
        raise BackendRejected(
            f"embedding backend {backend!r} drifts from torch: mean cosine {verdict.mean_cosine:.4f} on "
            f"{verdict.sentences} corpus sentences, the quality gate needs {min_cosine}. Use torch or another backend."
        )
    return embeddings


def open_exported(backend: str, model_dir: str, cache_dir: Path, batch_tokens: int) -> ExportedEmbeddings:
    """The backend's embeddings, exported first if need be, without the quality gate (benchmarks time a
    rejected backend too; everything else goes through ``load_exported``)."""
    if backend not in EXPORTED_BACKENDS:
        raise ModelUnavailable(f"unknown embedding backend {backend!r}: use torch or one of {EXPORTED_BACKENDS}")
    folder = export_folder(cache_dir, model_dir)
    if not (folder / "export.json").exists():
        export_onnx(model_dir, folder)
    info = ExportInfo(**json.loads((folder / "export.json").read_text(encoding="utf-8")))
    if backend == "onnx-int8" and not (folder / _model_file(backend)).exists():
        quantize_int8(folder / "model.onnx", folder / _model_file(backend))
    return ExportedEmbeddings(model_dir, info, _runner(backend, folder), batch_tokens, backend)


def export_folder(cache_dir: Path, model_dir: str) -> Path:
    """One folder per model on disk: a model assembled from other weights lands elsewhere."""
    digest = hashlib.sha256(str(Path(model_dir).resolve()).encode()).hexdigest()[:12]
    return cache_dir / "exports" / f"{Path(model_dir).name}-{digest}"


def stored_verdict(folder: Path, backend: str, min_cosine: float) -> GateVerdict | None:
    """The gate's earlier verdict on this export, judged against today's threshold."""
    path = folder / f"gate-{_variant(backend)}.json"
    if not path.exists():
        return None
    return GateVerdict(**{**json.loads(path.read_text(encoding="utf-8")), "threshold": min_cosine})


def _runner(backend: str, folder: Path) -> Runner:
    if backend == "openvino":
        return _openvino_runner(folder / "model.onnx", folder / "openvino-cache")
    return _onnx_runner(folder / _model_file(backend))


def _variant(backend: str) -> str:
    """The backend and, for int8, how its export was quantised: an export or verdict made another way (an older
    release's) is neither reused nor trusted."""
    return f"{backend}-blocks{INT8_BLOCK}" if backend == "onnx-int8" else backend


def _model_file(backend: str) -> str:
    return f"model-{_variant(backend)}.onnx" if backend == "onnx-int8" else "model.onnx"


def _onnx_runner(path: Path) -> Runner:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return lambda inputs: session.run(None, inputs)[0]  # InferenceSession.run is thread-safe


def _openvino_runner(path: Path, compiled_cache: Path) -> Runner:
    import openvino

    core = openvino.Core()
    # Keeps the compiled graph, so later processes skip the 2-3 s compile.
    core.set_property({"CACHE_DIR": str(compiled_cache)})
    compiled = core.compile_model(str(path), "CPU")
    request = compiled.create_infer_request()
    lock = threading.Lock()  # one infer request serves every thread, one at a time

    def run(inputs: dict[str, np.ndarray]) -> np.ndarray:
        with lock:
            return request.infer(inputs)[0].copy()

    return run


# ------------------------------------------------------------------------------------------- export
def export_onnx(model_dir: str, folder: Path) -> None:
    """Trace the sentence-transformers model's transformer to ONNX; ``export.json`` is written last."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu")
    transformer = model[0].auto_model.eval()
    # Trace with padding in the batch, so the graph keeps the attention mask's effect on every token.
    sample = model.tokenizer(["a short text", "a longer text, which needs more tokens than the first"],
                             padding=True, return_tensors="pt")
    inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
    dynamic = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / ".model.onnx.partial"

    class TokenVectors(torch.nn.Module):
        """The transformer called by keyword, as the tracer cannot map its long positional signature."""

        def __init__(self):
            super().__init__()
            self.transformer = transformer  # a registered submodule: its weights export as weights

        def forward(self, *tensors):
            return self.transformer(**dict(zip(inputs, tensors))).last_hidden_state

    with torch.no_grad():
        torch.onnx.export(
            TokenVectors(), tuple(sample[name] for name in inputs), str(scratch),
            input_names=inputs, output_names=["last_hidden_state"], dynamic_axes=dynamic,
            opset_version=ONNX_OPSET, dynamo=False,  # the torch.export path needs onnxscript: not installed
        )
    os.replace(scratch, folder / "model.onnx")
    info = ExportInfo(inputs, model.max_seq_length, model.get_embedding_dimension())
    _write_json(folder / "export.json", asdict(info))


def quantize_int8(source: Path, target: Path) -> None:
    """Every weight matrix to int8 in blocks of ``INT8_BLOCK`` values, each with its own scale (onnxruntime's
    MatMulNBits); at accuracy level 4 the activations are quantised to int8 block by block as well, so the products
    run in int8. Dynamic quantisation's one scale per activation tensor cannot hold MPNet's outlying activations
    (the feed-forward outputs above all): its vectors came to a mean cosine of 0.88 (ADR 0018)."""
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    scratch = target.with_name(f".{target.name}.partial")
    quantizer = MatMulNBitsQuantizer(str(source), bits=8, block_size=INT8_BLOCK, is_symmetric=True,
                                     accuracy_level=INT8_ACCURACY_LEVEL)
    quantizer.process()
    quantizer.model.save_model_to_file(str(scratch), use_external_data_format=False)
    os.replace(scratch, target)


# ------------------------------------------------------------------------------------------- the gate
def gate_sentences(corpus_dir: Path, limit: int = GATE_SENTENCES) -> list[str]:
    """Sentences of the corpus's text files, spread evenly over it (the same ones on every run)."""
    found = [
        sentence
        for path in sorted(corpus_dir.glob("*"))
        if path.suffix.lower() in {".txt", ".md"}
        for sentence in sentences(path.read_text(encoding="utf-8", errors="replace"))
        if len(sentence.split()) >= 4
    ]
    if len(found) < MIN_GATE_SENTENCES:
        raise ModelUnavailable(
            f"the embedding quality gate needs at least {MIN_GATE_SENTENCES} sentences of .txt/.md text in "
            f"{corpus_dir}, found {len(found)}"
        )
    step = max(1, len(found) // limit)
    return found[::step][:limit]


def check_quality(candidate: Embeddings, reference: Embeddings, texts: list[str], min_cosine: float) -> GateVerdict:
    """Cosine of each candidate vector to the reference vector of the same text (both unit length)."""
    got = np.asarray(candidate.embed_documents(texts), dtype=np.float64)
    want = np.asarray(reference.embed_documents(texts), dtype=np.float64)
    cosines = (got * want).sum(axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(want, axis=1))
    return GateVerdict(
        backend=getattr(candidate, "backend", type(candidate).__name__),
        sentences=len(texts),
        mean_cosine=round(float(cosines.mean()), 5),
        min_cosine=round(float(cosines.min()), 5),
        threshold=min_cosine,
    )


def _write_json(path: Path, data: dict) -> None:
    scratch = path.with_name(f".{path.name}.partial")
    scratch.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(scratch, path)
