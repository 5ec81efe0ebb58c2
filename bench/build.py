"""Build benchmark: ``publisher build`` as a whole process, at several numbers of synthetic releases.

    python -m bench.build [--sizes 1000,10000,100000] [--runs 3] [--large-runs 1] [--output BENCHMARKS.md]

For each size: generate that many synthetic releases (bench/generate.py; made again only when the generator
or the reference data it copies changed), then time ``publisher build`` from an empty store (full build), again
with nothing changed (no-op rebuild) and after changing one release (incremental rebuild), and read the peak
resident set size of the largest process from the kernel (wait4). Runs alternate; medians are quoted. Sizes of
100,000 releases and more are run ``--large-runs`` times (a full build there takes minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bench.generate as generate_module
from bench.generate import generate
from bench.report import machine, reproduce, write_section

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.build"
DEFAULT_SIZES = "1000,10000,100000"
#: From this many releases on, a size is run ``--large-runs`` times rather than ``--runs`` times.
LARGE = 100_000
#: The targets: (releases, most seconds of a full build, most MiB of peak RSS).
TARGETS = ((10_000, 60.0, 1024.0), (100_000, 600.0, 4096.0))
#: Most seconds of a rebuild after changing one release, at every size.
REBUILD_TARGET = 2.0


@dataclass
class Run:
    seconds: float
    peak_mib: float
    exit_code: int
    output: str


@dataclass
class Row:
    size: int
    full: list[Run]
    noop: list[Run]
    incremental: list[Run]
    store_mib: float
    triples: int


def run(command: list[str], environment: dict[str, str] | None = None) -> Run:
    """One whole-process run: wall time, and peak RSS of the largest process it or its workers had."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(environment or {})}
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(time.monotonic() - started, usage.ru_maxrss / 1024, process.returncode, output)


def build_command(data: Path, store: Path | str) -> list[str]:
    return [sys.executable, "-m", "publisher.cli", "build", "--data", str(data), "--store", str(store), "--quiet"]


def releases(size: int, work: Path) -> Path:
    """The folder of ``size`` synthetic releases, generated again when the generator or the reference data (which
    it copies) changed."""
    data = work / f"releases-{size}"
    digest = hashlib.sha256(Path(generate_module.__file__).read_bytes() + str(size).encode())
    for file in sorted((ROOT / "data" / "reference").rglob("*")):
        if file.is_file():
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    stamp = digest.hexdigest()
    if not (data / ".generated").is_file() or (data / ".generated").read_text() != stamp:
        shutil.rmtree(data, ignore_errors=True)
        generate(size, data)
        (data / ".generated").write_text(stamp)
    return data


#: The sentence ``touch_one`` adds, with its number.
_ADDED = re.compile(r" Weitere Informationen folgen \(Stand (\d+)\)\.")


def touch_one(data: Path) -> None:
    """Change one release's text, as an editor would: a sentence before its contact block, numbered one higher
    than the one the last change left (the release folder is kept between runs: the same sentence again would be
    no change)."""
    first = sorted((data / "releases").glob("*.txt"))[0]
    text = first.read_text("utf-8")
    last = _ADDED.search(text)
    number = int(last.group(1)) + 1 if last else 1
    marker = " Kontakt Pressestelle"
    changed = _ADDED.sub("", text).replace(marker, f" Weitere Informationen folgen (Stand {number})." + marker, 1)
    first.write_text(changed, "utf-8")


def checked(result: Run, what: str) -> Run:
    """``result``, or the end of the benchmark when the command failed: a failure is not a time."""
    if result.exit_code != 0:
        sys.exit(f"{what} failed:\n{result.output[-2000:]}")
    return result


def measure(size: int, work: Path, runs: int) -> Row:
    data = releases(size, work)
    store = work / f"store-{size}"
    full, incremental, noop = [], [], []
    for _run in range(runs):
        shutil.rmtree(store, ignore_errors=True)
        result = checked(run(build_command(data, store)), f"build of {size} releases")
        full.append(result)
        noop.append(checked(run(build_command(data, store)), f"no-op rebuild of {size} releases"))
        touch_one(data)
        incremental.append(checked(run(build_command(data, store)), f"rebuild of {size} releases"))
        print(
            f"{size}: full {result.seconds:.1f} s, {result.peak_mib:.0f} MiB; "
            f"no-op {noop[-1].seconds:.2f} s; one changed {incremental[-1].seconds:.2f} s",
            file=sys.stderr,
        )
    return Row(size, full, noop, incremental, store_size(store), triples(store))


def store_size(store: Path) -> float:
    """MiB of the current state: the Oxigraph database and the files served beside it (dumps, search index, log)."""
    current = (store / "current").resolve()
    return sum(p.stat().st_size for p in current.rglob("*") if p.is_file()) / 1024 / 1024


def triples(store: Path) -> int:
    import json

    manifest = json.loads(((store / "current").resolve() / "manifest.json").read_text("utf-8"))
    return int(manifest["triples"])


def _median(runs: list[Run], attribute: str) -> float:
    return float(statistics.median(float(getattr(r, attribute)) for r in runs))


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def verdicts(rows: list[Row]) -> list[str]:
    """One sentence per target: the figure and whether it is met, for the sizes measured."""
    sentences = []
    by_size = {row.size: row for row in rows}
    for size, seconds, mib in TARGETS:
        row = by_size.get(size)
        if row is None:
            continue
        took, peak = _median(row.full, "seconds"), _median(row.full, "peak_mib")
        met = took <= seconds and peak <= mib
        sentences.append(
            f"{size:,} releases built in at most {_duration(seconds)} with at most {mib / 1024:g} GiB peak RSS: "
            f"{'met' if met else 'not met'} ({_duration(took)}, {peak / 1024:.2f} GiB)"
        )
    slowest = max(rows, key=lambda row: _median(row.incremental, "seconds"))
    worst = _median(slowest.incremental, "seconds")
    sentences.append(
        f"a rebuild after changing one release in at most {REBUILD_TARGET:g} s: "
        f"{'met' if worst <= REBUILD_TARGET else 'not met'} (at most {worst:.2f} s, at {slowest.size:,})"
    )
    return sentences


def _per_release(rows: list[Row]) -> int:
    largest = max(rows, key=lambda row: row.size)
    return round(largest.triples / largest.size)


def write_report(output: Path, rows: list[Row], command: str) -> None:
    counts = sorted({len(row.full) for row in rows}, reverse=True)
    runs = " and ".join(
        f"{count} run(s) at " + ", ".join(f"{row.size:,}" for row in rows if len(row.full) == count) for count in counts
    )
    lines = [
        "## Building",
        "",
        f"Reproduce with `{command}` (or `python -m bench --only build`); it rewrites this section.",
        "Whole-process figures of `publisher build`, medians over the runs, measured one after the other on",
        "the machine below; peak memory is the resident set of the largest single process (the build, one of",
        "its workers or the store's loader), as the kernel reports it. The releases are synthetic",
        f"(`bench/generate.py`), about {_per_release(rows)} triples each; the store size is that of the published"
        " state (the",
        "Oxigraph database, the dumps, the search index and the change log).",
        "",
        f"Machine: {machine()}.",
        f"Measured: {time.strftime('%Y-%m-%d')}, {runs}.",
        "",
        "| releases | triples | full build (extract, validate, load) | peak RSS | no-op rebuild "
        "| rebuild after changing one release | store size |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda row: row.size):
        lines.append(
            f"| {row.size:,} | {row.triples:,} | {_duration(_median(row.full, 'seconds'))} "
            f"| {_median(row.full, 'peak_mib'):,.0f} MiB | {_median(row.noop, 'seconds'):.2f} s "
            f"| {_median(row.incremental, 'seconds'):.2f} s | {row.store_mib:,.0f} MiB |"
        )
    lines += ["", "Targets: " + "; ".join(verdicts(rows)) + ".", ""]
    write_section(output, "build", lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="release counts, separated by commas")
    parser.add_argument("--runs", type=int, default=3, help="runs per size")
    parser.add_argument("--large-runs", type=int, default=1, help=f"runs per size of {LARGE:,} releases and more")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [measure(size, args.work, args.large_runs if size >= LARGE else args.runs) for size in sizes]
    command = reproduce(
        COMMAND,
        (
            ("--sizes", args.sizes, DEFAULT_SIZES),
            ("--runs", args.runs, 3),
            ("--large-runs", args.large_runs, 1),
        ),
    )
    write_report(args.output, rows, command)


if __name__ == "__main__":
    main()
