"""Shareable HTML: every report page opens offline in headless Chromium, cleanly, with case text escaped.

A batch report (every notebook, as ``alliance-analytics batch`` writes it) is built on a copy of the sample
case whose texts carry markup and script (a candidate name, an evaluator's rationale, a criterion name, the
case name). Each page -- the batch ``index.html`` and every run's ``*/*.html`` -- is opened as ``file://`` in Debian's Chromium with networking
disabled (see ``report_browser.py``) and must show no console error, attempt no network request, load every
image, show a table and open no dialog; the hostile texts must show as literal text. A full-page screenshot
of each page is saved in ``test-artifacts/reports/``. A static check, without a browser, finds no remote
script, style, image or frame reference in any page.

:func:`test_every_page_written_is_checked` fails when the pages written and :data:`PAGES` differ.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from report_browser import CHROMIUM, PageReport, open_offline

from alliance_analytics.batch.runner import run_batch
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.reporting.catalogue import available_notebooks

if TYPE_CHECKING:
    from playwright.sync_api import Browser

HOSTILE_NAME = '<script>alert(1)</script> & "Partners" <b>Ltd</b>'
"""A candidate name that runs script if the report does not escape it."""
HOSTILE_RATIONALE = '<img src=x onerror="alert(2)"> needs <i>clinical</i> data'
"""An evaluator's rationale shown in the disagreement table (C06, operating fit, the lowest score)."""
HOSTILE_CRITERION = "Strategic <em>fit</em> & <script>alert(3)</script>"
"""The name of the ``strategic_fit`` criterion."""
HOSTILE_CASE_NAME = 'Nordlicht <b>Medical</b> & "Co" <script>alert(4)</script>'
"""The case name, shown in the index and in every page title."""

PAGES = ["index.html", *(f"{number:03d}-{name}-case/{name}.html"
                         for number, name in enumerate(available_notebooks(), 1))]
"""The pages checked, one test id each: the batch index and one report per run (every notebook once)."""
PARTNER_FIT_PAGE = next(page for page in PAGES if page.endswith("/01_partner_fit.html"))
"""The partner-fit report, where the hostile names and rationale are shown."""

REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
"""A reference that would be fetched from the network."""

RESOURCE_ATTRIBUTES = {"script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
                       "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
                       "embed": ("src",), "object": ("data",)}
"""Per element, the attributes a browser fetches on its own; ``<a href>`` is followed only when clicked."""

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")


def _page_id(page: str) -> str:
    """A short id for a page: ``index``, ``01_partner_fit`` (also its screenshot name)."""
    return Path(page).stem


def report_pages(folder: Path) -> list[str]:
    """Every page of a report folder: ``index.html`` plus each ``*/*.html``, relative, index first."""
    return ["index.html", *sorted(path.relative_to(folder).as_posix() for path in folder.glob("*/*.html"))]


def _hostile_case(destination: Path) -> Path:
    """A copy of the sample case whose names, a rationale and the case name carry markup and script."""
    shutil.copytree(SAMPLE_CASE_DIR, destination)
    candidates = pd.read_csv(destination / "candidates.csv", dtype=str, keep_default_na=False)
    candidates.loc[candidates["candidate_id"] == "C06", "name"] = HOSTILE_NAME
    candidates.to_csv(destination / "candidates.csv", index=False)
    scores = pd.read_csv(destination / "scores.csv", dtype=str, keep_default_na=False)
    disputed = (scores["candidate_id"] == "C06") & (scores["criterion_id"] == "operating_fit") & (scores["score"] == "2")
    assert disputed.sum() == 1, "the sample case changed: pick another flagged rationale"
    scores.loc[disputed, "rationale"] = HOSTILE_RATIONALE
    scores.to_csv(destination / "scores.csv", index=False)
    case_yaml = destination / "case.yaml"
    text = case_yaml.read_text(encoding="utf-8")
    text, named = re.subn(r"^name: .*$", f"name: '{HOSTILE_CASE_NAME}'", text, count=1, flags=re.MULTILINE)
    text, renamed = re.subn(r"^(\s+)name: Strategic fit$", rf"\1name: '{HOSTILE_CRITERION}'", text, count=1,
                            flags=re.MULTILINE)
    assert named == renamed == 1, "the sample case.yaml changed: update the substitutions"
    case_yaml.write_text(text, encoding="utf-8")
    return destination


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The batch report of every notebook run on the hostile copy of the sample case."""
    base = tmp_path_factory.mktemp("hostile")
    _hostile_case(base / "case")
    config = base / "batch.yaml"
    config.write_text("runs:\n  - notebooks: all\n    cases: [case]\n", encoding="utf-8")
    result = run_batch(config, out_dir=base / "reports", progress=False)
    assert result.ok, [run.outcome.error for run in result.runs if not run.outcome.ok]
    return result.folder


@pytest.fixture(scope="module")
def opened(browser: Browser, report_folder: Path) -> dict[str, PageReport]:
    """Every page of the report opened once, by path relative to the report folder."""
    return {page: open_offline(browser, report_folder / page, _page_id(page)) for page in report_pages(report_folder)}


def test_every_page_written_is_checked(report_folder):
    assert report_pages(report_folder) == PAGES


@needs_chromium
@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_opens_offline_without_errors(opened, page):
    report = opened[page]
    assert report.console_errors == []
    assert report.network_requests == []
    assert report.failed_requests == []
    assert report.screenshot.is_file()


@needs_chromium
@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_shows_its_tables_and_images(opened, page):
    report = opened[page]
    assert report.has_table
    assert report.broken_images == []
    if page != "index.html":
        assert report.image_count >= 1, "a notebook report embeds its charts as images"


@needs_chromium
@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_text_from_the_case_never_runs_as_script(opened, page):
    report = opened[page]
    assert report.dialogs == []
    assert not [script for script in report.scripts if "alert(" in script]


@needs_chromium
def test_hostile_texts_show_as_literal_text(opened):
    partner_fit = opened[PARTNER_FIT_PAGE].body_text
    for text in (HOSTILE_NAME, HOSTILE_RATIONALE, HOSTILE_CRITERION):
        assert text in partner_fit
    assert HOSTILE_CASE_NAME in opened["index.html"].body_text


@needs_chromium
def test_the_checker_catches_a_page_that_breaks_every_rule(browser, tmp_path):
    """The checks are not vacuous: a CDN script, a remote font, a broken image and an alert are all caught."""
    page = tmp_path / "bad.html"
    page.write_text('<html><head><script src="https://cdn.example.com/require.js"></script>'
                    '<link rel="stylesheet" href="https://fonts.example.com/font.css"></head>'
                    '<body><img src="missing.png"><script>alert("x"); undefinedFunction();</script></body></html>',
                    encoding="utf-8")
    report = open_offline(browser, page, "negative-control")
    assert sorted(report.network_requests) == ["https://cdn.example.com/require.js",
                                               "https://fonts.example.com/font.css"]
    assert any("missing.png" in failure for failure in report.failed_requests)
    assert report.broken_images and report.dialogs == ["alert: x"] and not report.has_table
    assert any("undefinedFunction" in error for error in report.console_errors)


class _Resources(HTMLParser):
    """Collects the fetched references (``src``, ``href`` of resource elements) and class names of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str]] = []
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the fetched attributes of resource elements, and every class name."""
        for name, value in attrs:
            if name in RESOURCE_ATTRIBUTES.get(tag, ()) and value:
                self.references.append((tag, value))
            if name == "class" and value:
                self.classes.update(value.split())


def _parsed(path: Path) -> _Resources:
    """The resources and class names of an HTML file."""
    parser = _Resources()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_references_nothing_on_the_network(report_folder, page):
    parsed = _parsed(report_folder / page)
    assert [(tag, value) for tag, value in parsed.references if REMOTE.match(value)] == []
    assert all(value.startswith("data:") for tag, value in parsed.references if tag == "img")


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_hides_the_code(report_folder, page):
    assert "jp-InputArea-editor" not in _parsed(report_folder / page).classes


@needs_chromium
def test_the_decision_brief_prints_on_two_a4_pages(browser, report_folder):
    """The steering committee's brief is a one-to-two page summary when printed (the report's print style)."""
    brief = next(page for page in PAGES if page.endswith("/05_decision_brief.html"))
    page = browser.new_page()
    try:
        page.goto((report_folder / brief).as_uri())
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"the decision brief prints on {pages} pages"
