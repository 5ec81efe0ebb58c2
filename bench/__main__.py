"""Run the project's benchmarks and rewrite BENCHMARKS.md.

    python -m bench [--sizes 1000,10000] [--runs 3] [--output BENCHMARKS.md]

For each size: generate that many synthetic releases (bench/generate.py), then time ``publisher build`` as a
whole process, from an empty store (full build) and after changing one release (incremental rebuild), and read
the peak resident set size of the largest process from the kernel (wait4). Runs alternate; medians are quoted.
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
from bench.report import machine, write_section

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    seconds: float
    peak_mib: float
    exit_code: int
    output: str


def run(command: list[str]) -> Run:
    """One whole-process run: wall time, and peak RSS of the largest process it or its workers had."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(time.monotonic() - started, usage.ru_maxrss / 1024, process.returncode, output)


def build_command(data: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "publisher.cli", "build", "--data", str(data), "--store", str(store), "--quiet"]


def touch_one(data: Path, round_number: int) -> None:
    """Change one release's text, as an editor would: a sentence before its contact block."""
    first = sorted((data / "releases").glob("*.txt"))[0]
    text = re.sub(r" Weitere Informationen folgen \(Stand \d+\)\.", "", first.read_text("utf-8"))
    marker = " Kontakt Pressestelle"
    first.write_text(
        text.replace(marker, f" Weitere Informationen folgen (Stand {round_number})." + marker, 1), "utf-8"
    )


def checked(result: Run, what: str) -> Run:
    """``result``, or the end of the benchmark when the command failed: a failure is not a time."""
    if result.exit_code != 0:
        sys.exit(f"{what} failed:\n{result.output[-2000:]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks and rewrite BENCHMARKS.md.")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for size in sizes:
        data = args.work / f"releases-{size}"
        # generated again when the generator changed: the figures are of what it makes now
        stamp = hashlib.sha256(Path(generate_module.__file__).read_bytes() + str(size).encode()).hexdigest()
        if not (data / ".generated").is_file() or (data / ".generated").read_text() != stamp:
            shutil.rmtree(data, ignore_errors=True)
            generate(size, data)
            (data / ".generated").write_text(stamp)
        full, incremental, noop = [], [], []
        for number in range(args.runs):
            store = args.work / f"store-{size}"
            shutil.rmtree(store, ignore_errors=True)
            result = checked(run(build_command(data, store)), f"build of {size} releases")
            full.append(result)
            noop.append(checked(run(build_command(data, store)), f"no-op rebuild of {size} releases"))
            touch_one(data, number)
            incremental.append(checked(run(build_command(data, store)), f"rebuild of {size} releases"))
            print(
                f"{size}: full {result.seconds:.1f} s, {result.peak_mib:.0f} MiB; "
                f"no-op {noop[-1].seconds:.2f} s; one changed {incremental[-1].seconds:.2f} s",
                file=sys.stderr,
            )
        rows.append((size, full, noop, incremental, _store_size(args.work / f"store-{size}")))
    write_report(args.output, rows, args.runs)


def _store_size(store: Path) -> float:
    current = (store / "current").resolve()
    return sum(p.stat().st_size for p in current.rglob("*") if p.is_file()) / 1024 / 1024


def _median(runs: list[Run], attribute: str) -> float:
    return float(statistics.median(float(getattr(r, attribute)) for r in runs))


def write_report(output: Path, rows: list[tuple[int, list[Run], list[Run], list[Run], float]], runs: int) -> None:
    lines = [
        "## Building",
        "",
        "Reproduce with `python -m bench` (all sizes) or `python -m bench --sizes 1000 --runs 3`; it rewrites this",
        "section. Whole-process figures of `publisher build`, medians over the runs, measured one after the other on",
        "the machine below; peak memory is the resident set of the largest single process (the build or one of",
        "its workers), as the kernel reports it. The releases are synthetic (`bench/generate.py`), about 65",
        "triples each.",
        "",
        f"Machine: {machine()}.",
        f"Measured: {time.strftime('%Y-%m-%d')}, {runs} run(s) per figure.",
        "",
        "| releases | full build (extract, validate, load) | peak RSS | no-op rebuild "
        "| rebuild after changing one release | store size |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size, full, noop, incremental, store_mib in rows:
        lines.append(
            f"| {size:,} | {_median(full, 'seconds'):.1f} s | {_median(full, 'peak_mib'):.0f} MiB | "
            f"{_median(noop, 'seconds'):.2f} s | {_median(incremental, 'seconds'):.2f} s | {store_mib:.0f} MiB |"
        )
    lines += [
        "",
        "Targets: 10,000 releases built in at most 60 s with at most 1 GiB peak RSS; a rebuild after changing one",
        "release in at most 2 s.",
        "",
    ]
    write_section(output, "build", lines)


if __name__ == "__main__":
    main()
