"""Keeping notebooks in git clean: no outputs or execution counts, except in the cells nbval checks.

Cells whose source contains ``# NBVAL_CHECK_OUTPUT`` keep their outputs: nbval (``--nbval-lax``) compares
them with a fresh run. ``python -m alliance_analytics.notebook.hygiene NOTEBOOK ...`` re-executes each
notebook, stores the checked outputs and strips everything else (``make notebooks`` does this).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
"""The nbval comment that marks a cell whose output is checked."""


def strip_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy without execution counts and without outputs except in checked cells.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook, executed or not.

    Returns
    -------
    nbformat.NotebookNode
        The cleaned copy, without saved widget state. Checked cells keep their outputs and execution count
        (nbval treats a cell with outputs but no execution count as never run).
    """
    clean = copy.deepcopy(notebook)
    for cell in clean.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if CHECK_MARKER not in cell.source:
            cell.execution_count = None
            cell.outputs = []
    clean.metadata.pop("papermill", None)
    clean.metadata.pop("widgets", None)
    return clean


def refresh(path: Path) -> None:
    """Execute a notebook in its folder, then store it stripped by :func:`strip_outputs`.

    Parameters
    ----------
    path : Path
        The notebook file; rewritten in place.
    """
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(strip_outputs(notebook), path)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        refresh(Path(argument))
