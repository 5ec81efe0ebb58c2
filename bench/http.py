"""HTTP benchmark: one press release as Turtle and as HTML, under the production server, against nginx.

    python -m bench.http [--rounds 3] [--duration 10] [--connections 32] [--output BENCHMARKS.md]

Needs wrk and nginx on the PATH (Debian: ``apt-get install wrk nginx-light``). Builds the bundled data into a
temporary store, starts ``publisher serve --production`` (gunicorn, 2 workers), and one nginx that serves (a)
the very bytes the publisher sends, as static files: the machine's ceiling, (b) the publisher through the
caching reverse proxy that ``publisher nginx-config`` writes, and (c) the static export ``publisher export-site``
writes, with its configuration. Then, for each round and each representation, wrk
loads them in turn (``wrk -t2 -cN -dD --latency``) on loopback. Medians over the rounds are quoted, and
each target's throughput as a share of nginx's static throughput measured in the same round.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.report import machine, write_section, wrk_figures
from publisher.web.deploy import nginx_config, nginx_standalone
from publisher.web.server import DEFAULT_THREADS

ROOT = Path(__file__).resolve().parent.parent
RELEASE = "/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden"
REPRESENTATIONS = {"Turtle": ("text/turtle", ".ttl"), "HTML": ("text/html", ".html")}
TARGETS = (
    "nginx, static file",
    "bare WSGI app (gunicorn)",
    "publisher (gunicorn)",
    "publisher behind nginx cache",
    "static export under nginx",
    "nginx, static file with the app's headers",
)
#: Headers nginx writes itself for a static file; every other header of the app's answer is copied for the
#: like-for-like ceiling.
OWN_HEADERS = {
    "date",
    "server",
    "content-length",
    "content-type",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "last-modified",
    "etag",
    "accept-ranges",
}
#: The share of nginx's static throughput the static export must reach.
EXPORT_TARGET = 0.9
#: The user nginx runs as when started by root: nginx's own default for its workers, here for its master too.
NGINX_USER = "nobody"
#: nginx's worker processes, as Debian's ``worker_processes auto`` starts them.
NGINX_WORKERS = os.cpu_count() or 1


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def nginx_binary() -> str | None:
    """Debian's nginx: on the PATH, or in /usr/sbin (which is not on every user's PATH); None when missing."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def proxy_config(folder: Path, port: int, upstream: int, workers: int = NGINX_WORKERS) -> Path:
    """``folder/nginx.conf``: a complete nginx.conf with the caching proxy ``publisher nginx-config`` writes,
    listening on 127.0.0.1:``port`` in front of the server at 127.0.0.1:``upstream``; nginx's pid, logs, temporary
    files and cache in ``folder``."""
    proxy = nginx_config(f"127.0.0.1:{port}", f"127.0.0.1:{upstream}", str(folder / "cache"))
    config = folder / "nginx.conf"
    config.write_text(nginx_standalone(folder, proxy, workers=workers), "utf-8")
    return config


@contextmanager
def nginx_running(config: Path) -> Iterator[int]:
    """nginx started with the standalone ``config`` (``publisher.web.deploy.nginx_standalone``: its pid file, logs
    and temporary files in the config's folder) as a daemon of its own, and not as root: run by root, nginx runs as
    NGINX_USER, which then owns that folder (every folder above it must let others enter). Yields the master's pid;
    stops nginx afterwards and waits until it has gone."""
    nginx = nginx_binary()
    if nginx is None:
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx-light)")
    folder = config.parent
    pid_file = folder / "nginx.pid"
    pid_file.unlink(missing_ok=True)
    account = None
    if os.geteuid() == 0:
        account = pwd.getpwnam(NGINX_USER)
        os.chown(folder, account.pw_uid, account.pw_gid)
    # -e: the error log of the start-up is in the folder too (else nginx tries /var/log/nginx, which is root's)
    started = subprocess.run(
        [nginx, "-e", str(folder / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
        user=account.pw_uid if account else None,
        group=account.pw_gid if account else None,
        extra_groups=[] if account else None,
    )
    if started.returncode != 0:
        raise SystemExit(f"nginx did not start (exit {started.returncode}): {started.stderr.strip()}")
    # the daemon writes its pid file after the command has returned
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        if time.monotonic() > deadline:
            raise SystemExit(f"nginx wrote no pid file: {(folder / 'error.log').read_text('utf-8', 'replace')}")
        time.sleep(0.05)
    pid = int(pid_file.read_text().split()[0])
    try:
        yield pid
    finally:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie that its parent has not reaped yet has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def fetch(url: str, accept: str) -> tuple[bytes, str]:
    body, headers = fetch_all(url, accept)
    return body, dict(headers).get("X-Cache-Status", "")


def fetch_all(url: str, accept: str) -> tuple[bytes, list[tuple[str, str]]]:
    """The body and the headers of the answer to a GET."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=10) as response:
        return response.read(), list(response.headers.items())


def wrk(url: str, accept: str, duration: int, connections: int) -> Load:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Accept: {accept}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return Load(*wrk_figures(output, url))


def write_nginx_config(
    folder: Path, static_port: int, proxy_port: int, upstream: int, headers: dict[str, list[tuple[str, str]]]
) -> Path:
    """One nginx: the static files of ``folder/static`` (plain on ``static_port``, and with the app's ``headers`` per
    file on the next port), the publisher's caching proxy, and the static export of ``folder/export`` with the
    configuration `publisher export-site` wrote."""
    proxy = nginx_config(f"127.0.0.1:{proxy_port}", f"127.0.0.1:{upstream}", str(folder / "cache"))
    locations = "".join(
        f"location = /{name} {{ "
        + "".join(
            f"add_header {key} {_nginx_string(value)} always; "
            for key, value in copied
            if key.lower() not in OWN_HEADERS
        )
        + "}"
        for name, copied in headers.items()
    )
    static = f"""types {{ text/turtle ttl; text/html html; }}
    charset_types text/turtle text/html; charset utf-8;
    server {{ listen 127.0.0.1:{static_port}; root {folder / "static"}; }}
    server {{ listen 127.0.0.1:{static_port + 1}; root {folder / "static"}; {locations} }}
{(folder / "export" / "nginx.conf").read_text("utf-8")}"""
    config = folder / "nginx.conf"
    config.write_text(nginx_standalone(folder, proxy, workers=2, extra=static), "utf-8")
    return config


def _nginx_string(value: str) -> str:
    """A header's value as a string in nginx's configuration: quoted, since values hold quotes of both kinds (the
    CSP's 'self', the Link header's rel="..."); nginx would read a ``$`` as a variable's name."""
    if "$" in value:
        raise ValueError(f"a header value with $ cannot be copied into nginx's configuration: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def start_ceiling(body: Path, media_type: str, port: int) -> subprocess.Popen[bytes]:
    """gunicorn, configured as the publisher configures it, serving ``body`` from a bare WSGI app."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        str(DEFAULT_THREADS),
        "--keep-alive",
        "5",
        "-b",
        f"127.0.0.1:{port}",
        "bench.ceiling:app",
    ]
    environment = {**os.environ, "CEILING_FILE": str(body), "CEILING_TYPE": media_type}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/")
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None or nginx_binary() is None:
        raise SystemExit("wrk and nginx are needed (Debian: apt-get install wrk nginx-light)")

    with tempfile.TemporaryDirectory(prefix="publisher-http-bench-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)  # nginx's workers run as another user when nginx is started by root
        store = folder / "store"
        publisher = [sys.executable, "-m", "publisher.cli"]
        subprocess.run([*publisher, "build", "--store", str(store), "--quiet"], check=True, capture_output=True)
        app_port, proxy_port, ceiling_port = free_port(), free_port(), free_port()
        static_port = next(port for port in iter(free_port, 0) if port_free(port + 1))
        export_port = free_port()
        listen = f"127.0.0.1:{export_port}"
        export = [*publisher, "export-site", str(folder / "export"), "--store", str(store), "--listen", listen, "-q"]
        subprocess.run(export, check=True, capture_output=True)
        server = subprocess.Popen(
            [*publisher, "serve", "--production", "--store", str(store), "--port", str(app_port), "--workers", "2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with ExitStack() as stack:
            stack.callback(_stop, server)
            app = f"http://127.0.0.1:{app_port}"
            wait_for(app + "/")
            (folder / "static").mkdir()
            headers = {}
            for accept, suffix in REPRESENTATIONS.values():
                body, headers[f"release{suffix}"] = fetch_all(app + RELEASE, accept)
                (folder / "static" / f"release{suffix}").write_bytes(body)
            config = write_nginx_config(folder, static_port, proxy_port, app_port, headers)
            stack.enter_context(nginx_running(config))
            proxy = f"http://127.0.0.1:{proxy_port}"
            wait_for(proxy + "/")
            for accept, _suffix in REPRESENTATIONS.values():
                fetch(proxy + RELEASE, accept)
                _body, status = fetch(proxy + RELEASE, accept)
                assert status == "HIT", f"the proxy did not cache {accept}: {status}"

            results: dict[tuple[str, str], list[Load]] = {}
            shares: dict[tuple[str, str], list[float]] = {}
            for round_number in range(args.rounds):
                for name, (accept, suffix) in REPRESENTATIONS.items():
                    ceiling = start_ceiling(folder / "static" / f"release{suffix}", accept, ceiling_port)
                    urls = {
                        TARGETS[0]: f"http://127.0.0.1:{static_port}/release{suffix}",
                        TARGETS[1]: f"http://127.0.0.1:{ceiling_port}/",
                        TARGETS[2]: app + RELEASE,
                        TARGETS[3]: proxy + RELEASE,
                        TARGETS[4]: f"http://127.0.0.1:{export_port}{RELEASE}",
                        TARGETS[5]: f"http://127.0.0.1:{static_port + 1}/release{suffix}",
                    }
                    loads = {}
                    for target, url in urls.items():
                        time.sleep(2)  # what the previous run left queued is answered before the next starts
                        loads[target] = wrk(url, accept, args.duration, args.connections)
                    ceiling.terminate()
                    ceiling.wait(timeout=30)
                    for target, load in loads.items():
                        results.setdefault((name, target), []).append(load)
                        share = load.requests_per_second / loads[TARGETS[0]].requests_per_second
                        shares.setdefault((name, target), []).append(share)
                        print(
                            f"round {round_number + 1} {name:6} {target:30} {load.requests_per_second:9.0f} req/s "
                            f"p50 {load.p50_ms:6.2f} ms p99 {load.p99_ms:6.2f} ms ({share:.0%} of nginx)",
                            file=sys.stderr,
                        )
    write_report(args, results, shares)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def write_report(
    args: argparse.Namespace, results: dict[tuple[str, str], list[Load]], shares: dict[tuple[str, str], list[float]]
) -> None:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    nginx_version = subprocess.run([nginx_binary() or "nginx", "-v"], capture_output=True, text=True).stderr.strip()
    lines = [
        "## Serving",
        "",
        "Reproduce with `python -m bench.http` (needs `wrk` and `nginx`, Debian packages `wrk` and `nginx-light`);",
        "it rewrites this section. One press release (the bundled one) as Turtle and as HTML, loaded by",
        f"`wrk -t2 -c{args.connections} -d{args.duration}s --latency` on loopback, on the same two cores as the",
        "servers:",
        "",
        "* **nginx, static file**: nginx serving the very bytes the publisher sends, from a file: the machine's",
        "  ceiling;",
        "* **bare WSGI app (gunicorn)**: the same bytes from a WSGI app that does nothing else (`bench/ceiling.py`),",
        "  under gunicorn configured as the publisher configures it: the ceiling of a Python server here;",
        "* **publisher (gunicorn)**: `publisher serve --production --workers 2` (gunicorn, 2 worker processes with",
        f"  {DEFAULT_THREADS} threads each), answering from its in-process memo of rendered responses;",
        "* **publisher behind nginx cache**: the same server behind the caching reverse proxy that",
        "  `publisher nginx-config` writes, the documented production set-up;",
        "* **static export under nginx**: the files `publisher export-site` writes, served by nginx with the",
        "  configuration it writes (negotiation by `Accept`, the app's headers), for a static host or a CDN;",
        "* **nginx, static file with the app's headers**: the first again, with the headers the app sends for that",
        "  answer (`Link`, `Vary`, `Cache-Control`, CORS ...) added as constants: the ceiling for the same bytes",
        "  on the wire as the static export sends.",
        "",
        f"Machine: {machine()}; {wrk_version.split(' [')[0]}; {nginx_version.replace('nginx version: ', '')}.",
        f"Measured: {time.strftime('%Y-%m-%d')}, {args.rounds} rounds; each round loads the targets in turn.",
        "Medians over the rounds; the share of nginx is the median of the per-round ratios.",
        "",
        "| representation | server | requests/s | share of nginx | p50 | p99 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in REPRESENTATIONS:
        for target in TARGETS:
            loads = results[(name, target)]
            rate = statistics.median(load.requests_per_second for load in loads)
            p50 = statistics.median(load.p50_ms for load in loads)
            p99 = statistics.median(load.p99_ms for load in loads)
            share = statistics.median(shares[(name, target)])
            lines.append(f"| {name} | {target} | {rate:,.0f} | {share:.0%} | {p50:.2f} ms | {p99:.2f} ms |")
    verdicts = []
    for target in TARGETS[2:4]:
        met = all(
            statistics.median(shares[(name, target)]) >= 0.25
            and statistics.median(load.p99_ms for load in results[(name, target)]) < 20
            for name in REPRESENTATIONS
        )
        verdicts.append(f"{target}: {'met' if met else 'not met'}")
    lines += [
        "",
        "Target: at least 25% of nginx's throughput for a cached representation, with p99 under 20 ms. "
        + "; ".join(verdicts)
        + ".",
        "",
        f"Target: the static export under nginx within {1 - EXPORT_TARGET:.0%} of nginx's static ceiling. Against"
        " nginx serving the same bytes and headers from a file: "
        + ", ".join(
            f"{name} {_export_share(results, name, TARGETS[5]):.0%}"
            f" ({'met' if _export_share(results, name, TARGETS[5]) >= EXPORT_TARGET else 'not met'})"
            for name in REPRESENTATIONS
        )
        + "; against the plain file (without the app's headers): "
        + ", ".join(f"{name} {statistics.median(shares[(name, TARGETS[4])]):.0%}" for name in REPRESENTATIONS)
        + ".",
        "",
    ]
    write_section(args.output, "http", lines)
    os.sync()


def _export_share(results: dict[tuple[str, str], list[Load]], name: str, ceiling: str) -> float:
    """The static export's throughput as a share of ``ceiling``'s, the median of the rounds' ratios."""
    pairs = zip(results[(name, TARGETS[4])], results[(name, ceiling)], strict=True)
    return float(statistics.median(export.requests_per_second / top.requests_per_second for export, top in pairs))


if __name__ == "__main__":
    main()
