"""The pages in a real browser: headless Chromium, driven by selenium, walks the site as a person would (the landing
page, a search, a release, one of its areas, the query page with an example), screenshots every step, fails on any
error in the browser's console (a Content-Security-Policy violation among them) and checks every page for
accessibility offline (tests/a11y.py).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package; without them the tests skip, saying
what is missing, unless ``PUBLISHER_REQUIRE_BROWSER=1`` (CI), where they fail. Screenshots go to the folder
``PUBLISHER_SCREENSHOTS`` names (one folder per test), else to the test's own temporary folder; the tests print where.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from click.testing import CliRunner

from tests.a11y import Finding, check
from tests.conftest import free_port, select, serving, timed_get

REQUIRED = os.environ.get("PUBLISHER_REQUIRE_BROWSER") == "1"
#: Chromium's switches for a headless run as root on a machine without a network: no sandbox (root), and none of
#: the background connections (updates, sync, QUIC probes) that would fail loudly offline.
SWITCHES = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--lang=de-DE",
)
PNG = b"\x89PNG\r\n\x1a\n"
#: The Accept header Chromium sends for a page.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

HEADLINE = """SELECT ?headline WHERE { ?r a <https://w3id.org/pm-berlin/ontology#PressRelease> ;
    <https://schema.org/headline> ?headline }"""
AREAS = """SELECT ?name WHERE { ?r a <https://w3id.org/pm-berlin/ontology#PressRelease> ;
    <https://schema.org/spatialCoverage> ?area . ?area <https://schema.org/name> ?name }"""


def _missing() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not shutil.which("chromium"):
        return "no chromium on PATH (Debian: apt-get install chromium chromium-driver)"
    if not shutil.which("chromedriver"):
        return "no chromedriver on PATH (Debian: apt-get install chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium under chromedriver, with a fresh profile, logging the console."""
    reason = _missing()
    if reason:
        if REQUIRED:
            pytest.fail(f"PUBLISHER_REQUIRE_BROWSER=1, but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for switch in SWITCHES:
        options.add_argument(switch)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver: selenium's own manager would look for one on the network
    log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    service = Service(executable_path=str(shutil.which("chromedriver")), log_output=str(log))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(cli_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``publisher serve`` over the bundled data, as a process of its own: its base URL."""
    log = tmp_path_factory.mktemp("browser-server") / "serve.log"
    with serving(str(cli_built / "store"), free_port(), log) as base:
        yield base


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The folder this test's screenshots go to."""
    configured = os.environ.get("PUBLISHER_SCREENSHOTS")
    folder = Path(configured) / request.node.name if configured else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # an earlier run's
        old.unlink()
    print(f"screenshots of {request.node.name}: {folder.resolve()}")
    return folder


class Walk:
    """A person's visit: every page it reaches is screenshot, its console read and its accessibility checked."""

    def __init__(self, driver: Any, folder: Path) -> None:
        self.driver = driver
        self.folder = folder
        self.step = 0
        driver.get_log("browser")  # what earlier tests left in the log is theirs

    def wait_for_page(self, old: Any = None) -> None:
        """Until the page that replaces ``old`` (an element of the previous page) has loaded."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        def replaced(_driver: Any) -> bool:
            try:
                _ = old.tag_name
            except WebDriverException:  # stale, or (Chromium) detached while the next page loads
                return True
            return False

        wait = WebDriverWait(self.driver, 30)
        if old is not None:
            wait.until(replaced)
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def click(self, element: Any) -> None:
        """Follow a link or press a button, and wait for the next page."""
        old = self.driver.find_element("tag name", "html")
        element.click()
        self.wait_for_page(old)

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.wait_for_page()

    def seen(self, name: str, status: int = 200) -> Path:
        """Screenshot the whole page as ``NN-name.png``, and fail on console errors or accessibility findings.
        ``status`` is the page's own HTTP status: the console reports an error status of the page itself, which an
        error page is meant to have."""
        self.step += 1
        shot = self.folder / f"{self.step:02d}-{name}.png"
        capture = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        shot.write_bytes(base64.b64decode(capture["data"]))
        assert shot.read_bytes().startswith(PNG)
        errors = console_errors(self.driver, self.driver.current_url if status >= 400 else None)
        assert not errors, f"{self.driver.current_url}: errors in the browser console:\n" + "\n".join(errors)
        # what a person can unfold (a picture's numbers as a table, the endpoint's limits) is checked unfolded
        self.driver.execute_script("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        findings = check(self.driver)
        assert not findings, f"{self.driver.current_url}: accessibility:\n" + "\n".join(map(str, findings))
        return shot

    def text(self, selector: str) -> str:
        return str(self.driver.find_element("css selector", selector).text).strip()

    def all(self, selector: str) -> list[Any]:
        return list(self.driver.find_elements("css selector", selector))


def console_errors(driver: Any, error_page: str | None = None) -> list[str]:
    """The SEVERE entries the browser's console logged since the last call (CSP violations are among them), but
    the network's report of the error status of ``error_page`` itself."""
    return [
        f"{entry['level']}: {entry['message']}"
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
        and not (error_page and entry.get("source") == "network" and entry["message"].startswith(error_page + " "))
    ]


def test_a_visit_from_the_landing_page_to_a_query(
    browser: Any, site: str, cli_built: Path, shots: Path, runner: CliRunner
) -> None:
    """Landing page -> search from the header -> a release -> one of its areas -> the query page -> an example
    query and its results -> the query changed and sent with Ctrl+Enter -> its results, each as a person sees it."""
    store = cli_built / "store"
    [headline] = [row["headline"] for row in select(runner, store, HEADLINE)]
    areas = {row["name"] for row in select(runner, store, AREAS)}
    assert areas
    walk = Walk(browser, shots)
    started = time.monotonic()

    walk.open(site + "/")
    assert walk.text("h1") == "Pressemitteilungen als Linked Open Data"
    assert headline in [a.text for a in walk.all("main ul.list a")]
    walk.seen("start")

    box = browser.find_element("css selector", "header form[role=search] input[name=q]")
    assert box.accessible_name == "Pressemitteilungen durchsuchen"
    box.send_keys("BENN Treffen")
    walk.click(browser.find_element("css selector", "header form[role=search] button[type=submit]"))
    assert urlsplit(browser.current_url).path == "/suche"
    assert walk.text("h1") == "Suche"
    assert "1 Pressemitteilung mit „BENN Treffen“" in walk.text("main p.meta")
    hits = walk.all("ol.hits li a")
    assert [a.text for a in hits] == [headline]
    assert browser.find_element("css selector", "header input[name=q]").get_attribute("value") == "BENN Treffen"
    walk.seen("suche")

    walk.click(hits[0])
    assert urlsplit(browser.current_url).path.startswith("/doc/pressemitteilung/")
    assert walk.text("h1") == headline
    assert "Pressemitteilung" in walk.text("main p.kinds")
    assert walk.text("article p.meta").startswith("Pressemitteilung vom ")
    assert [p for p in walk.all("article p:not(.meta)") if p.text.strip()], "the release's text"
    assert walk.all("blockquote"), "the release's quotations"
    walk.seen("pressemitteilung")

    area_links = browser.find_elements(
        "xpath", "//table[@class='props']//tr[th[normalize-space()='Gebiet']]//a[starts-with(@href, '/doc/')]"
    )
    linked = {a.text: a for a in area_links}
    assert set(linked) == areas, "the release's areas, each linked"
    name = sorted(linked)[0]
    walk.click(linked[name])
    assert urlsplit(browser.current_url).path.startswith("/doc/")
    assert walk.text("h1") == name
    incoming = browser.find_elements(
        "xpath", "//h3[normalize-space()='Pressemitteilungen zu diesem Gebiet']/following-sibling::ul[1]//a"
    )
    assert headline in [a.text for a in incoming], "the area's page links back to the release"
    walk.seen("gebiet")

    walk.open(site + "/")
    walk.click(browser.find_element("link text", "SPARQL-Endpunkt"))
    assert urlsplit(browser.current_url).path == "/sparql"
    assert walk.text("h1") == "SPARQL-Abfrage"
    walk.seen("sparql")

    example = browser.find_element("link text", "Pressemitteilungen über einen Bezirk, samt seinen Teilgebieten")
    walk.click(example)
    query = browser.find_element("id", "query")
    assert query.accessible_name == "Abfrage"
    assert 'schema:name "Treptow-Köpenick"' in query.get_attribute("value")
    assert walk.text("section.results h2") == "Ergebnis"
    columns = [th.text for th in walk.all("table.results-table thead th")]
    assert columns == ["mitteilung", "datum", "titel", "gebiet"]
    rows = walk.all("table.results-table tbody tr")
    assert {row.find_elements("css selector", "td")[3].text for row in rows} == areas
    for row in rows:
        cells = row.find_elements("css selector", "td")
        assert (
            cells[0].find_element("css selector", "a").get_attribute("href").startswith(site + "/doc/pressemitteilung/")
        )
        assert cells[2].text.startswith(headline)
    walk.seen("beispiel")

    # a person changes the query and runs it with Ctrl+Enter (the page's one script, allowed by its hash)
    from selenium.webdriver.common.keys import Keys

    query.send_keys(Keys.CONTROL, Keys.END)
    query.send_keys("\nLIMIT 2")
    old = browser.find_element("tag name", "html")
    query.send_keys(Keys.CONTROL, Keys.ENTER)
    walk.wait_for_page(old)
    assert urlsplit(browser.current_url).path == "/sparql"
    sent = parse_qs(urlsplit(browser.current_url).query)["query"][0]
    assert sent.rstrip().endswith("LIMIT 2")
    assert walk.text("section.results p.meta") == "2 Zeilen"
    rows = walk.all("table.results-table tbody tr")
    assert len(rows) == 2
    assert {row.find_elements("css selector", "td")[3].text for row in rows} < areas
    walk.seen("ergebnis")

    # the result's link leads back to the release
    walk.click(rows[0].find_element("css selector", "td a"))
    assert walk.text("h1") == headline
    assert walk.step == 7
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "01-start.png",
        "02-suche.png",
        "03-pressemitteilung.png",
        "04-gebiet.png",
        "05-sparql.png",
        "06-beispiel.png",
        "07-ergebnis.png",
    ]
    print(f"the walk took {time.monotonic() - started:.1f} s")


#: The other kinds of page, by a name for the screenshot, their path and their HTTP status.
PAGES = [
    ("liste", "/liste/pressemitteilungen", 200),
    ("liste-bezirke", "/liste/bezirke", 200),
    ("organisation", "/doc/organisation/bezirksamt-treptow-koepenick", 200),
    ("bezirk", "/doc/bezirk/treptow-koepenick", 200),
    ("person", "/doc/person/oliver-igel", 200),
    ("programm", "/doc/programm/benn", 200),
    ("ortsteil", "/doc/ortsteil/altglienicke", 200),
    ("prognoseraum", "/doc/prognoseraum/0940", 200),
    ("api", "/api/", 200),
    ("validate", "/validate", 200),
    ("suche-leer", "/suche", 200),
    ("fragments", "/fragments", 200),
    ("catalog", "/catalog", 200),
    ("void", "/.well-known/void.html", 200),
    ("shapes", "/shapes", 200),
    ("ontology", "/ontology", 200),
    ("downloads", "/dumps/", 200),
    ("sparql-fehler", "/sparql?query=" + quote("SELECT ?s WHERE { ?s"), 400),
    ("nicht-gefunden", "/doc/bezirk/gibt-es-nicht", 404),
]


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[name for name, _, _ in PAGES])
def test_every_kind_of_page_is_accessible(
    browser: Any, site: str, shots: Path, name: str, path: str, status: int
) -> None:
    """Each kind of page, opened in the browser, logs no console error and passes the accessibility check."""
    assert timed_get(site + path, BROWSER_ACCEPT)[0] == status
    walk = Walk(browser, shots)
    walk.open(site + path)
    assert browser.execute_script("return document.contentType") == "text/html"
    assert walk.text("h1")
    walk.seen(name, status)


# ---------------------------------------------------------------- the checks themselves can fail

#: A page with one of each problem the checks look for.
FLAWED = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div>Text ohne Landmarke</div>
<main><h1>Eins</h1><h1>Zwei</h1><h3>Übersprungen</h3>
<img src="x.png">
<svg role="img" width="10" height="10"><rect width="10" height="10" fill="#000"></rect></svg>
<svg role="group" aria-labelledby="fehlt" width="10" height="10"></svg>
<form><input type="text" name="ohne"></form>
<a href="/leer"></a>
<p id="doppelt" class="blass">kaum lesbar</p><p id="doppelt">zweimal</p>
<svg width="200" height="40"><rect x="0" y="0" width="200" height="40" fill="#000000"></rect>
<text x="10" y="25" fill="#222222">dunkel auf schwarz</text></svg>
</main>
<style>.blass { color: #bbbbbb; background: #ffffff; }</style>
</body></html>"""

#: A page whose policy forbids its own script: the browser logs a violation as an error.
VIOLATION = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'"><title>t</title></head>
<body><main><h1>t</h1></main><script>document.title = "x";</script></body></html>"""


def data_url(html: str) -> str:
    return "data:text/html;charset=utf-8," + quote(html)


def test_the_accessibility_check_finds_each_kind_of_problem(browser: Any) -> None:
    browser.get(data_url(FLAWED))
    findings = check(browser)
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.rule, []).append(finding)
    assert set(found) == {"lang", "title", "landmarks", "headings", "images", "labels", "links", "ids", "contrast"}
    messages = "\n".join(map(str, findings))
    for expected in (
        "0 banner landmarks (a page <header>)",
        "0 contentinfo landmarks (a page <footer>)",
        "text outside every landmark",
        "2 h1 headings",
        "h3 follows h1",
        "has no alt attribute",
        'role="img" without a text alternative',
        'input name="ohne") without a label',
        "a link without text (href /leer)",
        'the id "doppelt" is used 2 times',
        'aria-labelledby names a missing id "fehlt"',
        "contrast 1.92:1 (text #bbbbbb on #ffffff, 16px); needs 4.5:1",
        "(text #222222 on #000000",
    ):
        assert expected in messages, f"{expected!r} not among:\n{messages}"


def test_a_content_security_policy_violation_is_a_console_error(browser: Any) -> None:
    browser.get_log("browser")
    browser.get(data_url(VIOLATION))
    errors = console_errors(browser)
    assert any("Content Security Policy" in error for error in errors), errors
    assert browser.title == "t", "the script did not run"


def test_a_validation_report_in_the_browser(browser: Any, site: str, shots: Path) -> None:
    """A person pastes Turtle into /validate and sends it: the report page says what is wrong, and is accessible."""
    from selenium.webdriver.support.ui import Select

    walk = Walk(browser, shots)
    walk.open(site + "/validate")
    Select(browser.find_element("id", "format")).select_by_visible_text("Turtle")
    data = browser.find_element("id", "data")
    assert data.accessible_name == "Daten oder Text"
    data.send_keys(
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix pm: <https://w3id.org/pm-berlin/ontology#> .\n"
        "<http://example.org/pm/1> a pm:PressRelease, schema:NewsArticle .\n"
    )
    walk.click(browser.find_element("xpath", "//main//form//button[normalize-space()='Prüfen']"))
    assert walk.text("main section h2") == "Ergebnis: nicht konform"
    assert "http://example.org/pm/1" in walk.text("main table.props")
    walk.seen("bericht")
