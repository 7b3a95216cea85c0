"""Which notebooks exist, what each is called, and which analysis's parameters model its ``parameters`` cell mirrors.

A notebook is any ``NN_name.ipynb`` in ``notebooks/``; :data:`NOTEBOOK_PARAMETERS` names the parameters model of
each analysis notebook (a notebook without one is still run, its parameters checked by papermill's reading of
the cell alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import nbformat

from alliance_analytics import (
    BriefParameters,
    HealthParameters,
    PartnerFitParameters,
    PortfolioParameters,
    ReviewParameters,
    SensitivityParameters,
    SimulationParameters,
    ThesisParameters,
)
from alliance_analytics.core.parameters import AnalysisParameters
from alliance_analytics.core.paths import NOTEBOOKS_DIR
from alliance_analytics.core.problems import InputError, Problem

INJECTED = ("case_dir", "results_path")
"""Parameters the runner sets itself for every notebook."""

NOTEBOOK_PARAMETERS: dict[str, type[AnalysisParameters]] = {
    "01_partner_fit": PartnerFitParameters,
    "02_weight_sensitivity": SensitivityParameters,
    "03_risk_simulation": SimulationParameters,
    "04_portfolio": PortfolioParameters,
    "05_decision_brief": BriefParameters,
    "06_alliance_health": HealthParameters,
    "07_thesis_check": ThesisParameters,
    "08_portfolio_review": ReviewParameters,
}
"""The parameters model of each analysis notebook: its cell declares the model's fields plus :data:`INJECTED`."""


def available_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Path]:
    """The analysis notebooks, by name (file name without ``.ipynb``), in run order.

    Parameters
    ----------
    notebooks_dir : Path
        Folder of the notebooks.

    Returns
    -------
    dict of str to Path
    """
    return {path.stem: path for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))}


def select_notebooks(names: Sequence[str], notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Resolve notebook names to files; ``01_partner_fit`` and ``partner_fit`` both work.

    Parameters
    ----------
    names : sequence of str
        Names as typed; empty means every notebook.
    notebooks_dir : Path
        Folder of the notebooks.

    Returns
    -------
    list of Path
        In run order, without duplicates.

    Raises
    ------
    InputError
        Naming every unknown notebook and listing the available ones.
    """
    available = available_notebooks(notebooks_dir)
    if not names:
        return list(available.values())
    chosen, problems = [], []
    for name in names:
        stem = name.removesuffix(".ipynb")
        match = [path for key, path in available.items() if stem in (key, key[3:])]
        if match:
            chosen.extend(match)
        else:
            problems.append(Problem("--notebook", f"unknown notebook; expected one of {', '.join(available)}",
                                    column=name))
    if problems:
        raise InputError("notebook selection", problems)
    return sorted(set(chosen))


def notebook_title(notebook: Path) -> str:
    """The notebook's first Markdown heading, or its name.

    Parameters
    ----------
    notebook : Path
        The notebook file.

    Returns
    -------
    str
    """
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem
