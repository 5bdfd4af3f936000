"""The built website, checked in a real browser.

Serves ``_build/html`` (made by ``make book``; ``make test`` builds it first)
on localhost and opens every page in headless Chromium, driven by Playwright.
Every request to another host is refused and recorded, as on a machine with no
internet. Checked:

- every page loads with no failed request, no request to another host, no
  console error and no widget view (a page has no widget manager to show
  one), and every explorer on it is live (its fallback text replaced by the
  running explorer; tests/browser/test_explorers.py checks what they show);
- formulas are typeset by MathJax, and no raw TeX (``$...$``) is left on any
  page;
- every notebook page shows at least one figure from its outputs, and links to
  Colab;
- no internal link or ``#anchor`` is broken;
- no code cell, output or listing is wider than the page (a sideways scroll
  bar hides part of it).

Screenshots of three pages (the landing page, formulas, a figure) are written
to ``screenshots/`` at the root of the repository (ignored by git) for a person
to look at.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``); set ``CHROMIUM``
to use another. Playwright never downloads a browser here. If the site has not
been built, the tests fail: they do not skip.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The site under test and where its screenshots go; benchmarks/mutation.py
# points them at copies of the site with one bug each.
SITE = Path(os.environ.get("CNN_BOOK_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = Path(
    os.environ.get("CNN_BOOK_SCREENSHOTS", ROOT / "screenshots")
)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# A fresh profile (see launch_persistent_context) and these switches keep
# Chromium from calling Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 90_000  # generous: the machines that run this are small and busy
# Raw TeX that MathJax did not typeset: $...$, or the \( \[ delimiters Sphinx
# writes around math.
RAW_TEX = re.compile(r"\$[^$\n]+\$|\\\(|\\\[")
REDIRECT = re.compile(
    r"<meta[^>]+http-equiv=[\"']refresh[\"'][^>]+url=([^\"'>]+)", re.I
)

# Runs in the page once it has loaded and MathJax has finished: everything the
# tests look at.
COLLECT_JS = r"""() => {
  const article = document.querySelector("main") || document.body;
  const text = article.cloneNode(true);
  text.querySelectorAll("pre, code, script, style, textarea, mjx-container")
      .forEach(e => e.remove());
  const math = [...document.querySelectorAll(".math")];
  const widgetView = "application/vnd.jupyter.widget-view+json";
  return {
    ids: [...document.querySelectorAll("[id]")].map(e => e.id)
         .concat([...document.querySelectorAll("a[name]")].map(e => e.name)),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    images: [...document.querySelectorAll("img")].map(img => ({
      src: img.currentSrc || img.src,
      loaded: img.complete && img.naturalWidth > 0,
      output: img.closest(".cell_output, .output") !== null})),
    math: math.length,
    mathTypeset: math.filter(e => e.querySelector("mjx-container")).length,
    mathErrors: texErrors(),
    // A widget view's placeholder: the site has no widget manager, so it
    // would show nothing.
    widgets: document.querySelectorAll(`script[type="${widgetView}"]`).length,
    // Explorers still showing their fallback text: their loader failed.
    deadExplorers: [...document.querySelectorAll(".cnn-explorer")]
      .filter(e => !e.hidden).length,
    scrolling: sideways(),
    text: text.textContent,
    lang: document.documentElement.lang,
    languageLink: (document.querySelector("a.language-link") || {}).href
      || null,
    cjkGlyphs: cjkGlyphs(),
  };
  // Whether Chinese characters are drawn as glyphs in the page's font: two
  // different characters must come out different from each other and from
  // the box of a character no font has (with no CJK font installed, every
  // Chinese character is that same box).
  function cjkGlyphs() {
    const canvas = document.createElement("canvas");
    canvas.width = 48; canvas.height = 40;
    const g = canvas.getContext("2d");
    g.font = "32px " + getComputedStyle(document.body).fontFamily;
    const draw = c => { g.clearRect(0, 0, 48, 40); g.fillText(c, 4, 32);
                        return g.getImageData(0, 0, 48, 40).data.join(); };
    const missing = draw("\u{10FFFD}"), a = draw("卷"), b = draw("积");
    return a !== b && a !== missing && b !== missing;
  }
  // Formulas MathJax could not read: a TeX error, or an undefined macro
  // (which it shows in red).
  function texErrors() {
    const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
    const bad = [];
    for (const item of (doc ? doc.math : [])) {
      let error = false;
      item.root.walkTree(node => {
        error = error || node.isKind("merror") || (node.isKind("mtext")
          && node.attributes.get("mathcolor") === "red");
      });
      if (error) bad.push(item.math);
    }
    return bad;
  }
  // Code blocks (cell inputs, outputs, highlighted listings) whose content
  // is wider than the block: a reader has to scroll sideways to see it all.
  function sideways() {
    const blocks = [...article.querySelectorAll("pre, div.highlight")]
      .filter(e => e.offsetParent !== null);
    return blocks.filter(e => e.scrollWidth > e.clientWidth).map(e => {
      const cell = e.closest(".cell");
      const kind = e.closest(".cell_output, .output") ? "output"
        : cell ? "code cell" : "code block";
      const line = e.textContent.split("\n").reduce(
        (a, b) => b.length > a.length ? b : a, "");
      return {kind, overflow: e.scrollWidth - e.clientWidth,
              line: line.slice(0, 100)};
    });
  }
}"""


@dataclass
class PageReport:
    path: str
    problems: list[str] = field(
        default_factory=list
    )  # failed requests, other hosts, console errors
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    math: int = 0
    math_typeset: int = 0
    math_errors: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    # code blocks wider than the page shows: {kind, overflow, line}
    scrolling: list[dict] = field(default_factory=list)
    lang: str = ""  # the page's <html lang>
    language_link: str | None = None  # to the same page in the other edition
    cjk_glyphs: bool = False  # Chinese characters drawn as glyphs
    text: str = ""


@dataclass
class Crawl:
    base: str
    pages: dict[str, PageReport]
    search_results: dict[str, int] = field(default_factory=dict)


class Server(http.server.ThreadingHTTPServer):
    """Serves the site; remembers every request it could not answer, including
    those the browser makes on its own (such as /favicon.ico), which Playwright
    does not report."""

    def __init__(self):
        super().__init__(
            ("127.0.0.1", 0), functools.partial(QuietHandler, directory=SITE)
        )
        self.errors: list[str] = []

    def handle_error(self, request, client_address):
        if not isinstance(
            sys.exc_info()[1], ConnectionError
        ):  # a browser may hang up early: not a fault
            super().handle_error(request, client_address)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def log_error(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        self.server.errors.append(f"server answered {code}: {self.path}")
        super().send_error(code, message, explain)


def site_pages() -> list[str]:
    """Every HTML page of the built site, as paths relative to it."""
    skip = {"_static", "_sources", "_images"}
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not skip & set(p.relative_to(SITE).parts)
    )


# The Chinese edition, under /zh/ (tools/locales.py), and the pages only it
# has.
ZH = "zh/"
ZH_ONLY = ["book/glossary_zh"]
# What each edition's search must find: a term of the book in its language.
SEARCHES = {"search.html": "pooling", f"{ZH}search.html": "池化"}


def toc_docnames() -> list[str]:
    """The pages listed in _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        names += [entry["file"] for entry in part["chapters"]]
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]


def notebook_pages() -> list[str]:
    """The pages made from notebooks, in both editions: the _toc.yml entries
    that are .ipynb files."""
    return [
        f"{edition}{name}.html"
        for edition in ("", ZH)
        for name in toc_docnames()
        if (ROOT / f"{name}.ipynb").is_file()
    ]


def colab_url(docname: str) -> str:
    """The Colab address of a notebook page, from the repository set once in
    _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    github = re.sub(r"^https://github\.com/|\.git$|/$", "", repo["url"])
    book = repo.get("path_to_book") or ""
    path = f"{book.strip('/')}/{docname}.ipynb".lstrip("/")
    branch = repo.get("branch", "main")
    colab = config["launch_buttons"]["colab_url"]
    return f"{colab}/github/{github}/blob/{branch}/{path}"


def load(page, url: str) -> None:
    """Open ``url`` and wait until MathJax, which starts once the page has
    loaded, has typeset it and nothing is in flight any more (MathJax's fonts,
    for one)."""
    page.goto(url, wait_until="load")
    page.evaluate(
        "async () => { const s = window.MathJax && window.MathJax.startup;"
        " if (s && s.promise) { await s.promise; } }"
    )
    page.wait_for_load_state("networkidle")


def visit(context, base: str, path: str) -> PageReport:
    report = PageReport(path)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and report.problems.append(
                f"console error: {m.text} ({m.location.get('url', '')}:"
                f"{m.location.get('lineNumber', '')})"
            )
        ),
    )
    page.on(
        "pageerror",
        lambda e: report.problems.append(f"uncaught exception: {e}"),
    )
    page.on(
        "requestfailed",
        lambda r: report.problems.append(
            f"failed request: {r.url} ({r.failure})"
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and report.problems.append(f"HTTP {r.status}: {r.url}")
        ),
    )
    redirect = REDIRECT.search((SITE / path).read_text(encoding="utf-8"))
    if (
        redirect
    ):  # e.g. index.html, which sends the reader on to the landing page
        target = urljoin(base + path, redirect.group(1))
        page.goto(base + path, wait_until="commit")
        page.wait_for_url(target, wait_until="load")
        report.links = [target]
        page.close()
        return report
    load(page, base + path)
    if page.locator(".cnn-explorer").count():
        # the loader starts each explorer once its module is imported
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.cnn-explorer')]"
                ".every(e => e.hidden)",
                timeout=20_000,
            )
        except Exception:  # reported below, as a dead explorer
            pass
    data = page.evaluate(COLLECT_JS)
    page.close()
    report.ids, report.links, report.images = (
        set(data["ids"]),
        data["links"],
        data["images"],
    )
    if data["widgets"]:
        report.problems.append(
            f"{data['widgets']} widget view(s) that a page without a "
            "widget manager cannot show"
        )
    if data["deadExplorers"]:
        report.problems.append(
            f"{data['deadExplorers']} explorer(s) still showing their "
            "fallback text: the explorers' loader did not start them"
        )
    report.math, report.math_typeset, report.math_errors = (
        data["math"],
        data["mathTypeset"],
        data["mathErrors"],
    )
    report.raw_tex = [m.group(0) for m in RAW_TEX.finditer(data["text"])]
    report.scrolling = data["scrolling"]
    report.lang, report.language_link = data["lang"], data["languageLink"]
    report.cjk_glyphs, report.text = data["cjkGlyphs"], data["text"]
    return report


def search(context, base: str, path: str, query: str) -> int:
    """How many pages the site's search page finds for ``query``."""
    page = context.new_page()
    page.goto(f"{base}{path}?q={query}", wait_until="load")
    # Sphinx's search writes its summary once it has listed every result.
    page.wait_for_function(
        "() => { const s = document.querySelector("
        "'#search-results .search-summary');"
        " return s && s.textContent.trim().length > 0; }"
    )
    count = page.locator("#search-results ul.search > li").count()
    page.close()
    return count


def screenshot(
    context, base: str, path: str, selectors: list[str], out: Path
) -> None:
    """A 1280x900 view of ``path``, scrolled so that the first element that
    matches one of ``selectors`` (tried in order) is in the middle."""
    page = context.new_page()
    load(page, base + path)
    for selector in selectors:
        if page.locator(selector).count():
            page.locator(selector).first.evaluate(
                "e => e.scrollIntoView({block: 'center'})"
            )
            break
    page.screenshot(path=str(out))
    page.close()


def pick(
    pages: dict[str, PageReport], preferred: list[str], fits
) -> str | None:
    """The first preferred page that fits, else the first page that does."""
    for path in [*preferred, *sorted(pages)]:
        if path in pages and fits(pages[path]):
            return path
    return None


@pytest.fixture(scope="session")
def crawl() -> Crawl:
    if not (SITE / "index.html").is_file():
        pytest.fail(
            f"The website has not been built: {SITE / 'index.html'} is "
            "missing. Run `make book`."
        )
    if not Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's chromium, or set "
            "CHROMIUM to a Chromium binary."
        )
    from playwright.sync_api import sync_playwright

    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    pages: dict[str, PageReport] = {}
    try:
        with (
            tempfile.TemporaryDirectory(
                prefix="chromium-", ignore_cleanup_errors=True
            ) as profile,
            sync_playwright() as playwright,
        ):
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
                service_workers="block",
            )
            context.set_default_timeout(TIMEOUT_MS)
            offsite: list[str] = []

            def only_this_site(route):
                # a blob: URL of the page's own (the explorers' loader
                # imports their stored modules from one) is this site too
                url = route.request.url
                if url.startswith((base, f"blob:{base.rstrip('/')}/")):
                    route.continue_()
                else:  # no internet here, and the site must not need it
                    offsite.append(route.request.url)
                    route.abort("blockedbyclient")

            context.route("**/*", only_this_site)
            for path in site_pages():
                offsite.clear()
                server.errors.clear()
                pages[path] = visit(context, base, path)
                pages[path].problems += [
                    f"request to another host: {url}" for url in offsite
                ]
                pages[path].problems += server.errors

            SCREENSHOTS.mkdir(exist_ok=True)
            for old in SCREENSHOTS.glob("*.png"):
                old.unlink()
            math_page = pick(
                pages,
                [
                    "notebooks/02_output_size.html",
                    "notebooks/01_convolution.html",
                ],
                lambda p: p.math_typeset > 0,
            )
            figure_page = pick(
                pages,
                ["notebooks/04_lenet.html", "notebooks/05_cifar10.html"],
                lambda p: any(i["output"] and i["loaded"] for i in p.images),
            )
            shots = [
                ("1-landing", "book/intro.html", []),
                ("2-formulas", math_page, ["div.math", ".math"]),
                ("3-figure", figure_page, [".cell_output img"]),
                ("4-zh-landing", f"{ZH}book/intro.html", []),
                ("5-zh-chapter", f"{ZH}notebooks/03_pooling.html", []),
            ]
            for name, path, selectors in shots:
                if path is not None:
                    stem = (
                        Path(path).with_suffix("").as_posix().replace("/", "_")
                    )
                    screenshot(
                        context,
                        base,
                        path,
                        selectors,
                        SCREENSHOTS / f"{name}_{stem}.png",
                    )
            found = {
                path: search(context, base, path, query)
                for path, query in SEARCHES.items()
            }
            context.close()
    finally:
        server.shutdown()
    return Crawl(base, pages, found)


def failures(lines: list[str]) -> str:
    return f"{len(lines)} problem(s):\n" + "\n".join(lines[:60])


def test_every_page_of_the_toc_was_built():
    assert (SITE / "index.html").is_file(), (
        f"{SITE} has no index.html: run `make book`"
    )
    missing = [
        name
        for name in toc_docnames()
        if not (SITE / f"{name}.html").is_file()
    ]
    assert not missing, f"pages in _toc.yml that the site lacks: {missing}"


def test_pages_load_without_errors(crawl):
    assert len(crawl.pages) >= len(toc_docnames())
    problems = [
        f"{path}: {p}"
        for path, report in crawl.pages.items()
        for p in report.problems
    ]
    assert not problems, failures(problems)


def test_formulas_are_typeset(crawl):
    problems = []
    for path, report in crawl.pages.items():
        if report.math_typeset < report.math:
            problems.append(
                f"{path}: {report.math - report.math_typeset} of "
                f"{report.math} formulas not typeset"
            )
        problems += [
            f"{path}: MathJax could not read: {e!r}"
            for e in report.math_errors
        ]
        problems += [
            f"{path}: raw TeX on the page: {t!r}" for t in report.raw_tex
        ]
    assert not problems, failures(problems)
    assert sum(r.math_typeset for r in crawl.pages.values()) > 0, (
        "no page has any typeset formula"
    )


def test_every_image_loads_and_every_notebook_page_shows_figures(crawl):
    problems = [
        f"{path}: image did not load: {img['src'][:120]}"
        for path, report in crawl.pages.items()
        for img in report.images
        if not img["loaded"]
    ]
    for path in notebook_pages():
        report = crawl.pages.get(path, PageReport(path))
        if not [
            img for img in report.images if img["output"] and img["loaded"]
        ]:
            problems.append(f"{path}: no figure among the notebook's outputs")
    assert notebook_pages(), "no notebook pages were found"
    assert not problems, failures(problems)


def test_every_notebook_page_links_to_colab(crawl):
    problems = []
    for path in notebook_pages():
        expected = colab_url(path.removeprefix(ZH).removesuffix(".html"))
        if expected not in crawl.pages.get(path, PageReport(path)).links:
            problems.append(f"{path}: no link to {expected}")
    assert not problems, failures(problems)


def test_internal_links_and_anchors_resolve(crawl):
    problems = []
    for path, report in crawl.pages.items():
        for link in report.links:
            if not link.startswith(crawl.base):
                continue  # another site, or mailto:
            url, fragment = urldefrag(link)
            target = unquote(urlsplit(url).path).lstrip("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (SITE / target).is_file():
                problems.append(f"{path}: link to a missing page: {link}")
            elif (
                fragment
                and target in crawl.pages
                and unquote(fragment) not in crawl.pages[target].ids
            ):
                problems.append(f"{path}: link to a missing anchor: {link}")
    assert not problems, failures(problems)


def test_screenshots_were_written(crawl):
    shots = sorted(SCREENSHOTS.glob("*.png"))
    assert len(shots) == 5 and all(s.stat().st_size > 10_000 for s in shots), (
        shots
    )


def test_no_code_scrolls_sideways(crawl):
    """Every code cell, output and listing fits the page's width (at the
    crawl's 1280-pixel viewport): nothing is hidden behind a sideways
    scroll bar. Offenders are listed by page, with their longest line."""
    problems = [
        f"{path}: {block['kind']} {block['overflow']} px too wide: "
        f"{block['line']!r}"
        for path, report in sorted(crawl.pages.items())
        for block in report.scrolling
    ]
    assert not problems, failures(problems)


def test_setup_cells_are_not_on_the_pages():
    """The Colab set-up cell (tagged remove-cell by tools/setup_cell.py)
    stays in the notebooks and off the website."""
    shown = [
        path
        for path in notebook_pages()
        if "cnn-book-helpers @ git+" in (SITE / path).read_text()
    ]
    assert notebook_pages() and not shown, shown


# --- the two editions --------------------------------------------------------


def test_the_chinese_edition_has_every_page():
    missing = [
        name
        for name in [*toc_docnames(), *ZH_ONLY]
        if not (SITE / f"{ZH}{name}.html").is_file()
    ]
    assert not missing, f"pages the Chinese edition lacks: {missing}"


def test_every_page_links_to_the_same_page_in_the_other_edition(crawl):
    """The header's language link of every page (Sphinx's own pages
    included) leads to the same page in the other edition; a page that only
    the Chinese edition has leads to the English landing page."""
    problems = []
    english_root = f"{toc_docnames()[0]}.html"
    for path, report in crawl.pages.items():
        if REDIRECT.search((SITE / path).read_text(encoding="utf-8")):
            continue
        if path.startswith(ZH):
            name = path.removeprefix(ZH)
            only_zh = name.removesuffix(".html") in ZH_ONLY
            expected = english_root if only_zh else name
        else:
            expected = ZH + path
        if report.language_link != crawl.base + expected:
            problems.append(
                f"{path}: language link {report.language_link}, "
                f"expected {crawl.base + expected}"
            )
    assert not problems, failures(problems)


def test_each_edition_is_in_its_language(crawl):
    """<html lang> says the edition's language, and the Chinese pages are
    written in Chinese: more Chinese characters than Latin words, code and
    formulas aside (an English page has none; names, signatures and
    references in Latin letters remain on a translated one)."""
    problems = []
    for path, report in crawl.pages.items():
        if REDIRECT.search((SITE / path).read_text(encoding="utf-8")):
            continue
        zh = path.startswith(ZH)
        expected = "zh-CN" if zh else "en"
        if report.lang != expected:
            problems.append(f"{path}: lang={report.lang!r}, not {expected}")
        name = path.removeprefix(ZH).removesuffix(".html")
        if zh and name in [*toc_docnames(), *ZH_ONLY]:
            han = len(re.findall(r"[\u4e00-\u9fff]", report.text))
            latin = len(re.findall(r"[A-Za-z]+", report.text))
            if han < latin:
                problems.append(
                    f"{path}: {han} Chinese characters, {latin} Latin "
                    "words: not translated?"
                )
    assert not problems, failures(problems)


def test_chinese_characters_are_drawn_as_glyphs(crawl):
    """A CJK font is installed where the pages are rendered (and shown in
    the screenshots): Chinese characters are not drawn as empty boxes."""
    zh = [r for p, r in crawl.pages.items() if p.startswith(ZH) and r.text]
    assert zh, "no Chinese page was crawled"
    blank = [r.path for r in zh if not r.cjk_glyphs]
    assert not blank, (
        "Chinese characters drawn as boxes (install a CJK font, e.g. "
        f"Debian's fonts-noto-cjk): {blank[:5]}"
    )


def test_search_finds_terms_in_each_language(crawl):
    """Each edition's search page finds pages for a term of the book in its
    language: the Chinese index holds Chinese words (jieba splits them)."""
    assert crawl.search_results, "no search was run"
    empty = {p: q for p, q in SEARCHES.items() if not crawl.search_results[p]}
    assert not empty, f"searches that found nothing: {empty}"
