"""Interactive charts in the offline HTML reports: BokehJS inlined once per page, the static chart as fallback.

A notebook output of an :class:`~alliance_analytics.charts.interactive.InteractiveChart` carries the chart's
Bokeh document (:data:`~alliance_analytics.charts.interactive.BOKEH_MIMETYPE`) and its static picture
(``image/png``). :func:`render_live_charts` turns each into one HTML block::

    <div class="aa-chart" data-aa-bokeh="{the document, HTML-escaped}">
      <img class="aa-chart-static" src="data:image/png;base64,…" alt="…">
      <div class="aa-chart-live"></div>
    </div>

The document sits in an attribute, not in a script, so text from case files never stands inside a script.
The page then ends with two scripts, only when it has such a block: BokehJS (:func:`bokeh_library`, about
1.3 MB, from the ``bokeh`` package itself: nothing is fetched) and :data:`LOADER`, which draws every chart into
its ``aa-chart-live`` and, once drawn, marks the block ``aa-chart-drawn`` so the page's style hides the picture
(a printout shows the picture again). Without JavaScript, or if a chart fails to draw, the picture stays.
The page's content security policy allows exactly these two scripts, by their SHA-256 (:func:`script_sources`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html

import nbformat
from bokeh.resources import Resources

from alliance_analytics.charts.interactive import BOKEH_MIMETYPE

LOADER = """(function () {
  "use strict";
  for (const chart of document.querySelectorAll(".aa-chart[data-aa-bokeh]")) {
    const item = JSON.parse(chart.getAttribute("data-aa-bokeh"));
    Bokeh.embed.embed_item(item, chart.querySelector(".aa-chart-live")).then(function (views) {
      if (views !== undefined) chart.classList.add("aa-chart-drawn");
    });
  }
})();"""
"""Draws every chart of the page with BokehJS; a chart drawn hides its static picture."""


@functools.cache
def bokeh_library() -> str:
    """BokehJS's core, as shipped inside the installed ``bokeh`` package (no widgets, tables, WebGL or MathJax).

    Returns
    -------
    str
        The minified script, with the log level set to ``warn``.
    """
    return "\n".join(Resources(mode="inline", components=["bokeh"], log_level="warn").js_raw)


def live_chart_html(document: str, picture: str, title: str) -> str:
    """The HTML block of one interactive chart: its Bokeh document in an attribute, its picture, a live area.

    Parameters
    ----------
    document : str
        The chart's Bokeh document (``bokeh.embed.json_item`` as JSON text).
    picture : str
        The static chart, a base64-encoded PNG.
    title : str
        The picture's alternative text.

    Returns
    -------
    str
        HTML; the document and the title escaped for their attributes.
    """
    return (f'<div class="aa-chart" data-aa-bokeh="{html.escape(document, quote=True)}">'
            f'<img class="aa-chart-static" src="data:image/png;base64,{picture.strip()}" alt="{html.escape(title)}">'
            '<div class="aa-chart-live"></div></div>')


def render_live_charts(notebook: nbformat.NotebookNode) -> bool:
    """Replace every interactive chart output by its HTML block (:func:`live_chart_html`).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook; modified in place.

    Returns
    -------
    bool
        Whether the notebook has an interactive chart (the page then needs :func:`page_scripts`).
    """
    found = False
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if BOKEH_MIMETYPE in data:
                title = data.get("text/plain", "")
                output["data"] = {"text/html": live_chart_html(data[BOKEH_MIMETYPE], data["image/png"], title),
                                  "text/plain": title}
                found = True
    return found


def page_scripts() -> list[str]:
    """The scripts a page with interactive charts ends with: BokehJS, then :data:`LOADER`.

    Returns
    -------
    list of str
        Script texts, to be inlined in this order.
    """
    return [bokeh_library(), LOADER]


def script_sources(scripts: list[str]) -> str:
    """The ``script-src`` of a content security policy that allows exactly these inline scripts.

    Parameters
    ----------
    scripts : list of str
        The scripts' texts, exactly as inlined.

    Returns
    -------
    str
        ``'sha256-…' 'sha256-…'`` (CSP Level 2 hash sources).
    """
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
                    for script in scripts)
