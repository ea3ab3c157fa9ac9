"""Run a question set through Navigator and write results.jsonl, summary.json and report.md."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterator
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from assistant.navigator import Navigator
from assistant.records import Answer
from eval.dataset import EvalQuestion, load_questions, reported_set
from assistant.question.privacy import find_personal_data
from eval.metrics import entity_precision_recall, normalise, precision_recall, score_row, summarise
from eval.report import write_report


def answered_questions(navigator: Navigator, paths: list[Path]) -> Iterator[tuple[str, EvalQuestion, Answer]]:
    """Every answerable question of the sets, asked once, with the name of the set it is reported in (the officer
    files are one set): what the fits learn from."""
    for path in paths:
        set_name = reported_set(path)
        for question in load_questions(path):
            if question.answerable:
                yield set_name, question, navigator.ask(question.question, question.history)


def answer_row(navigator: Navigator, question: EvalQuestion, engine: str) -> dict:
    started = time.perf_counter()
    answer = navigator.ask(question.question, question.history)
    result = {
            "answer": answer.answer,
            "status": answer.status,
            "check": answer.check,
            "refused": answer.refused,
            "refusal_reason": answer.refusal_reason,
            "citations": [
                {"n": c.n, "source": c.source, "title": c.title, "section": c.section, "page": c.page, "text": c.text}
                for c in answer.citations
            ],
            "retrieved": [
                {"rank": i, "source": p.source, "section": p.section, "text": p.text, "score": round(p.score, 5),
                 "dense": p.dense, "lexical": p.lexical}
                for i, p in enumerate(answer.retrieved, start=1)
            ],
            "signals": answer.signals,
            "query": answer.query,
            "engine_used": answer.engine_used,
            "fallback_reason": answer.fallback_reason,
            "draft": answer.draft,
            "evidence": [{"chunk_id": p.chunk_id, "source": p.source, "title": p.title, "section": p.section,
                          "text": p.text} for p in answer.evidence],
            "checked": [asdict(sentence) for sentence in answer.checked],
    }
    latency = round((time.perf_counter() - started) * 1000, 1)
    row = {"id": question.id, "question": question.question, "history": question.history,
           "category": question.category, "answerable": question.answerable, **result, "latency_ms": latency, "engine": engine}
    row["scores"] = score_row(row, question)
    return row


def score_refusal_labels(navigator: Navigator, path: Path, out_dir: Path) -> dict:
    """The refusal decision on its own labelled set: positive = should refuse. Each answer's status and check
    measurements go to ``out_dir/results.jsonl`` for the cross-validation of the answer policy."""
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answers = [navigator.ask(label["question"], label.get("history") or []) for label in labels]
    predicted = [answer.refused for answer in answers]
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as out:
        for label, answer in zip(labels, answers):
            out.write(json.dumps({"question": answer.question, "answerable": not label["should_refuse"],
                                  "status": answer.status, "check": answer.check, "signals": answer.signals},
                                 ensure_ascii=False) + "\n")
    scores = precision_recall(predicted, [bool(label["should_refuse"]) for label in labels])
    scores["mistakes"] = [
        {"question": label["question"], "should_refuse": label["should_refuse"]}
        for label, refused in zip(labels, predicted)
        if refused != bool(label["should_refuse"])
    ]
    return scores


def score_personal_data_labels(path: Path, guidance_words: Collection[str] = frozenset()) -> dict:
    """The personal-data guard on a labelled set: every (kind, value) it should find, and nothing else; with the
    index's words, as the guard runs (a name the guidance uses is not personal data)."""
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = [{(e["kind"], normalise(e["value"])) for e in label["entities"]} for label in labels]
    found = [{(f.kind, normalise(f.value)) for f in find_personal_data(label["text"], guidance_words)} for label in labels]
    scores = entity_precision_recall(gold, found)
    scores["mistakes"] = [
        {"text": label["text"], "missed": sorted(g - f), "wrongly_found": sorted(f - g)}
        for label, g, f in zip(labels, gold, found)
        if g != f
    ]
    return scores


def run_eval(
    navigator: Navigator,
    questions_path: Path | list[Path],
    out_dir: Path,
    engine: str = "extractive",
    refusal_labels: Path | None = None,
    show_progress: bool = True,
    personal_data_labels: Path | None = None,
    personal_data_heldout: Path | None = None,
) -> dict:
    paths = questions_path if isinstance(questions_path, list) else [questions_path]
    questions = [q for path in paths for q in load_questions(path)]
    by_id = {q.id: q for q in questions}
    # Load the models before the clock starts: the first question should not pay for them.
    navigator.embeddings.embed_query("warm up")
    rows = [answer_row(navigator, q, engine) for q in tqdm(questions, desc="Questions", disable=not show_progress)]
    summary = summarise(rows, by_id)
    summary["engine"] = engine
    summary["questions_file"] = ", ".join(map(str, paths))
    summary["settings"] = navigator.settings.model_dump(mode="json", include={
        "embedding_model", "chunk_size", "chunk_overlap", "retrieval", "dense_k", "bm25_k", "rrf_k",
        "evidence_passages", "answer_sentences", "min_similarity", "follow_up_min_similarity", "max_unknown_share",
        "unknown_needs_similarity", "count_needs_context", "llm_model", "llm_passages", "llm_max_tokens",
        "verify_min_similarity", "verify_min_lexical", "verify_min_kept"})
    summary["components"] = {}
    if refusal_labels and refusal_labels.exists():
        summary["components"]["refusal"] = score_refusal_labels(navigator, refusal_labels, out_dir / "refusal")
    # The held-out set was written apart from the guard's patterns; the first set together with them.
    for component, labels in (("personal_data", personal_data_labels), ("personal_data_heldout", personal_data_heldout)):
        if labels and labels.exists():
            summary["components"][component] = score_personal_data_labels(labels, navigator.vocabulary.word_counts)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    write_report(out_dir, summary, rows, by_id)
    return summary
