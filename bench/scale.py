"""``make bench-scale``: Navigator among hundreds of real documents, and the embedding backends compared.

Writes bench/scale.json, bench/scale.md and bench/scale.png. The distractors are real English prose that
Debian ships as HTML (the Python 3.11 documentation and the Debian Administrator's Handbook, installed with
apt here if missing): a fixed, seeded selection, capped in count and in HTML characters, that always holds the
pages the distractor questions (bench/distractor_questions.jsonl) are about. They are ingested together with
the guidance corpus into an index of their own (bench/scale-data/, git-ignored).

Every heavy stage runs in a child process, so its peak memory is its own and one stage cannot warm another.
Run it on an otherwise idle machine: the figures are wall-clock times, compared as ratios within one run.

    python bench/scale.py [--documents 300] [--max-chars 5000000] [--backend fastest|torch|onnx|onnx-int8|openvino]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import OUT, QUESTIONS, child_result, machine, peak_mb, percentile  # noqa: E402
from eval.dataset import TARGET_SETS, load_questions  # noqa: E402

DATA = OUT / "scale-data"
CORPUS = DATA / "corpus"
GUIDANCE = ROOT / "corpus"
DISTRACTOR_QUESTIONS = OUT / "distractor_questions.jsonl"
DEBIAN_PACKAGES = ["python3.11-doc", "debian-handbook"]
DISTRACTOR_ROOTS = [Path("/usr/share/doc/python3.11/html"), Path("/usr/share/doc/debian-handbook/html/en-US")]
# The pages the distractor questions are about: in every selection, whatever the seed.
ALWAYS = ["python3.11/html/tutorial/controlflow.html", "debian-handbook/html/en-US/sect.task-scheduling-cron-atd.html"]
SEED = 17
MAX_DOCUMENT_CHARS = 60_000  # larger HTML pages (API references, indexes) are left out rather than cut
BACKENDS = ["torch", "onnx", "onnx-int8", "openvino"]
BACKEND_SAMPLE_TEXTS = 400  # chunks and sentences of the large corpus, embedded by every backend
EVAL_TOLERANCE = 0.01
EVAL_METRICS = ["recall@5", "mrr", "key_fact_coverage"]
TARGETS = {
    "embedding_share": 0.85,
    "backend_speedup": 2.0,
    "answer_p50_ratio": 1.5,
    "query_speedup": 2.0,
}


def say(message: str) -> None:
    """Progress on stderr; stdout of a child carries only its JSON result."""
    print(f"[bench-scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Selection:
    documents: list[str]  # paths relative to /usr/share/doc
    html_chars: int


# ----------------------------------------------------------------------------------------- the corpus
def ensure_distractors() -> None:
    if all(root.is_dir() for root in DISTRACTOR_ROOTS):
        return
    say(f"installing {' '.join(DEBIAN_PACKAGES)} with apt-get")
    install = ["apt-get", "install", "-y", "-qq", *DEBIAN_PACKAGES]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env).returncode != 0:  # a fresh machine has no package lists yet
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def select_distractors(documents: int, max_chars: int, seed: int = SEED) -> Selection:
    """``ALWAYS``, then pages in a seeded random order, each under the size cap, until either limit is reached."""
    doc = Path("/usr/share/doc")
    candidates = sorted(
        path.relative_to(doc).as_posix()
        for root in DISTRACTOR_ROOTS
        for path in root.rglob("*.html")
        if path.stat().st_size <= MAX_DOCUMENT_CHARS and "_static" not in path.parts
    )
    random.Random(seed).shuffle(candidates)
    chosen, chars = [], 0
    for name in ALWAYS + [c for c in candidates if c not in ALWAYS]:
        size = (doc / name).stat().st_size
        if len(chosen) >= documents or chars + size > max_chars:
            break
        chosen.append(name)
        chars += size
    return Selection(chosen, chars)


def write_corpus(selection: Selection, target: Path) -> None:
    """The guidance corpus (with its sources.json) plus the distractors under distractors/."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(GUIDANCE, target)
    for name in selection.documents:
        destination = target / "distractors" / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path("/usr/share/doc") / name, destination)


# ----------------------------------------------------------------------------------------- child stages
def _settings(index: str, corpus: str, backend: str):
    from assistant.settings import Settings

    return Settings(corpus_dir=Path(corpus), index_dir=Path(index), collection="scale", embedding_backend=backend)


class StageClock:
    """Wall time per ingest stage, by wrapping the functions ``ingest.__main__`` calls (no edit to ingest/)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

    def timed(self, stage: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(stage, started)

        return wrapper

    def timed_iter(self, stage: str, function):
        def wrapper(*args, **kwargs):
            items = iter(function(*args, **kwargs))
            while True:
                started = time.perf_counter()
                item = next(items, StopIteration)
                self.add(stage, started)
                if item is StopIteration:
                    return
                yield item

        return wrapper


class RecordingEmbeddings:
    """Passes texts to the real embeddings and remembers which were embedded."""

    def __init__(self, inner):
        self.inner, self.texts = inner, []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)


def _instrumented_ingest(settings, clock: StageClock, recorder: list[RecordingEmbeddings]):
    import assistant.search.embeddings as embeddings
    import ingest.__main__ as ingest_main

    load = embeddings.load_embeddings

    def recording(s):
        recorder.append(RecordingEmbeddings(load(s)))
        return recorder[-1]

    embeddings.load_embeddings = clock.timed("model", recording)
    ingest_main.load_corpus = clock.timed_iter("load", ingest_main.load_corpus)
    ingest_main.clean_document = clock.timed("clean", ingest_main.clean_document)
    ingest_main.chunk_document = clock.timed("chunk", ingest_main.chunk_document)
    ingest_main.note_acronyms = clock.timed("chunk", ingest_main.note_acronyms)
    ingest_main.sync_index = clock.timed("index", ingest_main.sync_index)
    return ingest_main.ingest


def stage_ingest(index: str, corpus: str, backend: str, changed: str) -> dict:
    """A first build of ``corpus`` timed per stage, then a re-run after ``changed`` gained a paragraph."""
    from assistant.search.embeddings import load_embeddings
    from ingest.__main__ import build_chunks

    settings = _settings(index, corpus, backend)
    load_embeddings(settings)  # a backend's one-time export and gate are not part of indexing
    clock, recorder = StageClock(), []
    ingest = _instrumented_ingest(settings, clock, recorder)
    say(f"first build of {corpus} with the {backend} backend")
    first = ingest(settings, rebuild=True)
    stages = _stage_seconds(clock, first)
    size_mb = sum(p.stat().st_size for p in Path(index).rglob("*") if p.is_file()) / 1e6
    documents = first.files

    path = Path(corpus) / changed
    html = path.read_text(encoding="utf-8")
    path.write_text(html.replace("</body>", "<p>A paragraph added by the benchmark to change this page.</p></body>", 1),
                    encoding="utf-8")
    say(f"re-ingest after changing {changed}")
    recorder.clear()
    started = time.perf_counter()
    again = ingest(settings)
    reingest_s = time.perf_counter() - started
    chunks, _, _ = build_chunks(Path(corpus), settings)
    own = [c for c in chunks if c.source == changed]
    own_texts = {c.embedded_text for c in own} | {s for c in own for s in c.embedded_sentences()}
    embedded = [t for r in recorder for t in r.texts]
    return {
        "documents": documents,
        "skipped": len(first.skipped),
        "chunks": first.chunks,
        "sentences": first.sentences_embedded,
        "texts_embedded": first.embedded + first.sentences_embedded,
        "ingest_seconds": first.seconds,
        "embed_seconds": round(first.embedding_seconds, 2),
        "texts_per_second": round((first.embedded + first.sentences_embedded) / first.embedding_seconds, 1),
        "embedding_share": round(first.embedding_seconds / first.seconds, 3),
        "stage_seconds": stages,
        "index_mb": round(size_mb, 1),
        "peak_rss_mb": peak_mb(),
        "reingest": {
            "changed_document": changed,
            "document_chunks": len(own),
            "seconds": round(reingest_s, 2),
            "chunks_embedded": again.embedded,
            "texts_embedded": len(embedded),
            "added": again.added, "updated": again.updated, "deleted": again.deleted, "unchanged": again.unchanged,
            "only_that_document": bool(embedded) and all(t in own_texts for t in embedded),
        },
    }


def _stage_seconds(clock: StageClock, report) -> dict:
    seconds = dict(clock.seconds)
    index = seconds.pop("index", 0.0)
    embed = report.embedding_seconds
    # sync_index's own time less the model: reading the old index, Chroma writes, the pointer swap.
    return {
        "load": round(seconds.get("load", 0.0), 2),
        "clean": round(seconds.get("clean", 0.0), 2),
        "chunk": round(seconds.get("chunk", 0.0), 2),
        "model": round(seconds.get("model", 0.0), 2),
        "embed": round(embed, 2),
        "write": round(index - embed - seconds.get("model", 0.0), 2),
    }


def stage_small(index: str, backend: str) -> dict:
    """The guidance corpus alone, with the same backend: the reference every large-index figure sits beside."""
    from ingest.__main__ import ingest

    settings = _settings(index, str(GUIDANCE), backend)
    say(f"building the guidance-only index with the {backend} backend")
    report = ingest(settings, rebuild=True)
    return {"chunks": report.chunks, "ingest_seconds": report.seconds, "embed_seconds": round(report.embedding_seconds, 2)}


def stage_eval(index: str, corpus: str, backend: str, out: str) -> dict:
    """The evaluation sets the targets are set on, as `make eval` reports them (the officer files together), and the
    distractor questions against one index."""
    from assistant.navigator import Navigator
    from eval.runner import run_eval

    navigator = Navigator(_settings(index, corpus, backend))
    sets = {name: list(paths) for name, paths in TARGET_SETS.items()}
    if corpus != str(GUIDANCE):
        sets[DISTRACTOR_QUESTIONS.stem] = [DISTRACTOR_QUESTIONS]
    results = {}
    for name, paths in sets.items():
        say(f"evaluating the {name} set on {index}")
        summary = run_eval(navigator, paths, Path(out) / name, show_progress=True)
        results[name] = {k: summary.get(k) for k in EVAL_METRICS + ["false_refusals", "refusal_accuracy"]}
    if DISTRACTOR_QUESTIONS.stem in results:
        results[DISTRACTOR_QUESTIONS.stem]["answered_from"] = _answered_from(
            Path(out) / DISTRACTOR_QUESTIONS.stem / "results.jsonl")
    return {"eval": results, "peak_rss_mb": peak_mb(), "dense_recall": dense_recall(navigator)}


def stage_latency(large_index: str, small_index: str, corpus: str, backend: str) -> dict:
    """Warm answer latency on the large index and on the guidance alone, measured side by side in one process:
    run minutes apart, the two p50s differed by up to half again on this machine with the same code."""
    from assistant.navigator import Navigator
    from bench.run import paired_latency

    say("warm latency, each question put to the large and the guidance-only index in turn")
    return paired_latency({"large": Navigator(_settings(large_index, corpus, backend)),
                           "small": Navigator(_settings(small_index, str(GUIDANCE), backend))}, QUESTIONS)


def dense_recall(navigator, k: int = 60) -> float:
    """Share of the ``k`` truly nearest sentences that the index's nearest-neighbour graph returns, over the
    questions of the sets the targets are set on."""
    from assistant.search.index_store import active_collections, graph_recall

    sentences = active_collections(navigator.library.client, navigator.settings).sentences
    questions = [q.question for paths in TARGET_SETS.values() for path in paths for q in load_questions(path)]
    return round(graph_recall(sentences, navigator.embeddings.embed_documents(questions), k), 4)


def _answered_from(results: Path) -> list[dict]:
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"id": r["id"], "refused": r["refused"], "sources": sorted({c["source"] for c in r["citations"]})}
            for r in rows]


def stage_sample(corpus: str, out: str) -> dict:
    """A seeded sample of what the ingest embeds from the large corpus (chunks and sentences), for the backends."""
    from ingest.__main__ import build_chunks

    chunks, _, _ = build_chunks(Path(corpus), _settings(str(DATA / "unused-index"), corpus, "torch"))
    texts = [c.embedded_text for c in chunks] + [s for c in chunks for s in c.embedded_sentences()]
    sample = random.Random(SEED).sample(texts, min(BACKEND_SAMPLE_TEXTS, len(texts)))
    Path(out).write_text(json.dumps(sample), encoding="utf-8")
    return {"texts": len(sample)}


def stage_backend(backend: str, corpus: str, sample_path: str) -> dict:
    """Throughput on the sample, query time, and the quality gate's verdict."""
    import numpy as np

    from assistant.search.embedding_backends import (
        BackendRejected, export_folder, gate_sentences, open_exported, stored_verdict,
    )
    from assistant.search.embeddings import load_embeddings, resolve_model_path

    settings = _settings(str(DATA / "unused-index"), corpus, backend)
    sample = json.loads(Path(sample_path).read_text(encoding="utf-8"))
    questions = [q.question for q in load_questions(QUESTIONS)][:60]
    rejected = ""
    say(f"backend {backend}: loading (a first run exports and gates it)")
    started = time.perf_counter()
    try:
        embeddings = load_embeddings(settings)
    except BackendRejected as exc:
        rejected = str(exc)  # still timed below: the report shows what the gate turned down
        embeddings = open_exported(backend, resolve_model_path(settings), settings.model_cache_dir,
                                   settings.embedding_batch_tokens)
    load_s = time.perf_counter() - started
    say(f"backend {backend}: embedding {len(sample)} texts")
    started = time.perf_counter()
    embeddings.embed_documents(sample)
    texts_per_second = len(sample) / (time.perf_counter() - started)
    query_ms = []
    for question in questions:
        started = time.perf_counter()
        embeddings.embed_documents([question])  # as the pipeline embeds a question
        query_ms.append((time.perf_counter() - started) * 1000)
    if backend == "torch":
        mean_cosine = 1.0
    else:
        folder = export_folder(settings.model_cache_dir, resolve_model_path(settings))
        mean_cosine = stored_verdict(folder, backend, settings.embedding_min_cosine).mean_cosine
    return {
        "backend": backend,
        "load_s": round(load_s, 1),
        "texts_per_second": round(texts_per_second, 1),
        "query_ms": percentile(query_ms, 50),
        "query_p95_ms": percentile(query_ms, 95),
        "mean_cosine": mean_cosine,
        "gate_sentences": len(gate_sentences(settings.corpus_dir)),
        "cosine_gate": not rejected,
        "rejected": rejected,
        "peak_rss_mb": peak_mb(),
        "sample_texts": len(sample),
        "sample_mean_chars": round(float(np.mean([len(t) for t in sample])), 1),
    }


def _stage(stage: str, *args: str) -> dict:
    return child_result(__file__, stage, *args, quiet=False)


STAGES = {"ingest": stage_ingest, "small": stage_small, "eval": stage_eval, "latency": stage_latency,
          "sample": stage_sample, "backend": stage_backend}


# ----------------------------------------------------------------------------------------- the run
def run(documents: int, max_chars: int, large_backend: str) -> dict:
    began = time.perf_counter()
    ensure_distractors()
    selection = select_distractors(documents, max_chars)
    say(f"{len(selection.documents)} distractor pages, {selection.html_chars:,} HTML characters (seed {SEED})")
    write_corpus(selection, CORPUS)
    results: dict = {
        "machine": machine(),
        "selection": {"seed": SEED, "documents": len(selection.documents), "html_chars": selection.html_chars,
                      "max_document_chars": MAX_DOCUMENT_CHARS, "packages": DEBIAN_PACKAGES},
    }
    sample = str(DATA / "sample.json")
    say("sampling texts of the large corpus for the backend comparison")
    _stage("sample", str(CORPUS), sample)
    results["backends"] = {b: _stage("backend", b, str(CORPUS), sample) for b in BACKENDS}
    for name, row in results["backends"].items():
        say(f"backend {name}: {row['texts_per_second']} texts/s, query {row['query_ms']} ms, cosine {row['mean_cosine']}")
    # Same answers: each backend that passed the cosine gate answers the evaluation sets on the guidance index.
    small_eval = {}
    for backend, row in results["backends"].items():
        if row["cosine_gate"]:
            index = str(DATA / f"small-{backend}")
            _stage("small", index, backend)
            small_eval[backend] = _stage("eval", index, str(GUIDANCE), backend,
                                               str(DATA / "eval" / f"small-{backend}"))
    _judge_backends(results["backends"], small_eval)
    large_backend = results["large_backend"] = _large_backend(results["backends"], large_backend)
    say(f"large build with the {large_backend} backend")

    large_index = str(DATA / "index")
    results["large"] = _stage("ingest", large_index, str(CORPUS), large_backend,
                                    f"distractors/{ALWAYS[1]}")
    results["large_eval"] = _stage("eval", large_index, str(CORPUS), large_backend,
                                         str(DATA / "eval" / "large"))
    results["small_eval"] = small_eval[large_backend]
    results["latency"] = _stage("latency", large_index, str(DATA / f"small-{large_backend}"), str(CORPUS),
                                large_backend)
    results.update(_headline(results))
    results["seconds"] = round(time.perf_counter() - began, 1)
    return results


def _judge_backends(backends: dict, small_eval: dict) -> None:
    """A backend passes when its vectors match torch's and no eval figure of a reported set falls more than the
    tolerance below torch's (on the 120 officer questions one question out of the top five is 0.01). A gain is
    allowed."""
    reference = small_eval["torch"]["eval"]
    for name, row in backends.items():
        figures = small_eval.get(name, {}).get("eval", {})
        row["eval"] = figures
        row["eval_difference"] = {
            s: {m: round(figures[s][m] - reference[s][m], 4) for m in EVAL_METRICS} for s in figures
        }
        row["eval_within_tolerance"] = bool(figures) and all(
            difference >= -EVAL_TOLERANCE for s in row["eval_difference"].values() for difference in s.values()
        )
        row["passes_quality_gate"] = row["cosine_gate"] and row["eval_within_tolerance"]
        row["speedup"] = round(row["texts_per_second"] / backends["torch"]["texts_per_second"], 2)
        row["query_speedup"] = round(backends["torch"]["query_ms"] / row["query_ms"], 2)


def _large_backend(backends: dict, wanted: str) -> str:
    """The backend asked for, or with "fastest" the fastest that passed the quality gate (torch, the reference,
    always does); a named backend that failed the gate is refused."""
    if wanted == "fastest":
        return _fastest_passing(backends)["backend"]
    if not backends[wanted]["passes_quality_gate"]:
        raise SystemExit(f"the {wanted} backend failed the quality gate: use another for the large build")
    return wanted


def _fastest_passing(backends: dict) -> dict:
    """The row of the backend with the most texts per second among those that passed the quality gate (torch, the
    reference, always does)."""
    passing = [row for row in backends.values() if row["passes_quality_gate"]]
    return max(passing, key=lambda row: row["texts_per_second"])


def _headline(results: dict) -> dict:
    large, small = results["large"], results["small_eval"]
    large_eval, latency = results["large_eval"], results["latency"]
    fastest = _fastest_passing(results["backends"])
    eval_large = {s: {m: large_eval["eval"][s][m] for m in EVAL_METRICS} for s in small["eval"]}
    eval_small = {s: {m: small["eval"][s][m] for m in EVAL_METRICS} for s in small["eval"]}
    worst_drop = max(eval_small[s][m] - eval_large[s][m] for s in eval_small for m in EVAL_METRICS)
    return {
        "documents": large["documents"],
        "chunks": large["chunks"],
        "sentences": large["sentences"],
        "ingest_seconds": large["ingest_seconds"],
        "embed_seconds": large["embed_seconds"],
        "answer_p50_ms": latency["large"]["extractive_p50_ms"],
        "answer_p50_ms_small": latency["small"]["extractive_p50_ms"],
        "dense_recall": large_eval["dense_recall"],
        "eval": eval_large,
        "eval_small": eval_small,
        "fastest_passing_backend": fastest["backend"],
        "targets": {
            "embedding_share": {"goal": TARGETS["embedding_share"], "measured": large["embedding_share"]},
            "backend_speedup": {"goal": TARGETS["backend_speedup"], "measured": fastest["speedup"]},
            "answer_p50_ratio": {"goal": TARGETS["answer_p50_ratio"], "measured": round(
                latency["large"]["extractive_p50_ms"] / latency["small"]["extractive_p50_ms"], 2)},
            "query_speedup": {"goal": TARGETS["query_speedup"], "measured": fastest["query_speedup"]},
            "eval_worst_drop": {"goal": EVAL_TOLERANCE, "measured": round(worst_drop, 4)},
            "reingest_only_changed_document": {"goal": True, "measured": large["reingest"]["only_that_document"]},
        },
    }


# ----------------------------------------------------------------------------------------- report
def write_report(results: dict) -> None:
    (OUT / "scale.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    _plot(results)
    (OUT / "scale.md").write_text(render_markdown(results), encoding="utf-8")


def _met(name: str, target: dict) -> str:
    goal, measured = target["goal"], target["measured"]
    if isinstance(goal, bool):
        return "yes" if measured == goal else "**no**"
    lower_is_better = name in {"answer_p50_ratio", "eval_worst_drop"}
    return "yes" if (measured <= goal if lower_is_better else measured >= goal) else "**no**"


def render_markdown(results: dict) -> str:
    large, sel, small = results["large"], results["selection"], results["small_eval"]
    large_lat, small_lat = results["latency"]["large"], results["latency"]["small"]
    stages = large["stage_seconds"]
    lines = [
        f"# Scale benchmark ({results['machine']}, {results['seconds']} s)", "",
        f"Guidance corpus plus {sel['documents']} distractor pages ({sel['html_chars']:,} HTML characters, pages of at "
        f"most {sel['max_document_chars']:,}, seed {sel['seed']}) from Debian's {' and '.join(sel['packages'])}. "
        f"Large build with the `{results['large_backend']}` backend.", "",
        "| target | goal | measured | met |", "| --- | --- | --- | --- |",
    ]
    labels = {
        "embedding_share": "embedding's share of ingest wall time (large corpus)",
        "backend_speedup": f"texts/s of the fastest passing backend ({results['fastest_passing_backend']}) vs torch",
        "answer_p50_ratio": "warm answer p50, large index / guidance-only index",
        "query_speedup": "query embedding, torch ms / fastest passing backend ms",
        "eval_worst_drop": "worst eval drop, guidance-only index minus large index",
        "reingest_only_changed_document": "re-ingest after changing one document embeds only its text",
    }
    lines += [f"| {labels[k]} | {t['goal']} | {t['measured']} | {_met(k, t)} |" for k, t in results["targets"].items()]
    lines += [
        "", "## The large ingest", "",
        f"{large['documents']} documents ({large['skipped']} skipped), {large['chunks']:,} chunks, "
        f"{large['sentences']:,} sentences: {large['texts_embedded']:,} texts embedded in {large['embed_seconds']} s "
        f"({large['texts_per_second']} texts/s) of {large['ingest_seconds']} s wall; index {large['index_mb']} MB on "
        f"disk; peak RSS {large['peak_rss_mb']} MB.", "",
        "| stage | load | clean | chunk | model | embed | write |", "| --- | --- | --- | --- | --- | --- | --- |",
        "| seconds | " + " | ".join(str(stages[k]) for k in ("load", "clean", "chunk", "model", "embed", "write")) + " |",
        "", f"Re-ingest after changing `{large['reingest']['changed_document']}` ({large['reingest']['document_chunks']} "
        f"chunks): {large['reingest']['seconds']} s, {large['reingest']['chunks_embedded']} chunks "
        f"({large['reingest']['texts_embedded']} texts) embedded, all of them that document's: "
        f"{large['reingest']['only_that_document']}; added {large['reingest']['added']}, updated "
        f"{large['reingest']['updated']}, deleted {large['reingest']['deleted']}, unchanged {large['reingest']['unchanged']}.",
        "", "## Answers among distractors", "",
        f"Warm latency over eval/questions.jsonl, each question put to both indexes in turn: answer p50 "
        f"{large_lat['extractive_p50_ms']} ms / p95 "
        f"{large_lat['extractive_p95_ms']} ms on the large index, {small_lat['extractive_p50_ms']} / {small_lat['extractive_p95_ms']} "
        f"ms on the guidance alone; retrieval p50 {large_lat['retrieval_p50_ms']} ms / p95 {large_lat['retrieval_p95_ms']} "
        f"ms ({small_lat['retrieval_p50_ms']} / {small_lat['retrieval_p95_ms']} ms). The dense index's graph returns "
        f"{results['large_eval']['dense_recall']:.2%} of the 60 truly nearest sentences to each evaluation question "
        f"({small['dense_recall']:.2%} on the guidance alone).", "",
        "| question set | recall@5 large (small) | MRR large (small) | key facts large (small) |",
        "| --- | --- | --- | --- |",
    ]
    for name, figures in results["eval_small"].items():
        big = results["eval"][name]
        lines.append(f"| {name} | " + " | ".join(f"{big[m]} ({figures[m]})" for m in EVAL_METRICS) + " |")
    distractor = results["large_eval"]["eval"].get(DISTRACTOR_QUESTIONS.stem, {})
    lines += ["", f"Questions about the distractor text (`{DISTRACTOR_QUESTIONS.name}`): recall@5 "
              f"{distractor.get('recall@5')}, key facts {distractor.get('key_fact_coverage')}; answered from:"]
    lines += [f"- {row['id']}: " + ("refused" if row["refused"] else ", ".join(row["sources"]))
              for row in distractor.get("answered_from", [])]
    lines += ["", "## Embedding backends", "",
              "Quality before speed: a backend passes when its mean cosine to torch's float32 vectors on corpus "
              "sentences is at least 0.99 and, on the guidance index built with it, recall@5, MRR and key-fact "
              "coverage of every evaluation set are within 0.01 of torch's.", "",
              "| backend | texts/s | vs torch | query ms p50 | vs torch | mean cosine | eval within 0.01 | passes |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, row in results["backends"].items():
        lines.append(f"| {name} | {row['texts_per_second']} | {row['speedup']}x | {row['query_ms']} | "
                     f"{row['query_speedup']}x | {row['mean_cosine']} | {row['eval_within_tolerance']} | "
                     f"{'yes' if row['passes_quality_gate'] else '**no**'} |")
    lines += ["", "![scale](scale.png)", ""]
    return "\n".join(lines)


def _plot(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (stages_ax, backends_ax, latency_ax) = plt.subplots(1, 3, figsize=(13, 3.8))
    stages = results["large"]["stage_seconds"]
    stages_ax.bar(list(stages), list(stages.values()))
    stages_ax.set(ylabel="seconds", title=f"Large ingest by stage ({results['large']['chunks']:,} chunks)")
    names = list(results["backends"])
    rows = [results["backends"][n] for n in names]
    colours = ["tab:green" if r["passes_quality_gate"] else "tab:red" for r in rows]
    backends_ax.bar(names, [r["texts_per_second"] for r in rows], color=colours)
    backends_ax.set(ylabel="texts / s", title="Embedding backends (red: failed the gate)")
    small, large = results["latency"]["small"], results["latency"]["large"]
    keys = ["retrieval_p50_ms", "extractive_p50_ms", "extractive_p95_ms"]
    x = range(len(keys))
    latency_ax.bar([i - 0.2 for i in x], [small[k] for k in keys], width=0.4, label="guidance only")
    latency_ax.bar([i + 0.2 for i in x], [large[k] for k in keys], width=0.4, label="with distractors")
    latency_ax.set_xticks(list(x), ["retrieval p50", "answer p50", "answer p95"])
    latency_ax.set(ylabel="ms", title="Warm question latency")
    latency_ax.legend()
    fig.tight_layout()
    fig.savefig(OUT / "scale.png", dpi=100)
    plt.close(fig)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in STAGES:  # a child process running one stage
        print(json.dumps(STAGES[sys.argv[1]](*sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=300, help="distractor pages at most")
    parser.add_argument("--max-chars", type=int, default=5_000_000, help="HTML characters of distractors at most")
    parser.add_argument("--backend", default="fastest", choices=("fastest", *BACKENDS),
                        help="backend for the large build (default: the fastest that passes the quality gate)")
    args = parser.parse_args()
    results = run(args.documents, args.max_chars, args.backend)
    write_report(results)
    print((OUT / "scale.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
