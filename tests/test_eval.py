"""The question set, the metrics, the runner's outputs, and the CI gate."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from assistant.settings import PROJECT_ROOT
from eval.compare import compare_runs
from eval.__main__ import _override, _question_files
from eval.dataset import BLIND_SETS, REPORTED_SETS, TARGET_FILES, TARGET_SETS, load_questions, reported_set
from eval.metrics import citation_precision, holds_snippet, ndcg_at, normalise, precision_recall
from tests.conftest import CORPUS

(QUESTIONS,) = REPORTED_SETS["questions"]
OFFICER_QUESTIONS = list(REPORTED_SETS["officer"])
THRESHOLDS = json.loads((PROJECT_ROOT / "eval" / "thresholds.json").read_text())


def _corpus_text() -> str:
    return normalise(" ".join(path.read_text(encoding="utf-8") for path in CORPUS.glob("*.txt")))


@pytest.mark.fast
def test_the_question_set_has_the_required_shape():
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 100 and len({q.id for q in questions}) == len(questions)
    refused = [q for q in questions if not q.answerable]
    assert len(refused) >= 15
    assert {"plain", "acronym", "misspelt", "multi_part", "list", "followup", "unanswerable"} <= {q.category for q in questions}
    assert sum(bool(q.history) for q in questions) >= 10
    assert all(q.evidence and q.key_facts for q in questions if q.answerable)


@pytest.mark.fast
def test_a_set_is_named_as_make_eval_reports_it():
    assert _question_files("officer") == OFFICER_QUESTIONS and len(OFFICER_QUESTIONS) == 2
    assert all(path.exists() and reported_set(path) == "officer" for path in OFFICER_QUESTIONS)
    assert reported_set(QUESTIONS) == "questions" and _question_files(str(QUESTIONS)) == [QUESTIONS]
    assert reported_set(PROJECT_ROOT / "eval" / "refusal_labels.jsonl") == "refusal_labels"


@pytest.mark.fast
@pytest.mark.parametrize("name", ["questions", "blind", "officer-later", "blind-later"])  # officer files as given
def test_every_evidence_snippet_and_key_fact_is_in_the_corpus(name):
    corpus = _corpus_text()
    for question in (q for path in REPORTED_SETS[name] for q in load_questions(path)):
        for snippet in question.evidence + question.key_facts:
            assert normalise(snippet) in corpus, (question.id, snippet)


@pytest.mark.fast
def test_a_key_fact_typed_with_straight_quotes_finds_curly_ones():
    assert normalise("A key principle of ‘place-based working’ is “local”") == normalise(
        "a key principle of 'place-based working' is \"local\"")


@pytest.mark.fast
@pytest.mark.parametrize("name", BLIND_SETS)
def test_a_blind_set_is_never_fitted_on(name):
    from eval.picker import PICKER_SETS

    blind = set(REPORTED_SETS[name])
    assert name not in TARGET_SETS and not blind & set(TARGET_FILES) and not blind & set(PICKER_SETS)
    assert set(REPORTED_SETS["officer-later"]) <= set(TARGET_FILES)


@pytest.mark.fast
def test_every_document_is_asked_about():
    from ingest.__main__ import build_chunks
    from assistant.settings import Settings

    chunks, _, _ = build_chunks(CORPUS, Settings())
    asked_sources = {
        chunk.source
        for question in load_questions(QUESTIONS)
        for chunk in chunks
        if any(holds_snippet(chunk.text, snippet) for snippet in question.evidence)
    }
    assert asked_sources == {chunk.source for chunk in chunks}


@pytest.mark.fast
def test_a_snippet_cut_by_a_chunk_edge_still_counts():
    snippet = "The L&D Programme was created in 2010 and had developed into a strong cross-government initiative"
    assert holds_snippet("Programme was created in 2010 and had developed into a strong cross-government", snippet)
    assert not holds_snippet("The Programme came about as a consequence of the Bradley Report", snippet)


@pytest.mark.fast
def test_a_set_override_is_read_as_its_environment_variable_would_be():
    assert _override("rescore_least_spread=[0, 0.1, 1, 0.01]") == ("rescore_least_spread", [0, 0.1, 1, 0.01])
    assert _override("retrieval=bm25") == ("retrieval", "bm25")  # text stays text for Settings to validate
    assert _override("min_similarity=0.4") == ("min_similarity", "0.4")
    with pytest.raises(argparse.ArgumentTypeError, match="rescore_least_spread takes a JSON list"):
        _override("rescore_least_spread=0.1, 0.2")


@pytest.mark.fast
def test_ndcg_and_precision_recall():
    assert ndcg_at([True, False]) == 1.0
    assert ndcg_at([False, True]) == pytest.approx(1 / 1.58496, rel=1e-3)
    assert ndcg_at([False, False]) == 0.0
    assert precision_recall([True, True, False], [True, False, False]) == {
        "examples": 3, "precision": 0.5, "recall": 1.0, "accuracy": 0.6667}


@pytest.mark.fast
def test_citation_precision_catches_a_wrong_citation_number():
    citations = [{"n": 1, "text": "SARCs are commissioned by NHS England."}, {"n": 2, "text": "ICBs plan services."}]
    assert citation_precision("SARCs are commissioned by NHS England. [1]", citations) == (1, 1)
    assert citation_precision("SARCs are commissioned by NHS England. [2]", citations) == (0, 1)
    assert citation_precision("SARCs are run by the police. [1] ICBs plan services. [3]", citations) == (0, 2)


@pytest.fixture(scope="module")
def eval_run(navigator, tmp_path_factory):
    from eval.runner import run_eval

    out = tmp_path_factory.mktemp("eval")
    summary = run_eval(
        navigator,
        QUESTIONS,
        out,
        refusal_labels=PROJECT_ROOT / "eval" / "refusal_labels.jsonl",
        personal_data_labels=PROJECT_ROOT / "eval" / "pii_labels.jsonl",
        personal_data_heldout=PROJECT_ROOT / "eval" / "pii_heldout.jsonl",
        show_progress=False,
    )
    return out, summary


def test_the_runner_writes_results_summary_report_and_plots(eval_run):
    out, summary = eval_run
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == summary["questions"] == len(load_questions(QUESTIONS))
    row = rows[0]
    assert {"id", "question", "answer", "refused", "citations", "retrieved", "latency_ms", "engine"} <= set(row)
    assert len(row["retrieved"]) == 10 and {"rank", "source", "text", "score"} <= set(row["retrieved"][0])
    for key in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", "key_fact_coverage", "citation_support",
                "citation_precision", "refusal_accuracy", "false_refusals", "latency_p50_ms", "latency_p95_ms"):
        assert key in summary
    assert summary["by_category"]["unanswerable"]["refusal_accuracy"] == summary["refusal_accuracy"]
    report = (out / "report.md").read_text()
    assert "## Failing questions" in report and "## By category" in report and "## Personal-data guard" in report
    for plot in ("recall_at_k.png", "latency.png", "categories.png"):
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"
    assert re.search(r"\| Recall@5 \|", compare_runs([out, out]))


def _reported_run(navigator, tmp_path_factory, name: str):
    from eval.runner import run_eval

    out = tmp_path_factory.mktemp(name)
    return out, run_eval(navigator, list(REPORTED_SETS[name]), out, show_progress=False)


@pytest.fixture(scope="module")
def officer_run(navigator, tmp_path_factory):
    return _reported_run(navigator, tmp_path_factory, "officer")


@pytest.fixture(scope="module")
def blind_run(navigator, tmp_path_factory):
    return _reported_run(navigator, tmp_path_factory, "blind")


@pytest.fixture(scope="module")
def blind_later_run(navigator, tmp_path_factory):
    return _reported_run(navigator, tmp_path_factory, "blind-later")


@pytest.fixture(scope="module")
def later_run(navigator, tmp_path_factory):
    return _reported_run(navigator, tmp_path_factory, "officer-later")


def _holds(summary: dict, gate: dict) -> None:
    for metric, floor in gate.get("minimum", {}).items():
        assert summary[metric] >= floor, f"{metric} fell to {summary[metric]} (gate {floor})"
    for metric, ceiling in gate.get("maximum", {}).items():
        assert summary[metric] <= ceiling, f"{metric} rose to {summary[metric]} (gate {ceiling})"


def test_the_ci_gate_holds_on_the_question_set_written_with_the_rules(eval_run):
    _, summary = eval_run
    _holds(summary, THRESHOLDS["own"])
    for component, floors in THRESHOLDS["components"].items():
        for metric, floor in floors.items():
            assert summary["components"][component][metric] >= floor, (component, metric)


def test_the_ci_gate_holds_on_the_officer_sets(officer_run):
    out, summary = officer_run
    assert summary["questions"] == 120 and summary["statuses"]  # both officer sets, every status counted
    assert all("status" in json.loads(line) for line in (out / "results.jsonl").read_text().splitlines())
    _holds(summary, THRESHOLDS["officer"])


def test_the_ci_gate_holds_on_the_blind_set(blind_run):
    _, summary = blind_run
    assert summary["questions"] == 60
    _holds(summary, THRESHOLDS["blind"])


def test_the_ci_gate_holds_on_the_later_blind_set(blind_later_run):
    _, summary = blind_later_run
    assert summary["questions"] == 80
    _holds(summary, THRESHOLDS["blind-later"])


def test_the_ci_gate_holds_on_the_later_officer_sets(later_run):
    _, summary = later_run
    assert summary["questions"] == 140
    _holds(summary, THRESHOLDS["officer-later"])


def test_the_answer_policy_is_cross_validated_over_every_labelled_set(eval_run, officer_run, later_run):
    from eval.crossval import crossval
    from assistant.settings import Settings

    text = crossval([eval_run[0], eval_run[0] / "refusal", officer_run[0], later_run[0]], Settings())
    assert "Out-of-fold" in text and "earns its place" in text
    assert (officer_run[0].parent / "crossval.json").exists()
