"""The least a Python WSGI server can do per request: a bare WSGI app that answers every request with the bytes
of one file (``CEILING_FILE``) and its media type (``CEILING_TYPE``). Served by gunicorn in ``bench.http`` to
show how much of the publisher's time per request is the WSGI stack itself."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BODY = Path(os.environ.get("CEILING_FILE", __file__)).read_bytes()
HEADERS = [("Content-Type", os.environ.get("CEILING_TYPE", "text/plain")), ("Content-Length", str(len(BODY)))]


def app(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
