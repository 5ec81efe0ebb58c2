"""rdflib-endpoint over an rdflib graph read from one N-Triples file (``BENCH_RDF_FILE``): the comparison server of
``bench.sparql``, started there as ``uvicorn --factory bench.rdflib_app:create``. The graph is loaded before the
server binds its port, so a server that answers has all of its triples."""

from __future__ import annotations

import os
import sys
import time

from rdflib import Graph
from rdflib_endpoint import SparqlEndpoint


def create() -> SparqlEndpoint:
    started = time.monotonic()
    graph = Graph()
    graph.parse(os.environ["BENCH_RDF_FILE"], format="nt")
    print(f"rdflib: {len(graph)} triples loaded in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return SparqlEndpoint(graph=graph, path="/sparql", cors_enabled=True)
