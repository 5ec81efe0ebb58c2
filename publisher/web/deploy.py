"""nginx in front of the production server: the configuration `publisher nginx-config` writes.

The proxy caches every representation for as long as the publisher's ``Cache-Control`` allows, keeps one copy
per ``Accept`` header (the publisher says ``Vary: Accept``), and revalidates with the ETag it holds.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from string import Template


def nginx_config(listen: str, upstream: str, cache_dir: str) -> str:
    """The server block (with its cache and upstream) to include in nginx's ``http`` block."""
    template = Template(files("publisher.web").joinpath("nginx.conf").read_text("utf-8"))
    # nginx's own $variables stay as they are
    return template.safe_substitute(listen=listen, upstream=upstream, cache_dir=cache_dir)


def nginx_standalone(folder: Path, server: str, workers: int = 1, extra: str = "") -> str:
    """A complete nginx.conf that keeps its pid, logs and temporary files in ``folder``, so that nginx runs
    without touching the system's folders (``nginx -c FOLDER/nginx.conf``); ``server`` and ``extra`` go into
    its ``http`` block."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""worker_processes {workers};
# compiled regular expressions: the static export's configuration matches paths and Accept headers with them
pcre_jit on;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
{extra}
{server}
}}
"""


__all__ = ["nginx_config", "nginx_standalone"]
