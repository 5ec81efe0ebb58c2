"""The change feed: the Linked Data Event Stream walked as a harvester walks it, across rebuilds, and the Atom feed."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV

from publisher.config import load_config
from publisher.ldes import ChangeLog, write_log
from publisher.store import open_store
from publisher.web import create_app
from tests.conftest import (
    BASE,
    CORPUS,
    NEW_SENTENCE,
    SEED,
    SEED_IRI,
    SEED_NAME,
    add_area,
    cli_build,
    data_folder,
    with_new_sentence,
)

# rdflib's Dataset calls its own deprecated members while parsing quads
pytestmark = pytest.mark.filterwarnings(r"ignore:Dataset\.\w+ is deprecated:DeprecationWarning")

LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
TOMBSTONE = URIRef("https://www.w3.org/ns/activitystreams#Tombstone")
PAGE_SIZE = 50
RELEASE_PATH = "/id/pressemitteilung/"
ATOM = "{http://www.w3.org/2005/Atom}"


def client_for(store: Path, data: Path) -> FlaskClient:
    """A client of the server over ``store``, with small pages so that the test data fills some."""
    config = load_config(environ={"PUBLISHER_LDES_PAGE_SIZE": str(PAGE_SIZE)}, data_dir=data, store=str(store))
    return create_app(config, open_store(config.store)).test_client()


@dataclass
class Walk:
    """What a harvester that walked the stream from its root knows."""

    pages: list[str] = field(default_factory=list)
    members: list[URIRef] = field(default_factory=list)
    #: member -> (the release it is a version of, its time, its graph with the release IRI in place)
    versions: dict[URIRef, tuple[URIRef, str, Graph | None]] = field(default_factory=dict)

    def releases(self) -> list[URIRef]:
        """The members that are versions of press releases."""
        return [m for m in self.members if RELEASE_PATH in self.versions[m][0]]

    def current(self) -> dict[URIRef, Graph]:
        """Every release and entity as its newest version says (removed ones left out)."""
        newest: dict[URIRef, tuple[str, Graph | None]] = {}
        for release, stamp, graph in self.versions.values():
            if release not in newest or stamp >= newest[release][0]:
                newest[release] = (stamp, graph)
        return {release: graph for release, (_stamp, graph) in newest.items() if graph is not None}


def walk(client: FlaskClient) -> Walk:
    """Read the stream's root, then every page from its view on, following tree:relation / tree:node, the way
    an LDES client does: members by tree:member, each version from the named graph of the member's IRI."""
    root = client.get("/ldes", headers={"Accept": "text/turtle"})
    assert root.status_code == 200, root.data
    description = Graph().parse(data=root.data, format="turtle")
    stream = URIRef(f"{BASE}ldes")
    assert (stream, RDF.type, URIRef(LDES + "EventStream")) in description
    assert description.value(stream, URIRef(LDES + "timestampPath")) == PROV.generatedAtTime
    assert description.value(stream, URIRef(LDES + "versionOfPath")) == DCTERMS.isVersionOf
    todo = [description.value(stream, URIRef(TREE + "view"))]
    found = Walk()
    while todo:
        node = todo.pop()
        assert isinstance(node, URIRef) and str(node).startswith(BASE)
        if str(node) in found.pages:
            continue
        response = client.get(str(node)[len(BASE) - 1 :], headers={"Accept": "application/trig"})
        assert response.status_code == 200, response.data
        assert response.headers["Content-Type"].startswith("application/trig")
        found.pages.append(str(node))
        page = Dataset()
        page.parse(data=response.data, format="trig")
        default = page.default_graph
        for relation in default.objects(node, URIRef(TREE + "relation")):
            assert (relation, RDF.type, URIRef(TREE + "GreaterThanOrEqualToRelation")) in default
            assert default.value(relation, URIRef(TREE + "path")) == PROV.generatedAtTime
            assert default.value(relation, URIRef(TREE + "value")) is not None
            todo.append(default.value(relation, URIRef(TREE + "node")))
        for member in default.objects(stream, URIRef(TREE + "member")):
            assert isinstance(member, URIRef)
            release = default.value(member, DCTERMS.isVersionOf)
            stamp = default.value(member, PROV.generatedAtTime)
            assert isinstance(release, URIRef) and stamp is not None
            version: Graph | None = None
            if (member, RDF.type, TOMBSTONE) not in default:
                version = Graph()
                for s, p, o in page.graph(member):  # version materialisation: the member becomes the release
                    version.add((release if s == member else s, p, release if o == member else o))
            found.members.append(member)
            found.versions[member] = (release, str(stamp), version)
    return found


def entity_graphs(store: Path) -> dict[URIRef, Graph]:
    """What the store's reference and entities graphs say about each entity of the publisher."""
    opened = open_store(str(store))
    graphs = ", ".join(f"<{BASE}graph/{name}>" for name in ("reference", "entities"))
    nt = opened.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(?g IN ({graphs}) && isIRI(?s) && STRSTARTS(STR(?s), "{BASE}")) }}',
        "nt",
    )
    found: dict[URIRef, Graph] = {}
    for s, p, o in Graph().parse(data=nt, format="nt"):
        assert isinstance(s, URIRef)
        found.setdefault(s, Graph()).add((s, p, o))
    return found


def release_graphs(store: Path) -> dict[URIRef, Graph]:
    """Every press release's graph as the store holds it."""
    opened = open_store(str(store))
    releases = [
        URIRef(row["r"])
        for row in opened.select(
            "SELECT ?r WHERE { GRAPH ?r { ?r a <https://w3id.org/pm-berlin/ontology#PressRelease> } }"
        )
    ]
    graphs = {}
    for release in releases:
        nt = opened.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{release}> {{ ?s ?p ?o }} }}", "nt")
        graphs[release] = Graph().parse(data=nt, format="nt")
    return graphs


@dataclass
class Rebuilt:
    first: Walk
    second: Walk
    first_pages: dict[int, tuple[bytes, str]]
    second_pages: dict[int, tuple[bytes, str]]
    store: Path
    data: Path
    seconds: tuple[float, float]


def page_bodies(client: FlaskClient, count: int) -> dict[int, tuple[bytes, str]]:
    pages = {}
    for number in range(count):
        response = client.get(f"/ldes/{number}", headers={"Accept": "application/trig"})
        assert response.status_code == 200
        pages[number] = (response.data, response.headers["Cache-Control"])
    return pages


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Rebuilt:
    """The seed and the corpus releases built with the CLI, walked, then the seed changed, built and walked again."""
    root = tmp_path_factory.mktemp("ldes")
    corpus = [(path.name, path.read_bytes()) for path in sorted(CORPUS.glob("*.txt"))]
    data = data_folder(root, (SEED_NAME, SEED.read_bytes()), *corpus)
    store = root / "store"
    runner = CliRunner()
    started = time.monotonic()
    result = cli_build(runner, data, store)
    first_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    client = client_for(store, data)
    first = walk(client)
    first_pages = page_bodies(client, len(first.pages))
    seed = data / "releases" / SEED_NAME
    seed.write_text(with_new_sentence(seed.read_text("utf-8")), "utf-8")
    started = time.monotonic()
    result = cli_build(runner, data, store)
    second_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "1 extracted" in result.output, result.output
    client = client_for(store, data)
    second = walk(client)
    return Rebuilt(
        first, second, first_pages, page_bodies(client, len(second.pages)), store, data, (first_seconds, second_seconds)
    )


def test_the_first_build_logs_one_version_of_every_release_and_entity(rebuilt: Rebuilt) -> None:
    releases = rebuilt.first.releases()
    assert len(releases) == len(set(releases)) == 1 + len(list(CORPUS.glob("*.txt")))
    assert URIRef(SEED_IRI) in {rebuilt.first.versions[m][0] for m in releases}
    described = [rebuilt.first.versions[m][0] for m in rebuilt.first.members if m not in set(releases)]
    assert len(described) == len(set(described)) == len(entity_graphs(rebuilt.store))
    assert URIRef(f"{BASE}id/bezirk/treptow-koepenick") in set(described)
    assert len(set(rebuilt.first.members)) == len(rebuilt.first.members)
    assert len(rebuilt.first.pages) == -(-len(rebuilt.first.members) // PAGE_SIZE)


def test_walking_the_stream_reconstructs_every_current_release_and_entity(rebuilt: Rebuilt) -> None:
    expected = release_graphs(rebuilt.store) | entity_graphs(rebuilt.store)
    current = rebuilt.second.current()
    assert set(current) == set(expected)
    for release, graph in expected.items():
        assert isomorphic(current[release], graph), release
    seed_body = current[URIRef(SEED_IRI)].value(URIRef(SEED_IRI), URIRef("https://schema.org/articleBody"))
    assert NEW_SENTENCE in str(seed_body)


def test_a_rebuild_that_changes_one_release_adds_exactly_one_member_for_it(rebuilt: Rebuilt) -> None:
    before, after = rebuilt.first.members, rebuilt.second.members
    assert after[: len(before)] == before  # append-only, in order
    new = after[len(before) :]
    assert len(new) == 1
    release, stamp, graph = rebuilt.second.versions[new[0]]
    assert release == URIRef(SEED_IRI)
    assert graph is not None
    older = [t for m, (r, t, _g) in rebuilt.first.versions.items() if r == release]
    assert len(older) == 1 and stamp > older[0]


def test_full_pages_are_immutable_and_unchanged_by_the_rebuild(rebuilt: Rebuilt) -> None:
    count = len(rebuilt.first.members)
    full = [n for n in rebuilt.first_pages if (n + 1) * PAGE_SIZE < count]
    assert full, "the test data fills no page"
    for number, (body, cache_control) in rebuilt.first_pages.items():
        if number in full:
            assert "immutable" in cache_control and "max-age=31536000" in cache_control
            assert rebuilt.second_pages[number] == (body, cache_control)
        else:
            assert "immutable" not in cache_control
    last = max(rebuilt.second_pages)
    assert "immutable" not in rebuilt.second_pages[last][1]


def test_pages_in_json_ld_and_n_quads_say_the_same(rebuilt: Rebuilt) -> None:
    client = client_for(rebuilt.store, rebuilt.data)
    datasets = []
    for accept, fmt in (
        ("application/trig", "trig"),
        ("application/ld+json", "json-ld"),
        ("application/n-quads", "nquads"),
    ):
        response = client.get("/ldes/0", headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
        dataset = Dataset()
        dataset.parse(data=response.data, format=fmt)
        datasets.append(dataset)
    sizes = {len(list(d.quads((None, None, None, None)))) for d in datasets}
    assert len(sizes) == 1, sizes
    assert client.get("/ldes/0", headers={"Accept": "text/html"}).status_code == 406
    missing = client.get("/ldes/99")
    assert missing.status_code == 404 and b"/ldes" in missing.data


def test_a_removed_release_gets_a_tombstone(tmp_path: Path, runner: CliRunner) -> None:
    corpus = sorted(CORPUS.glob("*.txt"))[:1]
    data = data_folder(tmp_path, (SEED_NAME, SEED.read_bytes()), *((p.name, p.read_bytes()) for p in corpus))
    store = tmp_path / "store"
    assert cli_build(runner, data, store).exit_code == 0
    before = walk(client_for(store, data))
    (data / "releases" / corpus[0].name).unlink()
    result = cli_build(runner, data, store)
    assert result.exit_code == 0, result.output
    after = walk(client_for(store, data))
    new = after.members[len(before.members) :]
    assert len(set(after.members)) == len(after.members)
    new_releases = [m for m in new if m in set(after.releases())]
    assert len(new_releases) == 1
    release, _stamp, graph = after.versions[new_releases[0]]
    assert graph is None and release != URIRef(SEED_IRI)
    assert {r for r in after.current() if RELEASE_PATH in r} == {URIRef(SEED_IRI)}
    # the stream's current entities are the store's
    assert {r for r in after.current() if RELEASE_PATH not in r} == set(entity_graphs(store))
    # an unchanged rebuild adds nothing
    assert "store unchanged" in cli_build(runner, data, store).output
    assert walk(client_for(store, data)).members == after.members


def test_a_new_curated_area_adds_exactly_one_member_for_it(tmp_path: Path, runner: CliRunner) -> None:
    corpus = sorted(CORPUS.glob("*.txt"))[:1]
    data = data_folder(tmp_path, (SEED_NAME, SEED.read_bytes()), *((p.name, p.read_bytes()) for p in corpus))
    store = tmp_path / "store"
    assert cli_build(runner, data, store).exit_code == 0
    before = walk(client_for(store, data))
    add_area(data)
    result = cli_build(runner, data, store)
    assert result.exit_code == 0, result.output
    after = walk(client_for(store, data))
    assert after.members[: len(before.members)] == before.members
    new = after.members[len(before.members) :]
    assert len(new) == 1
    area = URIRef(f"{BASE}id/quartier/neues-testgebiet")
    entity, _stamp, graph = after.versions[new[0]]
    assert entity == area and graph is not None
    assert str(graph.value(area, URIRef("https://schema.org/name"))) == "Neues Testgebiet"
    assert str(new[0]).startswith(f"{BASE}ldes/member/quartier/neues-testgebiet/")
    assert isomorphic(after.current()[area], entity_graphs(store)[area])


def test_member_iris_dereference_to_their_version(rebuilt: Rebuilt) -> None:
    client = client_for(rebuilt.store, rebuilt.data)
    area = URIRef(f"{BASE}id/bezirk/treptow-koepenick")
    chosen = [m for m in rebuilt.second.members if rebuilt.second.versions[m][0] in (URIRef(SEED_IRI), area)]
    assert len(chosen) == 3  # the seed twice, the area once
    for member in chosen:
        thing, stamp, version = rebuilt.second.versions[member]
        assert version is not None
        for accept, fmt in (
            ("application/trig", "trig"),
            ("application/n-quads", "nquads"),
            ("application/ld+json", "json-ld"),
        ):
            response = client.get(str(member)[len(BASE) - 1 :], headers={"Accept": accept})
            assert response.status_code == 200, response.data
            assert "immutable" in response.headers["Cache-Control"]
            dataset = Dataset()
            dataset.parse(data=response.data, format=fmt)
            default = dataset.default_graph
            assert default.value(member, DCTERMS.isVersionOf) == thing
            assert str(default.value(member, PROV.generatedAtTime)) == stamp
            named = dataset.graph(member)
            materialised = Graph()
            for s, p, o in named:
                materialised.add((thing if s == member else s, p, thing if o == member else o))
            assert isomorphic(materialised, version), member
    missing = client.get("/ldes/member/quartier/gibt-es-nicht/20000101T000000Z")
    assert missing.status_code == 404 and b"/ldes" in missing.data
    assert client.get("/ldes/member/quartier/kein-zeitpunkt").status_code == 404


def test_the_log_is_continued_and_only_new_content_is_a_new_version(tmp_path: Path) -> None:
    texts = {"a1": '<http://x/a> <http://x/p> "1" .\n', "a2": '<http://x/a> <http://x/p> "1" .\n'}
    texts["b1"] = "<http://x/b> <http://x/p> _:n .\n"
    first = write_log(tmp_path / "1.sqlite", {"http://x/a": "a1", "http://x/b": "b1"}, lambda keys: texts)
    assert first == {"members": 2, "appended": 2}
    # a new key with the same content (the extractor changed, the release did not): no new version
    second = write_log(tmp_path / "2.sqlite", {"http://x/a": "a2"}, lambda keys: texts, tmp_path / "1.sqlite")
    assert second == {"members": 3, "appended": 1}  # the tombstone of b
    log = ChangeLog(tmp_path / "2.sqlite")
    members = log.members(1, 10)
    log.close()
    assert [(m.release, m.nt is None) for m in members] == [
        ("http://x/a", False),
        ("http://x/b", False),
        ("http://x/b", True),
    ]
    assert members[1].nt == texts["b1"]
    assert write_log(tmp_path / "1.sqlite", {}, lambda keys: texts) == {"members": 0, "appended": 0}  # written anew


def test_the_atom_feed_lists_the_releases(rebuilt: Rebuilt) -> None:
    client = client_for(rebuilt.store, rebuilt.data)
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") and feed.findtext(f"{ATOM}updated")
    entries = feed.findall(f"{ATOM}entry")
    expected = release_graphs(rebuilt.store)
    assert {e.findtext(f"{ATOM}id") for e in entries} == {str(r) for r in expected}
    published = [e.findtext(f"{ATOM}published") or "" for e in entries]
    assert published == sorted(published, reverse=True)
    for entry in entries:
        iri = URIRef(entry.findtext(f"{ATOM}id") or "")
        headline = expected[iri].value(iri, URIRef("https://schema.org/headline"))
        assert entry.findtext(f"{ATOM}title") == str(headline)
        assert entry.findtext(f"{ATOM}summary")
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href", "").startswith(f"{BASE}doc/pressemitteilung/")
        assert client.get(link.get("href", "")[len(BASE) - 1 :], headers={"Accept": "text/html"}).status_code == 200


def test_build_and_page_figures(rebuilt: Rebuilt, capsys: pytest.CaptureFixture[str]) -> None:
    times = []
    for _ in range(3):
        client = client_for(rebuilt.store, rebuilt.data)  # a fresh server: nothing remembered
        started = time.monotonic()
        assert client.get("/ldes/0", headers={"Accept": "application/trig"}).status_code == 200
        times.append(time.monotonic() - started)
    with capsys.disabled():
        print(
            f"\nLDES: build {rebuilt.seconds[0]:.2f} s, rebuild {rebuilt.seconds[1]:.2f} s, "
            f"a page of {PAGE_SIZE} first served in {min(times) * 1000:.0f} ms"
        )
    assert min(times) < 2


def test_every_page_names_the_atom_feed_for_feed_readers(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/feed.atom"' in page
