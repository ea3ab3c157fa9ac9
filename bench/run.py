"""``make bench``: ingestion, question latency, cold start and the scaling curve, written to bench/results.*

Each measurement runs in its own subprocess where memory is reported, so one stage's peak does not hide
another's. Run it on an otherwise idle machine: the figures are wall-clock times.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
MODELS = ["all-mpnet-base-v2", "all-MiniLM-L6-v2"]
SCALES = [1_000, 10_000, 100_000]
TARGETS = {
    "extractive_p50_ms": 300,
    "retrieval_100k_p50_ms": 150,
    "reingest_unchanged_s": 5,
    "embedding_share_of_bare": 0.8,
}


def child_result(script: str, stage: str, *args: str, quiet: bool = True) -> dict:
    """Run one stage of ``script`` in a fresh Python process and read back its JSON result (its last line).

    ``quiet=False`` lets the child's progress (stderr) through to the terminal.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run(
        [sys.executable, script, stage, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE if quiet else None,
        text=True, env=env, cwd=ROOT, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# What decides how fast each embedding backend runs: int8 needs VNNI to be quick, OpenVINO computes in bfloat16
# only with AVX-512 BF16 or AMX (README, Performance). Ratios between backends are comparable only on like machines.
SPEED_FLAGS = ("avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


def machine() -> str:
    """Cores, processor and the instruction sets the backends' speed depends on, and the Python version."""
    processor, flags = "", set()
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text(encoding="utf-8").splitlines() if cpuinfo.exists() else []:
        key, _, value = line.partition(":")
        if key.strip() == "model name" and not processor:
            processor = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    found = [flag for flag in SPEED_FLAGS if flag in flags]
    cpu = f"{processor or 'unknown processor'} ({', '.join(found) or 'none of ' + ', '.join(SPEED_FLAGS)})"
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"


def peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


# ----------------------------------------------------------------------------------------- stages
def stage_ingest(model: str) -> dict:
    """A full build with ``model``, an unchanged re-run, and two bare encode loops over the same texts: the
    embeddings the ingest uses (calls sized by tokens), and sentence-transformers' own 32-text calls."""
    from sentence_transformers import SentenceTransformer

    from assistant.search.embeddings import load_embeddings, resolve_model_path
    from assistant.settings import Settings
    from ingest.__main__ import build_chunks, ingest

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(index_dir=Path(scratch) / "index", embedding_model=model, collection="bench")
        resolve_model_path(settings)  # assemble the packaged model first: not part of indexing
        started = time.perf_counter()
        first = ingest(settings, show_progress=False)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest(settings, show_progress=False)
        reingest_s = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file()) / 1e6

        chunks, _, _ = build_chunks(settings.corpus_dir, settings)
        texts = [c.embedded_text for c in chunks] + [s for c in chunks for s in c.embedded_sentences()]
        started = time.perf_counter()
        load_embeddings(settings).embed_documents(texts)  # loaded and warmed by the ingest above
        bare_s = time.perf_counter() - started
        model_obj = SentenceTransformer(resolve_model_path(settings), device="cpu")
        model_obj.encode(texts[:8])  # warm up
        started = time.perf_counter()
        model_obj.encode(texts, batch_size=32, normalize_embeddings=True)
        fixed_s = time.perf_counter() - started
    embedded = first.embedded + first.sentences_embedded
    return {
        "model": model,
        "chunks": first.chunks,
        "texts_embedded": embedded,
        "build_s": round(build_s, 2),
        "embedding_s": round(first.embedding_seconds, 2),
        "ingest_texts_per_s": round(embedded / first.embedding_seconds, 1),
        "bare_encode_texts_per_s": round(len(texts) / bare_s, 1),
        "fixed_32_texts_per_s": round(len(texts) / fixed_s, 1),
        "reingest_unchanged_s": round(reingest_s, 2),
        "reingest_embedded": again.embedded,
        "index_mb": round(size_mb, 1),
        "peak_rss_mb": peak_mb(),
    }


def stage_latency() -> dict:
    from assistant.navigator import Navigator

    return question_latency(Navigator(), QUESTIONS)


def question_latency(navigator, questions: Path) -> dict:
    """Warm per-question timings over a question set, from the pipeline's own stage clock, and the process's peak
    memory."""
    return {**paired_latency({"": navigator}, questions)[""], "peak_rss_mb": peak_mb()}


def paired_latency(navigators: dict, questions: Path) -> dict[str, dict]:
    """Warm timings of several navigators over the same questions, each question put to each of them in turn (the
    order turned round from one question to the next), so that a machine whose speed drifts during the run slows
    them alike and their ratio holds."""
    from eval.dataset import load_questions

    for navigator in navigators.values():
        navigator.ask("What is a SARC?")  # warm
    names = list(navigators)
    retrieval: dict[str, list[float]] = {name: [] for name in names}
    total: dict[str, list[float]] = {name: [] for name in names}
    for turn, question in enumerate(load_questions(questions)):
        for name in (names if turn % 2 == 0 else names[::-1]):
            answer = navigators[name].ask(question.question, question.history)
            if answer.status == "rejected":  # turned away by the guard before any search
                continue
            t = answer.timings_ms
            retrieval[name].append(t["understand"] + t["retrieve"] + t["rescore"])
            total[name].append(t["total"])
    return {
        name: {
            "questions": len(total[name]),
            "retrieval_p50_ms": percentile(retrieval[name], 50),
            "retrieval_p95_ms": percentile(retrieval[name], 95),
            "extractive_p50_ms": percentile(total[name], 50),
            "extractive_p95_ms": percentile(total[name], 95),
        }
        for name in names
    }


def stage_scale(size: str) -> dict:
    """Search cost at ``size`` chunks: random unit vectors in Chroma (so the curve measures search, not the
    embedding model) and generated text in BM25."""
    import chromadb

    from assistant.search.index_store import collection_configuration
    from assistant.search.retrieve import ChunkStore, LexicalIndex
    from assistant.settings import Settings
    from assistant.text import terms

    n, dim = int(size), 768
    rng = np.random.default_rng(0)
    vocabulary = [f"w{i}" for i in range(20_000)] + ["custody", "liaison", "diversion", "commissioning", "icb"]
    texts = [" ".join(rng.choice(vocabulary, 60)) for _ in range(n)]
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as scratch:
        client = chromadb.PersistentClient(path=scratch)
        collection = client.create_collection("scale", configuration=collection_configuration(Settings()))
        started = time.perf_counter()
        step = client.get_max_batch_size()
        for start in range(0, n, step):
            ids = [str(i) for i in range(start, min(start + step, n))]
            collection.add(ids=ids, embeddings=vectors[start : start + step], documents=texts[start : start + step])
        build_s = time.perf_counter() - started
        metas = [{"source": "synthetic", "position": i} for i in range(n)]
        started = time.perf_counter()
        lexical = LexicalIndex(ChunkStore([str(i) for i in range(n)], texts, metas))
        bm25_build_s = time.perf_counter() - started
        queries = rng.normal(size=(50, dim)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        dense_ms, bm25_ms = [], []
        for i, query in enumerate(queries):
            started = time.perf_counter()
            collection.query(query_embeddings=[query], n_results=20)
            dense_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            lexical.search(terms(f"custody liaison diversion {texts[i][:40]}"), 20)
            bm25_ms.append((time.perf_counter() - started) * 1000)
    both = [d + b for d, b in zip(dense_ms, bm25_ms)]
    return {
        "chunks": n,
        "dense_p50_ms": percentile(dense_ms, 50),
        "bm25_p50_ms": percentile(bm25_ms, 50),
        "retrieval_p50_ms": percentile(both, 50),
        "retrieval_p95_ms": percentile(both, 95),
        "chroma_build_s": round(build_s, 1),
        "bm25_build_s": round(bm25_build_s, 1),
        "peak_rss_mb": peak_mb(),
    }


def cold_start() -> dict:
    """Process start to first answer (CLI), and the chat page's server start to healthy."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", "ask", "What is a SARC?"], capture_output=True, env=env,
                   cwd=ROOT, check=True)
    cli_s = time.perf_counter() - started

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    streamlit = Path(sys.executable).with_name("streamlit")
    started = time.perf_counter()
    server = subprocess.Popen([str(streamlit), "run", "app.py", "--server.headless", "true", "--server.port",
                               str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page_s = _first_page_answer(port, started)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"cli_first_answer_s": round(cli_s, 2), "page_first_answer_s": round(page_s, 2)}


def _first_page_answer(port: int, started: float) -> float:
    """Seconds from starting the server to the first answer shown in a real (headless) browser."""
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page()
        deadline = time.monotonic() + 120
        while True:
            try:
                page.goto(url, timeout=5000)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        box = page.get_by_placeholder("Ask about working with the NHS")
        box.fill("What is a SARC?")
        box.press("Enter")
        page.get_by_text("Sources").first.wait_for(timeout=120_000)
        browser.close()
    return time.perf_counter() - started


# ----------------------------------------------------------------------------------------- report
def write_report(results: dict) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    _plot_scaling(results["scaling"])
    lat, cold = results["latency"], results["cold_start"]
    mpnet = next(r for r in results["ingest"] if r["model"] == "all-mpnet-base-v2")
    share = min(r["ingest_texts_per_s"] / r["bare_encode_texts_per_s"] for r in results["ingest"])
    at_100k = next(r for r in results["scaling"] if r["chunks"] == 100_000)
    lines = [
        f"# Benchmarks ({results['machine']})", "",
        "| target | goal | measured |", "| --- | --- | --- |",
        f"| warm extractive answer p50 | < {TARGETS['extractive_p50_ms']} ms | {lat['extractive_p50_ms']} ms |",
        f"| retrieval at 100k chunks p50 | < {TARGETS['retrieval_100k_p50_ms']} ms | {at_100k['retrieval_p50_ms']} ms |",
        f"| re-ingest of the unchanged corpus | < {TARGETS['reingest_unchanged_s']} s | {mpnet['reingest_unchanged_s']} s |",
        f"| ingest embedding throughput vs bare encode loop | >= 80% | {share:.0%} (worst model) |",
        "", "## Ingestion", "",
        "Build s is the whole first ingest (model load, cleaning, chunking, Chroma writes); ingest texts/s counts",
        "the time inside the embedding model only, to compare with a bare loop over the same texts in the same",
        "calls (sized by tokens, `embedding_batch_tokens`); the 32-text column is `SentenceTransformer.encode`'s",
        "own batching of the same texts, for comparison.", "",
        "| model | chunks | texts embedded | build s | embedding s | ingest texts/s | bare encode texts/s | "
        "32-text calls texts/s | re-ingest s | index MB | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r['model']} | {r['chunks']} | {r['texts_embedded']} | {r['build_s']} | {r['embedding_s']} | {r['ingest_texts_per_s']} | "
              f"{r['bare_encode_texts_per_s']} | {r['fixed_32_texts_per_s']} | {r['reingest_unchanged_s']} | "
              f"{r['index_mb']} | {r['peak_rss_mb']} |"
              for r in results["ingest"]]
    lines += ["", "## Questions (warm, default settings)", "",
              f"{lat['questions']} questions: retrieval p50 {lat['retrieval_p50_ms']} ms, p95 {lat['retrieval_p95_ms']} ms; "
              f"full extractive answer p50 {lat['extractive_p50_ms']} ms, p95 {lat['extractive_p95_ms']} ms; "
              f"peak RSS {lat['peak_rss_mb']} MB.", "",
              f"Cold start: `python -m assistant ask` to its first answer {cold['cli_first_answer_s']} s; "
              f"`streamlit run app.py` to the first answer in a headless browser {cold['page_first_answer_s']} s.",
              "", "## Scaling (synthetic chunks, random unit vectors)", "",
              "| chunks | dense p50 ms | BM25 p50 ms | retrieval p50 ms | retrieval p95 ms | Chroma build s | BM25 build s | peak RSS MB |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['chunks']:,} | {r['dense_p50_ms']} | {r['bm25_p50_ms']} | {r['retrieval_p50_ms']} | {r['retrieval_p95_ms']} | "
              f"{r['chroma_build_s']} | {r['bm25_build_s']} | {r['peak_rss_mb']} |" for r in results["scaling"]]
    lines += ["", "![scaling](scaling.png)", ""]
    (OUT / "results.md").write_text("\n".join(lines), encoding="utf-8")


def _plot_scaling(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (latency, memory) = plt.subplots(1, 2, figsize=(9, 3.5))
    sizes = [r["chunks"] for r in rows]
    for key, label in (("dense_p50_ms", "dense (Chroma)"), ("bm25_p50_ms", "BM25 (bm25s)"), ("retrieval_p50_ms", "both")):
        latency.plot(sizes, [r[key] for r in rows], marker="o", label=label)
    latency.set(xscale="log", xlabel="chunks", ylabel="p50 ms", title="Retrieval latency")
    latency.legend()
    memory.plot(sizes, [r["peak_rss_mb"] for r in rows], marker="o")
    memory.set(xscale="log", xlabel="chunks", ylabel="peak RSS MB", title="Memory")
    fig.tight_layout()
    fig.savefig(OUT / "scaling.png", dpi=100)
    plt.close(fig)


def main() -> None:
    if len(sys.argv) > 1:  # a child process running one stage
        stage = {"ingest": stage_ingest, "latency": stage_latency, "scale": stage_scale}[sys.argv[1]]
        print(json.dumps(stage(*sys.argv[2:])))
        return
    began = time.perf_counter()
    results = {"machine": machine()}
    results["ingest"] = [child_result(__file__, "ingest", model) for model in MODELS]
    results["latency"] = child_result(__file__, "latency")
    results["cold_start"] = cold_start()
    results["scaling"] = [child_result(__file__, "scale", str(size)) for size in SCALES]
    results["seconds"] = round(time.perf_counter() - began, 1)
    write_report(results)
    print((OUT / "results.md").read_text(encoding="utf-8"))
    print(f"bench: {results['seconds']} s")


if __name__ == "__main__":
    main()
