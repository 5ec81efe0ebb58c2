"""Every kind of source document -> the release graph and entity graph of one press release.

Plain-text exports and Markdown with YAML front matter go through the extractor; Turtle and JSON-LD sources
already are RDF and are taken as they are (their press release must carry what the shapes require).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from pathlib import Path

import frontmatter
import yaml
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from publisher.errors import InputError
from publisher.ingest.extract import Extractor
from publisher.ingest.mapping import Triple, graph_of, map_release_triples
from publisher.ingest.record import PressRelease
from publisher.ingest.source import SUFFIXES, SourceDocument
from publisher.namespaces import PM, SDO


@dataclass
class Extracted:
    """What one source contributes to the published graph: triples, with graphs built when asked for."""

    source: str
    sha256: str
    identifier: str
    iri: str
    release_triples: list[Triple]
    entity_triples: list[Triple]
    record: PressRelease | None = None
    new_entities: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def release(self) -> Graph:
        return graph_of(self.release_triples)

    @property
    def entities(self) -> Graph:
        return graph_of(self.entity_triples)


def new_entities(record: PressRelease) -> list[tuple[str, str, str]]:
    """(IRI, class, name) of every entity the release mentions that the reference data does not know."""
    found: dict[str, tuple[str, str, str]] = {}
    mentioned = chain(
        ((o.iri, o.kind, o.name, o.known) for o in record.organisations),
        ((p.iri, "Person", p.name, p.known) for p in record.persons),
        ((a.iri, a.rdf_class, a.name, a.known) for a in record.areas),
        ((p.iri, "FundingScheme", p.name, p.known) for p in record.programmes),
    )
    for iri, cls, name, known in mentioned:
        if not known:
            found.setdefault(iri, (iri, cls, name))
    for iri, cls, name in record.new_entities:
        found.setdefault(iri, (iri, cls, name))
    return sorted(found.values())


def _markdown_to_text(markdown: str) -> str:
    text = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|\*|_|`)", "", text)
    return text.strip()


def _one_value(doc: SourceDocument, what: str, value: object) -> str:
    """A front matter value that must be one value (text, a number or a date), as text.

    A list or mapping is refused before it is ever written out: YAML aliases (``*name``) let a few lines stand for
    billions of values, and writing them out would take the build's time and memory.
    """
    if not isinstance(value, (str, int, float, date)):
        kind = "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else type(value).__name__
        raise InputError(doc.path, f"front matter {what} must be one value, not a {kind}")
    return str(value).strip()


def front_matter_date(doc: SourceDocument, key: str, value: object) -> date:
    """A date of the front matter: YAML's own date (of a date and time, the date), or text as YYYY-MM-DD."""
    value = value if isinstance(value, date) else _one_value(doc, f"'{key}'", value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(doc.path, f"impossible date '{value}' in front matter '{key}' (expected YYYY-MM-DD)") from None


def markdown_page(doc: SourceDocument) -> tuple[str, dict[str, object]]:
    """A Markdown release with YAML front matter as the text export the extractor reads.

    Front matter: ``title`` and ``date`` (required), ``modified`` (the date of the last change), ``number``,
    ``image_credit``, ``publisher`` (a name the reference data knows), ``contacts`` (a list of blocks, each a
    list of lines or one string).
    """
    try:
        post = frontmatter.loads(doc.text)
    except yaml.YAMLError as exc:
        raise InputError(doc.path, f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from None
    except ValueError as exc:  # YAML builds dates while it parses: 2025-02-30 fails there
        raise InputError(doc.path, f"front matter holds an impossible date or time: {exc}") from None
    meta = dict(post.metadata)
    for key in ("title", "number", "image_credit", "publisher"):
        if meta.get(key) is not None:
            meta[key] = _one_value(doc, f"'{key}'", meta[key])
    title = str(meta.get("title") or "")
    if not title:
        raise InputError(doc.path, "front matter has no 'title'")
    if meta.get("date") is None:
        raise InputError(doc.path, "front matter has no 'date' (YYYY-MM-DD)")
    published = front_matter_date(doc, "date", meta["date"])
    body = _markdown_to_text(post.content)
    if len(body) < 20:
        raise InputError(doc.path, "the body of the release is empty")
    header = "Pressemitteilung"
    if meta.get("number"):
        header += f" Nr. {meta['number']}"
    header += f" vom {published.strftime('%d.%m.%Y')}"
    if meta.get("image_credit"):
        header += f"\nBild: {meta['image_credit']}\n"
    contacts = []
    raw_contacts = meta.get("contacts") or []
    if not isinstance(raw_contacts, list):
        raise InputError(doc.path, "front matter 'contacts' must be a list of contact blocks")
    for block in raw_contacts:
        if block is None:
            continue
        if isinstance(block, list):
            lines = [_one_value(doc, "'contacts' line", line) for line in block if line is not None]
        else:
            lines = _one_value(doc, "'contacts' block", block).splitlines()
        contacts.append("Kontakt\n" + "\n".join(line.strip() for line in lines if line.strip()))
    text = f"{title}\n\n{header}\n{body}\n\n" + "\n\n".join(contacts)
    return text, meta


def extract_source(doc: SourceDocument, extractor: Extractor, base_uri: str) -> Extracted:
    """One source document -> its graphs."""
    if doc.format in ("turtle", "json-ld"):
        return _rdf_source(doc, base_uri)
    if doc.format == "markdown":
        text, meta = markdown_page(doc)
        page_doc = SourceDocument(path=doc.path, text=text, sha256=doc.sha256, format=doc.format)
        record = extractor.extract(page_doc)
        publisher = meta.get("publisher")
        if publisher:
            entity = extractor.gaz.find_by_name(str(publisher), "org")
            if entity is None:
                raise InputError(doc.path, f"publisher '{publisher}' is not in the reference data")
            record.publisher, record.publisher_iri = entity.name, entity.iri
        if meta.get("modified") is not None:
            record.date_modified = front_matter_date(doc, "modified", meta["modified"])
            if record.date_modified < record.date_published:
                raise InputError(doc.path, "front matter 'modified' lies before the publication date")
    else:
        record = extractor.extract(doc)
    release, entities = map_release_triples(record, base_uri)
    return Extracted(
        doc.name, doc.sha256, record.identifier, record.iri, release, entities, record, new_entities(record)
    )


def _rdf_source(doc: SourceDocument, base_uri: str) -> Extracted:
    graph = Graph()
    try:
        graph.parse(data=doc.text, format="turtle" if doc.format == "turtle" else "json-ld", publicID=base_uri)
    except Exception as exc:  # rdflib raises parser-specific errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(doc.path, f"not valid {doc.format}: {first}") from None
    releases = [s for s in graph.subjects(RDF.type, PM.PressRelease) if isinstance(s, URIRef)]
    if len(releases) != 1:
        raise InputError(doc.path, f"holds {len(releases)} pm:PressRelease resources; a release file holds exactly one")
    iri = str(releases[0])
    identifier = str(graph.value(releases[0], SDO.identifier) or iri.rstrip("/").rsplit("/", 1)[-1])
    triples = [(s, p, o) for s, p, o in graph if not isinstance(s, BNode) and not isinstance(o, BNode)]
    if len(triples) != len(graph):
        raise InputError(doc.path, "uses blank nodes; name every node with an IRI (fragments such as #adresse will do)")
    return Extracted(doc.name, doc.sha256, identifier, iri, triples, [])  # type: ignore[arg-type]


def source_paths(folder: Path) -> list[Path]:
    """The release files in ``folder`` (recursively), in a stable order. Hidden files and folders and README
    files are skipped; a file of an unknown type is listed (and then reported)."""
    if not folder.is_dir():
        raise InputError(folder, "no such folder")
    wanted = (*SUFFIXES, ".html", ".htm", ".json")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or name.lower().startswith("readme"):
                continue
            if name.lower().endswith(wanted):
                found.append(os.path.join(root, name))
    return [Path(p) for p in sorted(found)]
