"""Fuzzing as tests: generated input against the press-release reader, content negotiation, the JSON API's
OpenAPI contract and the paths of the Linked Data server.

Every property runs a bounded number of examples, derandomized, so that a run in CI is the same run every time.
"""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urlsplit

import pyoxigraph as ox
import pytest
import schemathesis
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from schemathesis import checks
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header
from werkzeug.test import TestResponse

from publisher.api import KINDS
from publisher.config import PROJECT_ROOT, load_config
from publisher.errors import InputError
from publisher.formats import BY_NAME
from publisher.ingest.dates import month_names
from publisher.ingest.extract import Extractor
from publisher.ingest.gazetteer import build_gazetteer, load_reference
from publisher.ingest.mapping import canonical_lines
from publisher.ingest.source import read_source
from publisher.ingest.sources import Extracted, extract_source
from publisher.namespaces import HTTP, SDO
from publisher.store import Change, WritableStore, open_store
from publisher.web import create_app
from publisher.web.api import JSON, JSONLD
from publisher.web.fragments import FORMATS as FRAGMENT_FORMATS
from publisher.web.negotiation import ALIASES, DOCUMENT_FORMATS, Representation
from publisher.web.sparql import HTML_TYPES, RESULTS_TYPES
from publisher.web.state import Published
from tests.conftest import BASE, CORPUS, DATA, HOLDOUT, MARKDOWN

#: Bounded, reproducible runs; the examples are cheap but many, so no per-example deadline.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Requests to the app: the same, without shrinking a failure (each step is a request; the failing example is
#: printed as found, and a derandomized run finds it again).
WEB = settings(FUZZ, phases=[Phase.explicit, Phase.generate])

# ---------------------------------------------------------------- the press-release reader

#: Real releases to mutate: the bundled one, the test corpora and the shared corpus beside the checkout.
REAL_TEXTS = sorted(
    {
        *(DATA / "releases").glob("*.txt"),
        *CORPUS.glob("*.txt"),
        *HOLDOUT.glob("*.txt"),
        *(PROJECT_ROOT.parent / "shared" / "corpus").glob("*.txt"),
    }
)
REAL = [path.read_bytes() for path in REAL_TEXTS]


#: Characters that make trouble: NUL and other controls, BOMs, bidi and zero-width marks, combining marks,
#: German letters in both normal forms, quotes of every kind, a character beyond the BMP, line and paragraph
#: separators.
ODD = (
    "\x00\x01\x08\x0b\x0c\x1b\x7f\x85\xa0\ufeff\u200b\u200d\u200e\u202e\u2028\u2029\u0308\u0301"
    "äöüßÄÖÜẞ\u0061\u0308\u201e\u201c\u201d\u00bb\u00ab\u2019'\"`\U0001f600\ufffd\r\n\t"
)


class Reader:
    """The reader the build and ``publisher extract`` use: a file on disk through ``read_source`` and
    ``extract_source``, over the curated reference data."""

    def __init__(self, folder: Path) -> None:
        config = load_config(environ={}, data_dir=PROJECT_ROOT / "data")
        self.base = config.base_uri
        self.extractor = Extractor(build_gazetteer(load_reference(config.reference_files, self.base)), self.base)
        self.folder = folder

    def read(self, raw: bytes, suffix: str = ".txt") -> Extracted | InputError:
        """The release ``raw`` gives, or the InputError it is refused with; any other exception escapes."""
        path = self.folder / f"release{suffix}"
        path.write_bytes(raw)
        try:
            return extract_source(read_source(path), self.extractor, self.base)
        except InputError as error:
            return error


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    return Reader(tmp_path_factory.mktemp("fuzz-reader"))


def assert_release_or_clear_error(outcome: Extracted | InputError, path_name: str) -> None:
    """A record the store can take, or one line that names the file and the problem."""
    if isinstance(outcome, InputError):
        message = str(outcome)
        assert message.startswith(str(outcome.path)) and path_name in outcome.path, message
        assert outcome.problem.strip() and "\n" not in outcome.problem, message
        assert "Traceback" not in message
        return
    assert outcome.identifier and outcome.iri.startswith("http"), outcome
    assert outcome.release_triples
    # exactly what the build writes: canonical N-Triples, read by the store's own parser
    text = canonical_lines([*outcome.release_triples, *outcome.entity_triples])
    parsed = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert len(parsed) == text.count("\n")


def mutate(original: bytes, data: st.DataObject) -> bytes:
    """One to four random edits of a real release: cut, insert, delete, duplicate, BOM, CRLF, NUL, huge line."""
    raw = original
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(raw)), label="at")
        edit = data.draw(
            st.sampled_from(
                ["truncate", "insert", "delete", "duplicate", "bom", "crlf", "cr", "nul", "huge", "nfd", "bytes"]
            ),
            label="edit",
        )
        if edit == "truncate":
            raw = raw[:at]
        elif edit == "insert":
            inserted = data.draw(st.text(alphabet=st.sampled_from(ODD) | st.characters(codec="utf-8")))
            raw = raw[:at] + inserted.encode() + raw[at:]
        elif edit == "delete":
            raw = raw[:at] + raw[at + data.draw(st.integers(1, 2000)) :]
        elif edit == "duplicate":
            raw = raw[:at] + raw[at // 2 : at] * data.draw(st.integers(2, 20)) + raw[at:]
        elif edit == "bom":
            raw = b"\xef\xbb\xbf" + raw
        elif edit == "crlf":
            raw = raw.replace(b"\n", b"\r\n")
        elif edit == "cr":
            raw = raw.replace(b"\n", b"\r")
        elif edit == "nul":
            raw = raw[:at] + b"\x00" + raw[at:]
        elif edit == "huge":
            word = data.draw(st.sampled_from([b"a", b"Treptow-K\xc3\xb6penick ", b"\xe2\x80\x9e", b"- ", b"12555 "]))
            raw = raw[:at] + word * (100_000 // len(word)) + raw[at:]
        elif edit == "nfd":
            raw = unicodedata.normalize("NFD", raw.decode("utf-8", "replace")).encode()
        else:
            raw = raw[:at] + data.draw(st.binary(max_size=64)) + raw[at:]
    return raw


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(ODD) | st.characters(codec="utf-8"), max_size=3000))
def test_any_text_is_a_release_or_a_clear_error(reader: Reader, text: str) -> None:
    assert_release_or_clear_error(reader.read(text.encode("utf-8")), "release.txt")


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_any_bytes_are_a_release_or_a_clear_error(reader: Reader, raw: bytes) -> None:
    assert_release_or_clear_error(reader.read(raw), "release.txt")


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_mutated_real_releases_are_releases_or_clear_errors(reader: Reader, data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(REAL), label="release")
    assert_release_or_clear_error(reader.read(mutate(original, data)), "release.txt")


def test_the_mutated_releases_are_real_ones(reader: Reader) -> None:
    """The corpora are there and every one of them reads as a release: the mutations start from good input."""
    assert len(REAL) >= 7
    for raw in REAL:
        outcome = reader.read(raw)
        assert isinstance(outcome, Extracted), outcome


#: Digits of every script, and ASCII ones more often: str.isdigit() and regular expressions' \d take them all.
_DIGITS = st.text(
    alphabet=st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789"), min_size=1, max_size=5
)
_NUMBER = st.one_of(_DIGITS, st.integers(-99, 99_999).map(str))
_MONTHS = st.sampled_from([*month_names(), "Foo", "Jan.", "MÄRZ", "märz"])
_DATE = st.one_of(
    st.builds("{}.{}.{}".format, _NUMBER, _NUMBER, _NUMBER),
    st.builds("{}. {} {}".format, _NUMBER, _MONTHS, _NUMBER),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.text(max_size=12),
)
_WORDS = st.sampled_from(
    [
        "Bezirksamt Treptow-Köpenick",
        "Bezirksbürgermeister Oliver Igel",
        "BENN Altglienicke",
        "Quartiersmanagement",
        "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen (SenStadt)",
        "Allende-Viertel",
        "Pohlestraße 12",
        "im Rahmen des Programms",
        "findet statt",
        "Kontakt",
        "Pressestelle",
        "Weitere Informationen:",
        "Folgen Sie uns",
        "Bild:",
        "„",
        "“",
        ":",
        "Uhr",
        "bis",
        "dem",
    ]
)
_SENTENCE = st.lists(
    st.one_of(_WORDS, _DATE, st.builds("{}:{} Uhr".format, _NUMBER, _NUMBER), _NUMBER, st.text(max_size=10)),
    min_size=1,
    max_size=12,
).map(" ".join)
_CONTACT = st.lists(
    st.one_of(
        _WORDS,
        st.builds("{} Berlin".format, _NUMBER),
        st.builds("Tel.: ({}) {} - {}".format, _NUMBER, _NUMBER, _NUMBER),
        st.builds("Fax: {}".format, _NUMBER),
        st.builds("E-Mail {}@{}".format, st.text(max_size=6), st.text(max_size=6)),
    ),
    max_size=6,
).map(lambda lines: "Kontakt " + " ".join(lines))


@st.composite
def release_texts(draw: st.DrawFn) -> str:
    """The text export of a release put together from its parts, each part odd in its own way."""
    title = draw(st.one_of(_SENTENCE, st.text(max_size=40)))
    header = draw(st.sampled_from(["Direkt zur Kontaktinformation ", ""])) + "Pressemitteilung"
    if draw(st.booleans()):
        header += f" Nr. {draw(_NUMBER)}/{draw(_NUMBER)}"
    header += f" vom {draw(_DATE)}"
    if draw(st.booleans()):
        header += f" Bild: {draw(st.one_of(_WORDS, st.text(max_size=20)))}"
    body = " ".join(draw(st.lists(_SENTENCE, max_size=8)))
    contacts = " ".join(draw(st.lists(_CONTACT, max_size=3)))
    footer = draw(st.sampled_from(["", " Folgen Sie uns Facebook Instagram YouTube"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return f"{title}{newline}{newline}{header} {body} {contacts}{footer}"


@settings(FUZZ, max_examples=120)
@given(text=release_texts())
def test_releases_built_from_odd_parts_are_releases_or_clear_errors(reader: Reader, text: str) -> None:
    assert_release_or_clear_error(reader.read(text.encode("utf-8")), "release.txt")


def test_a_date_in_digits_of_another_script_is_a_clear_error(reader: Reader) -> None:
    """Found by the property above: "١٧.٠١.٢٠٢٥" passed str.isdigit() and then failed the ASCII pattern."""
    for written in ("١٧.٠١.٢٠٢٥", "１７.０１.２０２５", "²³.01.2025"):
        text = f"Titel\n\nPressemitteilung vom {written} Am Mittwoch fand das Treffen statt. Kontakt Pressestelle"
        outcome = reader.read(text.encode("utf-8"))
        assert isinstance(outcome, InputError), outcome
        assert "not in digits 0-9" in outcome.problem


#: Values a front matter key may be given: every YAML type, and dates that are not ones.
_YAML_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.dates()
    | st.datetimes()
    | st.text(alphabet=st.sampled_from(ODD) | st.characters(codec="utf-8"), max_size=40)
    | st.sampled_from(["2025-03-04", "2025-02-30", "04.03.2025", "", "~", "2025-03-04T25:00", "9999-12-31"])
)
YAML_VALUES = (
    _YAML_SCALARS
    | st.lists(_YAML_SCALARS | st.lists(_YAML_SCALARS, max_size=3), max_size=4)
    | st.dictionaries(st.text(max_size=8), _YAML_SCALARS, max_size=3)
)
FRONT_MATTER_KEYS = ["title", "date", "modified", "number", "image_credit", "publisher", "contacts"]


@FUZZ
@given(data=st.data())
def test_any_front_matter_is_a_release_or_a_clear_error(reader: Reader, data: st.DataObject) -> None:
    meta = yaml.safe_load(MARKDOWN.split("---\n")[1])
    for key in data.draw(st.lists(st.sampled_from(FRONT_MATTER_KEYS), max_size=4, unique=True), label="keys"):
        if data.draw(st.booleans(), label="drop"):
            meta.pop(key, None)
        else:
            meta[key] = data.draw(YAML_VALUES, label=key)
    body = MARKDOWN.split("---\n", 2)[2]
    raw = f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}".encode()
    assert_release_or_clear_error(reader.read(raw, ".md"), "release.md")


def laughs(key: str) -> bytes:
    """Front matter whose ``key`` is eight nested YAML aliases of nine: 43 million values once written out."""
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for previous, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    meta = {"title": "Titel", "date": "2025-03-04", key: "*h"}
    lines += [f"{k}: {v}" for k, v in meta.items()]
    return ("---\n" + "\n".join(lines) + "\n---\n" + MARKDOWN.split("---\n", 2)[2]).encode()


@pytest.mark.parametrize("key", [*FRONT_MATTER_KEYS])
def test_front_matter_aliases_cannot_blow_up(reader: Reader, key: str) -> None:
    """Found by fuzzing the front matter: a value made of nested aliases ("billion laughs") was written out as
    text, which took minutes and gigabytes; every value that must be one value is checked before."""
    started = time.monotonic()
    outcome = reader.read(laughs(key), ".md")
    assert time.monotonic() - started < 5
    assert isinstance(outcome, InputError), outcome
    assert f"front matter '{key}'" in outcome.problem and "must be" in outcome.problem


@FUZZ
@given(data=st.data())
def test_mutated_markdown_is_a_release_or_a_clear_error(reader: Reader, data: st.DataObject) -> None:
    assert_release_or_clear_error(reader.read(mutate(MARKDOWN.encode(), data), ".md"), "release.md")


def test_the_markdown_release_reads(reader: Reader) -> None:
    outcome = reader.read(MARKDOWN.encode(), ".md")
    assert isinstance(outcome, Extracted), outcome


# ---------------------------------------------------------------- content negotiation

#: Media ranges a client may send: what the server offers, what it does not, wildcards and garbage.
_TYPES = st.sampled_from(["text", "application", "*", "image", "TEXT", "multipart", "", "x", "tëxt", "a b"])
_SUBTYPES = st.sampled_from(
    [
        "turtle",
        "ld+json",
        "n-triples",
        "rdf+xml",
        "html",
        "xhtml+xml",
        "json",
        "xml",
        "plain",
        "*",
        "sparql-results+json",
        "sparql-results+xml",
        "csv",
        "tab-separated-values",
        "trig",
        "n-quads",
        "png",
        "HTML",
        "",
        "*/*",
        "x-unknown",
    ]
)
_Q = st.one_of(
    st.floats(-10, 10, allow_nan=False).map(lambda q: f"{q:.3f}"),
    st.sampled_from(["0", "1", "0.5", "1.0000", "1.5", "-1", "2", "", "abc", "nan", "inf", "-0", "1e3", "0.0001", "q"]),
)
_PARAMETERS = st.lists(
    st.one_of(
        _Q.map(lambda q: f"q={q}"),
        st.sampled_from(
            [
                'profile="http://www.w3.org/ns/json-ld#compacted"',
                "charset=utf-8",
                "level=1",
                "q",
                "=",
                ";",
                'x="unterminated',
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=3,
)
_RANGE = st.builds(
    lambda t, s, params: f"{t}/{s}" + "".join(f";{p}" for p in params),
    _TYPES,
    _SUBTYPES,
    _PARAMETERS,
)
#: Header values as a server hands them on: bytes read as latin-1, with no line breaks or NULs (a server
#: refuses those before the app sees them), and within the 4 KiB every server in front lets through.
ACCEPT = st.one_of(
    st.lists(_RANGE, max_size=8).map(", ".join),
    st.lists(_RANGE, min_size=50, max_size=300).map(",".join),
    st.text(max_size=200),
    st.sampled_from(["", "*/*", "text/html", "application/json", ",,,", ";q=1", "*/*;q=0", "text/*;q=0, */*;q=0"]),
).map(lambda value: value.encode("utf-8").decode("latin-1").translate({10: None, 13: None, 0: None})[:4000])


def _document_names(formats: tuple[Representation, ...]) -> dict[str, set[str]]:
    """Served media type -> the media types a client may name it by (its own and the aliases)."""
    return {f.media_type: {f.media_type, *(a for a, name in ALIASES.items() if name == f.name)} for f in formats}


#: Per target: the path, and served media type -> the media types that ask for it. Every one answers 200 in a
#: format the request accepts, or 406 when it accepts none of them; the resource URI answers 303 whatever is asked.
TARGETS: dict[str, tuple[str, dict[str, set[str]]]] = {
    "document": ("/doc/bezirk/treptow-koepenick", _document_names(DOCUMENT_FORMATS)),
    "sparql": (
        "/sparql?" + urlencode({"query": "SELECT ?b WHERE { ?b a <https://w3id.org/pm-berlin/ontology#Bezirk> }"}),
        {types[0]: set(types) for types in RESULTS_TYPES.values()} | {"text/html": set(HTML_TYPES)},
    ),
    "api": ("/api/releases", {JSON: {JSON}, JSONLD: {JSONLD}}),
    "fragments": (
        "/fragments?" + urlencode({"subject": f"{BASE}id/bezirk/treptow-koepenick"}),
        _document_names(FRAGMENT_FORMATS),
    ),
}


def media_type(response: TestResponse) -> str:
    return parse_options_header(response.headers.get("Content-Type", ""))[0]


def assert_clear_error(response: TestResponse, status: int) -> None:
    """The project's one error shape: JSON for machines, the same statement in RDF where RDF was asked for, a
    German page for browsers."""
    assert response.status_code == status
    kind = media_type(response)
    if kind == "text/html":
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert str(status) in response.get_data(as_text=True)
    elif kind in ("application/json", "application/ld+json"):
        body = json.loads(response.data)
        assert body["ok"] is False and body["status"] == status and body["error"], body
    else:
        rdf = next(f for f in DOCUMENT_FORMATS if f.rdf and f.media_type == kind)
        graph = Graph().parse(data=response.data, format=BY_NAME[rdf.name].rdflib)
        assert [int(o) for o in graph.objects(None, HTTP.statusCodeValue)] == [status]
        assert len(list(graph.objects(None, SDO.description))) == 1


@settings(WEB, max_examples=200)
@given(accept=ACCEPT, target=st.sampled_from(sorted(TARGETS)))
def test_any_accept_header_gets_a_valid_answer(app: Flask, accept: str, target: str) -> None:
    path, served = TARGETS[target]
    response = app.test_client().get(path, headers={"Accept": accept})
    asked = MIMEAccept([(parse_options_header(v)[0], q) for v, q in parse_accept_header(accept, MIMEAccept)])
    acceptable = {kind for kind, names in served.items() if not asked or any(asked.quality(n) > 0 for n in names)}
    note = f"Accept: {accept!r} -> {response.status_code} {response.headers.get('Content-Type')}"
    if acceptable:
        assert response.status_code == 200, note
        assert media_type(response) in acceptable, note
        if media_type(response).startswith("text/"):
            assert response.headers["Content-Type"].endswith("charset=utf-8"), note
        assert response.data, note
        assert "Accept" in response.headers.get("Vary", ""), note
    else:
        assert_clear_error(response, 406)


@settings(WEB, max_examples=30)
@given(accept=ACCEPT)
def test_a_resource_uri_answers_303_whatever_is_accepted(app: Flask, accept: str) -> None:
    response = app.test_client().get("/id/bezirk/treptow-koepenick", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/bezirk/treptow-koepenick"
    assert media_type(response) == "text/plain"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_accept_property_meets_both_answers(app: Flask, target: str) -> None:
    """Both branches of the property are reached: a type of the target's own is served, a foreign one refused."""
    path, served = TARGETS[target]
    for kind in served:
        response = app.test_client().get(path, headers={"Accept": kind})
        assert response.status_code == 200 and media_type(response) == kind, (kind, response.status_code)
    assert_clear_error(app.test_client().get(path, headers={"Accept": "image/png"}), 406)


# ---------------------------------------------------------------- the JSON API against its OpenAPI document


@pytest.fixture(scope="module")
def api_schema(app: Flask) -> schemathesis.BaseSchema:
    """The app's own /openapi.json, read through the app (WSGI, no server)."""
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


#: Every operation the document declares: the listing and the item of every kind.
OPERATIONS = [path for kind in KINDS for path in (f"/api/{kind}", f"/api/{kind}/{{id}}")]


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=str)
@pytest.mark.parametrize("path", OPERATIONS)
def test_the_api_keeps_its_openapi_contract(
    api_schema: schemathesis.BaseSchema, path: str, mode: schemathesis.GenerationMode
) -> None:
    """Requests the document allows (positive) and requests it does not (negative): no 5xx, a status the
    document declares, its content type, headers and body schema, and a 4xx for what it does not allow.

    A request the document allows may still be refused with a 400 the document declares, when a filter names
    nothing that exists ("area=Projekt") or page and limit are mixed: what exists and which parameters exclude
    each other is beyond what OpenAPI parameters can say. Such a 400 names the parameter, which the request gave.
    """
    operation = api_schema[path]["GET"]
    excluded = [checks.positive_data_acceptance] if mode is schemathesis.GenerationMode.POSITIVE else []

    @settings(WEB, max_examples=20)
    @given(case=operation.as_strategy(mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(excluded_checks=excluded)
        if mode is schemathesis.GenerationMode.POSITIVE and response.status_code == 400:
            assert json.loads(response.content)["parameter"] in (case.query or {}), response.content

    check()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/areas/bezirk%0Atreptow-koepenick", 404),
        ("/api/areas/bezirk/treptow-koepenick%0A", 404),
        ("/api/nichts%0A", 404),
        ("/api/areas/bezirk/treptow-koepenick?x%0A=1", 400),
    ],
)
def test_api_errors_are_json_whatever_the_path_holds(app: Flask, path: str, status: int) -> None:
    """Found by schemathesis: an id with a line break (%0A) missed the API's routes, and the app's error handler
    answered in Turtle, which the document does not declare."""
    response = app.test_client().get(path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert_clear_error(response, status)


# ---------------------------------------------------------------- hostile paths and IRIs
#
# What the server does with a path that is not the plain form of a published IRI, as a Linked Data server
# should:
# * Percent-encoding is decoded once, as URIs are compared (RFC 3986 6.2.2): "k%C3%B6penick", "k%c3%b6penick"
#   and the raw UTF-8 bytes name the same IRI. An IRI stored with percent-encoding ("alt%20koepenick") is
#   found by the path as sent. "%2F" is a slash once decoded, as every WSGI server hands the path on (CGI's
#   PATH_INFO), so "bezirk%2Ftreptow-koepenick" names the same document.
# * Unicode is not normalised: RDF compares IRIs character by character, the publisher mints every IRI in NFC,
#   and the NFD spelling of an umlaut IRI is another IRI, which names nothing here: 404, never a silent alias.
# * Overlong UTF-8 ("%C0%AF") and invalid sequences ("%C3%28", "%FF") are not characters: they never become
#   a "/" or "." and name nothing (404); "%ZZ" and a lone "%" are taken as written and name nothing either.
# * "..", "." and backslashes are parts of a name, not steps through folders: nothing is read from a file
#   system path made of them (404). Repeated slashes before the variable part of a route are merged with a
#   308 to the canonical path on the same server; inside an IRI's path they are part of the name (404).
# * NULs and other control characters, and very long paths, name nothing: 404 (400 where a parameter is
#   malformed; 414 or 431 where a limit in front of the app says so). Nothing is ever a 5xx.

#: A small dataset of its own: an IRI with umlauts (in NFC, as the publisher mints them) and one stored with
#: percent-encoding.
UMLAUTS = f"""
@prefix schema: <https://schema.org/> .
@prefix pm: <https://w3id.org/pm-berlin/ontology#> .
<{BASE}id/ortsteil/köpenick-süd> a pm:Ortsteil ; schema:name "Köpenick-Süd" .
<{BASE}id/strasse/alt%20koepenick> a pm:Strasse ; schema:name "Alt-Köpenick" .
"""


@pytest.fixture(scope="module")
def umlauts() -> FlaskClient:
    store = open_store(":memory:", writable=True)
    assert isinstance(store, WritableStore)
    nt = Graph().parse(data=UMLAUTS, format="turtle").serialize(format="nt")
    manifest = {"built": "2026-01-01T00:00:00Z", "base_uri": BASE}
    store.apply(Change(graphs={f"{BASE}graph/reference": nt}, full=True, manifest=manifest))
    config = load_config(environ={}, data_dir=PROJECT_ROOT / "data", store=":memory:")
    return create_app(config, store).test_client()


NFC = "k%C3%B6penick-s%C3%BCd"
NFD = quote(unicodedata.normalize("NFD", "köpenick-süd"))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/id/ortsteil/{NFC}", 303),
        (f"/id/ortsteil/{NFC.lower()}", 303),  # percent-encodings compare case-insensitively
        ("/id/ortsteil/köpenick-süd", 303),  # the IRI as it is: the client encodes it
        ("/id/strasse/alt%20koepenick", 303),  # stored with percent-encoding, found as sent
        (f"/id/ortsteil/{NFD}", 404),  # another IRI: RDF does not normalise
        (f"/doc/ortsteil/{NFD}", 404),
        (f"/id/ortsteil/{unicodedata.normalize('NFD', 'köpenick-süd')}", 404),
        ("/id/ortsteil/k%C3%B6penick-s%C3%BCd%00", 404),
        ("/id/ortsteil/k%C3%B6penick-s%C3", 404),  # a cut sequence is not a character
        ("/id/ortsteil/k%C0%B6penick-s%C3%BCd", 404),
        (f"/id//ortsteil/{NFC}", 308),  # merged to the canonical path
        (f"/id/ortsteil//{NFC}", 404),
        (f"/id/ortsteil%2F{NFC}", 303),  # %2F is a slash once the server has decoded the path
        (f"/id/ortsteil/./{NFC}", 404),
        (f"/id/x/../ortsteil/{NFC}", 404),
        (f"/id/ortsteil\\{NFC}", 404),
    ],
)
def test_umlaut_iris_and_their_spellings(umlauts: FlaskClient, path: str, status: int) -> None:
    response = umlauts.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status, (path, response.status_code, response.data[:200])
    if status == 303:
        assert response.headers["Location"].startswith("/doc/")
        document = umlauts.get(response.headers["Location"], headers={"Accept": "application/n-triples"})
        assert document.status_code == 200
        assert document.get_data(as_text=True).count(f"<{BASE}id/") >= 1
    elif status == 308:
        assert urlsplit(response.headers["Location"]).path == f"/id/ortsteil/{NFC}"
    else:
        assert_clear_error(response, status)


def test_the_nfc_document_names_its_iri_in_nfc(umlauts: FlaskClient) -> None:
    text = umlauts.get(f"/doc/ortsteil/{NFC}.nt").get_data(as_text=True)
    assert f"<{BASE}id/ortsteil/köpenick-süd>" in text
    assert unicodedata.normalize("NFD", "köpenick-süd") not in text


#: Pieces of hostile paths: traversal in every spelling, encoded separators, overlong and invalid UTF-8,
#: control characters, both normal forms, names of files that must never be served.
HOSTILE = [
    "..",
    ".",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2F",
    "%2f",
    "%5C",
    "\\",
    "..\\..\\",
    "%C0%AF",
    "%C0%AE%C0%AE",
    "%E0%80%AF",
    "%C1%9C",
    "%ZZ",
    "%",
    "%C3",
    "%C3%28",
    "%FF%FE",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%00",
    "%0A",
    "%0D%0A",
    "%09",
    "%01",
    "%7F",
    "%C2%85",
    "%E2%80%AE",
    "%EF%BB%BF",
    "",
    "~",
    ";",
    "%3B",
    "%3F",
    "%23",
    "%25",
    "%252e%252e",
    "k%C3%B6penick",
    "ko%CC%88penick",
    "etc",
    "passwd",
    "pyproject.toml",
    "manifest.json",
    "current",
    "cache.sqlite",
    "dumps",
    "dataset.ttl",
    "bezirk",
    "treptow-koepenick",
    ".ttl",
    ".html",
    "CON",
    "a" * 300,
]
PREFIXES = [
    "/id/",
    "/doc/",
    "/graph/",
    "/dumps/",
    "/shapes/",
    "/ontology/",
    "/.well-known/",
    "/ldes/member/",
    "/ldes/",
    "/api/areas/",
    "/api/",
    "/liste/",
    "/sitemap-",
    "/context.jsonld/",
    "/",
]
#: What must never be in an answer: the contents of files outside the published set.
SECRETS = [b"root:x:0:0", b"[project]", b"[tool.ruff]", b"SQLite format 3", b"MANIFEST-0", b"# How this codebase"]


def _hostile_path(prefix: str, pieces: list[str], separators: list[str]) -> str:
    path = prefix
    for piece, separator in zip(pieces, separators, strict=False):
        path += piece + separator
    return path


HOSTILE_PATHS = st.builds(
    _hostile_path,
    st.sampled_from(PREFIXES),
    st.lists(
        st.sampled_from(HOSTILE) | st.text(max_size=12).map(lambda t: quote(t, safe="/%.")),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.sampled_from(["/", "", "//", "%2F", "\\"]), min_size=8, max_size=8),
)


def assert_safe_answer(response: TestResponse, path: str, app: Flask) -> None:
    """A clear answer: a success only for what is published, a redirect only to this server, an error in the
    one shape; never a 5xx, never the bytes of a file outside the published set."""
    note = f"{path!r} -> {response.status_code}"
    assert response.status_code < 500, note
    body = response.get_data()
    assert not any(secret in body for secret in SECRETS), note
    assert str(PROJECT_ROOT).encode() not in body, note
    if 300 <= response.status_code < 400:
        target = urlsplit(response.headers["Location"])
        assert target.netloc in ("", "localhost") and target.path.startswith("/"), note
        assert not target.path.startswith("//"), note
    elif response.status_code >= 400:
        assert response.status_code in (400, 404, 405, 406, 410, 414, 431), note
        assert_clear_error(response, response.status_code)
    if response.status_code == 200 and path.startswith("/dumps/"):
        name = unquote(urlsplit(path).path.removeprefix("/dumps/"))
        assert name in published_dumps(app) or name == "", note  # a dump, or the listing


def published_dumps(app: Flask) -> set[str]:
    state: Published = app.extensions["publisher"]
    return set(state.manifest().get("files", {}))


@settings(WEB, max_examples=400)
@given(path=HOSTILE_PATHS, accept=st.sampled_from(["", "application/json", "text/html", "text/turtle"]))
def test_hostile_paths_get_clear_answers(app: Flask, path: str, accept: str) -> None:
    response = app.test_client().get(path, headers={"Accept": accept} if accept else {})
    assert_safe_answer(response, path, app)


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/..%2F..%2Fpyproject.toml",
        "/dumps/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/dumps/..%5C..%5Cpyproject.toml",
        "/dumps/%C0%AE%C0%AE%C0%AFpyproject.toml",
        "/dumps/....//....//pyproject.toml",
        "/dumps/dataset.ttl%00.html",
        "/shapes/..%2F..%2Fpyproject.toml",
        "/doc/..%2F..%2F..%2Fetc%2Fpasswd",
        "/ldes/member/..%2F..%2F..%2Fetc%2Fpasswd",
        "/.well-known/..%2Fvoid",
        "/graph/..%2Fid%2Fbezirk%2Ftreptow-koepenick",
        "/id/" + "a" * 20_000,
        "/doc/" + "a/" * 5_000,
        "/api/areas/" + "%00" * 1000,
    ],
)
def test_traversal_and_monsters_are_refused(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.status_code in (404, 414), (path, response.status_code)
    assert_safe_answer(response, path, app)


def test_the_dumps_are_served_by_their_names(app: Flask) -> None:
    """The one success the hostile paths must not reach by other spellings."""
    names = published_dumps(app)
    assert "dataset.ttl" in names
    for name in names:
        with app.test_client().head(f"/dumps/{name}") as response:
            assert response.status_code == 200


#: IRIs and terms no client should send, as parameter values.
HOSTILE_IRIS = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "file:pyproject.toml",
            "data:text/html,%3Cscript%3E",
            "http://[::1",
            "http://a b/",
            "http://localhost:8080/id/bezirk/treptow-koepenick\x00",
            "<http://localhost:8080/id/bezirk/treptow-koepenick>",
            "_:b0",
            "?x",
            '"Treptow-Köpenick"@de',
            '"unterminated',
            '"x"^^<not an iri>',
            '"x"@',
            "urn:",
            ":",
            "",
            "http://",
            "../../etc/passwd",
        ]
    ),
    st.builds(
        lambda pieces: f"{BASE}id/" + "/".join(pieces),
        st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), min_size=1, max_size=4),
    ),
    st.text(max_size=30),
)
IRI_TARGETS = [
    "/fragments?subject={}",
    "/fragments?predicate={}",
    "/fragments?object={}",
    "/api/releases?area={}",
    "/api/areas?within={}",
    "/api/releases?organisation={}",
    "/sparql?query=ASK%20%7B%7D&default-graph-uri={}",
    "/sparql?query=ASK%20%7B%7D&named-graph-uri={}",
    "/suche?q={}",
    "/doc/bezirk/treptow-koepenick?page={}",
]


@settings(WEB, max_examples=150)
@given(value=HOSTILE_IRIS, target=st.sampled_from(IRI_TARGETS))
def test_hostile_iris_in_parameters_get_clear_answers(app: Flask, value: str, target: str) -> None:
    path = target.format(quote(value, safe=""))
    response = app.test_client().get(path, headers={"Accept": "application/json"})
    assert response.status_code in (200, 400, 404), (path, response.status_code, response.data[:300])
    assert_safe_answer(response, path, app)
    if response.status_code == 400:
        assert json.loads(response.data)["error"], path


# ---------------------------------------------------------------- the public validation service reads releases too


@settings(WEB, max_examples=25)
@given(data=st.data(), kind=st.sampled_from(["text/plain", "text/markdown"]))
def test_any_release_text_posted_to_validate_gets_a_clear_answer(app: Flask, data: st.DataObject, kind: str) -> None:
    """POST /validate reads a posted release with the same reader, but not from a file: its errors must be the
    same clear 400s (a 500 here is a 500 on a public endpoint)."""
    original = MARKDOWN.encode() if kind == "text/markdown" else data.draw(st.sampled_from(REAL), label="release")
    body = mutate(original, data)
    response = app.test_client().post(
        "/validate", data=body, headers={"Content-Type": kind, "Accept": "application/json"}
    )
    assert response.status_code in (200, 400, 413), (response.status_code, response.data[:300])
    if response.status_code != 200:
        assert_clear_error(response, response.status_code)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("text/plain", "Titel\n\nPressemitteilung vom ١٧.٠١.٢٠٢٥ Am Mittwoch fand das Treffen statt.".encode()),
        ("text/markdown", laughs("title")),
        ("text/markdown", laughs("contacts")),
    ],
)
def test_validate_refuses_what_the_reader_refuses(app: Flask, kind: str, body: bytes) -> None:
    """The two bugs the properties found, over HTTP: an AttributeError (500) and a YAML alias bomb (a hang)."""
    started = time.monotonic()
    response = app.test_client().post(
        "/validate", data=body, headers={"Content-Type": kind, "Accept": "application/json"}
    )
    assert time.monotonic() - started < 5
    assert_clear_error(response, 400)


#: Values of every kind a SPARQL JSON answer writes: IRIs, plain, language-tagged and typed literals (any text).
RESULT_VALUES = st.one_of(
    st.text().map(ox.Literal),
    st.builds(lambda text, tag: ox.Literal(text, language=tag), st.text(), st.sampled_from(["de", "en-gb", "de-1901"])),
    st.text().map(lambda text: ox.Literal(text, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#token"))),
    st.text().map(lambda text: ox.NamedNode("http://example.org/" + quote(text, safe="/ä?=#"))),
)


@settings(WEB, max_examples=150)
@given(rows=st.lists(st.tuples(st.none() | RESULT_VALUES, st.none() | RESULT_VALUES), max_size=6))
def test_any_values_come_back_from_the_sparql_endpoint_as_asked(app: Flask, rows: list[tuple[object, object]]) -> None:
    """Whatever a query's solutions hold (quotes, backslashes, control characters, line separators, umlauts,
    unbound values), the endpoint's SPARQL JSON is JSON, and reads back as the same values in the same order."""
    written = " ".join("(" + " ".join("UNDEF" if v is None else str(v) for v in row) + ")" for row in rows)
    query = f"SELECT ?a ?b WHERE {{ VALUES (?a ?b) {{ {written} }} }}"
    response = app.test_client().get(
        "/sparql?" + urlencode({"query": query}), headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data[:300]
    assert json.loads(response.data)["head"]["vars"] == ["a", "b"]
    read = ox.parse_query_results(response.data, format=ox.QueryResultsFormat.JSON)
    assert [(row["a"], row["b"]) for row in read] == rows
