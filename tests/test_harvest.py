"""A harvest as a portal's harvester does it (ckanext-dcat's RDF harvester): read the DCAT catalogue, follow every
distribution's download URL, check what the catalogue says of the file (media type, byte size, SHA-256 checksum),
load each dump, and compare its triples with the VoID description of the dataset."""

from __future__ import annotations

import gzip
import hashlib
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, RDF

SPDX = Namespace("http://spdx.org/rdf/terms#")
VOID = Namespace("http://rdfs.org/ns/void#")
IANA = "https://www.iana.org/assignments/media-types/"
#: How a harvester reads each media type.
READERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def _path(iri: object) -> str:
    parts = urlsplit(str(iri))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _media_type(graph: Graph, node: object) -> str:
    value = str(node)
    assert value.startswith(IANA), value
    return value[len(IANA) :]


def test_every_download_is_what_the_catalogue_says_and_holds_the_dataset(client: FlaskClient) -> None:
    catalogue = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert catalogue.status_code == 200
    graph = Graph().parse(data=catalogue.data, format="turtle")
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    void_graph = Graph().parse(data=void.data, format="turtle")
    datasets = list(void_graph.subjects(RDF.type, VOID.Dataset))
    assert len(datasets) == 1
    triples = int(void_graph.value(datasets[0], VOID.triples))  # type: ignore[arg-type]

    downloads = [
        (distribution, graph.value(distribution, DCAT.downloadURL))
        for distribution in graph.subjects(RDF.type, DCAT.Distribution)
        if graph.value(distribution, DCAT.downloadURL) is not None
    ]
    assert len(downloads) >= 3, "every dump is a distribution"
    for distribution, url in downloads:
        with client.get(_path(url)) as response:
            assert response.status_code == 200, url
            body = response.data
        media_type = _media_type(graph, graph.value(distribution, DCAT.mediaType))
        compress = graph.value(distribution, DCAT.compressFormat)
        served_as = _media_type(graph, compress) if compress is not None else media_type
        assert response.mimetype == served_as, url
        size = int(graph.value(distribution, DCAT.byteSize))  # type: ignore[arg-type]
        assert size == len(body) == int(response.headers["Content-Length"]), url
        checksum = graph.value(distribution, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == URIRef(SPDX + "checksumAlgorithm_sha256")
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest(), url
        content = gzip.decompress(body) if compress is not None else body
        dump = Graph().parse(data=content, format=READERS[media_type])
        assert len(dump) == triples, f"{url}: {len(dump)} triples, VoID says {triples}"
