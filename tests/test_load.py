"""The load test (bench/load.py) for a few seconds: the production server, under a mix of every kind of request
at once, answers every kind, never with a 5xx, loses no connection, and its memory does not run away; and the
harness counts every response by kind and status class. Needs wrk (Debian: wrk), which CI installs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load import Kind, LoadResult, measure, prepare_store, serving, write_report, write_script, wrk

WRK = shutil.which("wrk")
if WRK is None and os.environ.get("PUBLISHER_REQUIRE_NGINX"):
    pytest.fail("wrk is required here (PUBLISHER_REQUIRE_NGINX) but not installed", pytrace=False)
pytestmark = pytest.mark.skipif(WRK is None, reason="wrk is not installed (Debian: apt-get install wrk)")

DURATION = 5
CONNECTIONS = 16


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data, built as the load test builds it."""
    folder = tmp_path_factory.mktemp("load")
    return prepare_store(None, folder / "work", folder)


@pytest.fixture(scope="module")
def loaded(store: Path) -> LoadResult:
    return measure(store, None, DURATION, CONNECTIONS, kind_duration=1, warmup=2)


def test_mixed_load_gets_no_5xx_and_loses_no_connection(loaded: LoadResult) -> None:
    mixed = loaded.mixed
    assert mixed.requests > 100
    assert mixed.server_errors == 0, mixed.failures
    assert mixed.connection_errors == 0, mixed.errors
    # every path of the mix is one the server has: anything but 2xx/3xx is a finding
    assert set(mixed.by_class()) <= {"2xx", "3xx"}, mixed.failures
    assert not mixed.failures
    # the script counted every response wrk completed
    assert sum(mixed.by_class().values()) == mixed.requests


def test_every_kind_is_answered_in_the_mix_and_alone(loaded: LoadResult) -> None:
    names = {kind.name for kind in loaded.kinds}
    assert names == {
        "page_html",
        "page_data",
        "redirect",
        "listing",
        "landing",
        "sparql",
        "api",
        "search",
        "fragments",
    }
    for kind in loaded.kinds:
        counts = loaded.mixed.statuses.get(kind.name, {})
        assert counts.get("2xx", 0) + counts.get("3xx", 0) > 0, kind.name
        alone = loaded.per_kind[kind.name]
        assert alone.requests > 0 and alone.server_errors == 0 and alone.connection_errors == 0, (kind.name, alone)
        assert set(alone.statuses) == {kind.name}
    assert set(loaded.mixed.statuses["redirect"]) == {"3xx"}
    # many resources, not one page over and over
    assert len(next(kind for kind in loaded.kinds if kind.name == "page_html").requests) > 100


def test_memory_of_the_process_tree_does_not_run_away(loaded: LoadResult) -> None:
    memory = loaded.memory
    assert len(memory.samples) >= DURATION - 1
    low, _high = memory.processes
    assert low >= 2  # gunicorn's master and at least one worker
    assert memory.baseline > 50
    assert memory.end - memory.baseline <= max(0.25 * memory.baseline, 64), memory.samples


def test_report_section_states_totals_kinds_memory_and_targets(loaded: LoadResult, tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nintro\n\n<!-- section: http -->\nkept\n<!-- end of section: http -->\n")
    write_report(output, loaded, "python -m bench.load --duration 5 --connections 16")
    text = output.read_text("utf-8")
    assert "<!-- section: http -->\nkept\n<!-- end of section: http -->" in text
    section = text.split("<!-- section: load -->")[1].split("<!-- end of section: load -->")[0]
    assert "## Load" in section
    assert "`python -m bench.load --duration 5 --connections 16`" in section
    assert f"{DURATION} s at {CONNECTIONS} connections" in section
    assert "5xx: 0;" in section
    for kind in loaded.kinds:
        assert f"| {kind.title} |" in section
    assert "**Memory**" in section and "MiB/min" in section
    assert "typical SPARQL queries, median at most 100 ms:" in section
    assert "no 5xx and no connection errors: met" in section


@pytest.fixture(scope="module")
def port(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with serving(store, tmp_path_factory.mktemp("server") / "server.log") as (_server, number):
        yield number


def test_script_counts_each_response_by_kind_and_status_class(port: int, tmp_path: Path) -> None:
    kinds = [
        Kind("good", "landing page", 1, [("/", "text/html")]),
        Kind("missing", "unknown IRI", 1, [("/id/bezirk/nirgendwo", "text/html"), ("/liste/nichts", "text/html")]),
        Kind("refused", "no acceptable type", 1, [("/api/releases", "image/png")]),
    ]
    script = tmp_path / "load.lua"
    write_script(kinds, script)
    mixed = wrk(port, script, 2, 3)
    assert mixed.requests >= 12, mixed
    assert mixed.statuses == {
        "good": {"2xx": mixed.statuses["good"]["2xx"]},
        "missing": {"4xx": mixed.statuses["missing"]["4xx"]},
        "refused": {"4xx": mixed.statuses["refused"]["4xx"]},
    }, mixed
    assert sum(mixed.by_class().values()) == mixed.requests
    # the first failing paths are named with their status
    assert {"404 /id/bezirk/nirgendwo", "404 /liste/nichts", "406 /api/releases"} <= set(mixed.failures), mixed
    alone = wrk(port, script, 1, 2, "missing")
    assert alone.requests > 0 and alone.statuses == {"missing": {"4xx": alone.requests}}, alone
