"""The benchmarks say what machine their figures come from (no model, no index: quick)."""

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
