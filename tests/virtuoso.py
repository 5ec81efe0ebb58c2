"""The Virtuoso that the tests of the remote SPARQL store run against, named by environment variables.

`.ci/virtuoso start DIR` starts one (own database folder and ini file, loopback only) and writes the variables to
DIR/env; `.ci/run` exports them with PUBLISHER_REQUIRE_VIRTUOSO=1, so that in CI a missing or unreachable Virtuoso
fails the tests instead of skipping them. To run the tests against a Virtuoso of your own, set:

- PUBLISHER_TEST_VIRTUOSO: its SPARQL query endpoint, e.g. http://127.0.0.1:8890/sparql (anonymous)
- PUBLISHER_TEST_VIRTUOSO_UPDATE: its SPARQL Update endpoint with HTTP Digest authentication (…/sparql-auth)
- PUBLISHER_TEST_VIRTUOSO_GSP: its Graph Store Protocol endpoint with Digest authentication
  (…/sparql-graph-crud-auth)
- PUBLISHER_TEST_VIRTUOSO_USER, PUBLISHER_TEST_VIRTUOSO_PASSWORD: an account with the role SPARQL_UPDATE, which
  may also run the bulk loader (EXECUTE on DB.DBA.ld_dir and DB.DBA.rdf_loader_run)
- PUBLISHER_TEST_VIRTUOSO_BULK: a folder the tests may write and Virtuoso may read (one of its DirsAllowed)

The tests drop every graph that is not Virtuoso's own (``virtuoso_graph``): never point them at a Virtuoso that
holds data you want to keep.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import Any

import pytest

#: Environment variable -> what it names; all of them are needed.
VARIABLES = {
    "PUBLISHER_TEST_VIRTUOSO": "the SPARQL query endpoint",
    "PUBLISHER_TEST_VIRTUOSO_UPDATE": "the SPARQL Update endpoint (Digest authentication)",
    "PUBLISHER_TEST_VIRTUOSO_GSP": "the Graph Store Protocol endpoint (Digest authentication)",
    "PUBLISHER_TEST_VIRTUOSO_USER": "the account that may update",
    "PUBLISHER_TEST_VIRTUOSO_PASSWORD": "its password",
    "PUBLISHER_TEST_VIRTUOSO_BULK": "a folder Virtuoso's bulk loader may read",
}
REQUIRE = "PUBLISHER_REQUIRE_VIRTUOSO"
TIMEOUT = 60  # seconds for one request


class VirtuosoError(Exception):
    """Virtuoso answered a request with an error status."""

    def __init__(self, status: int, url: str, body: bytes) -> None:
        super().__init__(f"{url} answered {status}: {body[:500].decode('utf-8', 'replace')}")
        self.status = status
        self.body = body


class DigestAuth(urllib.request.HTTPDigestAuthHandler):
    """urllib's Digest authentication, closing each refused response before it asks again (urllib leaves them
    open, and their sockets to the garbage collector)."""

    def http_error_401(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: HTTPMessage) -> Any:
        fp.close()
        return super().http_error_401(req, fp, code, msg, headers)


@dataclass(frozen=True)
class Virtuoso:
    """A running Virtuoso: where to query, where to write, and who writes."""

    query_url: str
    update_url: str
    gsp_url: str
    user: str
    password: str
    bulk: str

    def request(
        self, url: str, data: bytes | None, headers: dict[str, str], method: str = "POST", auth: bool = True
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; returns status, headers and body, raises VirtuosoError for an error status."""
        handlers: list[urllib.request.BaseHandler] = []
        if auth:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, url, self.user, self.password)
            handlers.append(DigestAuth(passwords))
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with opener.open(request, timeout=TIMEOUT) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            with error:
                raise VirtuosoError(error.code, url, error.read()) from None

    def query(self, sparql: str, accept: str = "application/sparql-results+json") -> bytes:
        """Run a query on the anonymous query endpoint; the body of the answer."""
        form = urllib.parse.urlencode({"query": sparql}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return self.request(self.query_url, form, headers, auth=False)[2]

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT query's rows as plain strings."""
        data = json.loads(self.query(sparql))
        return [{name: value["value"] for name, value in row.items()} for row in data["results"]["bindings"]]

    def update(self, sparql: str) -> None:
        """Run SPARQL Update as the account that may write."""
        self.request(self.update_url, sparql.encode("utf-8"), {"Content-Type": "application/sparql-update"})

    def graphs(self) -> dict[str, int]:
        """Every graph that holds a triple -> how many it holds."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {row["g"]: int(row["n"]) for row in rows}

    def empty(self) -> None:
        """Drop every graph that is not Virtuoso's own: the publisher's and whatever else the tests wrote."""
        doomed = sorted(g for g in self.graphs() if not virtuoso_graph(g))
        # DROP SILENT: without SILENT, Virtuoso refuses to drop a graph that was filled without CREATE GRAPH; and
        # it refuses a request of about a thousand operations
        for start in range(0, len(doomed), 200):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in doomed[start : start + 200]))


def virtuoso_graph(iri: str) -> bool:
    """Whether a graph is one of Virtuoso's own, which the tests never touch: its RDF-to-SQL mapping
    (http://www.openlinksw.com/schemas/virtrdf#), W3C vocabularies it loads (http://www.w3.org/ns/ldp#), the
    description of its SPARQL service (<its default host>/sparql) and the metadata of its WebDAV folders
    (<its default host>/DAV/...). A fresh database holds the first three."""
    if iri.startswith(("http://www.openlinksw.com/", "http://www.w3.org/ns/")):
        return True
    path = urllib.parse.urlsplit(iri).path
    return path == "/sparql" or path.startswith("/DAV/")


def configured() -> Virtuoso | None:
    """The Virtuoso the environment names, or None when PUBLISHER_TEST_VIRTUOSO is not set.

    Raises:
        ValueError: PUBLISHER_TEST_VIRTUOSO is set but another of the variables is missing.
    """
    if not os.environ.get("PUBLISHER_TEST_VIRTUOSO"):
        return None
    missing = [f"{name} ({what})" for name, what in VARIABLES.items() if not os.environ.get(name)]
    if missing:
        raise ValueError("PUBLISHER_TEST_VIRTUOSO is set, but these are not: " + ", ".join(missing))
    return Virtuoso(*(os.environ[name] for name in VARIABLES))


def require_virtuoso() -> Virtuoso:
    """The Virtuoso to test against, after checking that it answers.

    Skips the test when none is configured, unless PUBLISHER_REQUIRE_VIRTUOSO is set (as CI does): then a
    missing Virtuoso fails it. A configured Virtuoso that does not answer always fails it.
    """
    try:
        virtuoso = configured()
    except ValueError as error:
        pytest.fail(str(error), pytrace=False)
    if virtuoso is None:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{REQUIRE} is set but PUBLISHER_TEST_VIRTUOSO is not (.ci/virtuoso start DIR)", pytrace=False)
        pytest.skip("no Virtuoso to test against: set PUBLISHER_TEST_VIRTUOSO (see tests/virtuoso.py)")
    try:
        answer = json.loads(virtuoso.query("ASK {}"))
    except (OSError, VirtuosoError, ValueError) as error:
        pytest.fail(f"the Virtuoso at {virtuoso.query_url} does not answer: {error}", pytrace=False)
    if answer.get("boolean") is not True:
        pytest.fail(f"the Virtuoso at {virtuoso.query_url} answers ASK {{}} with {answer}", pytrace=False)
    return virtuoso
