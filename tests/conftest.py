"""Shared fixtures: the sample case, writable copies of it to break on purpose, and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from report_browser import CHROMIUM, CHROMIUM_ARGS

from alliance_analytics import load_case
from alliance_analytics.case.case import Case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from alliance_analytics.reporting.runner import ReportRun


@pytest.fixture(scope="session")
def sample_case() -> Case:
    """The embedded sample case, loaded once."""
    return load_case(SAMPLE_CASE_DIR)


@pytest.fixture
def case_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample case folder."""
    destination = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, destination)
    return destination


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright (no browser download); the test is skipped without it."""
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install chromium)")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """One report run of every notebook on the sample case, shared by the tests that read a report."""
    from alliance_analytics.reporting.runner import run_report

    return run_report(SAMPLE_CASE_DIR, out_dir=tmp_path_factory.mktemp("reports"), progress=False)
