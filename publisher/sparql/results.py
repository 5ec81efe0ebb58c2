"""Writing what a query answers, cut at the row cap.

SELECT solutions are written here, row by row, so that an answer longer than the cap stops being read (and
computed) at the cap: JSON, XML, CSV and TSV as the W3C result formats define them. Booleans and graphs are
written by Oxigraph's own serialisers (graphs after the cap has been applied to their triples).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
#: SELECT and ASK results formats, by their short names.
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

Row = tuple["ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None", ...]


def capped(items: Iterable[Any], cap: int) -> tuple[list[Any], bool]:
    """The first ``cap`` items, and whether there were more."""
    taken: list[Any] = []
    iterator = iter(items)
    for item in iterator:
        if len(taken) == cap:
            return taken, True
        taken.append(item)
    return taken, False


def write_boolean(result: ox.QueryBoolean, fmt: str) -> bytes:
    return result.serialize(format=RESULT_FORMATS[fmt]) or b""


def write_graph(triples: list[ox.Triple], fmt: str, prefixes: dict[str, str]) -> bytes:
    """Triples in a graph format; Turtle and RDF/XML abbreviate IRIs with ``prefixes``."""
    used = prefixes if fmt in ("turtle", "rdfxml") else None
    return ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=used) or b""


def write_solutions(variables: list[str], rows: list[Row], fmt: str) -> bytes:
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt]
    return writer(variables, rows)


# ---------------------------------------------------------------- JSON


def json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            found["datatype"] = term.datatype.value
        return found
    return {
        "type": "triple",
        "value": {
            "subject": json_term(term.subject),
            "predicate": json_term(term.predicate),
            "object": json_term(term.object),
        },
    }


def _json(variables: list[str], rows: list[Row]) -> bytes:
    """The SPARQL JSON results document, written piece by piece: the same bytes as ``json.dumps`` of the document
    (compact, non-ASCII as it is), in half the time, since no dictionary is made for each value."""
    names = [f"{_json_string(name)}:" for name in variables]
    bindings = ",".join(
        "{"
        + ",".join([name + _json_value(term) for name, term in zip(names, row, strict=True) if term is not None])
        + "}"
        for row in rows
    )
    head = json.dumps(variables, ensure_ascii=False, separators=(",", ":"))
    return f'{{"head":{{"vars":{head}}},"results":{{"bindings":[{bindings}]}}}}'.encode()


#: A string as JSON, as json.dumps(..., ensure_ascii=False) writes it (the C implementation where there is one).
_json_string = json.encoder.encode_basestring


def _json_value(term: Any) -> str:
    """One bound value as the JSON ``json_term`` makes of it."""
    if isinstance(term, ox.NamedNode):
        return f'{{"type":"uri","value":{_json_string(term.value)}}}'
    if isinstance(term, ox.Literal):
        value = _json_string(term.value)
        if term.language:
            return f'{{"type":"literal","value":{value},"xml:lang":{_json_string(term.language)}}}'
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return f'{{"type":"literal","value":{value}}}'
        return f'{{"type":"literal","value":{value},"datatype":{_json_string(datatype)}}}'
    return json.dumps(json_term(term), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- XML


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _xml(variables: list[str], rows: list[Row]) -> bytes:
    def parts() -> Iterator[str]:
        yield f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head>'
        yield "".join(f"<variable name={quoteattr(name)}/>" for name in variables)
        yield "</head><results>"
        for row in rows:
            yield "<result>"
            for name, term in zip(variables, row, strict=True):
                if term is not None:
                    yield f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>"
            yield "</result>"
        yield "</results></sparql>\n"

    return "".join(parts()).encode()


# ---------------------------------------------------------------- CSV and TSV


def _csv_term(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _csv(variables: list[str], rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_term(term) for term in row] for row in rows)
    return out.getvalue().encode()


def _tsv(variables: list[str], rows: list[Row]) -> bytes:
    # terms in their N-Triples form, which escapes tabs and line breaks inside literals
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


__all__ = ["GRAPH_FORMATS", "capped", "json_term", "write_boolean", "write_graph", "write_solutions"]
