"""report.md with tables, the failing questions and what went wrong with each, and plots."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display here, and none is needed to write PNGs
import matplotlib.pyplot as plt  # noqa: E402

from eval.metrics import normalise  # noqa: E402

HEADLINE = [
    ("recall@1", "Recall@1"), ("recall@5", "Recall@5"), ("recall@10", "Recall@10"), ("mrr", "MRR"),
    ("ndcg@10", "nDCG@10"), ("key_fact_coverage", "Key-fact coverage"), ("all_key_facts", "All key facts"),
    ("citation_support", "Citation support"), ("citation_precision", "Citation precision"),
    ("answered", "Answerable questions answered"), ("unanswerable_answered", "Unanswerable questions answered"),
    ("refusal_accuracy", "Refusal accuracy"), ("false_refusals", "False refusals"), ("answer_words", "Words per answer"),
    ("answer_words_median", "Median words per answer"),
    ("generated_answers", "Answers written by the model"), ("generated_sentences_kept", "Model sentences kept"),
    ("citations_corrected", "Kept sentences re-cited"),
    ("latency_p50_ms", "Latency p50 (ms)"), ("latency_p95_ms", "Latency p95 (ms)"),
]


def what_went_wrong(row: dict, question) -> list[str]:
    problems = []
    scores = row["scores"]
    if not question.answerable:
        if not row["refused"]:
            problems.append("answered a question the guidance cannot answer")
        return problems
    if row["refused"]:
        problems.append(f"{row.get('status', 'refused')} ({row['refusal_reason']})")
    rank = scores["first_relevant_rank"]
    if rank is None or rank > 5:
        problems.append("evidence not in the top 5" if rank is None else f"evidence first at rank {rank}")
    if row.get("status") != "not_covered" and scores["key_facts"] < 1.0:
        missing = [f for f in question.key_facts if normalise(f) not in normalise(row["answer"])]
        problems.append(f"answer lacks key facts: {', '.join(missing)}")
    return problems


def write_report(out_dir: Path, summary: dict, rows: list[dict], questions: dict) -> None:
    _plots(out_dir, summary, rows)
    lines = [f"# Evaluation: {summary['questions']} questions, engine `{summary['engine']}`", ""]
    lines += [f"Questions: `{summary['questions_file']}`; settings: `{summary['settings']}`", ""]
    lines += ["| metric | value |", "| --- | --- |"]
    lines += [f"| {label} | {summary[key]} |" for key, label in HEADLINE if key in summary]
    if summary.get("fallbacks"):
        lines += ["", "## Why the model's answer was replaced by the extractive one", ""]
        lines += [f"- {reason}: {count}" for reason, count in summary["fallbacks"].items()]
    refusal = summary["components"].get("refusal")
    if refusal:
        lines += ["", "## Refusal decision on its own labelled set", "",
                  f"{refusal['examples']} examples: precision {refusal['precision']}, recall {refusal['recall']}, "
                  f"accuracy {refusal['accuracy']}."]
        lines += [f"- {'should refuse' if m['should_refuse'] else 'should answer'}: {m['question']}"
                  for m in refusal["mistakes"]]
    for component, heading in (("personal_data", "its own labelled set"), ("personal_data_heldout", "the held-out set")):
        personal = summary["components"].get(component)
        if not personal:
            continue
        lines += ["", f"## Personal-data guard on {heading}", "",
                  f"{personal['examples']} examples, {personal['entities']} pieces of personal data: "
                  f"precision {personal['precision']}, recall {personal['recall']}."]
        lines += [f"- {m['text']}: missed {m['missed']}, wrongly found {m['wrongly_found']}" for m in personal["mistakes"]]
    lines += ["", "## By category", "", "| category | n | recall@5 | MRR | key facts | refusal acc. | false refusals |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, cat in summary["by_category"].items():
        lines.append(
            f"| {name} | {cat['questions']} | {cat.get('recall@5', '')} | {cat.get('mrr', '')} | "
            f"{cat.get('key_fact_coverage', '')} | {cat.get('refusal_accuracy', '')} | {cat.get('false_refusals', '')} |"
        )
    failing = [(row, what_went_wrong(row, questions[row["id"]])) for row in rows]
    failing = [(row, problems) for row, problems in failing if problems]
    lines += ["", f"## Failing questions ({len(failing)})", ""]
    for row, problems in failing:
        lines.append(f"- **{row['id']}** ({row['category']}) {row['question']}: {'; '.join(problems)}")
    lines += ["", "## Plots", "", "![recall@k](recall_at_k.png)", "![latency](latency.png)",
              "![categories](categories.png)", ""]
    (out_dir / "report.md").write_text("\n".join(lines), encoding="utf-8")


def _plots(out_dir: Path, summary: dict, rows: list[dict]) -> None:
    ks = [k for k in (1, 3, 5, 10) if f"recall@{k}" in summary]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(ks, [summary[f"recall@{k}"] for k in ks], marker="o")
    ax.set(xlabel="k", ylabel="recall@k", ylim=(0, 1.02), title="Evidence in the top k")
    fig.tight_layout()
    fig.savefig(out_dir / "recall_at_k.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist([row["latency_ms"] for row in rows], bins=30)
    ax.set(xlabel="ms per question", ylabel="questions", title="Latency")
    fig.tight_layout()
    fig.savefig(out_dir / "latency.png", dpi=100)
    plt.close(fig)

    names = list(summary["by_category"])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.4
    recall = [summary["by_category"][n].get("recall@5", summary["by_category"][n].get("refusal_accuracy", 0)) for n in names]
    facts = [summary["by_category"][n].get("key_fact_coverage", summary["by_category"][n].get("refusal_accuracy", 0)) for n in names]
    positions = range(len(names))
    ax.bar([p - width / 2 for p in positions], recall, width, label="recall@5 (refusal acc. if unanswerable)")
    ax.bar([p + width / 2 for p in positions], facts, width, label="key facts (refusal acc. if unanswerable)")
    ax.set_xticks(list(positions), names, rotation=30, ha="right")
    ax.set(ylim=(0, 1.05), title="By category")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(out_dir / "categories.png", dpi=100)
    plt.close(fig)
