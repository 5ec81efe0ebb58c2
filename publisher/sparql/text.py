"""What the endpoint needs to know of a query's text before it runs it: whether it is an update, and which
endpoints its ``SERVICE`` clauses call.

The text is read as SPARQL tokens (comments, strings and IRIs are skipped as wholes), so a keyword inside a string
or a comment is never mistaken for one. Codepoint escapes (``\\u0053``) are decoded first, as the grammar requires.
Everything else about the query is the engine's business: it parses it again and reports its own errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]\w+)
    | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%.-]|\\.)*)
    | (?P<word>[^\W\d]\w*)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
#: The first keyword of every SPARQL Update operation.
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


@dataclass(frozen=True)
class QueryText:
    """What was read off a query's text."""

    #: The first keyword after the prologue (SELECT, ASK, CONSTRUCT, DESCRIBE, INSERT, ...), upper case, or "".
    form: str
    #: The endpoint of each SERVICE clause, in order; None where it is a variable (not known before running).
    services: tuple[str | None, ...]
    #: Whether the query names its own dataset (FROM or FROM NAMED).
    has_dataset: bool = False
    #: Whether a GRAPH pattern names its graph (an IRI, not a variable).
    names_graph: bool = False

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_KEYWORDS


def decode_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def read_query(text: str) -> QueryText:
    tokens = [
        (m.lastgroup or "", m.group())
        for m in TOKEN.finditer(decode_escapes(text))
        if m.lastgroup not in ("comment", "string")
    ]
    prefixes: dict[str, str] = {}
    base = ""
    form = ""
    services: list[str | None] = []
    has_dataset = False
    names_graph = False
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        keyword = value.upper() if kind == "word" else ""
        if keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":").strip()] = urljoin(base, tokens[i + 2][1][1:-1])
            i += 3
            continue
        if keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = urljoin(base, tokens[i + 1][1][1:-1])
            i += 2
            continue
        if not form and keyword:
            form = keyword
        if keyword == "FROM":
            has_dataset = True
        if keyword == "GRAPH" and i + 1 < len(tokens) and tokens[i + 1][0] in ("iri", "pname"):
            names_graph = True
        if keyword == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            services.append(_endpoint(tokens[j] if j < len(tokens) else ("", ""), prefixes, base))
            i = j
        i += 1
    return QueryText(form, tuple(services), has_dataset, names_graph)


def _endpoint(token: tuple[str, str], prefixes: dict[str, str], base: str) -> str | None:
    kind, value = token
    if kind == "iri":
        return urljoin(base, value[1:-1])
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


__all__ = ["QUERY_FORMS", "TOKEN", "UPDATE_KEYWORDS", "QueryText", "decode_escapes", "read_query"]
