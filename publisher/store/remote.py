"""A store on a SPARQL 1.1 endpoint elsewhere: Virtuoso, Fuseki, GraphDB, or any other triple store that answers
the SPARQL 1.1 Protocol for queries and updates.

The graphs live in the remote store under their own names; its default graph must be the union of its named
graphs (Virtuoso's is; Fuseki's is with ``tdb2:unionDefaultGraph true``). What belongs to a state besides the
graphs (the manifest and the files written with it: dumps, search index, change log) lives in a local folder of
generations (publisher.store.generations), as with the embedded store.

A write replaces the graphs whose content changed (emptied and inserted again; the entities graph gets its
difference); a graph whose content the store holds already is not sent again. A marker graph records which state
the store holds. A change of up to PUBLISHER_STORE_BATCH triples (a build that adds or changes a few releases) is
one SPARQL Update request; a larger one (a first load, a rebuild after the base URI changed) is several, because
stores limit what one request may hold, and a graph larger than the batch is then replaced whole by one Graph Store
Protocol PUT when the store offers it (PUBLISHER_STORE_GRAPHS). With Virtuoso and a folder that both the publisher
and Virtuoso can read (PUBLISHER_STORE_BULK), the graphs a larger change replaces go instead as N-Quads files to
Virtuoso's bulk loader (4 to 5 times faster than SPARQL Update), each followed by a checkpoint (the loader writes
without Virtuoso's transaction log). The marker says "writing" from the first request of a larger change to the
last. The requests are made as they are sent, from the change's N-Triples (every graph is read once before the
first is sent, and only its digest kept), each while the store works on the one before; a change of one request is
sent after the state's files are written, the requests of a larger one while they are written.

How atomic a write is for the store's other readers is the store's: the SPARQL 1.1 Update recommendation asks a
service to treat each request atomically, and Fuseki (TDB2) runs each request as one transaction; Virtuoso runs
updates over HTTP in autocommit mode, so its readers see a request's operations as they are done. The publisher's
own state switches as one: only after the store has accepted the last request does the local folder switch to
the new generation (pages' caches, dumps, search index, change feed), and a failed write leaves it on the old one.
When store and folder disagree (a write was interrupted, or another publisher writes to the same store), the next
incremental write is refused with a message saying so, and a full build writes every graph again.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree

import pyoxigraph as ox
import requests
import urllib3

from publisher.errors import QueryError, StoreError
from publisher.sparql.results import RESULTS_NS
from publisher.sparql.text import read_query
from publisher.store import QUAD_FORMATS, RDF_FORMATS, Bindings, Change, WritableStore, with_values, written
from publisher.store.generations import Generations

#: The graph that records which generation the store holds, and the graphs that belong to it.
STATE_GRAPH = "urn:x-publisher:state"
#: GeoSPARQL's datatype of Well-Known Text, and what the publisher stores it as in Virtuoso: Virtuoso turns a
#: wktLiteral into its own geometry type (another datatype, coordinates cut to single precision) and refuses one that
#: names its coordinate system, so the literals go in and come back under a datatype of the publisher's own.
_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
_STORED_WKT = "urn:x-publisher:wktLiteral"
_STORED_WKT_BYTES = _STORED_WKT.encode()
_VERSION = "urn:x-publisher:version"
#: Both answers a query can have: results are asked for as SPARQL JSON (SPARQL XML from a store that answers only
#: that), graphs as N-Triples, and written again in the format wanted by the same serialiser as the embedded store's.
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
#: Triples per GRAPH block of a write (Virtuoso's parser takes fewer than 5,000 in one block).
_TRIPLES_PER_OPERATION = 1_000
#: Graphs per emptying operation, and graphs per insert request at most (Virtuoso compiles a request of some 400
#: operations or GRAPH blocks no more).
_GRAPHS_PER_OPERATION = 200
WRITE_FAILED = "the write was refused; the published state is still served"
#: Triples per file of Virtuoso's bulk loader (about 300 MB): one is loaded while the next is written.
_TRIPLES_PER_LOAD = 1_000_000
#: Graph names per query when reading graph by graph (VALUES block).
_GRAPHS_PER_QUERY = 500


class RemoteStore(WritableStore):
    """The SPARQL endpoint ``endpoint`` (queries) and ``update`` (updates; default: the same URL), with the local
    folder ``files`` for the manifest and the files of each state."""

    remote = True

    def __init__(
        self,
        endpoint: str,
        files: Path,
        update: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 600,
        batch: int = 5000,
        graph_store: str | None = None,
        bulk: Path | None = None,
    ) -> None:
        for name, url in (("PUBLISHER_STORE", endpoint), ("PUBLISHER_STORE_UPDATE", update or endpoint)):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise StoreError(f"store: '{url}' is not an http(s) URL of a SPARQL endpoint (setting {name})")
        self.endpoint = endpoint
        self.update_endpoint = update or endpoint
        #: The local folder (what a build keeps its cache in, as with the embedded store).
        self.path = files
        self.timeout = timeout
        #: Triples per update request: a change up to this size is written in one request, atomically.
        self.batch = batch
        #: The Graph Store Protocol endpoint that takes whole graphs (PUT, POST), or None.
        self.graph_store = graph_store
        #: The folder through which Virtuoso's bulk loader takes the replaced graphs of a large change, or None.
        self.bulk = bulk
        if bulk is not None and (not bulk.is_absolute() or re.search(r'["\\\n]', str(bulk))):
            raise StoreError(
                f"store: '{bulk}' (setting PUBLISHER_STORE_BULK) must be an absolute folder path without quotation "
                "marks, backslashes or line breaks, as Virtuoso is given it"
            )
        self._generations = Generations(files)
        self._session = requests.Session()
        self._auth: requests.auth.AuthBase | None = None
        self._credentials = (user, password or "") if user else None
        self._challenged: set[str] = set()
        #: Per URL, whether its requests go through the plain connection pool (see _is_plain); False for one that
        #: asked for credentials.
        self._plain: dict[str, bool] = {}
        self._pool = urllib3.PoolManager(maxsize=10, retries=_RETRIES)
        #: Virtuoso (told by its Server header): its default graph holds every graph it has, its own system graphs
        #: too, so its queries exclude the graphs that are not the publisher's (Virtuoso's input:...-exclude).
        self._virtuoso: bool | None = None
        #: (the state, the prologue that leaves out the graphs not the publisher's), made once per state
        self._excluded: tuple[str, str] | None = None

    # ------------------------------------------------------------ reading

    def version(self) -> str:
        return self._generations.version()

    def manifest(self) -> dict[str, Any] | None:
        return self._generations.manifest()

    def files_dir(self) -> Path | None:
        return self._generations.files_dir()

    def query(self, sparql: str, result_format: str = "json", bindings: Bindings | None = None) -> bytes:
        result = self.run(with_values(sparql, bindings) if bindings else sparql)
        return written(result, result_format)

    def run(
        self,
        sparql: str,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        timeout: float | None = None,
        user_query: bool = False,
        everything: bool = False,
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Run a query on the remote endpoint: its solutions or boolean, or its graph's triples. With
        ``user_query``, what the endpoint refuses is the query's fault (QueryError 400), not the store's; with
        ``everything``, the query sees all the store holds, not only the publisher's graphs."""
        read = read_query(sparql)
        # Virtuoso ignores the graph a GRAPH pattern names once any graph is excluded: such a query goes as it is
        whole = everything or read.names_graph
        form: list[tuple[str, str]] = [("query", sparql if whole else self.prologue() + sparql)]
        form += [("default-graph-uri", g) for g in default_graphs or ()]
        form += [("named-graph-uri", g) for g in named_graphs or ()]
        accept = _GRAPH_ACCEPT if read.form in ("CONSTRUCT", "DESCRIBE") else _RESULTS_ACCEPT
        response = self._request(
            "POST", self.endpoint, form=form, headers={"Accept": accept}, timeout=timeout, user_query=user_query
        )
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        content = response.content
        if self._is_virtuoso() and _STORED_WKT_BYTES in content:
            content = content.replace(_STORED_WKT_BYTES, _WKT.encode())
        try:
            if media in ("application/sparql-results+json", "application/json"):
                return ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
            if media in ("application/sparql-results+xml", "application/xml"):
                return _xml_results(content)
            if media in ("application/n-triples", "text/plain", "text/ntriples"):
                return list(ox.parse(content, format=ox.RdfFormat.N_TRIPLES))
            if media in ("text/turtle", "application/x-turtle"):
                return list(ox.parse(content, format=ox.RdfFormat.TURTLE))
        except (SyntaxError, ValueError, ElementTree.ParseError) as exc:
            raise StoreError(f"store: {self.endpoint} answered with {media} that cannot be read: {exc}") from None
        raise StoreError(f"store: {self.endpoint} answered with '{media or 'no media type'}', not SPARQL results")

    def dump(self, rdf_format: str) -> bytes:
        if rdf_format not in RDF_FORMATS:
            raise StoreError(f"dump: unknown format '{rdf_format}'")
        quads = list(self._quads())
        if rdf_format in QUAD_FORMATS:
            return ox.serialize(quads, format=RDF_FORMATS[rdf_format]) or b""
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
        return ox.serialize(sorted(triples, key=str), format=RDF_FORMATS[rdf_format]) or b""

    def count(self) -> int:
        total = 0
        for names in _batches(sorted(self._graphs()), _GRAPHS_PER_QUERY):
            values = " ".join(f"<{g}>" for g in names)
            rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
            total += int(rows[0]["n"]) if rows else 0
        return total

    def stored_version(self) -> str | None:
        """The generation the remote store says it holds, or None when it holds none of this publisher's."""
        result = self.run(
            f"SELECT ?v WHERE {{ GRAPH <{STATE_GRAPH}> {{ <{STATE_GRAPH}> <{_VERSION}> ?v }} }}", everything=True
        )
        assert isinstance(result, ox.QuerySolutions)
        return next((str(row["v"].value) for row in result), None)

    def close(self) -> None:
        """Close the connections; the store opens new ones when it is used again (in a forked server worker, say:
        connections must not be shared across a fork)."""
        self._session.close()
        self._session = requests.Session()
        self._pool.clear()
        self._challenged.clear()

    def _is_virtuoso(self) -> bool:
        if self._virtuoso is None:
            response = self._request("HEAD", self.endpoint)
            self._virtuoso = response.headers.get("Server", "").startswith("Virtuoso")
        return self._virtuoso

    def prologue(self) -> str:
        """What a query to Virtuoso starts with: the graphs that are not the publisher's are left out of its default
        graph and of GRAPH patterns; empty for other stores."""
        if not self._is_virtuoso():
            return ""
        version = self.version()
        if self._excluded is None or self._excluded[0] != version:
            generation = self._generations.current()
            recorded = generation / "foreign.json" if generation is not None else None
            if recorded is not None and recorded.is_file():
                foreign = json.loads(recorded.read_text("utf-8"))
            else:
                foreign = self._foreign(set(self._graphs()))
            prologue = "".join(
                f"DEFINE input:default-graph-exclude <{g}> DEFINE input:named-graph-exclude <{g}> "
                for g in sorted({*foreign, STATE_GRAPH})
            )
            self._excluded = (version, prologue)
        return self._excluded[1]

    def _foreign(self, ours: set[str]) -> list[str]:
        """The graphs the store holds that are not the publisher's (Virtuoso's system graphs, other data)."""
        return sorted(set(self._held()) - ours - {STATE_GRAPH})

    def _graphs(self) -> dict[str, str | None]:
        """The graphs of the current state, as its generation recorded them, each with the digest of its content
        (None where only a difference was written)."""
        generation = self._generations.current()
        if generation is None or not (generation / "graphs.json").is_file():
            return {}
        recorded: dict[str, str | None] = json.loads((generation / "graphs.json").read_text("utf-8"))
        return recorded

    def _quads(self) -> Iterator[ox.Quad]:
        for names in _batches(sorted(self._graphs()), _GRAPHS_PER_QUERY):
            values = " ".join(f"<{g}>" for g in names)
            result = self.run(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
            assert isinstance(result, ox.QuerySolutions)
            for row in result:
                yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    # ------------------------------------------------------------ writing

    def apply(self, change: Change) -> None:
        before = self._graphs()
        current = self._generations.version()
        with self._generations.writing() as new:
            stored = self.stored_version() if before else None
            trusted = stored == (current if before else None)
            if not trusted and not change.full:
                raise StoreError(
                    f"store: {self.endpoint} holds the state '{stored or 'none'}', but {self.path} records "
                    f"'{current}' (a build was interrupted while writing, or another publisher writes to the "
                    f"same store); the store is unchanged. Remove {self.path} to make the next build write "
                    "everything again."
                )
            escape = self._is_virtuoso()
            if self.bulk is not None and not escape:
                raise StoreError(
                    f"store: PUBLISHER_STORE_BULK names Virtuoso's bulk loader, but {self.endpoint} is not Virtuoso; "
                    "the store is unchanged"
                )
            # every graph is read before anything is sent (a graph that is not N-Triples stops the write here), but
            # only its digest and size are kept: the triples are made again as they are sent
            sizes: dict[str, int] = {}
            digests: dict[str, str] = {}
            for graph, lines in sorted(change.graphs.items()):
                triples = _triples(lines, escape)
                sizes[graph], digests[graph] = len(triples), _digest(triples)
            added = {graph: _triples(lines, escape) for graph, lines in sorted(change.add.items())}
            removed = {graph: _triples(lines, escape) for graph, lines in sorted(change.remove.items())}
            # the graphs the store holds: as recorded, or, when store and record disagree, as the store says
            held = set(before) if trusted else set(self._held())
            if not trusted:
                before = dict.fromkeys(before)  # what the graphs hold is not known: every one is written
            # a graph whose content is what the store holds already is not written again
            replaced = [graph for graph in sorted(change.graphs) if before.get(graph) != digests[graph]]
            drop = set(before) - set(change.graphs) if change.full else set(change.drop)
            after: dict[str, str | None] = {g: d for g, d in before.items() if g not in drop}
            after.update(digests)
            after.update({graph: None for graph in [*added, *removed] if graph not in change.graphs})
            plan = _Plan(
                replaced={graph: sizes[graph] for graph in replaced},
                added=added,
                removed=removed,
                drop=drop & held,
                held=held,
                batch=self.batch,
                graph_store=self.graph_store is not None,
                bulk=self.bulk / f"publisher-{new.name}-{secrets.token_hex(4)}" if self.bulk is not None else None,
            )
            manifest = dict(change.manifest)
            writes = plan.requests(change.graphs, escape, new.name)
            try:
                self._write(plan, writes, change, new, manifest)
            finally:
                if plan.bulk is not None:  # the files of a load that did not happen
                    for file in plan.bulk.parent.glob(f"{plan.bulk.name}-*.nq"):
                        file.unlink(missing_ok=True)
            (new / "graphs.json").write_text(json.dumps(after, sort_keys=True), "utf-8")
            if self._is_virtuoso():
                # not through prologue(): without a state before, it asks the store for its graphs too (seconds at
                # 100,000 releases)
                (new / "foreign.json").write_text(json.dumps(self._foreign(set(after))), "utf-8")
            self._generations.publish(new, manifest)

    def _write(
        self,
        plan: _Plan,
        writes: Iterator[tuple[str, str, str]],
        change: Change,
        new: Path,
        manifest: dict[str, Any],
    ) -> None:
        """Send ``writes`` and write the state's files (into ``manifest``) as ``plan`` says: one request after the
        files, or the requests while the files are written."""
        if plan.atomic:
            # one request, sent once the state's files are written: a failure of either changes nothing
            if change.files is not None:
                manifest["files"] = change.files(new / "files")
            self._send(writes, threading.Event())
        else:
            # the requests go out from a thread of their own while this one writes the state's files (dumps,
            # search index): the store works on one core while the files are written on the other. The store
            # says "writing" from the first request on, so a failure of either side leaves it saying so.
            stop = threading.Event()
            with ThreadPoolExecutor(1, thread_name_prefix="store-write") as pool:
                sending = pool.submit(self._send, writes, stop)
                try:
                    if change.files is not None:
                        manifest["files"] = change.files(new / "files")
                except BaseException:
                    stop.set()
                    raise
                finally:
                    sent = sending.exception()
                if sent is not None:
                    raise sent

    def _send(self, writes: Iterator[tuple[str, str, str]], stop: threading.Event) -> None:
        """Send ``writes`` in their order, one at a time; the next request is made (its triples parsed and written)
        by a thread of its own while the store works on the one before, so that the store does not wait for it."""
        with ThreadPoolExecutor(1, thread_name_prefix="store-request") as maker:
            following = maker.submit(next, writes, None)
            while (request := following.result()) is not None and not stop.is_set():
                following = maker.submit(next, writes, None)
                self._post(request)

    def _post(self, request: tuple[str, str, str]) -> None:
        method, graph, payload = request
        if method == "update":
            self._update(payload)
        elif method == "LOAD":
            self._load(Path(graph), int(payload))
        else:
            assert self.graph_store is not None
            self._request(
                method,
                self.graph_store,
                params={"graph": graph},
                data=payload.encode("utf-8"),
                headers={"Content-Type": "application/n-triples"},
                what=WRITE_FAILED,
            )

    def _load(self, file: Path, triples: int) -> None:
        """Have Virtuoso's bulk loader read ``file`` (N-Quads of ``triples`` distinct triples), then make what it
        loaded durable with a checkpoint: the loader writes without Virtuoso's transaction log, so without the
        checkpoint a crash of Virtuoso could lose what the marker written after it calls written. What the store
        holds before and after is counted, since the loader reports a file it could not read only in its own log.
        The file is removed once read."""
        before = self._total()
        folder, name = str(file.parent), file.name
        try:
            # the graph named is for lines without one, of which there are none (the marker's: out of every query)
            self._call(f'<sql:ld_dir>("{folder}", "{name}", "{STATE_GRAPH}")')
            # every file registered and not loaded yet (this one; others only if a load was cut short before),
            # written without the transaction log (2)
            self._call("<sql:rdf_loader_run>(1000000, 2)")
            self._call('bif:exec("checkpoint")')
        finally:
            file.unlink(missing_ok=True)
        loaded = self._total() - before
        if loaded != triples:
            raise StoreError(
                f"store: Virtuoso's bulk loader took {loaded:,} of the {triples:,} triples of {file} (its log "
                f"and the table DB.DBA.LOAD_LIST say why; the folder must be one of its DirsAllowed); {WRITE_FAILED}"
            )

    def _call(self, expression: str) -> None:
        """Evaluate a function of Virtuoso's (``expression``) with the writer's account, through the update URL."""
        self._request(
            "POST",
            self.update_endpoint,
            form=[("query", f"SELECT ({expression} AS ?done) WHERE {{}}")],
            headers={"Accept": _RESULTS_ACCEPT},
            what=WRITE_FAILED,
        )

    def _total(self) -> int:
        """The number of triples in every graph the store holds."""
        result = self.run("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", everything=True)
        assert isinstance(result, ox.QuerySolutions)
        return next((int(row["n"].value) for row in result), 0)

    def _held(self) -> list[str]:
        """Every graph the store holds, the publisher's and others'."""
        # GROUP BY, not DISTINCT: Virtuoso answers this in milliseconds, DISTINCT ?g in minutes at 1,000 graphs
        result = self.run("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", everything=True)
        assert isinstance(result, ox.QuerySolutions)
        return [str(row["g"].value) for row in result]

    def _update(self, body: str) -> None:
        # the update as the request's body (SPARQL 1.1 Protocol, "update via POST directly"), not as a form field:
        # escaping a request of a megabyte for a form takes longer than making it (some 40 ms against 30)
        self._request(
            "POST",
            self.update_endpoint,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=UTF-8"},
            what=WRITE_FAILED,
        )

    # ------------------------------------------------------------ HTTP

    def _request(
        self,
        method: str,
        url: str,
        form: list[tuple[str, str]] | None = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        user_query: bool = False,
        what: str = "",
    ) -> _Reply:
        seconds = self.timeout if timeout is None else timeout
        try:
            if self._credentials and url not in self._challenged:
                self._challenge(url, seconds)
            headers = headers or {"Accept": "*/*"}
            if form is not None:
                data = _form(form)
                headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
            if self._is_plain(url):
                target = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}" if params else url
                answer = self._pool.request(method, target, body=data, headers=headers, timeout=seconds)
                reply = _Reply(answer.status, answer.headers, answer.data)
            else:
                response = self._session.request(
                    method, url, data=data, params=params, headers=headers, timeout=seconds, auth=self._auth
                )
                reply = _Reply(response.status_code, response.headers, response.content)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            cause = _cause(exc)
            # urllib3's error for a connection refused counts as a timeout of connecting; it is none
            timed_out = isinstance(cause, (requests.Timeout, urllib3.exceptions.TimeoutError))
            if not timed_out or isinstance(cause, urllib3.exceptions.NewConnectionError):
                raise StoreError(
                    f"store: {url} is unreachable ({type(cause).__name__}){'; ' + what if what else ''}",
                    transient=True,
                ) from None
            if user_query:
                raise QueryError(
                    503, f"the query ran longer than {seconds:g} s and was stopped (setting PUBLISHER_SPARQL_TIMEOUT)"
                ) from None
            raise StoreError(
                f"store: {url} did not answer within {seconds:g} s{'; ' + what if what else ''}", transient=True
            ) from None
        if reply.status < 300:
            return reply
        text = " ".join(reply.content.decode("utf-8", "replace").split())[:600]
        if user_query and reply.status in (400, 422):
            raise QueryError(400, f"query: {text}")
        if reply.status in (401, 403):
            raise StoreError(
                f"store: {url} refused the request ({reply.status}): check PUBLISHER_STORE_USER and "
                f"PUBLISHER_STORE_PASSWORD{'; ' + what if what else ''}"
            )
        raise StoreError(
            f"store: {url} answered {reply.status}: {text}{'; ' + what if what else ''}",
            transient=reply.status >= 500,
        )

    def _is_plain(self, url: str) -> bool:
        """Whether requests to ``url`` go through the plain connection pool rather than through ``requests``: those
        to an http URL that has not asked for credentials and for which the environment names no proxy and .netrc no
        password. ``requests`` reads the proxy settings and .netrc again on every request, some 0.35 ms of a page's
        query to a store on the same machine or network; here they are read once per URL. HTTPS, a proxy and
        Digest authentication (Virtuoso's /sparql-auth) are left to ``requests``."""
        plain = self._plain.get(url)
        if plain is None:
            settings = self._session.merge_environment_settings(url, {}, None, None, None)
            plain = (
                urlsplit(url).scheme == "http"
                and requests.utils.select_proxy(url, settings["proxies"]) is None
                and requests.utils.get_netrc_auth(url) is None
            )
            self._plain[url] = plain
        return plain

    def _challenge(self, url: str, seconds: float) -> None:
        """Learn the scheme the endpoint asks for, and for Digest its nonce, with a request without a body: a store
        may close the connection on a large body sent without credentials (Virtuoso does)."""
        response = self._session.get(url, timeout=seconds)
        if response.status_code == 401:
            self._plain[url] = False  # the credentials are requests' to send
            self._auth = _auth_for(response.headers, self._credentials or ("", ""))
            self._session.get(url, timeout=seconds, auth=self._auth)  # answers the challenge once
        self._challenged.add(url)


@dataclass(frozen=True)
class _Reply:
    """A store's answer to a request: its status, headers and body."""

    status: int
    headers: Mapping[str, str]
    content: bytes


#: A request is not made again after a failure (as with ``requests``' own default); redirects are followed.
_RETRIES = urllib3.Retry(total=None, connect=0, read=False, status=0, other=0, redirect=10)


_XML_RESULTS = f"{{{RESULTS_NS}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _xml_results(content: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL XML results, read with every literal's text as it stands (pyoxigraph 0.5's XML reader drops leading
    and trailing white space of literals) and handed to pyoxigraph as SPARQL JSON."""
    root = ElementTree.fromstring(content)
    boolean = root.find(_XML_RESULTS + "boolean")
    if boolean is not None:
        document: dict[str, Any] = {"head": {}, "boolean": (boolean.text or "").strip() == "true"}
    else:
        variables = [v.get("name", "") for v in root.iterfind(f"{_XML_RESULTS}head/{_XML_RESULTS}variable")]
        bindings = [
            {b.get("name", ""): _xml_term(b[0]) for b in result.iterfind(_XML_RESULTS + "binding") if len(b)}
            for result in root.iterfind(f"{_XML_RESULTS}results/{_XML_RESULTS}result")
        ]
        document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return ox.parse_query_results(json.dumps(document).encode(), format=ox.QueryResultsFormat.JSON)


def _xml_term(element: ElementTree.Element) -> dict[str, Any]:
    """One term of SPARQL XML results as SPARQL JSON writes it."""
    kind = element.tag.removeprefix(_XML_RESULTS)
    if kind == "literal":
        term: dict[str, Any] = {"type": "literal", "value": element.text or ""}
        if element.get(_XML_LANG):
            term["xml:lang"] = element.get(_XML_LANG)
        elif element.get("datatype"):
            term["datatype"] = element.get("datatype")
        return term
    return {"type": kind, "value": element.text or ""}  # "uri" or "bnode" (another kind is refused by the reader)


def _cause(exc: Exception) -> Exception:
    """What went wrong with a request: the error itself, or the one that made the connection pool give up."""
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return exc.reason
    return exc


def _auth_for(headers: Mapping[str, str], credentials: tuple[str, str]) -> requests.auth.AuthBase:
    """The scheme an endpoint's answer (its headers) asks for: Digest (Virtuoso's /sparql-auth) or Basic (Fuseki
    and most others)."""
    if "digest" in headers.get("WWW-Authenticate", "").lower():
        return requests.auth.HTTPDigestAuth(*credentials)
    return requests.auth.HTTPBasicAuth(*credentials)


def _form(fields: list[tuple[str, str]]) -> bytes:
    """A form body (application/x-www-form-urlencoded) of ``fields``: what a form's parser reads specially is
    escaped, and so is everything that is not printable ASCII; the rest goes as it is. A SPARQL request of a megabyte
    is made in a quarter of the time urllib's quoting of every character but letters and digits takes."""
    return "&".join(f"{_form_text(name)}={_form_text(value)}" for name, value in fields).encode("ascii")


def _form_text(text: str) -> str:
    for special, escaped in _FORM_ESCAPES:
        text = text.replace(special, escaped)
    return _UNPRINTABLE.sub(lambda found: quote(found.group(), safe=""), text)


#: What the parser of a form reads specially, in the order of escaping ("%" first: the other escapes contain it).
_FORM_ESCAPES = (("%", "%25"), ("&", "%26"), ("+", "%2B"), ("=", "%3D"), ("#", "%23"), ("\n", "%0A"), (" ", "+"))
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]+")


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _triples(ntriples: str, escape_wkt: bool = False) -> list[str]:
    """N-Triples lines as SPARQL triples: parsed (a line that is not N-Triples fails here, before anything is sent)
    and written again by the store's serialiser, whose escapes are valid in SPARQL too. With ``escape_wkt``,
    GeoSPARQL's WKT literals are written with a datatype of the publisher's own (see _STORED_WKT)."""
    lines = [f"{t} ." for t in ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    if escape_wkt:
        lines = [line.replace(f"^^<{_WKT}>", f"^^<{_STORED_WKT}>") for line in lines]
    return lines


@dataclass
class _Plan:
    """What a write changes: ``replaced`` graphs get the change's content (graph -> its number of triples; the
    triples are made from the change's N-Triples as they are sent), ``added`` and ``removed`` triples are added to
    or removed from a graph, ``drop`` graphs are emptied. ``held``: the graphs the store holds (only those need
    emptying before they are written)."""

    replaced: dict[str, int]
    added: dict[str, list[str]]
    removed: dict[str, list[str]]
    drop: set[str]
    held: set[str]
    batch: int
    graph_store: bool
    #: The files (this path, "-1.nq", "-2.nq" ...) through which Virtuoso's bulk loader takes the replaced graphs of a
    #: change of several requests, or None to write them by SPARQL Update (or the Graph Store Protocol).
    bulk: Path | None = None

    @property
    def atomic(self) -> bool:
        """Whether the change is one update request."""
        total = sum(self.replaced.values()) + sum(len(t) for part in (self.added, self.removed) for t in part.values())
        return total <= self.batch

    def requests(self, texts: Mapping[str, str], escape: bool, version: str) -> Iterator[tuple[str, str, str]]:
        """The requests that make the store hold the changed state: ("update", "", SPARQL Update), or ("PUT" /
        "POST", graph, N-Triples) for the Graph Store Protocol. A change of up to ``batch`` triples is one update
        request. A larger one starts by marking the state as being written and ends by naming it, and travels in
        update requests of up to ``batch`` triples, several graphs in one; a graph larger than that is replaced by
        one PUT when the store has the Graph Store Protocol; with ``bulk``, the replaced graphs are written into
        those files instead, after the requests that empty those the store holds, each loaded by Virtuoso's bulk
        loader ("LOAD", file, number of triples). Each request empties the graphs it writes that the store holds, and
        inserts with one operation: a request of many operations is slow to compile for some
        stores, and Virtuoso refuses one of some 400 (a DROP of a graph it does not hold costs as much as an
        insert)."""
        if self.atomic:
            inserted = {graph: _triples(texts[graph], escape) for graph in self.replaced}
            for graph, triples in self.added.items():
                inserted[graph] = inserted.get(graph, []) + triples
            cleared = sorted(self.drop | (set(self.replaced) & self.held))
            operations = [_emptied(part) for part in _batches(cleared, _GRAPHS_PER_OPERATION)]
            operations += _data("DELETE", list(self.removed.items()))
            operations += _data("INSERT", list(inserted.items()))
            yield ("update", "", " ;\n".join([*operations, _marker(version)]))
            return
        yield ("update", "", _marker(f"writing {version}"))
        for part in _batches(sorted(self.drop), _GRAPHS_PER_OPERATION):
            yield ("update", "", _emptied(part))
        for parts in _sized(((graph, triples) for graph, triples in self.removed.items()), self.batch):
            yield ("update", "", " ;\n".join(_data("DELETE", parts)))
        if self.bulk is not None:
            for part in _batches(sorted(set(self.replaced) & self.held), _GRAPHS_PER_OPERATION):
                yield ("update", "", _emptied(part))
            # a file is loaded while the next one is written
            for file, loaded in _quads(self.bulk, self.replaced, texts, escape):
                yield ("LOAD", str(file), str(loaded))
        pending: list[tuple[str, list[str]]] = []
        emptied: list[str] = []
        size = 0
        # the replaced graphs (PUT) unless the bulk loader took them, then the triples added to graphs (POST)
        for method, graphs in (("PUT", self.replaced if self.bulk is None else {}), ("POST", self.added)):
            for graph in graphs:
                triples = _triples(texts[graph], escape) if method == "PUT" else self.added[graph]
                if self.graph_store and len(triples) > self.batch:
                    yield (method, graph, "\n".join(triples) + "\n")
                    continue
                for start in range(0, max(len(triples), 1), self.batch):
                    part = triples[start : start + self.batch]
                    if pending and (size + len(part) > self.batch or len(pending) >= _GRAPHS_PER_OPERATION):
                        yield ("update", "", _inserting(emptied, pending))
                        pending, emptied, size = [], [], 0
                    if method == "PUT" and start == 0 and graph in self.held:
                        emptied.append(graph)
                    pending.append((graph, part))
                    size += len(part)
        if pending:
            yield ("update", "", _inserting(emptied, pending))
        yield ("update", "", _marker(version))


def _quads(prefix: Path, graphs: Iterable[str], texts: Mapping[str, str], escape: bool) -> Iterator[tuple[Path, int]]:
    """Write the triples of ``graphs`` (their N-Triples in ``texts``) as N-Quads into files of some
    _TRIPLES_PER_LOAD triples each (``prefix``-1.nq, -2.nq ...; a graph is not split), each distinct triple once;
    each file with its number of triples once it is written."""
    number, written = 1, 0
    file = prefix.with_name(f"{prefix.name}-{number}.nq")
    out = file.open("w", encoding="utf-8")
    try:
        for graph in graphs:
            named = f"<{graph}> .\n"
            lines = {line[:-1] + named for line in _triples(texts[graph], escape)}
            out.writelines(sorted(lines))
            written += len(lines)
            if written >= _TRIPLES_PER_LOAD:
                out.close()
                yield file, written
                number, written = number + 1, 0
                file = prefix.with_name(f"{prefix.name}-{number}.nq")
                out = file.open("w", encoding="utf-8")
    finally:
        out.close()
    if written:
        yield file, written
    else:
        file.unlink()


def _sized(items: Iterable[tuple[str, list[str]]], batch: int) -> Iterator[list[tuple[str, list[str]]]]:
    """(graph, triples) in groups of about ``batch`` triples, a graph's triples split where it is larger."""
    group: list[tuple[str, list[str]]] = []
    size = 0
    for graph, triples in items:
        for start in range(0, len(triples), batch):
            part = triples[start : start + batch]
            if group and size + len(part) > batch:
                yield group
                group, size = [], 0
            group.append((graph, part))
            size += len(part)
    if group:
        yield group


def _emptied(graphs: list[str]) -> str:
    """One operation that empties ``graphs``."""
    values = " ".join(f"<{graph}>" for graph in graphs)
    return f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def _data(verb: str, parts: list[tuple[str, list[str]]]) -> list[str]:
    """One INSERT DATA or DELETE DATA operation for the triples of ``parts`` (none when there are none), a GRAPH
    block of at most _TRIPLES_PER_OPERATION triples each (Virtuoso's parser takes fewer than 5,000 per block)."""
    blocks = [
        f"GRAPH <{graph}> {{\n" + "\n".join(triples[start : start + _TRIPLES_PER_OPERATION]) + "\n}"
        for graph, triples in parts
        for start in range(0, len(triples), _TRIPLES_PER_OPERATION)
    ]
    return [f"{verb} DATA {{\n" + "\n".join(blocks) + "\n}"] if blocks else []


def _inserting(emptied: list[str], parts: list[tuple[str, list[str]]]) -> str:
    operations = [_emptied(emptied)] if emptied else []
    return " ;\n".join([*operations, *_data("INSERT", parts)]) or _emptied(emptied)


def _digest(triples: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(triples)).encode("utf-8")).hexdigest()


def _marker(version: str) -> str:
    return (
        f"DROP SILENT GRAPH <{STATE_GRAPH}> ;\n"
        f'INSERT DATA {{ GRAPH <{STATE_GRAPH}> {{ <{STATE_GRAPH}> <{_VERSION}> "{version}" }} }}'
    )
