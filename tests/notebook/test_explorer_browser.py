"""End to end: the weight explorer really works in JupyterLab, driven in headless Chromium.

Starts JupyterLab on 127.0.0.1, opens the weight-sensitivity notebook in Debian's Chromium (through
Playwright, with no browser download) on a 1280×800 screen, runs every cell, moves a slider and checks the
ranking changes, what changed is said where the slider is (within the 800 px of the screen, no scrolling), the
chart is drawn at its own aspect ratio and every candidate name sits on one line.
Skipped, with the reason shown, where Chromium or Playwright is missing; `.ci/run` installs Chromium.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time

import pytest

from alliance_analytics.core.paths import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory):
    """A JupyterLab server on 127.0.0.1 serving a copy of the notebooks and data (Lab may autosave)."""
    port, token = _free_port(), secrets.token_hex(16)
    settings = tmp_path_factory.mktemp("jupyter")
    root = settings / "project"
    for folder in ("notebooks", "data"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    log = (settings / "lab.log").open("w")
    environment = {**os.environ, "JUPYTER_CONFIG_DIR": str(settings / "config"),
                   "JUPYTERLAB_SETTINGS_DIR": str(settings / "lab-settings"),
                   "JUPYTERLAB_WORKSPACES_DIR": str(settings / "workspaces")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
         "--LabApp.news_url=None", "--LabServerApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=environment)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"JupyterLab did not start: {(settings / 'lab.log').read_text()}")
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _ranking(page) -> list[str]:
    """The candidate ids of the explorer's ranking table, in displayed order."""
    return page.locator(".aa-ranking tbody td:first-child").all_inner_texts()


VIEWPORT = {"width": 1280, "height": 800}
"""A common laptop screen."""

LAYOUT = """() => {
    const rect = (element) => { const box = element.getBoundingClientRect();
                                return {top: box.top, bottom: box.bottom, width: box.width, height: box.height}; };
    const ranking = document.querySelector('.aa-ranking');
    const image = ranking.closest('.jupyter-widget-html, .widget-html').parentElement.querySelector('img');
    const names = [...ranking.querySelectorAll('tbody tr')].map((row) => {
        const range = document.createRange();
        range.selectNodeContents(row.querySelectorAll('td')[1]);
        return range.getClientRects().length;
    });
    const slider = [...document.querySelectorAll('.widget-slider')].find((e) => e.innerText.includes('Cultural fit'));
    return {change: rect(document.querySelector('.aa-change')), changeText: document.querySelector('.aa-change').innerText,
            slider: rect(slider), image: rect(image), natural: {width: image.naturalWidth, height: image.naturalHeight},
            lines: names};
}"""
"""Where the explorer's parts are on the screen, the chart's drawn and natural size, and lines per candidate name."""


def test_moving_a_slider_changes_the_displayed_ranking(jupyterlab):
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    base, token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{base}/lab/tree/notebooks/02_weight_sensitivity.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=90_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_selector(".aa-ranking tbody td:first-child", timeout=180_000)
            before = _ranking(page)
            assert len(before) == 13 and before[0] == "C03", before
            first_slider = page.locator(".widget-slider").first
            first_slider.evaluate("(element) => element.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            cultural = page.locator(".widget-slider", has_text="Cultural fit").locator(".widget-readout")
            cultural.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("100")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "(before) => [...document.querySelectorAll('.aa-ranking tbody td:first-child')].map(e => e.innerText).join() "
                "!== before", arg=",".join(before), timeout=60_000)
            after = _ranking(page)
            page.wait_for_function("() => document.querySelector('.aa-change').innerText.includes('Cultural fit')",
                                   timeout=30_000)
            page.wait_for_function("() => [...document.querySelectorAll('img')].every((image) => image.complete)",
                                   timeout=30_000)
            layout = page.evaluate(LAYOUT)
            page.screenshot(path=str(ARTIFACTS / "weight_explorer.png"))
            page.locator(".aa-ranking").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "weight_explorer_ranking.png"))
        finally:
            browser.close()
    assert sorted(after) == sorted(before) and after != before
    change, slider = layout["change"], layout["slider"]
    assert 0 <= slider["top"] and slider["bottom"] <= VIEWPORT["height"], layout
    assert 0 <= change["top"] and change["bottom"] <= VIEWPORT["height"], f"the change is below the fold: {layout}"
    assert "Cultural fit: 10.0 → 100.0" in layout["changeText"] and "Moved:" in layout["changeText"], layout
    image, natural = layout["image"], layout["natural"]
    assert image["width"] > 0 and natural["width"] > 0, layout
    drawn, own = image["width"] / image["height"], natural["width"] / natural["height"]
    assert drawn == pytest.approx(own, rel=0.02), f"the chart is stretched: {layout}"
    assert layout["lines"] == [1] * len(after), f"a candidate name wraps: {layout['lines']}"
