"""What the alliances share: the shared drivers of ``drivers.csv``, what they move, and what sharing them does.

A driver is drawn once per iteration for every alliance that depends on it (:mod:`alliance_analytics.risk.engine`),
so a slump in DACH reimbursement lowers all the DACH alliances' revenue in the same simulated future. This module
describes the drivers for a reader (:func:`driver_table`), measures how strongly the alliances sharing one move
together (:func:`shared_risk_table`: the Spearman rank correlation of their NPVs), and values what sharing does
to a set of alliances' tail risk (:func:`driver_dependence`: the 5 % CVaR of their summed NPV against the same
alliances simulated with each one's drivers drawn on its own, all else equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from alliance_analytics.case.case import Case
from alliance_analytics.core.formatting import (
    candidate_label,
    format_money,
    format_number,
    format_share,
    join_words,
    reader_table,
    sentence_table,
)
from alliance_analytics.risk.measures import cvar
from alliance_analytics.risk.plan import marginal

QUANTITY_WORDS = {"revenue_uplift": "revenue", "gross_margin": "gross margin", "cost_savings": "cost savings",
                  "investment": "investment", "running_cost": "running cost", "launch_months": "launch",
                  "ramp_up_years": "ramp-up", "lifetime_years": "lifetime"}
"""How a quantity reads in a sentence."""


def moved_by(case: Case, candidates: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The candidates each driver moves.

    Parameters
    ----------
    case : Case
        A validated case.
    candidates : sequence of str, optional
        Only these (default: every proposed candidate and alliance in flight).

    Returns
    -------
    dict of str to list of str
        Driver id → candidate ids in the case's order; drivers that move none of them are left out.
    """
    rows = case.assumptions[case.assumptions["driver_id"].notna()]
    if candidates is not None:
        rows = rows[rows["candidate_id"].isin(list(candidates))]
    return {driver: list(dict.fromkeys(group["candidate_id"])) for driver, group in rows.groupby("driver_id", sort=False)}


def driver_names(case: Case) -> dict[str, str]:
    """Each driver's name (``drivers.csv``), by id.

    Parameters
    ----------
    case : Case
        A validated case.

    Returns
    -------
    dict of str to str
    """
    return dict(case.drivers["name"])


def driver_table(case: Case) -> pd.DataFrame:
    """The shared drivers as a reader reads them.

    Parameters
    ----------
    case : Case
        A validated case.

    Returns
    -------
    pandas.DataFrame
        One row per driver (by name): what it is, its P10 and P90 (in its unit), how it acts and on which
        alliances; every cell a string. One row saying so when the case has no drivers.
    """
    if case.drivers.empty:
        return sentence_table("The case has no shared drivers (drivers.csv): every alliance is simulated on its own.")
    names = driver_names(case)
    labels = _labels(case)
    rows = {}
    for driver, record in case.drivers.iterrows():
        distribution = marginal(record).frozen()
        unit = "" if pd.isna(record["unit"]) else f" {record['unit']}"
        used = case.assumptions[case.assumptions["driver_id"] == driver]
        effects = []
        for (effect, quantity), group in used.groupby(["driver_effect", "quantity"], sort=False):
            verb = "multiplies the" if effect == "multiply" else "adds to the"
            effects.append(f"{verb} {QUANTITY_WORDS.get(quantity, quantity)} of "
                           + join_words([labels[c] for c in dict.fromkeys(group["candidate_id"])]))
        rows[names[driver]] = {
            "What it is": record["description"],
            "P10 to P90": f"{format_number(distribution.ppf(0.1))} to {format_number(distribution.ppf(0.9))}{unit}",
            "What it moves": "; ".join(effects) or "nothing (no assumption depends on it)",
        }
    return reader_table(pd.DataFrame.from_dict(rows, orient="index").rename_axis("Shared driver"), {})


def shared_risk_table(case: Case, npvs: pd.DataFrame) -> pd.DataFrame:
    """How strongly alliances that share a driver move together: the rank correlation of their NPVs.

    Parameters
    ----------
    case : Case
        A validated case.
    npvs : pandas.DataFrame
        Simulated NPVs, iterations × candidate ids (one run's scenario matrix).

    Returns
    -------
    pandas.DataFrame
        One row per pair of simulated alliances sharing at least one driver, strongest first: the drivers they
        share and the Spearman rank correlation of their NPVs (two decimals); every cell a string. One row saying
        so when no two share a driver.
    """
    names = driver_names(case)
    labels = _labels(case)
    shared: dict[tuple[str, str], list[str]] = {}
    for driver, members in moved_by(case, list(npvs.columns)).items():
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                shared.setdefault((first, second), []).append(names[driver])
    if not shared:
        return sentence_table("No two simulated alliances share a driver.")
    frame = pd.DataFrame([{"Alliances": f"{labels[a]} and {labels[b]}", "Shared drivers": join_words(drivers),
                           "Rank correlation of NPV": float(stats.spearmanr(npvs[a], npvs[b])[0])}
                          for (a, b), drivers in shared.items()])
    frame = frame.sort_values("Rank correlation of NPV", ascending=False, kind="stable").set_index("Alliances")
    return reader_table(frame, {"Rank correlation of NPV": "number"})


@dataclass(frozen=True)
class DriverDependence:
    """What sharing the drivers does to a set of alliances' tail risk.

    Attributes
    ----------
    drivers : list of str
        The drivers' names that move at least one of the alliances.
    moved : list of str
        The ids of the alliances some driver moves.
    level : float
        The CVaR level (0.05: the mean of the worst 5 % of futures).
    cvar_shared, cvar_independent : float
        CVaR of the summed NPV with the drivers shared (as simulated) and with each alliance drawing its drivers
        on its own (everything else the same), in the case's currency.
    mean_shared, mean_independent : float
        The mean of the summed NPV in both (equal up to Monte Carlo noise: sharing moves the tail, not the mean).
    currency : str
        The case's currency.
    """

    drivers: list[str]
    moved: list[str]
    level: float
    cvar_shared: float
    cvar_independent: float
    mean_shared: float
    mean_independent: float
    currency: str

    def sentence(self, subject: str = "the portfolio") -> str:
        """The effect in one plain sentence.

        Parameters
        ----------
        subject : str
            What the alliances are ("the portfolio").

        Returns
        -------
        str
        """
        change = self.cvar_independent - self.cvar_shared
        level = format_share(self.level)
        if abs(change) < 0.005 * max(1.0, abs(self.mean_shared)):
            return (f"Shared drivers barely change {subject}'s tail risk: its {level} CVaR is "
                    f"{format_money(self.cvar_shared, self.currency)}, about what it would be were the alliances "
                    "independent.")
        return (f"Shared drivers make {join_words(self.moved)} lose together: {subject}'s {level} CVaR is "
                f"{format_money(self.cvar_shared, self.currency)}, against "
                f"{format_money(self.cvar_independent, self.currency)} were they independent.")

    def table(self) -> pd.DataFrame:
        """The two simulations side by side, as a reader reads them.

        Returns
        -------
        pandas.DataFrame
            Rows "Drivers shared (as simulated)" and "Each alliance on its own": expected NPV and CVaR (one money
            unit); every cell a string.
        """
        frame = pd.DataFrame({"Expected NPV": [self.mean_shared, self.mean_independent],
                              f"CVaR {format_share(self.level)}": [self.cvar_shared, self.cvar_independent]},
                             index=pd.Index(["Drivers shared (as simulated)", "Each alliance on its own"],
                                            name="Simulation"))
        return reader_table(frame, dict.fromkeys(frame.columns, "money"), self.currency)

    def to_json(self) -> dict:
        """The machine-readable figures (``dependence`` in ``results.json``).

        Returns
        -------
        dict
            ``drivers``, ``moved``, ``level``, ``cvar_shared``, ``cvar_independent``, ``mean_shared``,
            ``mean_independent``.
        """
        return {"drivers": self.drivers, "moved": self.moved, "level": self.level, "cvar_shared": self.cvar_shared,
                "cvar_independent": self.cvar_independent, "mean_shared": self.mean_shared,
                "mean_independent": self.mean_independent}


def driver_dependence(case: Case, shared: np.ndarray, independent: np.ndarray, candidates: Sequence[str],
                      level: float = 0.05) -> DriverDependence | None:
    """Compare a set of alliances' summed NPV with the drivers shared and drawn by each alliance on its own.

    Parameters
    ----------
    case : Case
        A validated case.
    shared, independent : numpy.ndarray
        The summed NPV per iteration, ``(n,)``, from the simulation as run and from the same simulation with
        ``shared_drivers=False`` (see :func:`~alliance_analytics.risk.analysis.simulate_case`).
    candidates : sequence of str
        The alliances summed.
    level : float
        The CVaR level.

    Returns
    -------
    DriverDependence or None
        None when no driver moves any of ``candidates``.
    """
    moved = moved_by(case, candidates)
    if not moved:
        return None
    names = driver_names(case)
    alliances = [c for c in candidates if any(c in members for members in moved.values())]
    return DriverDependence([names[driver] for driver in moved], alliances, level, float(cvar(shared, level)),
                            float(cvar(independent, level)), float(shared.mean()), float(independent.mean()),
                            case.settings.currency)


def _labels(case: Case) -> dict[str, str]:
    """Every proposed candidate's and alliance in flight's label, name and id."""
    names = pd.concat([case.candidates["name"], case.alliances["name"]])
    return {candidate: candidate_label(candidate, name) for candidate, name in names.items()}
