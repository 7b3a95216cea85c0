"""The ``results.json`` a notebook writes: its analysis results, headline and provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alliance_analytics.core.atomic_files import write_json_atomic
from alliance_analytics.notebook.results_workbook import write_results_workbook


def write_results(path: str | Path | None, notebook: str, headline: list[str], results: dict[str, Any],
                  provenance: dict[str, Any]) -> Path | None:
    """Write a notebook's ``results.json`` atomically, and the same content as ``results.xlsx`` beside it.

    Parameters
    ----------
    path : str, Path or None
        Destination; empty or ``None`` writes nothing (exploring a notebook interactively).
    notebook : str
        The notebook's name, e.g. ``"01_partner_fit"``.
    headline : list of str
        A few lines summing up the result, shown in the report index.
    results : dict
        The analysis result's JSON form (its keys are documented per notebook).
    provenance : dict
        From :func:`alliance_analytics.notebook.provenance.run_provenance`.

    Returns
    -------
    Path or None
        The JSON file written, if any.
    """
    if not path:
        return None
    payload = {"notebook": notebook, "headline": headline, **results, "provenance": provenance}
    written = write_json_atomic(path, payload)
    write_results_workbook(written.with_suffix(".xlsx"), json.loads(written.read_text(encoding="utf-8")))
    return written
