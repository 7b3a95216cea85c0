"""The ``results.json`` a notebook writes: its analysis results, headline and provenance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alliance_analytics.core.atomic_files import write_json_atomic


def write_results(path: str | Path | None, notebook: str, headline: list[str], results: dict[str, Any],
                  provenance: dict[str, Any]) -> Path | None:
    """Write a notebook's ``results.json`` atomically.

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
        The file written, if any.
    """
    if not path:
        return None
    return write_json_atomic(path, {"notebook": notebook, "headline": headline, **results,
                                    "provenance": provenance})
