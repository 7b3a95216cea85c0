"""What each option of an alliance in flight is worth from today: continue, restructure or exit.

Every option is valued on the same simulated futures (common random numbers) at ``as_of``, counting only what
is still to come: the alliance's cash flows from today to the horizon (its investment and everything spent so
far are sunk and never enter), plus what the option itself costs or recovers now.

- **Continue**: the cash flows still to come under the alliance's assumptions (after the thesis check's update
  where actuals exist) minus the remaining ``commitment``, paid now.
- **Restructure** (when ``review.csv`` names one): the same draws with the assumptions of ``restructure.csv``
  multiplied by their factors, draw by draw, minus ``restructure_cost`` (paid now, in place of the commitment).
- **Exit**: ``salvage − exit_cost``, the same in every future.

For the value of waiting one review (:mod:`alliance_analytics.review.lsm`), each option is valued again as if
decided at the next review, ``m = next_review_months`` later. Waiting is continuing until then: the commitment is
paid now (it is what continuing commits), the cash flows of those months accrue, and the option taken at the
review is valued from then and discounted to today (an exit then recovers ``salvage − exit_cost``, a restructure
then costs ``restructure_cost``; the commitment is not refunded). So waiting never saves money by itself; it pays
only when what the review would have learnt changes the decision. What it would have learnt is simulated from
the same draws: ``m`` more monthly actuals of every observed assumption,
measured as the actuals so far were (the same standard deviation, or the same trials or periods per month).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analytics.case.case import Case
from alliance_analytics.risk.analysis import elapsed_years, simulate_thesis
from alliance_analytics.risk.engine import clipped_to_range
from alliance_analytics.risk.plan import stream_position

OPTIONS: tuple[str, ...] = ("continue", "restructure", "exit")
"""The options of an alliance in flight, the status quo first."""
SIGNAL_STREAM = 3
"""First spawn key of the random stream the next review's simulated actuals are drawn from (the risk
simulation uses the plain stream position, the thesis check's resampling 2)."""


@dataclass(frozen=True)
class AllianceOptions:
    """One alliance in flight's options, valued on the same simulated futures.

    Attributes
    ----------
    alliance : str
        Its id.
    name : str
        Its name.
    options : list of str
        ``continue``, then ``restructure`` when it has one, then ``exit``.
    restructure : str or None
        The restructure option's name (``review.csv``).
    npv : numpy.ndarray
        ``n × K``: each option's NPV from today per simulated future (money already spent excluded).
    later : numpy.ndarray or None
        ``n × K``: each option's NPV, discounted to today, if decided at the next review instead; None when no
        actuals measure the alliance (``d = 0``: waiting would learn nothing, so it is not valued).
    signal : numpy.ndarray
        ``n × d``: what the next review would have learnt on each path (the mean of the next months' simulated
        actuals of each observed assumption); ``d = 0`` when nothing is measured.
    signal_names : list of str
        The observed assumptions behind the signal's columns.
    money : numpy.ndarray
        ``K``: one-off money each option needs now (the commitment, the restructure cost, the exit cost).
    fte : numpy.ndarray
        ``K``: alliance-manager FTE each option needs from now (0 after an exit).
    spent_to_date : float or None
        Money already spent (sunk; shown, never used).
    updated : bool
        Continuing is valued with the thesis check's re-forecast (the alliance has actuals).
    """

    alliance: str
    name: str
    options: list[str]
    restructure: str | None
    npv: np.ndarray
    later: np.ndarray | None
    signal: np.ndarray
    signal_names: list[str]
    money: np.ndarray
    fte: np.ndarray
    spent_to_date: float | None
    updated: bool

    def label(self, option: str) -> str:
        """The option in words: ``Continue``, ``Restructure (regional scope)``, ``Exit``."""
        if option == "restructure":
            return f"Restructure ({self.restructure})"
        return option.capitalize()


def value_options(case: Case, alliance: str, iterations: int, seed: int, sampling: str,
                  posterior_draws: pd.DataFrame | None = None) -> AllianceOptions:
    """Value one reviewed alliance's options now and at the next review (see the module notes).

    Parameters
    ----------
    case : Case
        A validated case with ``review.csv``.
    alliance : str
        A reviewed alliance's id.
    iterations, seed : int
        Monte Carlo iterations and seed, as the risk simulation uses them (the rows line up with its scenarios).
    sampling : {"random", "lhs"}
        The sampling method.
    posterior_draws : pandas.DataFrame, optional
        ``iterations ×`` the alliance's assumptions after its actuals (the thesis check's re-forecast); None values
        its assumptions as planned.

    Returns
    -------
    AllianceOptions

    Raises
    ------
    KeyError
        For an alliance without a row in ``review.csv``.
    """
    review = case.review_tables["review.csv"].set_index("alliance_id").loc[alliance]
    finance = case.settings.finance
    months = case.settings.review.next_review_months
    wait = months / 12
    discount = (1 + finance.discount_rate) ** -wait
    changes = case.review_tables["restructure.csv"]
    factors = changes[changes["alliance_id"] == alliance].set_index("assumption_id")["factor"]
    quantities = case.assumptions[case.assumptions["candidate_id"] == alliance].set_index("assumption_id")["quantity"]
    base = None if posterior_draws is None else posterior_draws.reset_index(drop=True)

    def as_updated(values: pd.DataFrame) -> pd.DataFrame:
        return values if base is None else base[values.columns]

    def restructured(values: pd.DataFrame) -> pd.DataFrame:
        changed = as_updated(values).copy()
        for assumption, factor in factors.items():
            changed[assumption] = clipped_to_range(quantities[assumption], changed[assumption].to_numpy() * factor)
        return changed

    today = elapsed_years(case, alliance)

    def remaining(transform: Callable[[pd.DataFrame], pd.DataFrame], later: bool) -> np.ndarray:
        if later and today + wait >= finance.horizon_years:
            return np.zeros(iterations)
        return simulate_thesis(case, alliance, iterations, seed, sampling, transform=transform,
                               elapsed=today + wait if later else today).npv

    signal, names = next_review_signal(case, alliance, base, months, seed)
    measured = signal.shape[1] > 0
    continuing = remaining(as_updated, False)
    interim = continuing - remaining(as_updated, True) * discount if measured else None
    has_restructure = pd.notna(review["restructure"])
    exit_value = float(review["salvage"] - review["exit_cost"])
    commitment = float(review["commitment"])
    now = [continuing - commitment]
    later = [continuing - commitment]
    money = [commitment]
    fte_now = float(case.alliances.at[alliance, "manager_fte"])
    fte = [fte_now]
    if has_restructure:
        cost = float(review["restructure_cost"])
        now.append(remaining(restructured, False) - cost)
        if measured:
            later.append(interim - commitment + (remaining(restructured, True) - cost) * discount)
        money.append(cost)
        fte.append(float(review["restructure_fte"]) if pd.notna(review["restructure_fte"]) else fte_now)
    now.append(np.full(iterations, exit_value))
    if measured:
        later.append(interim - commitment + exit_value * discount)
    money.append(float(review["exit_cost"]))
    fte.append(0.0)
    return AllianceOptions(
        alliance=alliance, name=str(case.alliances.at[alliance, "name"]),
        options=["continue", *(["restructure"] if has_restructure else []), "exit"],
        restructure=str(review["restructure"]) if has_restructure else None,
        npv=np.column_stack(now), later=np.column_stack(later) if measured else None, signal=signal,
        signal_names=names,
        money=np.array(money), fte=np.array(fte),
        spent_to_date=float(review["spent_to_date"]) if pd.notna(review["spent_to_date"]) else None,
        updated=base is not None,
    )


def next_review_signal(case: Case, alliance: str, draws: pd.DataFrame | None, months: int,
                       seed: int) -> tuple[np.ndarray, list[str]]:
    """What ``months`` more monthly actuals of each observed assumption would show, on every simulated path.

    Each path's assumption value (its draw) is measured as the actuals so far were: with their mean standard
    deviation (the mean of ``months`` measurements has sd ``σ/√months``), or as the mean share of successes in
    ``months ·`` n̄ trials (binomial), or the mean rate of events in ``months ·`` n̄ periods (Poisson).

    Parameters
    ----------
    case : Case
        A validated case.
    alliance : str
        An alliance in flight's id.
    draws : pandas.DataFrame or None
        Draws × assumptions (the re-forecast); None when the alliance has no actuals.
    months : int
        Months until the next review.
    seed : int
        The simulation's seed (the signal has a stream of its own, :data:`SIGNAL_STREAM`).

    Returns
    -------
    numpy.ndarray, list of str
        ``n × d`` signal (``n × 0`` without actuals) and the observed assumptions' ids.
    """
    actuals = case.thesis_tables["actuals.csv"]
    observed = actuals[actuals["alliance_id"] == alliance]
    if draws is None or observed.empty:
        return np.empty((0 if draws is None else len(draws), 0)), []
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SIGNAL_STREAM,
                                                                       stream_position(case, alliance))))
    quantities = case.assumptions[case.assumptions["candidate_id"] == alliance].set_index("assumption_id")
    columns, names = [], []
    for assumption, rows in observed.groupby("assumption_id", sort=True):
        truth = draws[assumption].to_numpy()
        if rows["sd"].notna().all():
            columns.append(truth + rng.normal(0.0, rows["sd"].mean() / np.sqrt(months), truth.shape))
        else:
            trials = max(1, round(months * rows["n"].mean()))
            share = quantities.at[assumption, "quantity"] == "gross_margin" or (
                quantities.at[assumption, "distribution"] == "beta")
            counts = rng.binomial(trials, np.clip(truth, 0, 1)) if share else rng.poisson(truth * trials)
            columns.append(counts / trials)
        names.append(assumption)
    return np.column_stack(columns), names

