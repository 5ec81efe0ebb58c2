"""The store interface: where the published graph lives.

A store is a quad store with the default graph as the union of its named graphs. Every press release lives in
a named graph of its own; curated reference data, the entities the releases introduce and the vocabulary live
in named graphs too (``graph_iri``). Reads go through SPARQL, so an embedded store and a remote SPARQL
endpoint answer the same way; writes go through ``apply``, which replaces graphs atomically: readers see either
the old state or the new one, never a mix, and a failed write leaves the old state serving.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.errors import ConfigError


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

    @abstractmethod
    def query(self, sparql: str, result_format: str = "json") -> bytes:
        """Run a SPARQL query; SELECT/ASK results as "json", "xml", "csv" or "tsv", graphs in a format of
        ``publisher.formats.BY_NAME`` (quad formats give the graph's triples as N-Triples)."""

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

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT query's rows as plain strings (IRIs and literal values), for programmatic use."""
        data = json.loads(self.query(sparql, "json"))
        return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]

    def ask(self, sparql: str) -> bool:
        return bool(json.loads(self.query(sparql, "json"))["boolean"])

    def count(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]) if rows else 0

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release what the store holds open."""


class WritableStore(Store):
    @abstractmethod
    def apply(self, change: Change) -> None:
        """Apply ``change`` atomically."""


def open_store(location: str, writable: bool = False) -> Store:
    """The store at ``location``: ':memory:' or a folder for the embedded store."""
    from publisher.store.oxigraph import OxigraphStore  # the default backend

    if location.startswith(("http://", "https://")):
        raise ConfigError(
            f"store: '{location}': remote SPARQL stores are not available in this version "
            "(setting PUBLISHER_STORE / --store)"
        )
    if location == ":memory:":
        return OxigraphStore(None)
    return OxigraphStore(Path(location), writable=writable)
