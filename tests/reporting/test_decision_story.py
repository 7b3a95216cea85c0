"""The decision story a reader sees, in headless Chromium: the front page, the brief, what-ifs and grids.

Three report folders are read: the run of every notebook on the sample case (shared with the other report
tests); a what-if run (C05 forced out: Clinexa declines) that must carry its banner on every page and leave
``latest`` on the earlier run it led to; and a grid batch over the alliance-manager capacity whose front page
compares the settings candidate by candidate. The decision each page must state is read from the portfolio's
own ``results.json`` (``selected``), independently of the brief that words it, and the names from the case.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from report_browser import CHROMIUM, page_layout

from alliance_analytics import load_case
from alliance_analytics.batch.runner import run_batch
from alliance_analytics.core.formatting import format_money
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.reporting.runner import ReportRun, run_report

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")

RAW_VALUES = re.compile(r"^(nan|NaN|None|True|False|null|<NA>)$")
"""A table cell that shows a raw value instead of words."""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict[str, Path]:
    """The sample run, a what-if run into a folder whose ``latest`` leads to an earlier run, and a grid batch.

    The what-if and the grid run in a process of their own (papermill changes the working directory while it
    runs a notebook) while the shared sample run (``sample_report``, one notebook at a time) runs in this one,
    so the machine's cores are busy together; when the sample run was made before, it is simply read back.
    """
    out = tmp_path_factory.mktemp("story") / "reports"
    (out / "2026-01-01_000000").mkdir(parents=True)
    (out / "latest").symlink_to("2026-01-01_000000")
    config = out.parent / "grid.yaml"
    config.write_text(f"runs:\n  - notebooks: [partner_fit, portfolio, decision_brief]\n    cases: [{SAMPLE_CASE_DIR}]\n"
                      "    grid:\n      portfolio: [{manager_capacity_fte: 3}, {manager_capacity_fte: 2.6}]\n",
                      encoding="utf-8")
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        running_what_if = pool.submit(run_report, SAMPLE_CASE_DIR, ["portfolio", "decision_brief"], out_dir=out,
                                      parameters={"force_out": ["C05"]}, progress=False)
        running_grid = pool.submit(run_batch, config, out_dir=out.parent / "batches", progress=False, workers=2)
        sample_report: ReportRun = request.getfixturevalue("sample_report")
        what_if, grid = running_what_if.result(), running_grid.result()
    assert sample_report.ok, [run.error for run in sample_report.runs if not run.ok]
    assert what_if.ok, [run.error for run in what_if.runs if not run.ok]
    assert grid.ok, [run.outcome.error for run in grid.runs if not run.outcome.ok]
    return {"sample": sample_report.folder, "what_if": what_if.folder, "grid": grid.folder, "out": out}


def _results(folder: Path, notebook: str) -> dict:
    """The ``results.json`` of a notebook in a run folder."""
    return json.loads((folder / notebook / "results.json").read_text(encoding="utf-8"))


def _labels(candidates: list[str]) -> list[str]:
    """Candidates as the reader sees them: ``Name (C01)``, from the case itself."""
    names = load_case(SAMPLE_CASE_DIR).candidates["name"]
    return [f"{names[candidate]} ({candidate})" for candidate in candidates]


def test_the_brief_recommends_the_optimised_portfolio(reports):
    portfolio = _results(reports["sample"], "04_portfolio")
    brief = _results(reports["sample"], "05_decision_brief")
    assert portfolio["selected"] and sorted(row["candidate"] for row in brief["recommended"]) == sorted(portfolio["selected"])
    advancing = {row["candidate"] for row in brief["advancing"]}
    assert {row["candidate"] for row in brief["left_out"]} == advancing - set(portfolio["selected"])
    assert all(row["reason"] for row in brief["left_out"])


@pytest.mark.parametrize("page", ["index.html", "05_decision_brief/05_decision_brief.html"])
def test_the_first_screen_names_the_alliances_to_pursue(browser, reports, page):
    selected = _results(reports["sample"], "04_portfolio")["selected"]
    layout = page_layout(browser, reports["sample"] / page, screenshot=f"story-{Path(page).stem}")
    assert "Restructure Alpina Reha Kliniken AG (A03)" in layout.first_screen and "; pursue " in layout.first_screen
    for label in _labels(selected):
        assert label in layout.first_screen
    if page == "index.html":
        assert "Walk away from" in layout.first_screen


@pytest.mark.parametrize("page", ["index.html", *(f"{name}/{name}.html" for name in
                                                  ("01_partner_fit", "02_weight_sensitivity", "03_risk_simulation",
                                                   "04_portfolio", "05_decision_brief", "06_alliance_health",
                                                   "07_thesis_check", "08_portfolio_review"))])
def test_no_overlapping_text_and_no_raw_values_in_tables(browser, reports, page):
    """Every page of the sample run; these are also the pages a degenerate case that does not change a notebook
    would show (``test_degenerate_cases.py`` runs a notebook only on the cases that change it)."""
    layout = page_layout(browser, reports["sample"] / page)
    assert layout.overlaps == []
    assert [cell for cell in layout.cells if RAW_VALUES.match(cell.strip())] == []


def test_the_front_page_reads_at_phone_width(browser, reports):
    layout = page_layout(browser, reports["sample"] / "index.html", width=390, height=844, screenshot="story-phone")
    assert layout.scroll_width <= 390
    assert "; pursue " in layout.first_screen and layout.overlaps == []


def test_a_what_if_carries_its_banner_on_every_page_and_leaves_latest(browser, reports):
    folder = reports["what_if"]
    assert (reports["out"] / "latest").resolve() == (reports["out"] / "2026-01-01_000000").resolve()
    assert json.loads((folder / "run.json").read_text(encoding="utf-8"))["what_if"] == "C05 forced out"
    for page in ["index.html", *sorted(path.relative_to(folder).as_posix() for path in folder.glob("*/*.html"))]:
        layout = page_layout(browser, folder / page)
        assert "What-if: C05 forced out" in layout.first_screen, page
    for page in ("index.html", "05_decision_brief/05_decision_brief.html"):
        assert "What-if" not in page_layout(browser, reports["sample"] / page).first_screen


def test_the_what_if_changes_the_decision(reports):
    before = _results(reports["sample"], "04_portfolio")["selected"]
    after = _results(reports["what_if"], "04_portfolio")["selected"]
    brief = _results(reports["what_if"], "05_decision_brief")
    assert "C05" in before and "C05" not in after and after
    assert sorted(row["candidate"] for row in brief["recommended"]) == sorted(after)


def test_the_grid_front_page_compares_the_settings(browser, reports):
    folder = reports["grid"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    chosen: dict[str, set[str]] = {}
    for run in manifest["runs"]:
        if run["notebook"] == "04_portfolio":
            chosen[run["what_if"]] = set(json.loads((folder / run["results"]).read_text(encoding="utf-8"))["selected"])
    assert len(chosen) == 2 and len({frozenset(s) for s in chosen.values()}) == 2, "the grid must change the portfolio"
    differing = set.union(*chosen.values()) - set.intersection(*chosen.values())
    html = (folder / "index.html").read_text(encoding="utf-8")
    matrix = html[html.index('<table class="matrix">'):]
    matrix = matrix[:matrix.index("</table>")]
    highlighted = re.findall(r'<tr class="differs"><td>[^<]*\((C\d\d)\)</td>', matrix)
    assert differing <= set(highlighted)
    for label in chosen:
        assert f"<th>{label}</th>" in matrix
    values = {run["what_if"]: json.loads((folder / run["results"]).read_text(encoding="utf-8"))
              for run in manifest["runs"] if run["notebook"] == "04_portfolio"}
    totals = re.search(r"<th>Portfolio: expected NPV</th>(.*?)</tr>", matrix).group(1)
    assert re.findall(r"<th>([^<]*)</th>", totals) == [format_money(values[label]["expected_npv"], "EUR")
                                                       for label in chosen]
    layout = page_layout(browser, folder / "index.html", screenshot="story-grid")
    assert layout.overlaps == []
    assert "How the settings compare" in layout.first_screen
    assert "alliance-manager capacity 2.6 FTE" in layout.first_screen


@pytest.mark.parametrize("run", ["sample", "what_if"])
def test_the_brief_prints_on_two_a4_pages_at_nine_points(browser, reports, run):
    """Printed, the brief (with its what-if banner, when it has one) fits two A4 pages with a body of 9 pt or more."""
    page = browser.new_page()
    try:
        page.goto((reports[run] / "05_decision_brief" / "05_decision_brief.html").as_uri())
        page.emulate_media(media="print")
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('p, li, td, th')]
            .filter(e => e.innerText.trim()).map(e => parseFloat(getComputedStyle(e).fontSize)))""")
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    assert smallest >= 12, f"smallest body text {smallest} px = {0.75 * smallest} pt"
    assert 1 <= len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2
