"""Degenerate cases built from the sample case: each a valid case folder that some analysis cannot fully answer.

- ``all_walk_away``: every candidate serves only objective O1, so each misses the required objective O3 and
  fails the strategy gate; nobody is left in the running and no portfolio is possible.
- ``one_left``: as above except Alpenmed Vertrieb (C09), which keeps its objectives; the portfolio asks for one
  alliance bringing DACH distribution and accepts a CVaR down to -0.5 M EUR, so the portfolio is C09 alone.
- ``infeasible_portfolio``: the sample case with a budget of 500,000 EUR, which cannot pay for the three
  alliances and the capabilities the portfolio must have.
- ``no_risks``: the sample case with an empty risk register.
- ``no_correlations``: the sample case without ``correlations.csv``.

Every folder loads with :func:`alliance_analytics.load_case` (``tests/reporting/test_degenerate_cases.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.core.yaml_reading import CaseYamlLoader

ONE_LEFT = "C09"
"""The one candidate still in the running in ``one_left``."""
ONE_LEFT_CVAR_FLOOR = -500_000
"""The CVaR floor of ``one_left``: low enough for C09 alone, whose 5 % CVaR is a loss of about 0.1 M EUR."""
INFEASIBLE_BUDGET = 500_000
"""The total budget of ``infeasible_portfolio``: less than the three cheapest alliances that pass cost."""


def _settings(folder: Path) -> dict:
    """The case's ``case.yaml`` as data (dates kept as text)."""
    return yaml.load((folder / "case.yaml").read_text(encoding="utf-8"), Loader=CaseYamlLoader)


def _write_settings(folder: Path, settings: dict) -> None:
    """Write ``case.yaml`` back."""
    (folder / "case.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
                                      encoding="utf-8")


def _serve_only_o1(folder: Path, keep: tuple[str, ...] = ()) -> None:
    """Every candidate but ``keep`` serves only O1, so it misses the required O3 and fails the strategy gate."""
    path = folder / "candidates.csv"
    candidates = pd.read_csv(path, dtype=str, keep_default_na=False)
    candidates.loc[~candidates["candidate_id"].isin(keep), "objectives"] = "O1"
    candidates.to_csv(path, index=False)


def _all_walk_away(folder: Path) -> None:
    _serve_only_o1(folder)


def _one_left(folder: Path) -> None:
    _serve_only_o1(folder, keep=(ONE_LEFT,))
    settings = _settings(folder)
    settings["portfolio"]["min_alliances"] = 1
    settings["portfolio"]["capabilities_required"] = [{"capability": "distribution_dach", "min_partners": 1}]
    settings["portfolio"]["risk_limit"]["cvar_floor"] = ONE_LEFT_CVAR_FLOOR
    _write_settings(folder, settings)


def _infeasible_portfolio(folder: Path) -> None:
    settings = _settings(folder)
    settings["portfolio"]["budget"] = INFEASIBLE_BUDGET
    _write_settings(folder, settings)


def _no_risks(folder: Path) -> None:
    path = folder / "risks.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(header + "\n", encoding="utf-8")


def _no_correlations(folder: Path) -> None:
    (folder / "correlations.csv").unlink()


DEGENERATE_CASES: dict[str, Callable[[Path], None]] = {
    "all_walk_away": _all_walk_away,
    "one_left": _one_left,
    "infeasible_portfolio": _infeasible_portfolio,
    "no_risks": _no_risks,
    "no_correlations": _no_correlations,
}
"""Each degenerate case's name and how it changes a copy of the sample case."""


def write_degenerate_case(name: str, directory: Path) -> Path:
    """Write one degenerate case folder.

    Parameters
    ----------
    name : str
        A key of :data:`DEGENERATE_CASES`.
    directory : Path
        Where the folder ``<name>`` is created.

    Returns
    -------
    Path
        The case folder.
    """
    folder = Path(directory) / name
    shutil.copytree(SAMPLE_CASE_DIR, folder)
    DEGENERATE_CASES[name](folder)
    return folder


def write_degenerate_cases(directory: Path) -> dict[str, Path]:
    """Write every degenerate case folder into ``directory``.

    Parameters
    ----------
    directory : Path
        An existing folder.

    Returns
    -------
    dict of str to Path
        Case name to its folder.
    """
    return {name: write_degenerate_case(name, directory) for name in DEGENERATE_CASES}
