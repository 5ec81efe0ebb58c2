"""The benchmark command: it runs what it is asked to, and rewrites only its own sections of the report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from publisher.config import PROJECT_ROOT


def bench(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )


def test_build_part_rewrites_its_section_and_keeps_the_others(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    other = "<!-- section: http -->\n## Serving\n\nmeasured elsewhere\n<!-- end of section: http -->\n"
    report.write_text("# Benchmarks\n\nintro\n\n" + other, "utf-8")
    work = ["--work", str(tmp_path / "work")]
    result = bench("--only", "build", "--sizes", "20", "--runs", "1", *work, "--output", str(report))
    assert result.returncode == 0, result.stderr[-2000:]
    text = report.read_text("utf-8")
    assert other in text
    section = text.split("<!-- section: build -->")[1].split("<!-- end of section: build -->")[0]
    assert "python -m bench.build --sizes 20 --runs 1" in section
    row = next(line for line in section.splitlines() if line.startswith("| 20 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2].endswith(" s") and float(cells[2].split()[0]) > 0  # full build
    assert cells[3].endswith(" MiB") and float(cells[3].split()[0].replace(",", "")) > 10  # peak RSS
    assert "1 run(s) at 20" in section
    assert "a rebuild after changing one release in at most 2 s:" in section


def test_unknown_part_is_refused_with_the_list_of_parts(tmp_path: Path) -> None:
    result = bench("--only", "build,speed", "--output", str(tmp_path / "BENCHMARKS.md"))
    assert result.returncode == 2
    assert "unknown part(s) speed" in result.stderr
    assert "build, pages, sparql, http, virtuoso" in result.stderr
    assert not (tmp_path / "BENCHMARKS.md").exists()


def test_the_changed_release_differs_every_time_even_across_runs(tmp_path: Path) -> None:
    """The build benchmark keeps its release folders between runs: the change it times must be one every time (the
    same sentence written again would be no change, and a no-op rebuild would be timed as an incremental one)."""
    from bench.build import touch_one

    seed = next((PROJECT_ROOT / "data" / "releases").glob("*.txt"))
    (tmp_path / "releases").mkdir()
    release = tmp_path / "releases" / seed.name
    release.write_text(seed.read_text("utf-8"), "utf-8")
    texts = [release.read_text("utf-8")]
    for _run in range(3):
        touch_one(tmp_path)
        texts.append(release.read_text("utf-8"))
    assert len(set(texts)) == 4
    assert all(text.count("Weitere Informationen folgen (Stand") == 1 for text in texts[1:])
