"""BENCHMARKS.md is made of sections, each rewritten by the benchmark that measures it."""

from __future__ import annotations

import os
import platform
import re
import statistics
from collections.abc import Iterable
from pathlib import Path

HEADER = """# Benchmarks

`python -m bench` runs every benchmark but the landing page's (`python -m bench.landing`) and rewrites their
sections; each section is also rewritten by the command it names, and the others stay as they are. All figures were
measured on the machine each section names, medians over the runs it states."""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    import pyoxigraph
    import pyshacl
    import rdflib

    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; pyoxigraph {pyoxigraph.__version__}, "
        f"pySHACL {pyshacl.__version__}, rdflib {rdflib.__version__}"
    )


def write_section(output: Path, name: str, lines: list[str]) -> None:
    """Replace (or add) the section ``name`` of ``output``."""
    start, end = f"<!-- section: {name} -->", f"<!-- end of section: {name} -->"
    block = "\n".join([start, *lines, end])
    text = output.read_text("utf-8") if output.exists() else HEADER + "\n"
    if not text.startswith("# Benchmarks"):
        text = HEADER + "\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    output.write_text(text if text.endswith("\n") else text + "\n", "utf-8")


__all__ = ["HEADER", "machine", "write_section"]


def reproduce(command: str, flags: Iterable[tuple[str, object, object]]) -> str:
    """The command line that reproduces a run: ``command`` and every (flag, value, default) whose value is not the
    default."""
    return command + "".join(f" {flag} {value}" for flag, value, default in flags if str(value) != str(default))


def percentile_ms(seconds: list[float], share: float) -> float:
    """The ``share`` percentile of ``seconds``, in milliseconds (the nearest rank below)."""
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def median_ms(seconds: list[float]) -> float:
    return float(statistics.median(seconds)) * 1000


def milliseconds(value: str) -> float:
    """A duration as wrk prints it (``812.00us``, ``1.52ms``, ``2.01s``), in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_figures(output: str, where: str) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 (ms) from the output of ``wrk --latency``; a run that saw errors or non-2xx
    answers at ``where`` ends the benchmark."""
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors at {where}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    return rate, p50, p99
