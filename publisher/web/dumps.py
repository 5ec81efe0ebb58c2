"""The dumps written with every build, under ``/dumps/``: files with their size and SHA-256, range requests."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, render_template, send_file

from publisher.dumps import DUMPS, ENCODINGS
from publisher.errors import NotFoundError
from publisher.web.http import respond
from publisher.web.negotiation import HTML
from publisher.web.state import Rendered, published

bp = Blueprint("dumps", __name__)


def served_as(name: str, media_type: str) -> str:
    """A compressed file is served as the file itself, not as its content with a Content-Encoding: a client that
    saves it gets the bytes whose size and hash the listing names."""
    return "application/gzip" if ENCODINGS.get(name) == "gzip" else media_type


@bp.route("/dumps/", methods=["GET", "HEAD"])
def index() -> Response:
    manifest = published().manifest()
    rows = [
        {
            "name": name,
            "title": DUMPS[name][1],
            "media_type": entry["media_type"],
            "served_as": served_as(name, entry["media_type"]),
            "size": entry["size"],
            "sha256": entry["sha256"],
        }
        for name, entry in sorted(manifest.get("files", {}).items())
        if name in DUMPS
    ]
    html = render_template("dumps.html", files=rows, built=manifest.get("built"))
    return respond(Rendered(html.encode("utf-8"), HTML.content_type), vary=False)


@bp.route("/dumps/<name>", methods=["GET", "HEAD"])
def file(name: str) -> Response:
    state = published()
    entry = state.manifest().get("files", {}).get(name)
    folder = state.store.files_dir()
    if name not in DUMPS or entry is None or folder is None:
        raise NotFoundError(f"no dump '{name}' (dumps: {', '.join(sorted(DUMPS))})")
    path = folder / "dumps" / name
    if not path.is_file():
        raise NotFoundError(f"dump '{name}' is listed but missing from {folder}; rebuild to write it again")
    media_type = served_as(name, entry["media_type"])
    response = send_file(
        path,
        mimetype=media_type,
        as_attachment=False,
        conditional=True,
        etag=entry["sha256"][:40],
        last_modified=state.last_modified(),
        max_age=state.config.cache_max_age,
    )
    # RFC 9530: the file's SHA-256, which clients can check without the listing
    digest = base64.b64encode(bytes.fromhex(entry["sha256"])).decode("ascii")
    response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    if media_type.startswith("text/") and "charset" not in response.headers.get("Content-Type", ""):
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    return response


__all__ = ["bp", "served_as"]
