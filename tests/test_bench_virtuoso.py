"""The comparison of the embedded store with Virtuoso (bench/virtuoso.py), run small: it measures one backend at a
time, Virtuoso on its own besides, and reports every query and page for each."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.config import PROJECT_ROOT
from tests.virtuoso import REQUIRE

QUERIES = 9  # ASK {}, the six typical queries, the text search through the full-text index, and in the JSON API
PAGES = 5


def test_each_backend_is_measured_alone_and_virtuoso_on_its_own(tmp_path: Path) -> None:
    if shutil.which("virtuoso-t") is None:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{REQUIRE} is set but virtuoso-t is not installed", pytrace=False)
        pytest.skip("virtuoso-t is not installed (Debian: virtuoso-opensource)")
    report = tmp_path / "BENCHMARKS.md"
    small = ["--sizes", "20", "--runs", "2", "--requests", "2", "--work", str(tmp_path / "work")]
    result = subprocess.run(
        [sys.executable, "-m", "bench.virtuoso", *small, "--output", str(report)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    section = report.read_text("utf-8").split("<!-- section: virtuoso -->")[1]
    assert "python -m bench.virtuoso --sizes 20 --runs 2 --requests 2" in section
    header = next(line for line in section.splitlines() if line.startswith("| query or page |"))
    assert [cell.strip() for cell in header.strip("|").split("|")][1:] == [
        "embedded (Oxigraph)",
        "Virtuoso (remote)",
        "ratio",
        "Virtuoso itself",
    ]
    rows = [line for line in section.splitlines() if line.startswith("| ") and " ms |" in line]
    assert len(rows) == QUERIES + PAGES, rows
    for row in rows:
        _name, embedded, remote, ratio, direct = (cell.strip() for cell in row.strip("|").split("|"))
        assert embedded.endswith(" ms") and remote.endswith(" ms") and ratio.endswith("×"), row
        if row in rows[QUERIES - 1 :]:
            assert direct == "–", row  # the JSON API and pages: nothing for Virtuoso alone
        else:
            assert direct.endswith(" ms") and float(direct.split()[0].replace(",", "")) > 0, row
    assert "have the same number of rows (or triples)." in section  # no "except": every answer agreed
    # one backend at a time: every embedded figure is printed before the first of the remote store
    lines = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    kinds = ["embedded" if "embedded (Oxigraph)" in line else "remote" for line in lines if "ms" in line]
    first_remote = kinds.index("remote")
    assert kinds[:first_remote] == ["embedded"] * (QUERIES + PAGES)
    assert "embedded" not in kinds[first_remote:]
