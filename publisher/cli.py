"""The ``publisher`` command: thin click commands that call the core and own the exit codes.

Exit codes: 0 success (a build or validation that conforms), 1 SHACL violations, 2 an error (bad input,
bad settings, an unusable store).
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from publisher import __version__
from publisher.config import Config, load_config
from publisher.errors import PublisherError

if TYPE_CHECKING:
    from rdflib import Graph

    from publisher.ingest.extract import Extractor

F = TypeVar("F", bound=Callable[..., Any])


def _reference_options(func: F) -> F:
    """The options of commands that read the data folder's reference data."""
    func = click.option("--base-uri", help="Base of every minted IRI (PUBLISHER_BASE_URI).")(func)
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Data folder with releases/ and reference/ (PUBLISHER_DATA).",
    )(func)


def _settings(func: F) -> F:
    """The options every command that touches data and the store takes."""
    func = click.option("--store", "store", help="Store folder, or ':memory:' (PUBLISHER_STORE).")(func)
    return _reference_options(func)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _extractor(base_uri: str | None, data_dir: Path | None) -> tuple[Config, Graph, Extractor]:
    """The settings, the curated reference data and an extractor over it, for the commands that extract."""
    from publisher.ingest.extract import Extractor
    from publisher.ingest.gazetteer import build_gazetteer, load_reference

    config = load_config(base_uri=base_uri, data_dir=data_dir)
    reference = load_reference(config.reference_files, config.base_uri)
    return config, reference, Extractor(build_gazetteer(reference), config.base_uri)


class Group(click.Group):
    """Turns the core's typed errors, and what the operating system refuses (a folder that is a file, a disk
    that is full, a database that is not one), into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PublisherError as exc:
            _fail(f"error: {exc}")
        except (OSError, sqlite3.Error) as exc:
            _fail(f"error: {exc}")


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
def main() -> None:
    """Publish press releases as linked open data: extract, validate with SHACL, store, query."""


@main.command()
@_settings
@click.option(
    "--workers", type=int, help="Processes for extraction and validation; 0 = one per core (PUBLISHER_WORKERS)."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def build(base_uri: str | None, store: str | None, data_dir: Path | None, workers: int | None, quiet: bool) -> None:
    """Ingest the data folder, validate everything, and write the store atomically.

    Unchanged releases are neither extracted nor validated again. The store changes only when everything
    conforms. Exit 0 conforms, 1 violations, 2 error.
    """
    from publisher.build import build as run_build
    from publisher.store import WritableStore, open_store

    config = load_config(base_uri=base_uri, store=store, data_dir=data_dir, workers=workers)
    target = open_store(config.store, writable=True)
    assert isinstance(target, WritableStore)
    report = run_build(config, target, progress=not quiet and sys.stderr.isatty())
    stream_err = report.exit_code != 0
    click.echo(report.text(), err=stream_err)
    sys.exit(report.exit_code)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "jsonld", "nt", "annotation"]),
    default="turtle",
    show_default=True,
    help="RDF format, or 'annotation' for the extracted record as JSON.",
)
@_reference_options
def extract(files: tuple[Path, ...], fmt: str, base_uri: str | None, data_dir: Path | None) -> None:
    """Print the RDF of press releases (text, Markdown, Turtle or JSON-LD files) to stdout."""
    from rdflib import Graph

    from publisher.formats import serialize
    from publisher.ingest.source import read_source
    from publisher.ingest.sources import extract_source

    config, _reference, extractor = _extractor(base_uri, data_dir)
    graph = Graph()
    records = []
    for path in files:
        result = extract_source(read_source(path), extractor, config.base_uri)
        if fmt == "annotation":
            if result.record is None:
                _fail(f"error: {path}: an RDF source has no extracted record; use --format turtle")
            records.append(result.record.to_annotation(path.stem))
        graph += result.release
        graph += result.entities
    if fmt == "annotation":
        click.echo(json.dumps(records[0] if len(records) == 1 else records, ensure_ascii=False, indent=2))
    else:
        click.echo(serialize(graph, fmt))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle"]),
    default="text",
    show_default=True,
    help="A line per finding, or the SHACL validation report as Turtle.",
)
@_reference_options
def validate(paths: tuple[Path, ...], fmt: str, base_uri: str | None, data_dir: Path | None) -> None:
    """Check press releases or RDF files against the published SHACL shapes.

    A release file (.txt, .md, .ttl, .jsonld) is extracted first; an N-Triples file (.nt) is validated as it
    is. Exit 0 conforms, 1 violations, 2 error.
    """
    from rdflib import Graph

    from publisher.ingest.source import read_source
    from publisher.ingest.sources import extract_source, source_paths
    from publisher.validation import Validator, add_linked_types

    config, reference, extractor = _extractor(base_uri, data_dir)
    data = Graph()
    sources: dict[str, str] = {}
    files: list[Path] = []
    for path in paths:
        files.extend(source_paths(path) if path.is_dir() else [path])
    for path in files:
        if path.suffix.lower() == ".nt":
            part = Graph()
            try:
                part.parse(path, format="nt", publicID=config.base_uri)
            except Exception as exc:  # rdflib raises parser-specific errors
                _fail(f"error: {path}: not valid N-Triples: {str(exc).splitlines()[0]}")
        else:
            result = extract_source(read_source(path), extractor, config.base_uri)
            part = result.release
            part += result.entities
        for subject in set(part.subjects()):
            sources.setdefault(str(subject), str(path))
        data += part
    # what the data says is checked; the curated resources it links to come along with their types, which
    # is what sh:class checks read
    curated = {str(s) for s in reference.subjects()}
    focus = sorted({str(s) for s in data.subjects()} - curated)
    add_linked_types(data, {}, reference)
    outcome = Validator(config.shapes_dir, config.ontology_dir).validate(data, sources, focus=focus)
    if fmt == "turtle":
        click.echo(outcome.report.serialize(format="turtle"))
    else:
        click.echo(outcome.text())
    sys.exit(0 if outcome.conforms else 1)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["turtle", "nt", "nq", "jsonld", "trig"]), default="turtle", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file, not stdout.")
@click.option("--store", "store", help="Store folder, or ':memory:' (PUBLISHER_STORE).")
def export(fmt: str, output: Path | None, store: str | None) -> None:
    """Write everything that is published: triples (turtle, nt, jsonld) or quads by graph (nq, trig)."""
    from publisher.store import open_store

    config = load_config(store=store)
    if fmt == "jsonld":
        # compact, against the publisher's context, as everywhere else
        from rdflib import Graph

        from publisher.formats import serialize

        graph = Graph()
        graph.parse(data=open_store(config.store).dump("nt"), format="nt")
        data = serialize(graph, "jsonld").encode("utf-8")
    else:
        data = open_store(config.store).dump(fmt)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default="table",
    show_default=True,
    help="Results as a table, or in a SPARQL results format.",
)
@click.option("--store", "store", help="Store folder, or ':memory:' (PUBLISHER_STORE).")
def query(sparql: str, fmt: str, store: str | None) -> None:
    """Run a SPARQL query over everything published. SPARQL may be '-' (stdin) or @FILE.

    CONSTRUCT and DESCRIBE print Turtle.
    """
    from publisher.store import open_store

    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text("utf-8")
    config = load_config(store=store)
    target = open_store(config.store)
    try:
        raw = target.query(sparql, "json" if fmt == "table" else fmt)
    except (SyntaxError, OSError) as exc:
        _fail(f"error: SPARQL: {exc}")
    if fmt != "table" or not raw.lstrip().startswith(b"{"):
        sys.stdout.buffer.write(raw if raw.endswith(b"\n") else raw + b"\n")
        return
    data = json.loads(raw)
    if "boolean" in data:
        click.echo("true" if data["boolean"] else "false")
        return
    variables = data["head"]["vars"]
    rows = [[row.get(v, {}).get("value", "") for v in variables] for row in data["results"]["bindings"]]
    click.echo(_table(variables, rows))
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


@main.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Most hits to print.")
@click.option("--json", "as_json", is_flag=True, help="The total and the hits (IRI, score, headline, date, snippet).")
@click.option("--store", "store", help="Store folder, or ':memory:' (PUBLISHER_STORE).")
def search(text: tuple[str, ...], limit: int, as_json: bool, store: str | None) -> None:
    """Full-text search over the press releases' headlines and bodies, best first: one line per hit (date,
    headline, IRI).

    Every word must match, also inflected or as part of a compound; "quoted words" match as a phrase; ae, oe,
    ue and ss stand for umlauts and ß. Exit 0 with hits, 1 without, 2 on an error.
    """
    from dataclasses import asdict

    from publisher.errors import StoreError
    from publisher.search import index_of
    from publisher.store import open_store

    config = load_config(store=store)
    index = index_of(open_store(config.store), max_length=config.search_length)
    if index is None:
        raise StoreError(f"store {config.store}: no search index; run 'publisher build' to write it")
    result = index.search(" ".join(text), limit=limit)
    if as_json:
        hits = [asdict(hit) for hit in result.hits]
        click.echo(json.dumps({"total": result.total, "hits": hits}, ensure_ascii=False, indent=2))
    else:
        for hit in result.hits:
            click.echo(f"{hit.date[:10]}  {hit.headline}  {hit.iri}")
        if result.total > len(result.hits):
            click.echo(f"({len(result.hits)} of {result.total} hits; --limit for more)", err=True)
    sys.exit(0 if result.total else 1)


def _table(header: list[str], rows: list[list[str]], limit: int = 80) -> str:
    cells = [[c if len(c) <= limit else c[: limit - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    out = io.StringIO()
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    return out.getvalue().rstrip("\n")


@main.command()
@click.option("--store", "store", help="Store folder, or ':memory:' (PUBLISHER_STORE).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(store: str | None, fmt: str) -> None:
    """What is published: releases, entities per class, triples, graphs, the last build."""
    from publisher.store import graph_iri, open_store

    config = load_config(store=store)
    target = open_store(config.store)
    manifest = target.manifest() or {}
    ontology = graph_iri(str(manifest.get("base_uri") or config.base_uri), "ontology")
    rows = target.select(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } "
        f"FILTER(?g != <{ontology}>) }} GROUP BY ?class ORDER BY DESC(?n) ?class"
    )
    classes = {_curie(row["class"]): int(row["n"]) for row in rows}
    graphs = target.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    summary = {
        "releases": len(manifest.get("sources", {})),
        "triples": target.count(),
        "graphs": int(graphs[0]["n"]) if graphs else 0,
        "built": manifest.get("built"),
        "base_uri": manifest.get("base_uri"),
        "classes": classes,
    }
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    if not manifest:
        click.echo("The store is empty: run 'publisher build' first.")
        return
    click.echo(f"Press releases: {summary['releases']}")
    click.echo(f"Triples:        {summary['triples']} in {summary['graphs']} named graphs")
    click.echo(f"Base URI:       {summary['base_uri']}")
    click.echo(f"Last build:     {summary['built']}")
    click.echo(_table(["class", "resources"], [[k, str(v)] for k, v in classes.items()]))


def _curie(iri: str) -> str:
    from publisher.namespaces import PREFIXES

    for prefix, namespace in PREFIXES.items():
        if iri.startswith(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return iri


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--errors", is_flag=True, help="List every disagreement after the table.")
@_reference_options
def score(folders: tuple[Path, ...], errors: bool, base_uri: str | None, data_dir: Path | None) -> None:
    """Score the extractor against annotated releases (NAME.txt beside NAME.json, the corpus format).

    Prints field-level precision and recall. An annotation whose text is not beside it is looked up in the
    data folder's releases/ by its "file" entry.
    """
    from publisher.errors import InputError
    from publisher.ingest.source import read_source
    from publisher.ingest.sources import extract_source
    from publisher.scoring import Score, score_record

    config, _reference, extractor = _extractor(base_uri, data_dir)
    total = Score()
    for folder in folders:
        for annotation in sorted(folder.glob("*.json")):
            try:
                gold = json.loads(annotation.read_text("utf-8"))
            except ValueError as exc:
                _fail(f"error: {annotation}: not a JSON annotation: {exc}")
            if not isinstance(gold, dict) or "title" not in gold:
                continue
            text = annotation.with_suffix(".txt")
            if not text.exists():
                text = config.data_dir / "releases" / str(gold.get("file", ""))
            result = extract_source(read_source(text), extractor, config.base_uri)
            if result.record is None:
                _fail(f"error: {text}: an RDF source has no extracted record to score")
            try:
                total.add(score_record(gold, result.record.to_annotation(str(gold.get("id")))))
            except InputError as exc:
                _fail(f"error: {annotation}: {exc.problem}")
    click.echo(total.table())
    if errors:
        for line in total.errors:
            click.echo(line)


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on; 0.0.0.0 for every interface."
)
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--store", "store", help="Store folder (PUBLISHER_STORE).")
@click.option(
    "--base-uri", help="Base of the IRIs served (PUBLISHER_BASE_URI); must be the one the store was built with."
)
@click.option("--production", is_flag=True, help="Serve with gunicorn: several worker processes, threads, keep-alive.")
@click.option("--workers", type=int, help="With --production: worker processes; 0 = one per core (PUBLISHER_WORKERS).")
@click.option("--threads", type=int, help="With --production: threads per worker (default 2).")
@click.option("--access-log", is_flag=True, help="With --production: log every request to stdout.")
@click.option("--get", "get_path", metavar="PATH", help="Answer one request for PATH, print the body, and exit.")
@click.option("--accept", metavar="TYPE", help="With --get: the Accept header to send.")
@click.option("--headers", "show_headers", is_flag=True, help="With --get: print the status line and headers first.")
def serve(
    host: str,
    port: int,
    store: str | None,
    base_uri: str | None,
    production: bool,
    workers: int | None,
    threads: int | None,
    access_log: bool,
    get_path: str | None,
    accept: str | None,
    show_headers: bool,
) -> None:
    """Serve what is published as Linked Data, with HTML pages for people.

    Without --production, werkzeug's server answers (for a desk, not for the public). With --get PATH no server
    starts: the one response is printed, and the exit code is 0 for a success or redirect, 1 for an error.
    """
    from publisher.store import open_store
    from publisher.web import create_app

    config = load_config(store=store, base_uri=base_uri, workers=workers)
    target = open_store(config.store)
    built_with = (target.manifest() or {}).get("base_uri")
    if built_with and built_with != config.base_uri:
        if base_uri:
            _fail(
                f"error: base_uri: the store {config.store} was built with {built_with}, not {base_uri}; "
                f"rebuild with --base-uri {base_uri}"
            )
        config = config.with_overrides(base_uri=built_with)
    app = create_app(config, target)
    if get_path is not None:
        client = app.test_client()
        response = client.get(get_path, headers={"Accept": accept} if accept else {})
        if show_headers:
            click.echo(f"HTTP/1.1 {response.status}")
            for name, value in response.headers.items():
                click.echo(f"{name}: {value}")
            click.echo()
        sys.stdout.buffer.write(response.get_data())
        sys.stdout.flush()
        sys.exit(0 if response.status_code < 400 else 1)
    if production:
        from publisher.web.server import DEFAULT_THREADS, run_production

        target.close()
        run_production(app, host, port, config.workers, threads or DEFAULT_THREADS, access_log)
    else:
        from publisher.web.server import run_desk

        click.echo(f"Serving {config.store} as {config.base_uri} on http://{host}:{port}/", err=True)
        run_desk(app, host, port)


@main.command("nginx-config")
@click.option("--listen", default="80", show_default=True, help="nginx's listen address: a port, or host:port.")
@click.option("--upstream", default="127.0.0.1:8080", show_default=True, help="Where `publisher serve` listens.")
@click.option(
    "--cache-dir", default="/var/cache/publisher", show_default=True, help="Folder for nginx's cache of responses."
)
@click.option(
    "--standalone",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a complete nginx.conf that keeps its pid, logs and temporary files in this folder.",
)
def nginx_config_command(listen: str, upstream: str, cache_dir: str, standalone: Path | None) -> None:
    """Print the nginx configuration that puts a caching reverse proxy in front of `publisher serve`."""
    from publisher.web.deploy import nginx_config, nginx_standalone

    server = nginx_config(listen, upstream, cache_dir)
    click.echo(nginx_standalone(standalone.resolve(), server) if standalone else server, nl=False)


@main.command("export-site")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--store", "store", help="Store folder (PUBLISHER_STORE).")
@click.option("--listen", default="80", show_default=True, help="nginx's listen address: a port, or host:port.")
@click.option(
    "--upstream",
    help="host:port of `publisher serve`, which answers /sparql, /api, /fragments, /suche and /validate; "
    "without it they answer 501.",
)
@click.option("--workers", type=int, help="Processes that render the documents; 0 = one per core (PUBLISHER_WORKERS).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def export_site_command(
    folder: Path, store: str | None, listen: str, upstream: str | None, workers: int | None, quiet: bool
) -> None:
    """Write every representation of every published resource, the pages, catalogue, feeds and dumps as static
    files into FOLDER/current, with FOLDER/nginx.conf, which serves them as the app would.

    A new export replaces the previous one at once, and only when it is complete.
    """
    from publisher.export import export_site
    from publisher.store import open_store

    config = load_config(store=store, workers=workers)
    report = export_site(config, open_store(config.store), folder, listen=listen, upstream=upstream)
    if not quiet:
        click.echo(report.text())


@main.command("geometry")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data folder whose reference/areas-lor.ttl names the areas (PUBLISHER_DATA).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Default: reference/areas-geometry.ttl."
)
def geometry_command(folder: Path, data_dir: Path | None, output: Path | None) -> None:
    """Convert the Bezirk and Prognoseraum outlines in FOLDER (GeoJSON) into the reference data's geometry.

    The same input always gives the same bytes; '-o -' prints the Turtle.
    """
    from publisher.geo import convert

    config = load_config(data_dir=data_dir)
    text = convert(folder, config.data_dir / "reference" / "areas-lor.ttl")
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    target = output or config.data_dir / "reference" / "areas-geometry.ttl"
    target.write_bytes(text.encode("utf-8"))
    click.echo(f"{target}: {len(text.encode('utf-8')):,} bytes")


if __name__ == "__main__":
    main()
