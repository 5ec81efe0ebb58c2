"""The ``publisher`` command, run for real through click's test runner on copies of the bundled data."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from publisher.namespaces import PM, SDO
from tests.conftest import (
    CORPUS,
    COUNT,
    DATA,
    NEW_SENTENCE,
    SEED,
    SEED_IRI,
    SEED_NAME,
    ask,
    cli_build,
    run,
    seed_data,
    select,
    with_new_sentence,
)

HEADLINE = Literal("3. Bezirkliches BENN Treffen hat stattgefunden", lang="de")
HEADLINES = (
    "PREFIX schema: <https://schema.org/> PREFIX pm: <https://w3id.org/pm-berlin/ontology#> "
    "SELECT ?r ?h WHERE { ?r a pm:PressRelease ; schema:headline ?h } ORDER BY ?r"
)
SUMMARY = re.compile(
    r"^(?P<releases>\d+) releases: (?P<extracted>\d+) extracted, (?P<validated>\d+) validated, "
    r"(?P<removed>\d+) removed; (?P<triples>\d+) triples; "
    r"(?P<state>store (?:updated|unchanged))[^;]*; [\d.]+ s$",
    re.MULTILINE,
)


# ---------------------------------------------------------------- helpers


def summary(result: Result) -> dict[str, str]:
    found = SUMMARY.findall(result.output)
    assert len(found) == 1, f"no single summary line in:\n{result.output}"
    match = SUMMARY.search(result.output)
    assert match is not None
    return match.groupdict()


def generation(store: Path) -> str:
    return (store / "current").resolve().name


def second_release(seed: str) -> str:
    """Another release: the seed under another title and date, so with an identity of its own."""
    title, _, rest = seed.partition("\n")
    assert title == "3. Bezirkliches BENN Treffen hat stattgefunden"
    assert "vom 17.01.2025" in rest
    rest = rest.replace("vom 17.01.2025", "vom 14.02.2025")
    return "4. Bezirkliches BENN Treffen hat stattgefunden\n" + rest


SECOND_IRI = "http://localhost:8080/id/pressemitteilung/2025-02-14-4-bezirkliches-benn-treffen-hat-stattgefunden"


AnyGraph = TypeVar("AnyGraph", bound=Graph)


def parse_rdf(target: AnyGraph, data: str | bytes, fmt: str) -> AnyGraph:
    """Parse what a command printed. rdflib 7.6's own JSON-LD and quad parsers call its deprecated
    ConjunctiveGraph API internally; those warnings, and only those, are not the publisher's output."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        target.parse(data=data, format=fmt)
    return target


@pytest.fixture
def store(cli_built: Path) -> Path:
    """The store of the seed built once with the real CLI (``cli_built``), read-only for the tests that query it."""
    return cli_built / "store"


# ---------------------------------------------------------------- --help

HELP = {
    "build": ["--data", "--store", "--base-uri", "--workers", "--quiet"],
    "extract": ["FILES", "--format", "turtle", "jsonld", "nt", "annotation", "--base-uri", "--data"],
    "validate": ["PATHS", "--format", "text", "turtle", "--base-uri", "--data"],
    "export": ["--format", "nq", "trig", "jsonld", "--output", "--store"],
    "query": ["SPARQL", "--format", "table", "json", "csv", "tsv", "--store"],
    "stats": ["--store", "--format"],
    "score": ["FOLDERS", "--errors", "--data"],
    "serve": [
        "--host",
        "--port",
        "--store",
        "--base-uri",
        "--production",
        "--workers",
        "--threads",
        "--get",
        "--accept",
        "--headers",
        "--access-log",
    ],
    "nginx-config": ["--listen", "--upstream", "--cache-dir", "--standalone"],
}


def test_main_help_lists_every_command(runner: CliRunner) -> None:
    result = run(runner, "--help")
    assert result.exit_code == 0, result.output
    for command in HELP:
        listed = re.search(rf"^\s+{command}\b", result.output, re.MULTILINE)
        assert listed, f"{command} missing:\n{result.output}"
    version = run(runner, "--version")
    assert version.exit_code == 0 and "publisher" in version.output


@pytest.mark.parametrize("command", sorted(HELP))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help_mentioning_its_options(runner: CliRunner, command: str, flag: str) -> None:
    result = run(runner, command, flag)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: "), result.output
    for word in HELP[command]:
        assert word in result.output, f"{word} not in 'publisher {command} --help':\n{result.output}"


# ---------------------------------------------------------------- build


def test_build_is_incremental_and_follows_changes(tmp_path: Path, runner: CliRunner) -> None:
    data = seed_data(tmp_path)
    store = tmp_path / "store"

    first = cli_build(runner, data, store)
    assert first.exit_code == 0, first.output
    line = summary(first)
    assert (line["releases"], line["extracted"], line["validated"], line["removed"]) == ("1", "1", "1", "0")
    assert line["state"] == "store updated"
    assert int(line["triples"]) == int(select(runner, store, COUNT)[0]["n"]) > 0
    built = generation(store)

    # nothing changed: nothing extracted, nothing written
    second = cli_build(runner, data, store)
    assert second.exit_code == 0, second.output
    line = summary(second)
    assert line["extracted"] == "0"
    assert line["state"] == "store unchanged"
    assert generation(store) == built

    # one release changed: it alone is extracted again, and the store serves the new text
    seed = data / "releases" / SEED_NAME
    seed.write_text(with_new_sentence(seed.read_text("utf-8")), "utf-8")
    third = cli_build(runner, data, store)
    assert third.exit_code == 0, third.output
    line = summary(third)
    assert line["extracted"] == "1"
    assert line["state"] == "store updated"
    assert generation(store) != built
    rows = select(
        runner,
        store,
        "PREFIX schema: <https://schema.org/> SELECT ?r WHERE { "
        f'?r schema:articleBody ?b FILTER(CONTAINS(?b, "{NEW_SENTENCE}")) }}',
    )
    assert rows == [{"r": SEED_IRI}]


def test_deleting_a_release_removes_its_named_graph(tmp_path: Path, runner: CliRunner) -> None:
    data = seed_data(tmp_path)
    store = tmp_path / "store"
    extra = data / "releases" / "001_second.txt"
    extra.write_text(second_release((data / "releases" / SEED_NAME).read_text("utf-8")), "utf-8")
    first = cli_build(runner, data, store)
    assert first.exit_code == 0, first.output
    assert summary(first)["releases"] == "2"
    assert ask(runner, store, f"ASK {{ GRAPH <{SECOND_IRI}> {{ ?s ?p ?o }} }}")
    assert ask(runner, store, f"ASK {{ GRAPH <{SEED_IRI}> {{ ?s ?p ?o }} }}")

    extra.unlink()
    second = cli_build(runner, data, store)

    assert second.exit_code == 0, second.output
    line = summary(second)
    assert (line["releases"], line["removed"], line["state"]) == ("1", "1", "store updated")
    assert not ask(runner, store, f"ASK {{ GRAPH <{SECOND_IRI}> {{ ?s ?p ?o }} }}")
    assert not ask(runner, store, f"ASK {{ <{SECOND_IRI}> ?p ?o }}")
    assert ask(runner, store, f"ASK {{ GRAPH <{SEED_IRI}> {{ ?s ?p ?o }} }}")


# ---------------------------------------------------------------- extract


def _release_in(graph: Graph) -> URIRef:
    releases = list(graph.subjects(RDF.type, PM.PressRelease))
    assert releases == [URIRef(SEED_IRI)]
    return URIRef(SEED_IRI)


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")])
def test_extract_prints_parseable_rdf(runner: CliRunner, fmt: str, rdflib_format: str) -> None:
    result = run(runner, "extract", str(SEED), "--format", fmt, "--data", str(DATA))
    assert result.exit_code == 0, result.output
    graph = parse_rdf(Graph(), result.stdout, rdflib_format)
    release = _release_in(graph)
    assert list(graph.objects(release, SDO.headline)) == [HEADLINE]


def test_extract_defaults_to_turtle(runner: CliRunner) -> None:
    result = run(runner, "extract", str(SEED), "--data", str(DATA))
    assert result.exit_code == 0, result.output
    graph = parse_rdf(Graph(), result.stdout, "turtle")
    assert (URIRef(SEED_IRI), SDO.headline, HEADLINE) in graph


def test_extract_annotation_is_json(runner: CliRunner) -> None:
    result = run(runner, "extract", str(SEED), "--format", "annotation", "--data", str(DATA))
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["title"] == "3. Bezirkliches BENN Treffen hat stattgefunden"
    assert record["date_published"] == "2025-01-17"
    assert record["file"] == SEED_NAME


def test_extract_of_bad_input_is_one_error_line(tmp_path: Path, runner: CliRunner) -> None:
    empty = tmp_path / "leer.txt"
    empty.write_bytes(b"")
    result = run(runner, "extract", str(empty), "--data", str(DATA))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: {empty}: empty file"]


# ---------------------------------------------------------------- validate


def test_validate_the_seed_conforms(runner: CliRunner) -> None:
    result = run(runner, "validate", str(SEED), "--data", str(DATA))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Conforms"), result.output


def test_validate_a_shape_broken_ntriples_file_exits_1(tmp_path: Path, runner: CliRunner) -> None:
    extracted = run(runner, "extract", str(SEED), "--format", "nt", "--data", str(DATA))
    assert extracted.exit_code == 0, extracted.output
    lines = extracted.stdout.splitlines()
    kept = [line for line in lines if "<https://schema.org/headline>" not in line]
    assert len(kept) == len(lines) - 1
    broken = tmp_path / "broken.nt"
    broken.write_text("\n".join(kept) + "\n", "utf-8")

    result = run(runner, "validate", str(broken), "--data", str(DATA))

    assert result.exit_code == 1, result.output
    assert result.output.startswith("Does not conform"), result.output
    named = [line for line in result.output.splitlines() if f"{broken}: " in line]
    assert len(named) == 1, result.output
    assert "Violation" in named[0] and SEED_IRI in named[0] and "schema:headline" in named[0]


def test_validate_a_syntactically_broken_ntriples_file_exits_2(tmp_path: Path, runner: CliRunner) -> None:
    broken = tmp_path / "kaputt.nt"
    broken.write_text("<http://example.org/a> <http://example.org/b> .\n", "utf-8")
    result = run(runner, "validate", str(broken), "--data", str(DATA))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "kaputt.nt" in lines[0] and "N-Triples" in lines[0], result.output


# ---------------------------------------------------------------- query


def test_query_table(runner: CliRunner, store: Path) -> None:
    result = run(runner, "query", "--store", str(store), HEADLINES)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["r", "h"]
    assert "-" in lines[1] and set(lines[1]) <= {"-", " "}
    assert lines[2].startswith("http://localhost:8080/id/pressemitteilung/")
    assert lines[2].rstrip().endswith(str(HEADLINE))
    assert lines[-1] == "(1 row)"


def test_query_json(runner: CliRunner, store: Path) -> None:
    result = run(runner, "query", "--store", str(store), "--format", "json", HEADLINES)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["head"]["vars"] == ["r", "h"]
    [row] = data["results"]["bindings"]
    assert row["r"]["value"] == SEED_IRI
    assert row["h"]["value"] == str(HEADLINE) and row["h"]["xml:lang"] == "de"


def test_query_csv(runner: CliRunner, store: Path) -> None:
    result = run(runner, "query", "--store", str(store), "--format", "csv", HEADLINES)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["r", "h"], [SEED_IRI, str(HEADLINE)]]


def test_query_tsv(runner: CliRunner, store: Path) -> None:
    result = run(runner, "query", "--store", str(store), "--format", "tsv", HEADLINES)
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows == [["?r", "?h"], [f"<{SEED_IRI}>", f'"{HEADLINE}"@de']]


def test_query_from_stdin_and_ask(runner: CliRunner, store: Path) -> None:
    result = run(runner, "query", "--store", str(store), "-", stdin=f"ASK {{ <{SEED_IRI}> ?p ?o }}")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "true"


def test_query_syntax_error_is_one_line_exit_2(runner: CliRunner, store: Path) -> None:
    result = run(runner, "query", "--store", str(store), "SELEKT ?x WHERE { ?x ?y ?z }")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: SPARQL"), result.output


# ---------------------------------------------------------------- stats


def test_stats_lists_the_press_release(runner: CliRunner, store: Path) -> None:
    result = run(runner, "stats", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "Press releases: 1" in result.output
    assert re.search(r"^pm:PressRelease\s+1$", result.output, re.MULTILINE), result.output
    as_json = run(runner, "stats", "--store", str(store), "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["releases"] == 1
    assert data["classes"]["pm:PressRelease"] == 1
    assert data["triples"] == int(select(runner, store, COUNT)[0]["n"])


# ---------------------------------------------------------------- export

QUADS = {"nq": "nquads", "trig": "trig"}
TRIPLES = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}


@pytest.mark.parametrize("fmt", sorted(QUADS))
def test_export_quads_parse_back(runner: CliRunner, store: Path, fmt: str) -> None:
    result = run(runner, "export", "--store", str(store), "--format", fmt)
    assert result.exit_code == 0, result.output
    dataset = parse_rdf(Dataset(), result.stdout_bytes, QUADS[fmt])
    quads = [q for q in dataset.quads() if q[3] is not None and q[3] != dataset.default_graph.identifier]
    assert len(quads) == int(select(runner, store, COUNT)[0]["n"])
    release = dataset.graph(URIRef(SEED_IRI))
    assert (URIRef(SEED_IRI), SDO.headline, HEADLINE) in release


@pytest.mark.parametrize("fmt", sorted(TRIPLES))
def test_export_triples_parse_back(runner: CliRunner, store: Path, fmt: str) -> None:
    result = run(runner, "export", "--store", str(store), "--format", fmt)
    assert result.exit_code == 0, result.output
    graph = parse_rdf(Graph(), result.stdout_bytes, TRIPLES[fmt])
    distinct = select(
        runner, store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    )
    assert len(graph) == int(distinct[0]["n"])
    assert (URIRef(SEED_IRI), SDO.headline, HEADLINE) in graph
    assert (URIRef(SEED_IRI), RDF.type, PM.PressRelease) in graph


def test_export_to_a_file(tmp_path: Path, runner: CliRunner, store: Path) -> None:
    target = tmp_path / "dump.nq"
    result = run(runner, "export", "--store", str(store), "--format", "nq", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    stdout = run(runner, "export", "--store", str(store), "--format", "nq")
    assert target.read_bytes() == stdout.stdout_bytes


# ---------------------------------------------------------------- score


def test_score_prints_a_table_with_an_overall_line(tmp_path: Path, runner: CliRunner) -> None:
    data = seed_data(tmp_path)
    result = run(runner, "score", str(CORPUS), "--data", str(data))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["field", "tp", "fp", "fn", "precision", "recall"]
    overall = [line for line in lines if line.startswith("OVERALL")]
    assert len(overall) == 1, result.output
    _, tp, fp, fn, precision, recall = overall[0].split()
    assert int(tp) > 0
    assert 0.0 <= float(precision) <= 1.0 and 0.0 <= float(recall) <= 1.0
    assert lines[-1] == overall[0]
    fields = {name: (int(f_tp), int(f_fp), int(f_fn)) for name, f_tp, f_fp, f_fn, *_ in map(str.split, lines[1:-1])}
    assert "title" in fields, result.output
    # the overall line adds up the fields, and its precision and recall are those of its counts
    assert (int(tp), int(fp), int(fn)) == tuple(sum(counts) for counts in zip(*fields.values(), strict=True))
    assert (precision, recall) == (f"{int(tp) / (int(tp) + int(fp)):.3f}", f"{int(tp) / (int(tp) + int(fn)):.3f}")
    # each annotated release has a title, found (tp) or missed (fn)
    title_tp, _, title_fn = fields["title"]
    assert title_tp + title_fn == len(list(CORPUS.glob("*.json")))
