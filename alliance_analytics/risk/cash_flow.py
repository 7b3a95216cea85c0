"""Yearly cash flows of one alliance over Monte Carlo iterations, their NPV and payback year.

Time ``t`` is in years from the evaluation date. Year 0 is the up-front moment: the one-off investment is paid
then. Year ``y`` (1 … H) is the interval [y − 1, y]; its net cash flow is the integral over that interval of

- the benefit rate ``B · ramp(t)`` while the alliance runs (``L ≤ t < E``), 0 otherwise, where
  ``B = revenue_uplift · gross_margin · (1 − revenue_loss_share) + cost_savings``, the launch is
  ``L = (launch_months + delay_months) / 12``, ``ramp(t) = clip((t − L) / R, 0, 1)`` with
  ``R = ramp_up_years`` (``R = 0``: full rate at launch), and the alliance ends at
  ``E = min(L + lifetime_years, phase-out, H)``;
- minus the running cost rate, ``running_cost`` per year from ``t = 0`` until ``E``;

minus, in year 1 only, the one-off cost of the risk events that occurred. The integrals are exact (closed
form, no time steps), computed for every iteration and year at once. Pure functions; no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from numbers import Integral

import numpy as np


@dataclass(frozen=True)
class ValueThesis:
    """The value-thesis quantities of one alliance, one value per iteration (arrays of shape ``(n,)``).

    Attributes
    ----------
    revenue_uplift : numpy.ndarray
        Extra revenue per year at full run rate.
    gross_margin : numpy.ndarray
        Share (0–1) of the revenue uplift kept.
    cost_savings : numpy.ndarray
        Cost savings per year at full run rate (ramped up like the revenue).
    investment : numpy.ndarray
        One-off investment, paid at year 0.
    running_cost : numpy.ndarray
        Cost per year while the alliance runs, from year 0 until it ends.
    launch_months : numpy.ndarray
        Months from go to launch, ``>= 0``.
    ramp_up_years : numpy.ndarray
        Years from launch to full run rate, ``>= 0`` (0: full rate at launch).
    lifetime_years : numpy.ndarray
        Years the alliance runs after launch, ``>= 0``; ``inf`` runs until the horizon.

    Construction turns every field into a float array (without copying one that already is) and checks that
    they share one shape ``(n,)``, that none is NaN and that no duration is negative.
    """

    revenue_uplift: np.ndarray
    gross_margin: np.ndarray
    cost_savings: np.ndarray
    investment: np.ndarray
    running_cost: np.ndarray
    launch_months: np.ndarray
    ramp_up_years: np.ndarray
    lifetime_years: np.ndarray

    def __post_init__(self) -> None:
        _coerce_arrays(self)
        for name in ("launch_months", "ramp_up_years", "lifetime_years"):
            if np.any(getattr(self, name) < 0):
                raise ValueError(f"{name} must not be negative")

    @classmethod
    def from_arrays(cls, n: int, **quantities: np.ndarray | float) -> ValueThesis:
        """A value thesis from the quantities given, with defaults for the others.

        Defaults: ``revenue_uplift`` 0, ``gross_margin`` 1, ``cost_savings`` 0, ``investment`` 0,
        ``running_cost`` 0, ``launch_months`` 0, ``ramp_up_years`` 0 and ``lifetime_years`` ``inf`` (the
        alliance runs until the horizon, or the phase-out).

        Parameters
        ----------
        n : int
            Number of iterations.
        **quantities : numpy.ndarray or float
            Quantities by field name, each of shape ``(n,)`` or a scalar used for every iteration.

        Returns
        -------
        ValueThesis
            Float arrays of shape ``(n,)`` (copies of the inputs).

        Examples
        --------
        >>> thesis = ValueThesis.from_arrays(2, revenue_uplift=np.array([1.0, 2.0]), launch_months=6)
        >>> thesis.launch_months.tolist(), thesis.gross_margin.tolist(), thesis.lifetime_years.tolist()
        ([6.0, 6.0], [1.0, 1.0], [inf, inf])
        """
        unknown = set(quantities) - set(_THESIS_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown value-thesis quantities: {', '.join(sorted(unknown))}")
        return cls(**{name: _column(quantities.get(name, default), n, name)
                      for name, default in _THESIS_DEFAULTS.items()})


_THESIS_DEFAULTS: dict[str, float] = {
    "revenue_uplift": 0.0, "gross_margin": 1.0, "cost_savings": 0.0, "investment": 0.0, "running_cost": 0.0,
    "launch_months": 0.0, "ramp_up_years": 0.0, "lifetime_years": np.inf,
}


@dataclass(frozen=True)
class RiskImpacts:
    """The combined effect of the risk events that occurred, one value per iteration (arrays ``(n,)``).

    Attributes
    ----------
    delay_months : numpy.ndarray
        Months added to the launch, ``>= 0``.
    one_off_cost : numpy.ndarray
        One-off cost, paid in year 1.
    revenue_loss_share : numpy.ndarray
        Share (0–1) of the revenue uplift lost for the whole alliance (cost savings are not affected).

    Construction turns every field into a float array and checks one common shape ``(n,)``, no NaN, no
    negative delay and losses within 0..1.
    """

    delay_months: np.ndarray
    one_off_cost: np.ndarray
    revenue_loss_share: np.ndarray

    def __post_init__(self) -> None:
        _coerce_arrays(self)
        if np.any(self.delay_months < 0):
            raise ValueError("delay_months must not be negative")
        if np.any((self.revenue_loss_share < 0) | (self.revenue_loss_share > 1)):
            raise ValueError("revenue_loss_share must lie within 0..1")

    @classmethod
    def none(cls, n: int) -> RiskImpacts:
        """No risk event in any of ``n`` iterations.

        Examples
        --------
        >>> RiskImpacts.none(2).one_off_cost.tolist()
        [0.0, 0.0]
        """
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))


def cash_flows(thesis: ValueThesis, impacts: RiskImpacts, horizon_years: int,
               phase_out_years: float | None = None, elapsed_years: float = 0.0) -> np.ndarray:
    """Net cash flow of every iteration in every year (see the module docstring for the model).

    With ``elapsed_years`` > 0 the alliance started that long ago and only what is still to come is counted: year
    ``y`` is then the interval [e + y − 1, e + y] of the alliance's own time, the last one cut at the horizon,
    and the investment (paid at the start) is sunk: column 0 is 0. The risk events' one-off cost still falls in
    the first year to come.

    Parameters
    ----------
    thesis : ValueThesis
        The value-thesis quantities, ``n`` iterations.
    impacts : RiskImpacts
        The risk events' impacts, same ``n``.
    horizon_years : int
        Years of cash flow, at least 1.
    phase_out_years : float, optional
        Years from the alliance's start until the partner's offering is phased out, ``>= 0``; the alliance ends
        then at the latest. ``None``: no phase-out planned.
    elapsed_years : float
        Years since the alliance started, ``0 <= e < horizon_years`` (0: a proposed alliance, valued at its start).

    Returns
    -------
    numpy.ndarray
        ``n`` × ``ceil(horizon_years − e) + 1``: column 0 is −investment (0 once started), column ``y`` the net
        cash flow of year ``y`` from now.

    Examples
    --------
    Revenue 0.6 a year at margin 0.5, launched after 6 months and ramped up over one year (year 1 earns
    0.3 · 0.5² / 2):

    >>> thesis = ValueThesis.from_arrays(1, investment=1.0, revenue_uplift=0.6, gross_margin=0.5,
    ...                                  launch_months=6, ramp_up_years=1)
    >>> cash_flows(thesis, RiskImpacts.none(1), horizon_years=3).round(4).tolist()
    [[-1.0, 0.0375, 0.2625, 0.3]]

    Half a year later, the investment is sunk and the years to come are [0.5, 1.5], [1.5, 2.5], [2.5, 3]:

    >>> cash_flows(thesis, RiskImpacts.none(1), horizon_years=3, elapsed_years=0.5).round(4).tolist()
    [[0.0, 0.15, 0.3, 0.15]]
    """
    n = thesis.investment.shape[0]
    if impacts.delay_months.shape != (n,):
        raise ValueError(f"impacts must have {n} iterations like the thesis, got {impacts.delay_months.shape[0]}")
    if not isinstance(horizon_years, Integral) or horizon_years < 1:
        raise ValueError(f"horizon_years must be an integer of at least 1, got {horizon_years!r}")
    if phase_out_years is not None and not phase_out_years >= 0:
        raise ValueError(f"phase_out_years must be at least 0, got {phase_out_years}")
    if not 0 <= elapsed_years < horizon_years:
        raise ValueError(f"elapsed_years must be at least 0 and below the horizon, got {elapsed_years}")
    horizon = int(horizon_years)
    cap = float(horizon) if phase_out_years is None else min(float(horizon), float(phase_out_years))
    launch = (thesis.launch_months + impacts.delay_months) / 12
    end = np.minimum(launch + thesis.lifetime_years, cap)
    rate = (thesis.revenue_uplift * thesis.gross_margin * (1 - impacts.revenue_loss_share)
            + thesis.cost_savings)
    years = math.ceil(horizon - elapsed_years)
    boundaries = np.minimum(elapsed_years + np.arange(years + 1.0), float(horizon))
    running = np.minimum(boundaries, end[:, None])  # the alliance's running time by each year boundary
    net = _ramped_years(running, launch[:, None], thesis.ramp_up_years[:, None])
    net *= rate[:, None]  # the benefit earned by each boundary ...
    running *= thesis.running_cost[:, None]
    net -= running  # ... less the running cost paid by then: the cumulative net cash flow
    flows = np.empty((n, years + 1))
    flows[:, 0] = -thesis.investment if elapsed_years == 0 else 0.0
    np.subtract(net[:, 1:], net[:, :-1], out=flows[:, 1:])
    flows[:, 1] -= impacts.one_off_cost
    return flows


def npv(flows: np.ndarray, rate: float) -> np.ndarray:
    """Net present value of yearly cash flows, discounted at year end (year 0 undiscounted).

    Parameters
    ----------
    flows : numpy.ndarray
        ``n`` × ``H + 1`` cash flows, year 0 first (from :func:`cash_flows`).
    rate : float
        Annual discount rate, ``> −1``.

    Returns
    -------
    numpy.ndarray
        ``Σ_y flows[:, y] / (1 + rate)^y``, shape ``(n,)``.

    Examples
    --------
    >>> npv(np.array([[-100.0, 110.0], [0.0, 121.0]]), 0.1).round(9).tolist()
    [0.0, 110.0]
    """
    flows = np.asarray(flows, dtype=float)
    if flows.ndim != 2:
        raise ValueError(f"flows must be iterations × years, got shape {flows.shape}")
    if not rate > -1:
        raise ValueError(f"rate must be greater than −1, got {rate}")
    return flows @ (1 + rate) ** -np.arange(flows.shape[1], dtype=float)


def payback_year(flows: np.ndarray) -> np.ndarray:
    """The year from which the cumulative undiscounted cash flow stays at or above 0, per iteration.

    Whole years: ``y`` means the cumulative cash flow is ``>= 0`` at the end of year ``y`` and of every later
    year of the horizon, and negative at the end of year ``y − 1``; 0 when it is never negative. NaN when it
    is negative at the end of the horizon (no payback within it). The comparison with 0 is exact. For the
    cash flows of :func:`cash_flows` this is the first year the cumulative cash flow turns non-negative; it
    differs only when a zero year-0 flow (no investment) is followed by negative years, where the payback
    comes after them rather than at year 0.

    Parameters
    ----------
    flows : numpy.ndarray
        ``n`` × ``H + 1`` cash flows, year 0 first.

    Returns
    -------
    numpy.ndarray
        Payback year per iteration (float, NaN for none), shape ``(n,)``.

    Examples
    --------
    >>> payback_year(np.array([[-3.0, 1.0, 2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [-5.0, 1.0, 1.0, 1.0]])).tolist()
    [2.0, 0.0, nan]
    """
    flows = np.asarray(flows, dtype=float)
    if flows.ndim != 2:
        raise ValueError(f"flows must be iterations × years, got shape {flows.shape}")
    negative = np.cumsum(flows, axis=1) < 0
    after_last_negative = flows.shape[1] - np.argmax(negative[:, ::-1], axis=1)
    years = np.where(negative.any(axis=1), after_last_negative, 0).astype(float)
    years[negative[:, -1]] = np.nan
    return years


def _ramped_years(t: np.ndarray, launch: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    """∫₀ᵗ ramp(s) ds, the full-rate years earned by time ``t``: 0 before launch, quadratic during the
    ramp-up, then linear. With ``d = max(t − L, 0)`` and ``r = min(d, R)`` it is ``r² / (2R) + (d − r)``
    (``r = 0`` when ``R = 0``)."""
    since_launch = t - launch
    np.maximum(since_launch, 0.0, out=since_launch)
    ramping = np.minimum(since_launch, ramp)
    since_launch -= ramping
    half_slope = np.divide(0.5, ramp, out=np.zeros_like(ramp), where=ramp > 0)
    ramping *= ramping
    ramping *= half_slope
    ramping += since_launch
    return ramping


def _column(value: np.ndarray | float, n: int, name: str) -> np.ndarray:
    """``value`` as a float array of shape ``(n,)`` (a scalar is repeated)."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return np.full(n, float(array))
    if array.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {array.shape}")
    return array.copy()


def _coerce_arrays(record: ValueThesis | RiskImpacts) -> None:
    """Turn every field of the frozen ``record`` into a float array; all must share one shape ``(n,)`` and
    none may be NaN."""
    for field in fields(record):
        object.__setattr__(record, field.name, np.asarray(getattr(record, field.name), dtype=float))
    arrays = {field.name: getattr(record, field.name) for field in fields(record)}
    shapes = {array.shape for array in arrays.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(f"{type(record).__name__} needs arrays of one common shape (n,), got "
                         + ", ".join(f"{name} {array.shape}" for name, array in arrays.items()))
    for name, array in arrays.items():
        if np.isnan(array).any():
            raise ValueError(f"{name} must not be NaN")
