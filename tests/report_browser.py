"""Opening an HTML report in headless Chromium with the network cut off, and recording what went wrong.

Used by ``tests/test_report_browser.py``. Chromium is Debian's (``/usr/bin/chromium``), launched through
Playwright with ``executable_path``: no browser is ever downloaded. Besides the launch flags, every request
that is not for a ``file:`` URL is aborted and recorded, so a page that tries to reach a CDN fails the
checks even when the machine is online.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alliance_analytics.core.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Route

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
"""Debian's Chromium, or ``None`` where it is not installed."""

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
"""Launch flags: headless, no sandbox (containers, root), and no background calls home."""

SCREENSHOTS_DIR = PROJECT_ROOT / "test-artifacts" / "reports"
"""Where a full-page screenshot of every page opened is saved (kept as a test artifact)."""

BROKEN_IMAGES_JS = """() => [...document.images]
    .filter(image => !image.complete || image.naturalWidth === 0)
    .map(image => image.src.slice(0, 80))"""
"""The start of the ``src`` of every image that did not load."""


@dataclass
class PageReport:
    """What happened when a page was opened offline.

    Attributes
    ----------
    url : str
        The ``file://`` URL opened.
    screenshot : Path
        The full-page screenshot saved.
    console_errors : list of str
        Console messages of type ``error`` and uncaught page errors.
    network_requests : list of str
        URLs of every non-``file:`` request attempted (each was aborted).
    failed_requests : list of str
        Requests that failed, as ``url (reason)`` (an aborted network request fails too).
    broken_images : list of str
        The start of the ``src`` of every ``<img>`` not loaded.
    image_count : int
        Number of ``<img>`` elements.
    dialogs : list of str
        Messages of dialogs opened (``alert``, ``confirm``, ``prompt``); injected script would open one.
    has_table : bool
        Whether the page has a ``<table>``.
    body_text : str
        The rendered text of ``<body>`` (``innerText``).
    scripts : list of str
        The text of every ``<script>`` element in the live document.
    """

    url: str
    screenshot: Path
    console_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    image_count: int = 0
    dialogs: list[str] = field(default_factory=list)
    has_table: bool = False
    body_text: str = ""
    scripts: list[str] = field(default_factory=list)


def open_offline(browser: Browser, html_file: Path, name: str) -> PageReport:
    """Open an HTML file as ``file://`` with no network and report errors, requests, images and content.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        A Chromium launched with :data:`CHROMIUM_ARGS`.
    html_file : Path
        The page to open.
    name : str
        Screenshot name: saved as ``test-artifacts/reports/<name>.png``.

    Returns
    -------
    PageReport
    """
    report = PageReport(url=html_file.resolve().as_uri(), screenshot=SCREENSHOTS_DIR / f"{name}.png")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    try:
        page = context.new_page()

        def refuse_network(route: Route) -> None:
            """Let ``file:`` requests through; abort and record any other."""
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                report.network_requests.append(route.request.url)
                route.abort("blockedbyclient")

        def on_console(message: ConsoleMessage) -> None:
            """Record console errors."""
            if message.type == "error":
                report.console_errors.append(message.text)

        def on_dialog(dialog: Dialog) -> None:
            """Record and dismiss a dialog, so the page is not blocked."""
            report.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.route("**/*", refuse_network)
        page.on("console", on_console)
        page.on("pageerror", lambda error: report.console_errors.append(f"uncaught: {error}"))
        page.on("dialog", on_dialog)
        page.on("requestfailed", lambda request: report.failed_requests.append(f"{request.url} ({request.failure})"))
        page.goto(report.url, wait_until="load")
        page.wait_for_load_state("networkidle")
        report.broken_images = page.evaluate(BROKEN_IMAGES_JS)
        report.image_count = page.locator("img").count()
        report.has_table = page.locator("table").count() > 0
        report.body_text = page.inner_text("body")
        report.scripts = page.locator("script").all_text_contents()
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(report.screenshot), full_page=True)
    finally:
        context.close()
    return report


OVERLAPS_JS = """() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const boxes = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) {
            if (rect.width > 0.5 && rect.height > 0.5) boxes.push([node.textContent.trim().slice(0, 40), rect]);
        }
    }
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const [a, r] = boxes[i], [b, s] = boxes[j];
            const w = Math.min(r.right, s.right) - Math.max(r.left, s.left);
            const h = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
            if (w > 1 && h > 1) overlaps.push(a + " | " + b);
        }
    }
    return overlaps;
}"""
"""Pairs of text pieces (text-node line boxes) whose boxes overlap by more than a pixel each way."""

FIRST_SCREEN_JS = """(height) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        const rects = [...range.getClientRects()].filter(rect => rect.height > 0);
        if (rects.length && rects.every(rect => rect.bottom <= height)) parts.push(node.textContent);
    }
    return parts.join("").replace(/\\s+/g, " ");
}"""
"""The text wholly visible in the first ``height`` pixels of the page, whitespace collapsed."""


@dataclass
class PageLayout:
    """What a reader sees of a page at one window size.

    Attributes
    ----------
    first_screen : str
        The text wholly within the first screen, whitespace collapsed.
    overlaps : list of str
        Pairs of overlapping text pieces (should be none).
    cells : list of str
        The text of every table cell (``td``), rendered or not (a closed ``<details>`` still counts).
    scroll_width : int
        The document's width in pixels (more than the window: horizontal scrolling).
    """

    first_screen: str
    overlaps: list[str]
    cells: list[str]
    scroll_width: int


def page_layout(browser: Browser, html_file: Path, width: int = 1280, height: int = 800,
                screenshot: str | None = None) -> PageLayout:
    """Open a page offline at ``width × height`` and read its layout (see :class:`PageLayout`).

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        A Chromium launched with :data:`CHROMIUM_ARGS`.
    html_file : Path
        The page.
    width, height : int
        The window, in CSS pixels.
    screenshot : str, optional
        Save a screenshot of the first screen as ``test-artifacts/reports/<screenshot>.png``.

    Returns
    -------
    PageLayout
    """
    context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
    try:
        page = context.new_page()
        page.goto(html_file.resolve().as_uri(), wait_until="load")
        layout = PageLayout(first_screen=page.evaluate(FIRST_SCREEN_JS, height), overlaps=page.evaluate(OVERLAPS_JS),
                            cells=page.locator("td").all_text_contents(),
                            scroll_width=page.evaluate("document.documentElement.scrollWidth"))
        if screenshot:
            SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS_DIR / f"{screenshot}.png"))
    finally:
        context.close()
    return layout
