"""Resource documents from a remote store (a real Virtuoso): the same bytes as from the embedded store, for every
bundled resource, though the remote store is asked for a description in one query where the embedded store is
asked level by level. The bundled data go into Virtuoso through its bulk loader here (PUBLISHER_STORE_BULK), and by
SPARQL Update in the tests of test_remote_store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from publisher.config import Config
from publisher.namespaces import SDO
from publisher.resources import Resources
from publisher.store import WritableStore
from publisher.store.remote import RemoteStore
from tests import remote_backend as virtuoso
from tests.conftest import SEED_IRI

BASE = "http://localhost:8080/"
ORGANISATION = BASE + "id/organisation/bezirksamt-treptow-koepenick"


class CountingStore(RemoteStore):
    """The remote store, counting the queries it sends."""

    sent = 0

    def run(self, sparql: str, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return super().run(sparql, *args, **kwargs)


@pytest.fixture(scope="module")
def both(
    built: tuple[Config, WritableStore], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FlaskClient, FlaskClient, CountingStore]]:
    """The bundled data served from the embedded store and from Virtuoso (built through its bulk loader, read
    through a store that counts queries)."""
    with virtuoso.served(built[0], tmp_path_factory.mktemp("remote") / "files", CountingStore, bulk=True) as (
        embedded,
        remote,
        store,
    ):
        assert isinstance(store, CountingStore)
        yield embedded, remote, store


def documents(client: FlaskClient) -> list[str]:
    """The document path of every resource the embedded store describes (fragments are described with theirs)."""
    rows = client.get(
        "/sparql?query=SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", headers={"Accept": "text/csv"}
    )
    iris = rows.get_data(as_text=True).splitlines()[1:]
    return sorted({"/doc/" + i.removeprefix(BASE + "id/") for i in iris if i.startswith(BASE + "id/") and "#" not in i})


def test_every_document_is_the_same_bytes_from_either_store(
    both: tuple[FlaskClient, FlaskClient, CountingStore],
) -> None:
    embedded, remote, _store = both
    paths = documents(embedded)
    assert len(paths) > 1000
    compared = 0
    for number, path in enumerate(paths):
        suffixes = (".jsonld", ".ttl", ".html") if number % 10 == 0 else (".jsonld", ".ttl")
        for suffix in suffixes:
            want = embedded.get(path + suffix)
            got = remote.get(path + suffix)
            assert got.status_code == want.status_code == 200, path + suffix
            assert got.get_data() == want.get_data(), path + suffix
            compared += 1
    assert compared > 2000


def test_a_description_is_one_query_to_the_remote_store(both: tuple[FlaskClient, FlaskClient, CountingStore]) -> None:
    _embedded, _remote, store = both
    resources = Resources(store, 50)
    # the release, its contact point and the contact point's address: three levels
    release = resources.describe(SEED_IRI)
    assert release is not None
    levels = {str(s) for s in release.graph.subjects()}
    assert {SEED_IRI} < levels and any(s.endswith("#adresse") for s in levels)
    # read again (what links to it, and the labels of what it names, are kept): one query
    resources._described.clear()
    before = store.sent
    assert resources.describe(SEED_IRI) is not None
    assert store.sent - before == 1


def test_roles_on_a_page_come_with_the_description_once_their_types_are_kept(
    both: tuple[FlaskClient, FlaskClient, CountingStore],
) -> None:
    embedded, remote, store = both
    path = ORGANISATION.replace("/id/", "/doc/")
    resources = Resources(store, 50)
    first = resources.describe(ORGANISATION)
    assert first is not None
    assert (None, SDO.memberOf, None) in first.graph, "the page names the people who hold the organisation's roles"
    resources._described.clear()
    before = store.sent
    again = resources.describe(ORGANISATION)
    assert again is not None
    assert store.sent - before == 1
    assert set(again.graph) == set(first.graph)
    assert remote.get(f"{path}.html").get_data() == embedded.get(f"{path}.html").get_data()
