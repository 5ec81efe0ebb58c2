"""BENCHMARKS.md is made of sections, each rewritten by the benchmark that measures it."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

HEADER = """# Benchmarks

`python -m bench` runs every benchmark and rewrites every section below; each section is also rewritten by the
command it names, and the others stay as they are. All figures were measured on the machine each section names,
medians over the runs it states."""


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
