"""The W3C SPARQL 1.1 Protocol tests, one test per entry of the suite's manifest, against a running server.

The manifest (``sparql-tests/sparql/sparql11/protocol/manifest.ttl`` in the folder named by PUBLISHER_STANDARDS)
describes each test as HTTP requests (method, path, headers, body) and what the answers must be (status class,
result format, boolean). Each request is sent exactly as described to ``publisher serve`` running as a process of
its own over an on-disk store that holds the suite's data, each file in the named graph its label names. The
suite's paths start with ``/sparql/``; the endpoint is ``/sparql``.

The endpoint is read-only: where the suite expects an update to succeed, the test (its id ends in ``-refused``)
asserts the opposite: the update is refused with a 4xx, the store is unchanged, and the suite's follow-up query
finds nothing the update would have written.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import url2pathname

import pyoxigraph as ox
import pytest
from _pytest.mark.structures import ParameterSet
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from publisher.store import Change
from publisher.store.oxigraph import OxigraphStore
from tests.conftest import NOT_SET, free_port, serving, standards_folder

MANIFEST = Path("sparql-tests") / "sparql" / "sparql11" / "protocol" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

#: What each of the manifest's expected formats may come as: media type -> how to read it.
RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
ACCEPTED = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": set(RESULTS),
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}
RDFLIB_FORMAT = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


@dataclass(frozen=True)
class Request:
    """One ht:Request of a test and the ht:Response it expects."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # status classes: 2 for hts:StatusCode2xx, ...
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def content_type(self) -> str:
        return next((value for name, value in self.headers if name.lower() == "content-type"), "")

    @property
    def is_update(self) -> bool:
        """Whether the request asks for an update operation (however well or badly it asks)."""
        parameters = set(parse_qs(urlsplit(self.path).query))
        if self.body is not None and not self.content_type.startswith("application/sparql-"):
            with contextlib.suppress(UnicodeDecodeError):  # a body in another encoding holds no form
                parameters |= set(parse_qs(self.body.decode("utf-8")))
        return bool(
            parameters & {"update", "using-graph-uri", "using-named-graph-uri"}
            or self.content_type.startswith("application/sparql-update")
        )


@dataclass(frozen=True)
class Entry:
    """One mf:ProtocolTest."""

    name: str
    title: str
    graphs: tuple[tuple[str, Path], ...]  # graph name (the label) -> data file
    requests: tuple[Request, ...]

    @property
    def refused(self) -> bool:
        """An update the suite expects to succeed: a read-only endpoint refuses it."""
        return any(r.is_update and 2 in r.statuses for r in self.requests)

    @property
    def id(self) -> str:
        return f"{self.name}-refused" if self.refused else self.name


def _request(graph: Graph, node: Any) -> Request:
    headers = []
    if (header_list := graph.value(node, HT.headers)) is not None:
        for header in Collection(graph, header_list):
            headers.append((str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue))))
    body = None
    if (content := graph.value(node, HT.body)) is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    statuses = frozenset(int(str(s).rsplit("StatusCode", 1)[1][0]) for s in graph.objects(response, MF.expectedStatus))
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=tuple(headers),
        body=body,
        statuses=statuses,
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=bool(boolean.toPython()) if boolean is not None else None,
    )


def read_manifest(path: Path) -> list[Entry]:
    """The manifest's entries, in its order."""
    graph = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = []
    for node in Collection(graph, graph.value(manifest, MF.entries)):
        graphs = []
        for data in graph.objects(node, UT.graphData):
            source = URIRef(str(graph.value(data, UT.graph)))
            graphs.append((str(graph.value(data, RDFS.label)), Path(url2pathname(urlsplit(source).path))))
        connection = graph.value(node, MF.action)
        requests = tuple(_request(graph, r) for r in Collection(graph, graph.value(connection, HT.requests)))
        entries.append(
            Entry(str(node).rsplit("#", 1)[1], str(graph.value(node, MF.name)), tuple(sorted(graphs)), requests)
        )
    assert len(entries) == len(set(graph.subjects(RDF.type, MF.ProtocolTest))), "entries missing from mf:entries"
    return entries


def _entries() -> list[ParameterSet]:
    folder = standards_folder()
    if folder is None:
        return [pytest.param(None, id="suite", marks=pytest.mark.skip(reason=NOT_SET))]
    if not (folder / MANIFEST).is_file():
        return [pytest.param(None, id="suite-missing")]
    return [pytest.param(entry, id=entry.id) for entry in read_manifest(folder / MANIFEST)]


ENTRIES = _entries()


# ---------------------------------------------------------------- the server


def suite_graphs(entries: list[Entry]) -> dict[str, Path]:
    """Every graph the entries load, by name; a name always holds the same file."""
    graphs: dict[str, Path] = {}
    for entry in entries:
        for name, source in entry.graphs:
            assert graphs.setdefault(name, source) == source, f"{name} names two files"
    return graphs


def fingerprint(store: Path) -> list[str]:
    """Everything in the on-disk store, as sorted N-Quads lines."""
    reader = OxigraphStore(store)
    try:
        return sorted(reader.dump("nq").decode("utf-8").splitlines())
    finally:
        reader.close()


@pytest.fixture(scope="module")
def suite_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding the suite's data, each file in the graph its label names."""
    entries = [p.values[0] for p in ENTRIES if isinstance(p.values[0], Entry)]
    path = tmp_path_factory.mktemp("protocol") / "store"
    graphs = {}
    for name, source in suite_graphs(entries).items():
        triples = ox.parse(path=str(source), format=ox.RdfFormat.from_extension(source.suffix[1:]))
        graphs[name] = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    OxigraphStore(path, writable=True).apply(
        Change(graphs=graphs, full=True, manifest={"built": "2026-01-01T00:00:00Z"})
    )
    return path


@pytest.fixture(scope="module")
def server(suite_store: Path) -> Iterator[str]:
    """``publisher serve`` over the suite's store: its base URL."""
    with serving(str(suite_store), free_port(), suite_store.parent / "serve.log") as base:
        yield base


# ---------------------------------------------------------------- sending requests as written


@dataclass
class Answer:
    status: int
    media_type: str
    body: bytes

    def describe(self) -> str:
        return f"{self.status} {self.media_type}: {self.body[:400]!r}"


def send(base: str, request: Request) -> Answer:
    """The request exactly as the manifest writes it (method, headers, body bytes), to the endpoint ``/sparql``."""
    parts = urlsplit(base)
    path = request.path.replace("/sparql/", "/sparql", 1)
    for _hop in range(3):
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        try:
            connection.request(request.method, path, body=request.body, headers=dict(request.headers))
            response = connection.getresponse()
            answer = Answer(
                response.status, (response.getheader("Content-Type") or "").split(";")[0].strip(), response.read()
            )
            location = response.getheader("Location")
        finally:
            connection.close()
        if answer.status // 100 != 3 or not location:
            return answer
        path = urlsplit(location)._replace(scheme="", netloc="").geturl()  # the manifest allows redirects
    return answer


def check_format(request: Request, answer: Answer) -> None:
    """The answer is in one of the formats the manifest allows for its expected format, and says what it must."""
    expected = request.expected_format
    if expected is None:
        return
    assert answer.media_type in ACCEPTED[expected], f"{expected} expected, got {answer.describe()}"
    if expected == "RDF":
        graph = Graph().parse(data=answer.body, format=RDFLIB_FORMAT[answer.media_type])
        assert graph is not None
        return
    if answer.media_type == "text/csv":  # lossy, so pyoxigraph reads none: a header row of variables, then rows
        lines = list(csv.reader(io.StringIO(answer.body.decode("utf-8"), newline="")))
        assert lines and all(lines[0]), f"solutions expected, got {answer.describe()}"
        return
    result = ox.parse_query_results(answer.body, format=RESULTS[answer.media_type])
    if expected == "boolean":
        assert isinstance(result, ox.QueryBoolean), f"a boolean expected, got {answer.describe()}"
        if request.expected_boolean is not None:
            assert bool(result) is request.expected_boolean, answer.describe()
    else:
        assert isinstance(result, ox.QuerySolutions), f"solutions expected, got {answer.describe()}"
        assert result.variables, f"solutions expected, got {answer.describe()}"


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("entry", ENTRIES)
def test_protocol(entry: Entry | None, request: pytest.FixtureRequest) -> None:
    """One entry of the W3C SPARQL 1.1 Protocol suite; updates are refused (the ``-refused`` ids)."""
    if entry is None:
        pytest.fail(f"PUBLISHER_STANDARDS={standards_folder()}: {MANIFEST} is missing there")
    base: str = request.getfixturevalue("server")
    store: Path = request.getfixturevalue("suite_store")
    before = fingerprint(store) if any(r.is_update for r in entry.requests) else None
    refused_update = False
    for number, step in enumerate(entry.requests, 1):
        answer = send(base, step)
        where = f"request {number} ({step.method} {step.path.replace('/sparql/', '/sparql', 1)})"
        if step.is_update:
            # read-only: every update is refused, whatever the suite expects of an update service
            assert answer.status // 100 == 4, f"{where}: the update was not refused: {answer.describe()}"
            refused_update = refused_update or 2 in step.statuses
            continue
        assert answer.status // 100 in step.statuses, f"{where}: status {answer.describe()}"
        if answer.status // 100 != 2:
            continue
        if refused_update and step.expected_boolean is not None:
            # the suite's check that the update took effect: with the update refused, nothing was written
            step = replace(step, expected_boolean=False)
        check_format(step, answer)
    if before is not None:
        assert fingerprint(store) == before, "an update changed the store"
