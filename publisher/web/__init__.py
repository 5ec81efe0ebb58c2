"""The Linked Data server: ``create_app`` builds the Flask app over a store.

Blueprints: ``linked_data`` (``/id/``, ``/doc/``, ``/graph/``, ``/context.jsonld``), ``site`` (the landing page,
listings, search) and ``dumps``. The app reads the store on every request and notices a new build by the store's
version token, so a running server serves each new state as soon as it is published.
"""

from __future__ import annotations

from flask import Flask, Response

from publisher.config import Config, load_config
from publisher.store import Store, open_store
from publisher.web import (
    api,
    catalog,
    discovery,
    dumps,
    errors,
    feeds,
    fragments,
    linked_data,
    publish,
    security,
    site,
    sparql,
    validate,
    vocabulary,
)
from publisher.web.http import add_cors
from publisher.web.memo import ResponseMemo
from publisher.web.state import Published


def create_app(config: Config | None = None, store: Store | None = None) -> Flask:
    """The app for ``config`` (default: the settings from the environment), over ``store`` (default: the
    store the settings name, opened read-only)."""
    config = config or load_config()
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    state = Published(config, store if store is not None else open_store(config.store, settings=config))
    app.extensions["publisher"] = state
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(fragments.bp)
    app.register_blueprint(vocabulary.bp)
    app.register_blueprint(validate.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(publish.bp)
    state.services["sparql.endpoint"] = ("SPARQL-Endpunkt", "SPARQL 1.1 für eigene Abfragen, mit Beispielen")
    state.services["api.docs"] = ("JSON-API", "Pressemitteilungen und was sie nennen, gefiltert, als JSON und JSON-LD")
    state.services["fragments.fragment"] = ("Triple Pattern Fragments", "Tripel nach Muster, seitenweise, für Comunica")
    state.services["vocabulary.shapes"] = ("SHACL-Formen und Ontologie", "Der Vertrag der Daten, lesbar und als RDF")
    state.services["validate.form"] = ("Validierung", "Eigene Daten oder Texte gegen die SHACL-Formen prüfen")
    state.services["dumps.index"] = ("Downloads", "Alle Daten als Turtle, N-Triples (gzip) und JSON-LD")
    state.services["discovery.void"] = ("VoID", "Der Datensatz beschrieben: Tripel, Klassen, Eigenschaften, Downloads")
    state.services["catalog.catalog"] = ("Datenkatalog", "DCAT-AP.de-Katalog der Daten, Downloads und Dienste")
    state.services["feeds.stream"] = ("Änderungs-Feed (LDES)", "Jede Fassung jeder Pressemitteilung, zum Abgleichen")
    state.services["linked_data.context"] = ("JSON-LD-Kontext", "Der @context aller JSON-LD-Dokumente")
    errors.init_app(app)
    security.init_app(app)
    app.wsgi_app = ResponseMemo(app.wsgi_app, state)  # type: ignore[method-assign]

    @app.after_request
    def cors(response: Response) -> Response:
        return add_cors(response)

    return app


__all__ = ["create_app"]
