"""The W3C SPARQL 1.1 query-evaluation and syntax tests, run through ``/sparql`` and directly on the engine.

The suite (``sparql-tests/sparql/sparql11/manifest-sparql11-query.ttl`` in the folder named by PUBLISHER_STANDARDS
and the manifests it includes) is read as data: one test per entry. Every data file any entry uses is loaded into
ONE on-disk store, in a named graph named by the file's IRI, and ``publisher serve`` serves it. Each query is sent
with its dataset as the protocol's ``default-graph-uri`` (its ``qt:data``, or a graph that holds nothing) and
``named-graph-uri`` (its ``qt:graphData``), unless it names its own with FROM / FROM NAMED. Its answer is asked for
in the format of the expected result and compared: solutions as multisets (in order under ORDER BY) up to blank
node renaming, graphs with ``rdflib.compare.isomorphic``, syntax tests by the status (200 or 400).

Every entry also runs directly on pyoxigraph over the same store and the same dataset. The endpoint's target is
to pass every test the engine itself passes: a test fails only when the engine passes it and the endpoint does
not, and is an expected failure (with the engine's reason) when the engine fails it too. The pass rates are
printed at the end of the run.
"""

from __future__ import annotations

import csv
import http.client
import io
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

import pyoxigraph as ox
import pytest
from _pytest.mark.structures import ParameterSet
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from publisher.store import Change
from publisher.store.oxigraph import OxigraphStore
from tests.conftest import NOT_SET, TABLES, free_port, serving, standards_folder

SUITE = Path("sparql-tests") / "sparql" / "sparql11"
TOP = SUITE / "manifest-sparql11-query.ttl"
TITLE = "W3C SPARQL 1.1 query tests: the engine directly vs. over /sparql"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
KINDS = {
    MF.QueryEvaluationTest: "evaluation",
    MF.PositiveSyntaxTest11: "positive syntax",
    MF.NegativeSyntaxTest11: "negative syntax",
}
#: The default graph of a query whose entry gives no data: a graph that holds nothing.
NOTHING = "urn:x-sparql-tests:empty-default-graph"

RESULTS_BY_SUFFIX = {".srx": "application/sparql-results+xml", ".srj": "application/sparql-results+json"}
RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPHS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Case:
    """One entry of the suite."""

    id: str  # folder/name
    kind: str
    title: str
    query: Path
    data: tuple[str, ...] = ()  # file IRIs: qt:data
    graph_data: tuple[str, ...] = ()  # file IRIs: qt:graphData
    result: Path | None = None

    @property
    def group(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def text(self) -> str:
        """The query, with its file as base: relative IRIs (FROM <data.ttl>) name the same files anywhere."""
        return f"BASE <{self.query.resolve().as_uri()}>\n" + self.query.read_text("utf-8")

    @property
    def own_dataset(self) -> bool:
        return re.search(r"\bFROM\s+(NAMED\s+)?(<|\w*:)", _code(self.text), re.IGNORECASE) is not None

    @property
    def ordered(self) -> bool:
        return re.search(r"\bORDER\s+BY\b", _code(self.text), re.IGNORECASE) is not None

    def dataset(self) -> tuple[list[str], list[str]] | None:
        """The protocol dataset: (default graphs, named graphs), or None where the query names its own."""
        if self.own_dataset:
            return None
        return list(self.data) or [NOTHING], list(self.graph_data)


def _code(query: str) -> str:
    """The query without strings and comments, to look for keywords in."""
    without_strings = re.sub(r"'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|\"[^\"\n]*\"", '""', query, flags=re.DOTALL)
    return re.sub(r"#[^\n]*", "", re.sub(r"<[^>\s]*>", "<>", without_strings))


def _path(iri: Any) -> Path:
    return Path(url2pathname(urlsplit(str(iri)).path))


def read_suite(top: Path) -> list[Case]:
    """The entries of ``top`` and the manifests it includes, in their order."""
    index = Graph().parse(top, format="turtle", publicID=top.resolve().as_uri())
    cases = []
    for included in Collection(index, next(index.objects(None, MF.include))):
        manifest = _path(included)
        graph = Graph().parse(manifest, format="turtle", publicID=str(included))
        for node in Collection(graph, next(graph.objects(None, MF.entries))):
            kind = KINDS[graph.value(node, RDF.type)]
            action = graph.value(node, MF.action)
            name = f"{manifest.parent.name}/{str(node).rsplit('#', 1)[1]}"
            title = str(graph.value(node, MF.name))
            if kind != "evaluation":
                cases.append(Case(name, kind, title, _path(action)))
                continue
            result = graph.value(node, MF.result)
            cases.append(
                Case(
                    name,
                    kind,
                    title,
                    _path(graph.value(action, QT.query)),
                    tuple(sorted(str(d) for d in graph.objects(action, QT.data))),
                    tuple(sorted(str(d) for d in graph.objects(action, QT.graphData))),
                    _path(result) if result is not None else None,
                )
            )
    return cases


def _cases() -> list[ParameterSet]:
    folder = standards_folder()
    if folder is None:
        return [pytest.param(None, id="suite", marks=pytest.mark.skip(reason=NOT_SET))]
    if not (folder / TOP).is_file():
        return [pytest.param(None, id="suite-missing")]
    return [pytest.param(case, id=case.id) for case in read_suite(folder / TOP)]


CASES = _cases()


# ---------------------------------------------------------------- the store and the server


def data_files(cases: list[Case]) -> list[str]:
    """Every file the entries use as data, and every file their queries name in FROM / FROM NAMED."""
    files = {iri for case in cases for iri in (*case.data, *case.graph_data)}
    for case in cases:
        for match in re.finditer(r"\bFROM\s+(?:NAMED\s+)?<([^>]*)>", case.query.read_text("utf-8"), re.IGNORECASE):
            iri = case.query.resolve().parent.joinpath(match.group(1)).resolve()
            if iri.is_file():
                files.add(iri.as_uri())
    return sorted(files)


def ntriples(iri: str, number: int) -> str:
    """A data file as N-Triples, its blank nodes renamed apart from those of every other file."""
    source = _path(iri)
    fmt = ox.RdfFormat.from_extension(source.suffix[1:])
    triples = []
    for triple in ox.parse(path=str(source), format=fmt, base_iri=iri):
        s, o = triple.subject, triple.object
        if isinstance(s, ox.BlankNode):
            s = ox.BlankNode(f"f{number}x{s.value}")
        if isinstance(o, ox.BlankNode):
            o = ox.BlankNode(f"f{number}x{o.value}")
        triples.append(ox.Triple(s, triple.predicate, o))
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


@dataclass
class Suite:
    """The suite's store, the engine reading it directly, and the endpoint serving it."""

    store: Path
    engine: ox.Store
    endpoint: str
    unreadable: dict[str, str] = field(default_factory=dict)  # data file -> why it could not be loaded


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    cases = [p.values[0] for p in CASES if isinstance(p.values[0], Case)]
    path = tmp_path_factory.mktemp("sparql-tests") / "store"
    graphs, unreadable = {}, {}
    for number, iri in enumerate(data_files(cases)):
        try:
            graphs[iri] = ntriples(iri, number)
        except (SyntaxError, ValueError, OSError) as exc:
            unreadable[iri] = str(exc)
    # the size in the manifest lets the endpoint's workers answer from a copy in memory, as they do for a build
    triples = sum(text.count("\n") for text in graphs.values())
    OxigraphStore(path, writable=True).apply(
        Change(graphs=graphs, full=True, manifest={"built": "2026-01-01T00:00:00Z", "triples": triples})
    )
    generation = OxigraphStore(path).current_generation()
    assert generation is not None
    engine = ox.Store.read_only(str(generation / "oxigraph"))
    with serving(str(path), free_port(), path.parent / "serve.log") as base:
        yield Suite(path, engine, base + "/sparql", unreadable)


# ---------------------------------------------------------------- answers, compared


@dataclass(frozen=True)
class Outcome:
    """A query's answer, in one shape whatever it came from."""

    kind: str  # "boolean", "solutions", "graph"
    boolean: bool | None = None
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[tuple[str, Any], ...], ...] = ()  # each row: sorted (variable, term) pairs, unbound left out
    triples: tuple[ox.Triple, ...] = ()


def outcome(result: Any) -> Outcome:
    """An engine's or a parser's result (QueryBoolean, QuerySolutions, triples) as an Outcome."""
    if isinstance(result, ox.QueryBoolean):
        return Outcome("boolean", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            rows.append(tuple(sorted((n, t) for n, t in zip(names, solution, strict=True) if t is not None)))
        return Outcome("solutions", variables=tuple(names), rows=tuple(rows))
    return Outcome("graph", triples=tuple(t.triple if isinstance(t, ox.Quad) else t for t in result))


def result_set(triples: list[ox.Triple]) -> Outcome | None:
    """A result set written in RDF (the suite's rs: vocabulary), or None when the triples are a plain graph."""
    by_subject: dict[Any, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)

    def values(node: Any, predicate: Namespace | str) -> list[Any]:
        return [t.object for t in by_subject.get(node, []) if t.predicate.value == str(predicate)]

    roots = [t.subject for t in triples if t.predicate.value == str(RDF.type) and t.object.value == str(RS.ResultSet)]
    if not roots:
        return None
    root = roots[0]
    if booleans := values(root, RS.boolean):
        return Outcome("boolean", boolean=booleans[0].value == "true")
    rows = []
    for solution in values(root, RS.solution):
        row = []
        for binding in values(solution, RS.binding):
            row.append((values(binding, RS.variable)[0].value, values(binding, RS.value)[0]))
        index = values(solution, RS.index)
        rows.append((int(index[0].value) if index else 0, tuple(sorted(row))))
    return Outcome("solutions", rows=tuple(row for _i, row in sorted(rows, key=lambda r: r[0])))


def expected(case: Case) -> Outcome:
    assert case.result is not None
    suffix = case.result.suffix
    if suffix in RESULTS_BY_SUFFIX:
        return outcome(ox.parse_query_results(path=str(case.result), format=RESULTS[RESULTS_BY_SUFFIX[suffix]]))
    fmt = ox.RdfFormat.from_extension(suffix[1:])
    triples = [q.triple for q in ox.parse(path=str(case.result), format=fmt, base_iri=case.result.resolve().as_uri())]
    return result_set(triples) or Outcome("graph", triples=tuple(triples))


def _rdflib(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language, normalize=False)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def _graph(triples: tuple[ox.Triple, ...]) -> Graph:
    graph = Graph()
    for t in triples:
        graph.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
    return graph


XSD = "http://www.w3.org/2001/XMLSchema#"
#: Numbers and booleans compare by value: "1.0" and "1" are the same xsd:decimal (the suite writes either).
WHOLE = {
    f"{XSD}{n}"
    for n in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "positiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
REAL = {f"{XSD}double", f"{XSD}float"}
BOOLEAN = {"true": "true", "1": "true", "false": "false", "0": "false"}


def canonical(term: Any) -> Any:
    """A term with a numeric literal's lexical form made canonical, so that equal values compare equal."""
    if not isinstance(term, ox.Literal) or term.language:
        return term
    datatype = term.datatype.value
    try:
        if datatype in WHOLE:
            value = str(int(term.value))
        elif datatype == f"{XSD}decimal":
            value = format(Decimal(term.value).normalize(), "f")
        elif datatype in REAL:
            value = repr(float(term.value))
        elif datatype == f"{XSD}boolean" and term.value in BOOLEAN:
            value = BOOLEAN[term.value]
        else:
            return term
    except (ValueError, ArithmeticError):
        return term  # an ill-typed literal stays as written
    return ox.Literal(value, datatype=term.datatype)


def canonical_outcome(o: Outcome) -> Outcome:
    rows = tuple(tuple((n, canonical(t)) for n, t in row) for row in o.rows)
    triples = tuple(ox.Triple(t.subject, t.predicate, canonical(t.object)) for t in o.triples)
    return Outcome(o.kind, o.boolean, o.variables, rows, triples)


def _shape(row: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    """A row with its blank nodes blanked out."""
    return tuple((n, None if isinstance(t, ox.BlankNode) else t) for n, t in row)


def _extend(
    mapping: dict[Any, Any], a: tuple[tuple[str, Any], ...], b: tuple[tuple[str, Any], ...]
) -> dict[Any, Any] | None:
    """``mapping`` (blank nodes of a -> of b, one to one) extended so that it maps row a onto row b, or None."""
    new = dict(mapping)
    used = set(new.values())
    for (_n, x), (_m, y) in zip(a, b, strict=True):
        if isinstance(x, ox.BlankNode):
            if x in new:
                if new[x] != y:
                    return None
            elif y in used or not isinstance(y, ox.BlankNode):
                return None
            else:
                new[x] = y
                used.add(y)
    return new


def same_solutions(want: tuple, got: tuple, ordered: bool) -> bool:
    """Whether two solution sequences are equal as multisets (as sequences when ``ordered``), up to blank nodes."""
    if len(want) != len(got):
        return False
    if ordered:
        if [_shape(r) for r in want] != [_shape(r) for r in got]:
            return False
        mapping: dict[Any, Any] | None = {}
        for a, b in zip(want, got, strict=True):
            mapping = _extend(mapping or {}, a, b)
            if mapping is None:
                return False
        return True
    if Counter(map(_shape, want)) != Counter(map(_shape, got)):
        return False
    if not any(isinstance(t, ox.BlankNode) for row in want for _n, t in row):
        return Counter(want) == Counter(got)

    def match(i: int, mapping: dict[Any, Any], free: list[int]) -> bool:
        if i == len(want):
            return True
        for position, j in enumerate(free):
            if _shape(got[j]) == _shape(want[i]):
                extended = _extend(mapping, want[i], got[j])
                if extended is not None and match(i + 1, extended, free[:position] + free[position + 1 :]):
                    return True
        return False

    return match(0, {}, list(range(len(got))))


def compare(case: Case, want: Outcome, got: Outcome) -> str | None:
    """Why ``got`` is not the expected answer, or None when it is."""
    want, got = canonical_outcome(want), canonical_outcome(got)
    if want.kind != got.kind:
        return f"a {want.kind} result expected, got a {got.kind} result"
    if want.kind == "boolean":
        return None if want.boolean == got.boolean else f"{want.boolean} expected, got {got.boolean}"
    if want.kind == "graph":
        return None if isomorphic(_graph(want.triples), _graph(got.triples)) else _difference(want, got)
    return None if same_solutions(want.rows, got.rows, case.ordered) else _difference(want, got)


def _difference(want: Outcome, got: Outcome) -> str:
    def show(o: Outcome) -> str:
        items = o.rows if o.kind == "solutions" else o.triples
        return "; ".join(str(i) for i in items[:6]) + (" ..." if len(items) > 6 else "")

    size = (len(want.rows), len(got.rows)) if want.kind == "solutions" else (len(want.triples), len(got.triples))
    return f"{size[0]} expected, {size[1]} got; expected: {show(want)} | got: {show(got)}"


# ---------------------------------------------------------------- running a test both ways


@dataclass
class Verdict:
    ok: bool
    detail: str = ""
    seconds: float = 0.0
    #: The engine refused the query with an error of its own (rather than answering it wrongly).
    refused: bool = False


def direct(suite: Suite, case: Case) -> Verdict:
    """The entry run on pyoxigraph itself, over the same store and dataset."""
    start = time.perf_counter()
    dataset = case.dataset()
    arguments: dict[str, Any] = {}
    if dataset is not None:
        arguments = {
            "default_graph": [ox.NamedNode(g) for g in dataset[0]],
            "named_graphs": [ox.NamedNode(g) for g in dataset[1]],
        }
    try:
        answer = outcome(suite.engine.query(case.text, **arguments))
    except SyntaxError as exc:
        if case.kind == "negative syntax":
            return Verdict(True, seconds=time.perf_counter() - start)
        return Verdict(False, f"syntax error: {exc}", time.perf_counter() - start)
    except (OSError, ValueError, RuntimeError) as exc:
        return Verdict(False, f"error: {exc}", time.perf_counter() - start, refused=True)
    seconds = time.perf_counter() - start
    if case.kind == "negative syntax":
        return Verdict(False, "the engine accepts the query", seconds)
    if case.kind == "positive syntax":
        return Verdict(True, seconds=seconds)
    problem = compare(case, expected(case), answer)
    return Verdict(problem is None, problem or "", seconds)


#: Every format an answer is asked for in, by kind of answer (the expected result's own format first).
ASKED = {
    "solutions": (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/tab-separated-values",
        "text/csv",
    ),
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "graph": ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"),
}
#: What a syntax test asks for: whatever its query answers.
ANY = "application/sparql-results+json, text/turtle;q=0.9"


def formats(case: Case, want: Outcome) -> list[str]:
    own = RESULTS_BY_SUFFIX.get(case.result.suffix if case.result else "")
    return sorted(ASKED[want.kind], key=lambda media_type: media_type != own)


@dataclass
class Exchange:
    """A request to the endpoint and its answer, for the failure report."""

    request: str
    status: int = 0
    media_type: str = ""
    body: bytes = b""

    def describe(self) -> str:
        return f"{self.request} -> {self.status} {self.media_type}: {self.body[:300]!r}"


def post(suite: Suite, case: Case, accept: str) -> Exchange:
    """The entry's query as POST application/sparql-query, its dataset as protocol parameters."""
    parts = urlsplit(suite.endpoint)
    dataset = case.dataset()
    parameters = []
    if dataset is not None:
        parameters = [f"default-graph-uri={quote(g, safe='')}" for g in dataset[0]]
        parameters += [f"named-graph-uri={quote(g, safe='')}" for g in dataset[1]]
    path = parts.path + ("?" + "&".join(parameters) if parameters else "")
    exchange = Exchange(f"POST {path} Accept: {accept}")
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        headers = {"Content-Type": "application/sparql-query", "Accept": accept}
        connection.request("POST", path, body=case.text.encode("utf-8"), headers=headers)
        response = connection.getresponse()
        exchange.status = response.status
        exchange.media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        exchange.body = response.read()
    finally:
        connection.close()
    return exchange


def read(exchange: Exchange) -> Outcome:
    """The answer as the format it came in says (raises SyntaxError when it does not parse)."""
    if exchange.media_type in RESULTS:
        return outcome(ox.parse_query_results(exchange.body, format=RESULTS[exchange.media_type]))
    if exchange.media_type in GRAPHS:
        return outcome(ox.parse(exchange.body, format=GRAPHS[exchange.media_type]))
    raise SyntaxError(f"{exchange.media_type} is no format of SPARQL answers")


def _cell(term: Any) -> str:
    """A term as CSV writes it (blank node labels are the answer's own, so only their being blank counts)."""
    value = "" if term is None else "_:" if isinstance(term, ox.BlankNode) else term.value
    return "_:" if value.startswith("_:") else value


def compare_csv(case: Case, answer: Outcome, body: bytes) -> str | None:
    """Why a CSV answer does not say what ``answer`` (the same query's answer in a lossless format) says."""
    lines = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    if not lines or tuple(lines[0]) != answer.variables:
        return f"the header is {lines[0] if lines else None}, not the variables {list(answer.variables)}"
    got = [tuple("_:" if v.startswith("_:") else v for v in line) for line in lines[1:]]
    want = [tuple(_cell(dict(row).get(name)) for name in answer.variables) for row in answer.rows]
    same = got == want if case.ordered else Counter(got) == Counter(want)
    return None if same else f"rows {got[:6]} are not {want[:6]}"


def over_http(suite: Suite, case: Case) -> tuple[Verdict, Exchange]:
    """The entry through ``/sparql``, its answer asked for in every format there is for it."""
    start = time.perf_counter()
    if case.kind != "evaluation":
        exchange = post(suite, case, ANY)
        status = 400 if case.kind == "negative syntax" else 200
        verdict = Verdict(exchange.status == status, f"{status} expected, got {exchange.status}")
        verdict.seconds = time.perf_counter() - start
        return verdict, exchange
    want = expected(case)
    lossless: Outcome | None = None
    for accept in formats(case, want):
        exchange = post(suite, case, accept)
        problem = None
        if exchange.status != 200:
            problem = f"200 expected, got {exchange.status}"
        elif exchange.media_type != accept:
            problem = f"{accept} asked for, {exchange.media_type} sent"
        elif accept == "text/csv":
            assert lossless is not None
            problem = compare_csv(case, lossless, exchange.body)
        else:
            try:
                answer = read(exchange)
            except SyntaxError as exc:
                problem = f"the answer does not parse: {exc}"
            else:
                lossless = lossless or answer
                problem = compare(case, want, answer)
        if problem is not None:
            return Verdict(False, f"{accept}: {problem}", time.perf_counter() - start), exchange
    return Verdict(True, seconds=time.perf_counter() - start), exchange


# ---------------------------------------------------------------- the pass-rate table


@dataclass
class Tally:
    total: int = 0
    direct: int = 0
    http: int = 0
    direct_seconds: float = 0.0
    http_seconds: float = 0.0


TALLY: dict[str, Tally] = {}
HTTP_ONLY_FAILURES: list[str] = []


def record(case: Case, engine: Verdict, endpoint: Verdict) -> None:
    for key in (case.group, "all"):
        tally = TALLY.setdefault(key, Tally())
        tally.total += 1
        tally.direct += engine.ok
        tally.http += endpoint.ok
        tally.direct_seconds += engine.seconds
        tally.http_seconds += endpoint.seconds
    if engine.ok and not endpoint.ok:
        HTTP_ONLY_FAILURES.append(case.id)
    lines = [f"{'group':<20} {'tests':>5} {'engine':>7} {'/sparql':>7} {'engine %':>8} {'/sparql %':>9}"]
    for key in [*sorted(k for k in TALLY if k != "all"), "all"]:
        t = TALLY[key]
        lines.append(
            f"{key:<20} {t.total:>5} {t.direct:>7} {t.http:>7} {100 * t.direct / t.total:>7.1f}% "
            f"{100 * t.http / t.total:>8.1f}%"
        )
    total = TALLY["all"]
    lines.append(f"time: engine {total.direct_seconds:.2f} s, /sparql {total.http_seconds:.2f} s (sum over the tests)")
    lines.append(f"passed by the engine, failed over /sparql: {', '.join(HTTP_ONLY_FAILURES) or 'none'}")
    TABLES[TITLE] = "\n".join(lines)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", CASES)
def test_sparql11_query(case: Case | None, request: pytest.FixtureRequest) -> None:
    """One entry of the SPARQL 1.1 query suite: passes over /sparql wherever the engine passes it directly."""
    if case is None:
        pytest.fail(f"PUBLISHER_STANDARDS={standards_folder()}: {TOP} is missing there")
    suite: Suite = request.getfixturevalue("suite")
    missing = [f for f in (*case.data, *case.graph_data) if f in suite.unreadable]
    engine = direct(suite, case)
    endpoint, exchange = over_http(suite, case)
    record(case, engine, endpoint)
    if engine.ok and not endpoint.ok:
        pytest.fail(f"{case.title}: the engine passes, /sparql does not: {endpoint.detail}\n{exchange.describe()}")
    if engine.refused and exchange.status >= 500:
        pytest.fail(
            f"{case.title}: the engine refuses the query ({engine.detail}); /sparql should say so with a 4xx, "
            f"not fail with a {exchange.status}\n{exchange.describe()}"
        )
    if not engine.ok:
        reason = f"the engine itself fails this test: {engine.detail}"
        if missing:
            reason += f" (data it cannot read: {', '.join(f'{f}: {suite.unreadable[f]}' for f in missing)})"
        pytest.xfail(reason[:500])
