"""Running the app: werkzeug's server for a desk, gunicorn with several worker processes for production.

In production the app is created once before the workers fork (gunicorn's preload), so the workers share its
code and templates; each worker opens the store itself after the fork, because a database handle must not
cross a fork.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from publisher.web.state import published

#: Threads per worker process: two keep the tail latency low (the threads of a process share one interpreter
#: lock) while one thread waits on a slow client; more add little throughput on the memo's fast path.
DEFAULT_THREADS = 2


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
        # the longest request line gunicorn allows: SPARQL queries and fragment patterns travel in the URL
        "limit_request_line": 8190,
        "accesslog": "-" if access_log else None,
        "post_fork": post_fork,
        "proc_name": "publisher",
    }


def _app_of(server: Any) -> Flask:
    app: Flask = server.app.application
    return app


def run_production(app: Flask, host: str, port: int, workers: int, threads: int, access_log: bool = False) -> None:
    ProductionServer(app, production_options(host, port, workers, threads, access_log)).run()


__all__ = ["DEFAULT_THREADS", "ProductionServer", "production_options", "run_production"]
