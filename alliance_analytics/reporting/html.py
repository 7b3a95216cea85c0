"""Exporting an executed notebook to a self-contained, offline HTML report (code hidden, no network requests)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from alliance_analytics.core.atomic_files import write_text_atomic
from alliance_analytics.reporting.live_charts import page_scripts, render_live_charts, script_sources

TEMPLATES_DIR = Path(__file__).parent / "templates"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REPORT_HIDE_TAG = "report-hide"
"""Cells tagged with this are left out of the HTML report (e.g. a checked headline the page already says)."""


def export_html(executed: Path, destination: Path, title: str, show_code: bool = False, banner: str = "") -> Path:
    """Export an executed notebook to a self-contained, offline HTML file.

    Interactive charts become live Bokeh charts with their static picture as fallback; a page with any
    inlines BokehJS once, and a page without none (see :mod:`alliance_analytics.reporting.live_charts`).

    Parameters
    ----------
    executed : Path
        The executed notebook.
    destination : Path
        The HTML file to write (atomically).
    title : str
        The page title.
    show_code : bool
        Keep the code cells (hidden by default).
    banner : str
        Shown at the top of the page in a highlighted box (e.g. ``"What-if: C02 forced in"``); none when empty.

    Returns
    -------
    Path
        ``destination``.
    """
    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        template_name="offline",
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={REPORT_HIDE_TAG}), enabled=True)
    notebook = without_live_widgets(nbformat.read(executed, as_version=4))
    notebook.metadata["title"] = title
    notebook.metadata["alliance_analytics_banner"] = banner
    scripts = page_scripts() if render_live_charts(notebook) else []
    body, _ = exporter.from_notebook_node(notebook, resources={
        "alliance_analytics_scripts": scripts, "alliance_analytics_script_src": script_sources(scripts)})
    return write_text_atomic(destination, body)


def without_live_widgets(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop live-widget views and widget state, so each widget output shows its static representation.

    A live widget needs a kernel and widget JavaScript; an offline report has neither. Outputs that also
    carry a static form (HTML, image) show that; the saved widget state is removed.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook; modified in place and returned.

    Returns
    -------
    nbformat.NotebookNode
    """
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and len(set(data) - {WIDGET_VIEW, "text/plain"}) > 0:
                del data[WIDGET_VIEW]
    return notebook
