"""The store interface: where the published graph lives.

A store is a quad store with the default graph as the union of its named graphs. Every press release lives in
a named graph of its own; curated reference data, the entities the releases introduce and the vocabulary live
in named graphs too (``graph_iri``). Reads go through SPARQL, so an embedded store and a remote SPARQL
endpoint answer the same way; writes go through ``apply``, which replaces graphs atomically: readers see either
the old state or the new one, never a mix, and a failed write leaves the old state serving.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Literal, URIRef

from publisher.errors import StoreError
from publisher.formats import BY_NAME, oxigraph_term
from publisher.sparql.results import RESULT_FORMATS

if TYPE_CHECKING:
    from publisher.config import Config

#: Terms a query's variables may be bound to: IRIs and literals, as rdflib writes them.
Term = URIRef | Literal
#: Variable name (without the "?") -> the term it stands for. See ``Store.query``.
Bindings = Mapping[str, Term]


#: The format table's RDF formats, as Oxigraph knows them; the quad formats among them.
RDF_FORMATS = {name: ox.RdfFormat.from_media_type(fmt.media_type) for name, fmt in BY_NAME.items()}
QUAD_FORMATS = frozenset({"nq", "trig"})


def written(result: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple], result_format: str) -> bytes:
    """A query's answer in the format ``Store.query`` was asked for: results as "json" (also for an unknown name),
    "xml", "csv" or "tsv"; a graph in a format of the format table, Turtle for an unknown name, and N-Triples for a
    quad format."""
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        return result.serialize(format=RESULT_FORMATS.get(result_format, ox.QueryResultsFormat.JSON)) or b""
    rdf = ox.RdfFormat.N_TRIPLES if result_format in QUAD_FORMATS else RDF_FORMATS.get(result_format)
    return ox.serialize(result, format=rdf or ox.RdfFormat.TURTLE) or b""


def graph_iri(base_uri: str, name: str) -> str:
    """The IRI of one of the publisher's own named graphs ("reference", "entities", "ontology")."""
    return f"{base_uri}graph/{name}"


@dataclass
class Change:
    """A set of graph replacements applied as one atomic step.

    ``graphs`` gives the complete new content (N-Triples) of each graph it names; ``drop`` names graphs to
    delete; ``add`` and ``remove`` give N-Triples lines to add to or remove from a graph that stays.
    With ``full`` set, every graph not named in ``graphs`` is dropped.
    """

    graphs: dict[str, str] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    add: dict[str, str] = field(default_factory=dict)
    remove: dict[str, str] = field(default_factory=dict)
    full: bool = False
    manifest: dict[str, Any] = field(default_factory=dict)
    #: Writes the files that belong to the new state (the dumps) into the folder it is given; what it returns
    #: is recorded in the manifest under "files".
    files: Callable[[Path], dict[str, Any]] | None = None

    @property
    def empty(self) -> bool:
        return not (self.graphs or self.drop or self.add or self.remove or self.full)


class Store(ABC):
    """Read access to the published graph."""

    #: Whether each query is a round trip to another server (a remote store): there one larger query costs less than
    #: several small ones, while the embedded store answers small queries in a fraction of a millisecond each.
    remote = False

    @abstractmethod
    def query(self, sparql: str, result_format: str = "json", bindings: Bindings | None = None) -> bytes:
        """Run a SPARQL query; SELECT/ASK results as "json", "xml", "csv" or "tsv", graphs in a format of
        ``publisher.formats.BY_NAME`` (quad formats give the graph's triples as N-Triples).

        ``bindings`` gives variables their values before the query is evaluated, so that values from outside
        (a request's parameters) never become query text: the embedded store substitutes them (SEP-0007); a store
        without substitution joins them as one row of ``VALUES`` at the start of the WHERE clause (``with_values``).
        Both agree for the queries written for bindings: they SELECT every bound variable (Oxigraph requires it),
        spell ``WHERE {``, and use bound variables in the top-level group's patterns and filters, or in a sub-query
        that projects them.
        """

    @abstractmethod
    def dump(self, rdf_format: str) -> bytes:
        """Everything: quads for nq/trig, the union of all graphs as triples for the other formats."""

    @abstractmethod
    def manifest(self) -> dict[str, Any] | None:
        """What the last successful build recorded, or None for an empty store."""

    @abstractmethod
    def files_dir(self) -> Path | None:
        """The folder of the files written with the current state (the dumps), or None."""

    def version(self) -> str:
        """A token that changes whenever the published state changes; cheap enough to ask on every request."""
        manifest = self.manifest()
        return str(manifest.get("built", "")) if manifest else ""

    def select(self, sparql: str, bindings: Bindings | None = None) -> list[dict[str, str]]:
        """A SELECT query's rows as plain strings (IRIs and literal values), for programmatic use."""
        data = json.loads(self.query(sparql, "json", bindings))
        return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return bool(json.loads(self.query(sparql, "json", bindings))["boolean"])

    def count(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]) if rows else 0

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release what the store holds open."""


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def values_block(bindings: Bindings) -> str:
    """``bindings`` as one row of a SPARQL ``VALUES`` block; every term is written in N-Triples syntax by the
    store's own serialiser, which escapes what a literal holds and refuses an IRI that is not one."""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(oxigraph_term(term)) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def with_values(sparql: str, bindings: Bindings) -> str:
    """``sparql`` with ``bindings`` joined in as a ``VALUES`` row at the start of its WHERE clause: how a store
    that cannot substitute (a remote SPARQL endpoint) runs a query written for bindings. The query text must be
    the publisher's own (it spells ``WHERE {``); the values are never parsed as anything but terms."""
    if not bindings:
        return sparql
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"not a variable name: {name!r}")
    found = _WHERE.search(sparql)
    if found is None:
        raise ValueError("a query run with bindings must have a WHERE clause")
    return f"{sparql[: found.end()]} {values_block(bindings)} {sparql[found.end() :]}"


class WritableStore(Store):
    @abstractmethod
    def apply(self, change: Change) -> None:
        """Apply ``change`` atomically."""


def open_store(location: str, writable: bool = False, settings: Config | None = None) -> Store:
    """The store at ``location``: ':memory:' or a folder for the embedded store, or the URL of a SPARQL endpoint
    (its other settings, such as the update URL and the local folder, from ``settings`` or the environment)."""
    if location.startswith(("http://", "https://")):
        from publisher.config import load_config
        from publisher.store.remote import RemoteStore

        given = settings if settings is not None else load_config()
        return RemoteStore(
            location,
            given.store_files,
            update=given.store_update or None,
            user=given.store_user or None,
            password=given.store_password or None,
            timeout=given.store_timeout,
            batch=given.store_batch,
            graph_store=given.store_graphs or None,
            bulk=Path(given.store_bulk) if given.store_bulk else None,
        )
    from publisher.store.oxigraph import OxigraphStore  # the default backend

    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", location):
        raise StoreError(
            f"store: '{location}' is neither a folder nor the http(s) URL of a SPARQL endpoint "
            "(setting PUBLISHER_STORE / --store)"
        )
    if location == ":memory:":
        return OxigraphStore(None)
    return OxigraphStore(Path(location), writable=writable)
