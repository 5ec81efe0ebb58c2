"""Running the app: werkzeug's server for a desk, gunicorn with several worker processes for production.

Neither runs werkzeug's debugger or reloader, whatever ``FLASK_DEBUG`` says. Both listen on 127.0.0.1 unless told
otherwise (``publisher serve --host``). Requests whose request line or headers are too long are answered by the
server itself, before the app: gunicorn answers ``414`` for a request line longer than ``REQUEST_LINE_LIMIT``
bytes and ``431`` for a header field longer than ``HEADER_FIELD_LIMIT`` bytes or more than ``HEADER_FIELDS_LIMIT``
fields; werkzeug's server answers the same statuses from 64 KiB a line and 100 fields on.

In production the app is created once before the workers fork (gunicorn's preload), so the workers share its
code and templates; each worker opens the store itself after the fork, because a database handle must not
cross a fork.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.serving import run_simple

from publisher.web.state import published

#: Threads per worker process: two keep the tail latency low (the threads of a process share one interpreter
#: lock) while one thread waits on a slow client; more add little throughput on the memo's fast path.
DEFAULT_THREADS = 2
#: The longest request line gunicorn takes (its own maximum): SPARQL queries and fragment patterns travel in the URL.
REQUEST_LINE_LIMIT = 8190
#: The longest header field (name and value) gunicorn takes, and the most fields of one request.
HEADER_FIELD_LIMIT = 8190
HEADER_FIELDS_LIMIT = 100


class ProductionServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured from the publisher's settings rather than from its command line."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def production_options(host: str, port: int, workers: int, threads: int, access_log: bool) -> dict[str, Any]:
    """gunicorn's settings for the publisher."""

    def post_fork(_server: Any, _worker: Any) -> None:
        published(_app_of(_server)).store.close()

    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "keepalive": 5,
        "limit_request_line": REQUEST_LINE_LIMIT,
        "limit_request_field_size": HEADER_FIELD_LIMIT,
        "limit_request_fields": HEADER_FIELDS_LIMIT,
        # the app is never in debug mode; gunicorn never reloads code
        "reload": False,
        "accesslog": "-" if access_log else None,
        "post_fork": post_fork,
        "proc_name": "publisher",
    }


def _app_of(server: Any) -> Flask:
    app: Flask = server.app.application
    return app


def run_desk(app: Flask, host: str, port: int) -> None:
    """werkzeug's server, threaded, without its debugger and reloader (``app.run`` would switch both on when
    ``FLASK_DEBUG`` is set, and read ``.env`` files)."""
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False, use_evalex=False)


def run_production(app: Flask, host: str, port: int, workers: int, threads: int, access_log: bool = False) -> None:
    ProductionServer(app, production_options(host, port, workers, threads, access_log)).run()


__all__ = [
    "DEFAULT_THREADS",
    "HEADER_FIELDS_LIMIT",
    "HEADER_FIELD_LIMIT",
    "REQUEST_LINE_LIMIT",
    "ProductionServer",
    "production_options",
    "run_desk",
    "run_production",
]
