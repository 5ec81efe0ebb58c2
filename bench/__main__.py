"""Run every benchmark of the project, one after the other, and rewrite BENCHMARKS.md.

    python -m bench [--only build,pages,sparql,http,virtuoso,load] [--sizes 1000,10000,100000] [--runs 3]
                    [--large-runs 1] [--work var/bench] [--output BENCHMARKS.md]

Each part is a module of its own, also runnable alone, and rewrites its own section of BENCHMARKS.md:

* ``build`` (bench/build.py): build time, peak RSS and store size at each size; ``--runs`` runs per size, and
  ``--large-runs`` at 100,000 releases and more;
* ``pages`` (bench/pages.py): resource pages rendered for every request, latency and requests per second;
* ``sparql`` (bench/sparql.py): six typical SPARQL queries, against rdflib-endpoint up to 10,000 releases;
* ``http`` (bench/http.py): one release under the production server, behind nginx's cache, and as the static
  export under nginx, against nginx's static ceiling;
* ``virtuoso`` (bench/virtuoso.py): the embedded store against Virtuoso as a remote store, when Virtuoso is
  installed, at the same sizes (the embedded stores are those the build left; Virtuoso's builds are measured);
* ``load`` (bench/load.py): the production server under a mix of every kind of request for 60 s at 64
  connections: statuses, latency per kind, memory.

The parts run in that order (the build first: the others use the stores it leaves in var/bench). A part that
fails is reported at the end, and the others still run; the exit code is 1 when any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("build", "pages", "sparql", "http", "virtuoso", "load")


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    """The command of each part, with the options that apply to it."""
    output = ["--output", str(args.output)]
    work = ["--work", str(args.work)]
    python = [sys.executable, "-m"]
    return {
        "build": [
            *python,
            "bench.build",
            "--sizes",
            args.sizes,
            "--runs",
            str(args.runs),
            "--large-runs",
            str(args.large_runs),
            *work,
            *output,
        ],
        "pages": [*python, "bench.pages", "--sizes", args.sizes, *work, *output],
        "sparql": [*python, "bench.sparql", "--sizes", args.sizes, *work, *output],
        "http": [*python, "bench.http", *output],
        "virtuoso": [*python, "bench.virtuoso", "--sizes", args.sizes, "--reuse-embedded", *work, *output],
        "load": [*python, "bench.load", *work, *output],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help="parts to run, separated by commas")
    parser.add_argument("--sizes", default="1000,10000,100000", help="release counts, separated by commas")
    parser.add_argument("--runs", type=int, default=3, help="build runs per size")
    parser.add_argument("--large-runs", type=int, default=1, help="build runs at 100,000 releases and more")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "var" / "bench", help="folder for the generated releases and their stores"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(unknown)}; the parts are {', '.join(PARTS)}")
    every = commands(args)
    failed: list[str] = []
    for part in PARTS:
        if part not in parts:
            continue
        started = time.monotonic()
        print(f"== {part}: {' '.join(every[part][1:])}", file=sys.stderr, flush=True)
        result = subprocess.run(every[part], cwd=ROOT, check=False)
        print(f"== {part}: exit {result.returncode} after {time.monotonic() - started:.0f} s", file=sys.stderr)
        if result.returncode != 0:
            failed.append(part)
    if failed:
        sys.exit(
            f"failed: {', '.join(failed)} (a part that could not measure leaves its section of {args.output} as it "
            "was; one that measured and missed a target, such as load, has rewritten it, saying so)"
        )


if __name__ == "__main__":
    main()
