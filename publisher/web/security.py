"""Security headers on every response, and the app never in debug mode.

Every HTML page carries a strict Content-Security-Policy: nothing loads from anywhere (``default-src 'none'``)
but the pages' own inline ``<style>`` and ``<script>`` blocks, each allowed by its SHA-256. The hashes are taken
from the templates' source when the app is created, so the policy allows exactly the blocks the templates write and
nothing data could bring into a page. Forms post only to this server, no page may be framed, and ``<base>`` is
refused. Every other response gets a policy that allows nothing at all (a Turtle file or an error opened in a
browser runs nothing either), and every response says ``X-Content-Type-Options: nosniff`` and which referrer a
browser may send on.

JSON-LD in a page (``<script type="application/ld+json">``) is a data block, which browsers never run and CSP
does not govern; its text escapes ``<`` and ``>`` (publisher.web.pages.json_ld_script), so data cannot close it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response
from jinja2 import Environment

#: An inline block of a template: the element, its attributes and its text.
_INLINE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)
#: Script types that hold data, not code: browsers do not run them, and CSP does not apply to them.
DATA_BLOCK_TYPES = frozenset({"application/ld+json", "application/json"})
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
#: Jinja syntax: an inline block that holds it would not be the same text on every page.
_JINJA = re.compile(r"\{[{%#]")

#: Where a browser may send the page's address: the whole URL to this server, the origin alone elsewhere.
REFERRER_POLICY = "strict-origin-when-cross-origin"
#: The policy of everything that is not an HTML page.
NOTHING = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def inline_hashes(env: Environment) -> dict[str, list[str]]:
    """The CSP hash sources (``'sha256-...'``) of every inline script and style block in the templates of
    ``env``, by directive (``script-src``, ``style-src``).

    Raises:
        RuntimeError: a block's text holds Jinja syntax, so its hash could not be known in advance.
    """
    found: dict[str, set[str]] = {"script-src": set(), "style-src": set()}
    loader = env.loader
    if loader is None:
        return {name: [] for name in found}
    for name in loader.list_templates():
        if not name.endswith(".html"):
            continue
        source, _filename, _uptodate = loader.get_source(env, name)
        for element, attributes, text in _INLINE.findall(source):
            kind = _TYPE.search(attributes)
            if element.lower() == "script" and kind and kind.group(1).lower() in DATA_BLOCK_TYPES:
                continue
            if _JINJA.search(text):
                raise RuntimeError(
                    f"template {name}: an inline <{element}> holds template code; the Content-Security-Policy "
                    "allows inline blocks by the hash of fixed text only: move the varying part out of the block"
                )
            found["script-src" if element.lower() == "script" else "style-src"].add(source_hash(text))
    return {directive: sorted(hashes) for directive, hashes in found.items()}


def source_hash(text: str) -> str:
    """The CSP hash source of an inline block's text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def page_policy(hashes: dict[str, list[str]]) -> str:
    """The Content-Security-Policy of the HTML pages."""
    scripts = " ".join(hashes.get("script-src", [])) or "'none'"
    styles = " ".join(hashes.get("style-src", [])) or "'none'"
    return (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def init_app(app: Flask) -> None:
    """Switch debug mode off for good (Flask turns it on when ``FLASK_DEBUG`` is set), and add the security
    headers to every response."""
    app.debug = False
    policy = page_policy(inline_hashes(app.jinja_env))

    @app.after_request
    def security_headers(response: Response) -> Response:
        html = response.mimetype in ("text/html", "application/xhtml+xml")
        response.headers["Content-Security-Policy"] = policy if html else NOTHING
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        return response


__all__ = ["DATA_BLOCK_TYPES", "NOTHING", "REFERRER_POLICY", "init_app", "inline_hashes", "page_policy", "source_hash"]
