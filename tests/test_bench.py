"""The benchmarks say what machine their figures come from, and the large build uses a backend that passed the
quality gate (no model, no index: quick)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.run import SPEED_FLAGS, machine

pytestmark = pytest.mark.fast


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
