"""The HTML edition in a real browser: headless Chromium renders the pages served over HTTP.

One Chromium process serves the whole module. It is driven over the DevTools protocol on a
pipe (`--remote-debugging-pipe`, no port, no extra package) so that one start gives the
rendered DOM (what `--dump-dom` prints), computed styles, every network response and
failure, JavaScript dialogs, console messages and a screenshot at 1200×1600.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import http.server
import json
import os
import re
import select
import shutil
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import html5lib
import pytest
from lxml import etree

from tei_edition.build import build
from tei_edition.render import Stylesheets, render_paths

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "html"
SEEDS = [HERE.parent / "encoded" / "wcda-119000.xml", HERE.parent / "encoded" / "wcda-116538.xml"]
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--window-size=1200,1600", "--remote-debugging-pipe",
]
TIMEOUT = 20.0

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")


# ---------------------------------------------------------------- a minimal DevTools client

class Chromium:
    """Headless Chromium spoken to over the DevTools pipe (fd 3 in, fd 4 out, NUL-framed JSON)."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # bash moves the child's pipe ends to the fds 3 and 4 Chromium expects; they must
        # not be 3 or 4 already (under pytest's capture they can be), or the two
        # redirections would overwrite each other. (dash cannot name fds above 9.)
        to_chrome_r, from_chrome_w = _above_4(to_chrome_r), _above_4(from_chrome_w)
        script = f'exec "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        args = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self.proc = subprocess.Popen(
            ["bash", "-c", script, "bash", *args], pass_fds=(to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._last_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send a command and wait for its result; events seen meanwhile are kept."""
        msg_id = self._post(method, params, session)
        deadline = time.monotonic() + TIMEOUT
        while True:
            msg = self._read(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self._event(msg)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """Wait for an event of this session."""
        deadline = time.monotonic() + TIMEOUT
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event["method"] == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            msg = self._read(deadline)
            if "method" in msg:
                self._event(msg)

    def close(self) -> None:
        try:
            self._post("Browser.close", None, None)
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(10)
        finally:
            os.close(self._to_chrome)
            os.close(self._from_chrome)

    def _post(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._last_id += 1
        msg: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        return self._last_id

    def _event(self, msg: dict[str, Any]) -> None:
        self.events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":
            # A dialog would block the page; record it (the test fails on it) and dismiss it.
            self._post("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 16)
                if not chunk:
                    raise EOFError("Chromium closed the DevTools pipe")
                self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        return json.loads(raw)


def _above_4(fd: int) -> int:
    """The same pipe end on a descriptor numbered 10 or more."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


@dataclass
class Page:
    """One loaded page: its DOM as the browser built it and what happened while loading."""

    url: str
    dom: etree._Element
    session: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def of(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e["method"] == method]


def open_page(browser: Chromium, url: str) -> Page:
    """Load `url` in a fresh tab at 1200×1600 and return its rendered DOM and events."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget",
                           {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=session)
    # Every test sees real 200s, not 304s from the previous test's cache.
    browser.send("Network.setCacheDisabled", {"cacheDisabled": True}, session=session)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1200, "height": 1600, "deviceScaleFactor": 1, "mobile": False},
                 session=session)
    start = len(browser.events)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired", session)
    html = evaluate(browser, session, "document.documentElement.outerHTML")
    events = [e for e in browser.events[start:] if e.get("sessionId") == session]
    dom = html5lib.parse(html, treebuilder="lxml", namespaceHTMLElements=False).getroot()
    return Page(url, dom, session, events)


def evaluate(browser: Chromium, session: str, expression: str) -> Any:
    """Run JavaScript in the page and return its JSON value."""
    result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                          session=session)
    if "exceptionDetails" in result:
        raise RuntimeError(result["exceptionDetails"])
    return result["result"].get("value")


# ---------------------------------------------------------------- a logging static server

class LoggingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder and records (path, status) of every request."""

    def __init__(self, *args: Any, log: list[tuple[str, int]], **kwargs: Any) -> None:
        self._log = log
        super().__init__(*args, **kwargs)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._log.append((self.path, code))
        super().send_response(code, message)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@dataclass
class Server:
    base: str
    log: list[tuple[str, int]]


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def seed() -> Path:
    """A converted seed document when the converter has run, else the phenomena fixture."""
    return next((p for p in SEEDS if p.is_file()), FIXTURES / "phenomena.xml")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, seed: Path) -> Path:
    out = tmp_path_factory.mktemp("browser-site")
    inputs = sorted(FIXTURES.glob("*.xml"))
    if seed.parent != FIXTURES:
        inputs.append(seed)
    report = render_paths(inputs, out, sheets=Stylesheets.load())
    assert report.exit_status == 0, [d.format() for d in report.diagnostics]
    return out


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[Server]:
    """A static server on 127.0.0.1 (a free port) for `folder`, logging every request."""
    log: list[tuple[str, int]] = []
    handler = functools.partial(LoggingHandler, log=log, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", log)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    with serve(site) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    chrome = Chromium(profile)
    try:
        chrome.send("Browser.getVersion")
        yield chrome
    finally:
        chrome.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


# ---------------------------------------------------------------- tests

def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def page_requests(server: Server) -> list[tuple[str, int]]:
    """The server log without /favicon.ico, which Chromium asks every site for by itself."""
    return [(path, status) for path, status in server.log if path != "/favicon.ico"]


def assert_loaded_cleanly(page: Page) -> None:
    """Every response 200, no failed request, no dialog, no console message."""
    responses = page.of("Network.responseReceived")
    assert responses, "no network response recorded"
    bad = [(r["response"]["url"], r["response"]["status"]) for r in responses
           if r["response"]["status"] not in (0, 200)]  # file:// responses report status 0
    assert not bad, bad
    assert not page.of("Network.loadingFailed"), page.of("Network.loadingFailed")
    assert not page.of("Page.javascriptDialogOpening")
    assert not page.of("Runtime.consoleAPICalled")
    assert not page.of("Runtime.exceptionThrown")


def test_seed_page_over_http_loads_everything_and_screenshot(
        browser: Chromium, server: Server, seed: Path, shots: Path) -> None:
    server.log.clear()
    page = open_page(browser, f"{server.base}/{seed.stem}.html")
    assert_loaded_cleanly(page)
    assert ("/edition.css", 200) in server.log
    assert all(status == 200 for _, status in page_requests(server)), server.log
    assert evaluate(browser, page.session, "document.styleSheets[0].cssRules.length") > 50
    data = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"},
                                         session=page.session)["data"])
    target = shots / f"{seed.stem}.png"
    target.write_bytes(data)
    assert png_size(data) == (1200, 1600)
    assert len(data) > 20_000, "a blank page compresses to almost nothing"
    print(f"screenshot: {target}")
    assert page.dom.findtext("head/title")
    assert page.dom.xpath("//div[@class='sp']/a[@class='speaker']")


def test_page_works_from_the_file_system(browser: Chromium, site: Path, seed: Path) -> None:
    page = open_page(browser, (site / f"{seed.stem}.html").as_uri())
    assert_loaded_cleanly(page)
    urls = [r["response"]["url"] for r in page.of("Network.responseReceived")]
    assert (site / "edition.css").as_uri() in urls
    color = evaluate(browser, page.session,
                     "getComputedStyle(document.querySelector('.doc-header')).backgroundColor")
    assert color == "rgb(244, 240, 230)"  # the stylesheet applied


PHENOMENA_STYLES = """(() => {
  const q = s => document.querySelector(s);
  const style = s => getComputedStyle(q(s));
  const box = s => { const r = q(s).getBoundingClientRect(); return [r.width, r.height]; };
  const text = q('main').getBoundingClientRect();
  return {
    stage: style('.stage').fontStyle,
    speaker: style('.sp > .speaker').fontWeight,
    redacted: [style('.gap-redacted').backgroundColor, style('.gap-redacted').color,
               ...box('.gap-redacted')],
    illegible: box('.gap-illegible'),
    pbRight: q('.pb-label').getBoundingClientRect().left
             > q('.sp p').getBoundingClientRect().right,
    pbInside: q('.pb-label').getBoundingClientRect().right <= text.right + 1,
    editorialBg: style('.note-translator').backgroundColor,
  };
})()"""


def test_phenomena_in_the_rendered_dom(browser: Chromium, server: Server) -> None:
    page = open_page(browser, f"{server.base}/phenomena.html")
    assert_loaded_cleanly(page)
    dom = page.dom
    assert dom.get("lang") == "en"
    links = dom.xpath("//div[@class='sp']/a[@class='speaker']/@href")
    assert links == ["persons/phenomena~gao.html", "persons/phenomena~ri.html",
                     "persons/phenomena~gao.html"]
    panel = dom.xpath("//li[@class='person']/a[@class='name']/@href")
    assert all(h in panel for h in links)  # the same pages as the participants panel
    labels = dom.xpath("//main//span[contains(@class, 'gap ')]/@aria-label")
    assert "Redacted: two lines blacked out" in labels and "Illegible: 2 characters" in labels
    assert dom.xpath("//a[@role='doc-noteref']/@href") == ["#fn-1", "#fn-2"]
    styles = evaluate(browser, page.session, PHENOMENA_STYLES)
    assert styles["stage"] == "italic"
    assert int(styles["speaker"]) >= 600
    bg, fg, width, height = styles["redacted"]
    assert bg == "rgb(27, 27, 27)" and fg == "rgb(255, 255, 255)" and width > 50 and height > 10
    assert min(styles["illegible"]) > 10  # never an empty, invisible box
    assert styles["pbRight"] and styles["pbInside"]  # the page marker sits in the margin
    assert styles["editorialBg"] != "rgba(0, 0, 0, 0)"


def test_malicious_page_is_inert_in_the_browser(browser: Chromium, server: Server) -> None:
    page = open_page(browser, f"{server.base}/malicious.html")
    assert_loaded_cleanly(page)  # includes: no alert() dialog, no console output
    dom = page.dom
    assert not dom.xpath("//script | //img | //iframe | //b")
    assert not [a for a in dom.xpath("//@*") if a.attrname.lower().startswith("on")]
    protocols = evaluate(browser, page.session,
                         "[...document.querySelectorAll('[href]:not(link[rel=icon])')]"
                         ".map(e => e.href).map(h => new URL(h).protocol)")
    # The page's own empty icon, which spares a request for /favicon.ico:
    assert evaluate(browser, page.session, "document.querySelector('link[rel=icon]').href") == "data:,"
    assert set(protocols) <= {"http:", "https:"}, protocols
    title = evaluate(browser, page.session, "document.title")
    assert title.startswith('</title><script>alert("title")</script>')
    assert evaluate(browser, page.session, "document.scripts.length") == 0


def test_index_in_the_browser(browser: Chromium, server: Server, site: Path) -> None:
    server.log.clear()
    page = open_page(browser, f"{server.base}/index.html")
    assert_loaded_cleanly(page)
    assert ("/edition.css", 200) in server.log
    rows = page.dom.xpath("//table[@class='corpus']/tbody/tr[not(@class)]")
    assert len(rows) == len(list(site.glob("*.html"))) - 2  # not the index, not search.html
    for href in page.dom.xpath("//td[@class='title']/a/@href"):
        assert (site / href).is_file()


# ---------------------------------------------------------------- the built edition: search, persons

@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built by `build`: the seed sources and two documents of the development
    corpus. The tests find their words and names in what was built, not in expectations."""
    root = tmp_path_factory.mktemp("edition")
    (root / "sources").mkdir()
    corpus = sorted((HERE / "corpus").glob("*.txt"))[:2]
    for src in [*sorted((HERE.parent / "sources").glob("*.txt")), *corpus]:
        shutil.copyfile(src, root / "sources" / src.name)
    result = build(root, jobs=1)
    assert result.exit_status in (0, 1), [d.format() for d in result.diagnostics]
    return root / "site"


@pytest.fixture(scope="module")
def edition_server(edition: Path) -> Iterator[Server]:
    with serve(edition) as srv:
        yield srv


def site_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def document_pages(site: Path) -> list[Path]:
    return [p for p in site.glob("*.html") if p.name not in ("index.html", "search.html")]


def base_url(protocol: str, site: Path, server: Server) -> str:
    return site.as_uri() if protocol == "file" else server.base


def wait_until(browser: Chromium, session: str, expression: str) -> Any:
    """Evaluate `expression` until it is truthy (the search runs after a short pause)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = evaluate(browser, session, expression)
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(expression)


def events_since(browser: Chromium, session: str, start: int) -> list[dict[str, Any]]:
    return [e for e in browser.events[start:] if e.get("sessionId") == session]


def click_and_load(browser: Chromium, page: Page, selector: str) -> str:
    """Click the first element matching `selector` and wait for the next page: its URL."""
    start = len(browser.events)
    assert evaluate(browser, page.session,
                    f"(() => {{ const a = document.querySelector({json.dumps(selector)});"
                    " if (!a) return false; a.click(); return true; })()"), selector
    deadline = time.monotonic() + TIMEOUT
    while not any(e["method"] == "Page.loadEventFired"
                  for e in events_since(browser, page.session, start)):
        msg = browser._read(deadline)
        if "method" in msg:
            browser._event(msg)
    page.events += events_since(browser, page.session, start)
    return evaluate(browser, page.session, "location.href")


def navigate(browser: Chromium, tab: Page, url: str) -> Page:
    """Load `url` in an open tab; the page's events are those since the navigation."""
    start = len(browser.events)
    browser.send("Page.navigate", {"url": url}, session=tab.session)
    deadline = time.monotonic() + TIMEOUT
    while not any(e["method"] == "Page.loadEventFired"
                  for e in events_since(browser, tab.session, start)):
        msg = browser._read(deadline)
        if "method" in msg:
            browser._event(msg)
    return Page(url, tab.dom, tab.session, events_since(browser, tab.session, start))


def type_into_search(browser: Chromium, page: Page, words: str) -> None:
    evaluate(browser, page.session, "document.getElementById('q').focus()")
    browser.send("Input.insertText", {"text": words}, session=page.session)


def words_of(page: Path) -> set[str]:
    dom = html5lib.parse(page.read_bytes(), treebuilder="lxml", namespaceHTMLElements=False)
    main = dom.getroot().find(".//main")
    return set(re.findall(r"[a-z]{7,}", " ".join(main.itertext()).lower()))


@pytest.mark.parametrize("protocol", ["file", "http"])
def test_a_word_of_one_document_finds_that_document_first(
        browser: Chromium, edition: Path, edition_server: Server, protocol: str) -> None:
    docs = document_pages(edition)
    assert len(docs) >= 3
    words = {doc: words_of(doc) for doc in docs}
    counts: dict[str, int] = {}
    for found in words.values():
        for w in found:
            counts[w] = counts.get(w, 0) + 1
    target = docs[-1]
    word = min(w for w in words[target] if counts[w] == 1)  # in this page's text only
    page = open_page(browser, f"{base_url(protocol, edition, edition_server)}/search.html")
    start = len(browser.events)
    type_into_search(browser, page, word)
    first = wait_until(browser, page.session,
                       "document.querySelector('#results li .excerpt')"
                       " && document.querySelector('#results li a').href")
    page.events += events_since(browser, page.session, start)
    assert_loaded_cleanly(page)  # the index files came by <script>, none failed
    path, _, anchor = first.partition("#")
    assert path.endswith(f"/{target.name}"), (word, first)
    status = evaluate(browser, page.session, "document.getElementById('status').textContent")
    assert status.startswith("1 document"), status
    mark = evaluate(browser, page.session, "document.querySelector('#results mark').textContent")
    assert word in mark.lower()
    if anchor:  # the result leads to the passage: an element of the page with that id
        url = click_and_load(browser, page, "#results li a")
        assert url == first
        assert evaluate(browser, page.session, "document.querySelector(':target').id") == anchor


def a_speaking_person(site: Path) -> tuple[str, str]:
    """(name, page) of the first person of the register whose page links to turns."""
    index = html5lib.parse((site / "persons" / "index.html").read_bytes(), treebuilder="lxml",
                           namespaceHTMLElements=False)
    for a in index.getroot().iterfind(".//a[@class='person']"):
        page = site / "persons" / a.get("href")
        if 'class="turn"' in page.read_text("utf-8"):
            return a.text, a.get("href")
    raise AssertionError("no person with turns in the register")


@pytest.mark.parametrize("protocol", ["file", "http"])
def test_a_name_leads_to_the_person_and_on_to_a_turn(
        browser: Chromium, edition: Path, edition_server: Server, protocol: str) -> None:
    name, href = a_speaking_person(edition)
    base = base_url(protocol, edition, edition_server)
    page = open_page(browser, f"{base}/search.html")
    type_into_search(browser, page, name)
    wait_until(browser, page.session, "!document.getElementById('person-results').hidden")
    url = click_and_load(browser, page, f"#person-results a[href='persons/{href}']")
    assert url == f"{base}/persons/{href}"
    assert evaluate(browser, page.session, "document.querySelector('h1').textContent") == name
    turn = evaluate(browser, page.session, "document.querySelector('a.turn').href")
    url = click_and_load(browser, page, "a.turn")
    assert url == turn and "#turn-" in url
    target = evaluate(browser, page.session, """(() => {
      const t = document.querySelector(':target');
      return t && [t.className, t.querySelector('a.speaker').href,
                   t.getBoundingClientRect().top < innerHeight];
    })()""")
    assert target[0] == "sp"
    assert target[1] == f"{base}/persons/{href}"  # the turn is this person's
    assert target[2]  # scrolled into view
    assert_loaded_cleanly(page)


@pytest.mark.parametrize("protocol", ["file", "http"])
def test_every_page_of_the_edition_loads_cleanly(
        browser: Chromium, edition: Path, edition_server: Server, protocol: str) -> None:
    pages = site_pages(edition)
    assert any(p.parent.name == "persons" for p in pages) and (edition / "search.html") in pages
    edition_server.log.clear()
    tab = open_page(browser, "about:blank")  # one tab for all: a new one per page costs more
    for path in pages:
        rel = path.relative_to(edition).as_posix()
        page = navigate(browser, tab, f"{base_url(protocol, edition, edition_server)}/{rel}")
        assert_loaded_cleanly(page)
        links = evaluate(browser, page.session,
                         "[...document.querySelectorAll('a[href]')].map(a => a.href)")
        for link in links:  # every link inside the edition points at a file that exists
            if link.startswith(base_url(protocol, edition, edition_server)):
                local = link[len(base_url(protocol, edition, edition_server)) + 1:].split("#")[0]
                assert (edition / local.replace("%7E", "~")).is_file(), (rel, link)
    if protocol == "http":
        assert edition_server.log and all(status == 200 for _, status in page_requests(edition_server))
