"""The benchmarks say what machine their figures come from, the large build uses a backend that passed the
quality gate, and latency ratios are measured side by side."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.run import SPEED_FLAGS, machine


@pytest.mark.fast
def test_the_machine_line_names_cores_processor_and_the_flags_backend_speed_depends_on():
    line = machine()
    assert line.startswith(f"{os.cpu_count()} cores, ")
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("no /proc/cpuinfo on this system")
    flags = {flag for text in cpuinfo.read_text().splitlines() if text.startswith("flags")
             for flag in text.partition(":")[2].split()}
    present = [flag for flag in SPEED_FLAGS if flag in flags]
    assert f"({', '.join(present) or 'none of ' + ', '.join(SPEED_FLAGS)})" in line


@pytest.mark.fast
def test_the_large_build_takes_the_fastest_backend_that_passed_the_quality_gate():
    from bench.scale import _large_backend

    backends = {
        "torch": {"backend": "torch", "texts_per_second": 6.0, "passes_quality_gate": True},
        "onnx": {"backend": "onnx", "texts_per_second": 10.0, "passes_quality_gate": True},
        "openvino": {"backend": "openvino", "texts_per_second": 16.0, "passes_quality_gate": False},
    }
    assert _large_backend(backends, "fastest") == "onnx"
    assert _large_backend(backends, "torch") == "torch"
    with pytest.raises(SystemExit, match="openvino backend failed the quality gate"):
        _large_backend(backends, "openvino")


class _Recorded:
    """A real navigator whose questions are written down in the order they come."""

    def __init__(self, navigator, name: str, log: list[tuple[str, str]]):
        self.navigator, self.name, self.log = navigator, name, log

    def ask(self, question: str, history=()):
        self.log.append((self.name, question))
        return self.navigator.ask(question, history)


def test_paired_latency_puts_each_question_to_every_navigator_in_alternating_order(navigator, tmp_path):
    """bench-scale's answer-time ratio is measured side by side: question by question, first one index then the
    other, the order turned round each time, so a machine slowing down mid-run slows both alike."""
    from bench.run import paired_latency

    questions = tmp_path / "questions.jsonl"
    asked = ["What is Liaison and Diversion?", "Who commissions healthcare in police custody?", "What is a SARC?"]
    questions.write_text("".join(f'{{"id": "t{i}", "question": "{q}", "answerable": true}}\n'
                                 for i, q in enumerate(asked)), encoding="utf-8")
    log: list[tuple[str, str]] = []
    timings = paired_latency({"large": _Recorded(navigator, "large", log),
                              "small": _Recorded(navigator, "small", log)}, questions)
    in_turn = log[2:]  # after each navigator's warm-up question
    assert in_turn == [("large", asked[0]), ("small", asked[0]), ("small", asked[1]), ("large", asked[1]),
                       ("large", asked[2]), ("small", asked[2])]
    for name in ("large", "small"):
        assert timings[name]["questions"] == 3
        assert 0 < timings[name]["retrieval_p50_ms"] <= timings[name]["extractive_p50_ms"]
