"""Scores for one run: retrieval, answers, refusals and latency, overall and per category."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

import numpy as np

from assistant.text import terms

CITATION = re.compile(r"\[(\d+)\]")
K_VALUES = (1, 3, 5, 10)


CURLY_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Lower case, single spaces, straight quotes: a question file typed with straight quotes still finds the
    corpus's curly ones (‘place-based working’)."""
    return re.sub(r"\s+", " ", text.translate(CURLY_QUOTES).lower()).strip()


def _trigrams(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", normalise(text))
    return {tuple(tokens[i : i + 3]) for i in range(max(len(tokens) - 2, 1))}


def holds_snippet(passage: str, snippet: str, share: float = 0.6) -> bool:
    """The passage contains the snippet, or most of its word trigrams (a chunk edge may cut it)."""
    if normalise(snippet) in normalise(passage):
        return True
    wanted = _trigrams(snippet)
    return bool(wanted) and len(wanted & _trigrams(passage)) / len(wanted) >= share


def relevance(retrieved: list[str], snippets: list[str]) -> list[bool]:
    return [any(holds_snippet(text, s) for s in snippets) for text in retrieved]


def first_relevant_rank(flags: list[bool]) -> int | None:
    return next((i + 1 for i, hit in enumerate(flags) if hit), None)


def ndcg_at(flags: list[bool], k: int = 10) -> float:
    gains = [1.0 / math.log2(i + 2) for i, hit in enumerate(flags[:k]) if hit]
    ideal = [1.0 / math.log2(i + 2) for i in range(min(sum(flags), k))]
    return sum(gains) / sum(ideal) if ideal else 0.0


def key_fact_share(answer: str, facts: list[str]) -> float:
    if not facts:
        return 1.0
    return sum(normalise(f) in normalise(answer) for f in facts) / len(facts)


def cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Each sentence (or list block) of an answer with the passage numbers it cites."""
    # Split after a citation marker only: quoted text may hold brackets of its own ("[...]").
    pieces = re.split(r"(?:(?<=\[\d\])|(?<=\[\d\d\]))\s+|\n\n", answer)
    found = []
    for piece in pieces:
        numbers = [int(n) for n in CITATION.findall(piece)]
        text = CITATION.sub("", piece).strip()
        if text:
            found.append((text, numbers))
    return found


def supports(passage: str, sentence: str, share: float = 0.8) -> bool:
    """The passage holds the sentence: verbatim, or most of its content terms."""
    if normalise(sentence) in normalise(passage):
        return True
    wanted = set(terms(sentence))
    return bool(wanted) and len(wanted & set(terms(passage))) / len(wanted) >= share


def citation_precision(answer: str, citations: list[dict]) -> tuple[int, int]:
    """(supported, total) citations: a citation is supported if its passage holds the sentence citing it."""
    by_number = {c["n"]: c["text"] for c in citations}
    good = total = 0
    for sentence, numbers in cited_sentences(answer):
        for n in numbers:
            total += 1
            good += n in by_number and supports(by_number[n], sentence)
    return good, total


def score_row(row: dict, question) -> dict:
    """Per-question scores, stored beside the result so a report can say what went wrong."""
    flags = relevance([r["text"] for r in row["retrieved"]], question.evidence)
    rank = first_relevant_rank(flags)
    good, total = citation_precision(row["answer"], row["citations"]) if not row["refused"] else (0, 0)
    cited_evidence = any(any(holds_snippet(c["text"], s) for s in question.evidence) for c in row["citations"])
    return {
        "first_relevant_rank": rank,
        "ndcg10": ndcg_at(flags, 10),
        # Every status counts: a "related" answer that quotes the facts has them; a refusal's fixed text has none.
        "key_facts": key_fact_share(row["answer"], question.key_facts),
        "citation_supported": good,
        "citations_total": total,
        "cites_evidence": cited_evidence,
    }


def summarise(rows: list[dict], questions: dict) -> dict:
    answerable = [r for r in rows if questions[r["id"]].answerable]
    unanswerable = [r for r in rows if not questions[r["id"]].answerable]
    summary = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    summary.update(_retrieval(answerable))
    summary.update(_answers(answerable, unanswerable))
    if any(r.get("draft") or r.get("fallback_reason") for r in rows):
        summary.update(_generation([r for r in answerable if not r["refused"]]))
    latencies = [r["latency_ms"] for r in rows]
    summary["latency_p50_ms"] = round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0
    summary["latency_p95_ms"] = round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0
    by_category: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_category[questions[row["id"]].category].append(row)
    summary["by_category"] = {
        name: {
            "questions": len(group),
            **_retrieval([r for r in group if questions[r["id"]].answerable]),
            **_answers(
                [r for r in group if questions[r["id"]].answerable],
                [r for r in group if not questions[r["id"]].answerable],
            ),
        }
        for name, group in sorted(by_category.items())
    }
    return summary


def _retrieval(rows: list[dict]) -> dict:
    if not rows:
        return {}
    ranks = [r["scores"]["first_relevant_rank"] for r in rows]
    result = {f"recall@{k}": _mean([rank is not None and rank <= k for rank in ranks]) for k in K_VALUES}
    result["mrr"] = _mean([1.0 / rank if rank else 0.0 for rank in ranks])
    result["ndcg@10"] = _mean([r["scores"]["ndcg10"] for r in rows])
    return result


def _answers(answerable: list[dict], unanswerable: list[dict]) -> dict:
    result: dict = {}
    if answerable:
        answered = [r for r in answerable if not r["refused"]]
        result["key_fact_coverage"] = _mean([r["scores"]["key_facts"] for r in answerable])
        result["all_key_facts"] = _mean([r["scores"]["key_facts"] >= 1.0 for r in answerable])
        result["citation_support"] = _mean([r["scores"]["cites_evidence"] for r in answered]) if answered else 0.0
        supported = sum(r["scores"]["citation_supported"] for r in answered)
        total = sum(r["scores"]["citations_total"] for r in answered)
        result["citation_precision"] = round(supported / total, 4) if total else 0.0
        result["false_refusals"] = _mean([r["refused"] for r in answerable])
        result["answered"] = _mean([not r["refused"] for r in answerable])
        result["answer_words_median"] = (
            float(np.median([len(r["answer"].split()) for r in answered])) if answered else 0.0
        )
        result["answer_words"] = round(_mean([len(r["answer"].split()) for r in answered]), 1) if answered else 0.0
    if unanswerable:
        result["refusal_accuracy"] = _mean([r["refused"] for r in unanswerable])
        result["unanswerable_answered"] = sum(not r["refused"] for r in unanswerable)
    result["statuses"] = dict(Counter(r.get("status", "") for r in answerable + unanswerable))
    return result


def _generation(answered: list[dict]) -> dict:
    """How a generative engine fared: how often its own answer was shown, and what verification did."""
    checked = [c for r in answered for c in r.get("checked", [])]
    kept = [c for c in checked if c["kept"]]
    reasons = Counter(_reason_kind(r["fallback_reason"]) for r in answered if r.get("fallback_reason"))
    return {
        "generated_answers": _mean([r["engine_used"] != "extractive" for r in answered]),
        "generated_sentences_kept": _mean([c["kept"] for c in checked]),
        "citations_corrected": _mean([bool(c["reason"]) for c in kept]),
        "fallbacks": dict(reasons.most_common()),
    }


def _reason_kind(reason: str) -> str:
    """A fallback reason without its figures, so like reasons count together."""
    return re.sub(r"\d+(\.\d+)?", "N", reason.split(":")[0])


def _mean(values) -> float:
    values = list(values)
    return round(float(sum(values)) / len(values), 4) if values else 0.0


def precision_recall(predicted: list[bool], actual: list[bool]) -> dict:
    """For a component scored on its own labelled set (the refusal decision, the personal-data guard)."""
    tp = sum(p and a for p, a in zip(predicted, actual))
    fp = sum(p and not a for p, a in zip(predicted, actual))
    fn = sum(a and not p for p, a in zip(predicted, actual))
    return {
        "examples": len(actual),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "accuracy": round(sum(p == a for p, a in zip(predicted, actual)) / len(actual), 4) if actual else 0.0,
    }


def entity_precision_recall(gold: list[set], found: list[set]) -> dict:
    """Precision and recall over (kind, value) pairs, for the personal-data guard."""
    tp = sum(len(g & f) for g, f in zip(gold, found))
    fp = sum(len(f - g) for g, f in zip(gold, found))
    fn = sum(len(g - f) for g, f in zip(gold, found))
    return {
        "examples": len(gold),
        "entities": sum(len(g) for g in gold),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
    }
