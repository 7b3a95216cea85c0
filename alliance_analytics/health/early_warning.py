"""Early warning: how likely a trigger that has not fired is to fire within its horizon, and when.

The target series' recent months are fitted with a local linear trend (ordinary least squares on the last
``window`` observed months); the future is simulated from the trend's posterior predictive distribution under
the reference prior (Gelman A. et al., 2013, *Bayesian Data Analysis*, 3rd ed., §14.2: the noise variance drawn
from its scaled inverse χ² with ``m − 2`` degrees of freedom, then level and slope from their normal given it),
so a short or noisy history widens the fan instead of pretending to know the trend. The trigger's k-of-n rule is
applied on every simulated path, continuing from the months already observed, exactly as on the actuals.

The same simulator also takes a Brownian component (``volatility``) and several observations per month, which is
how its first-passage probabilities are checked against the closed form for a Brownian motion with drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alliance_analytics.health.triggers import breaches, first_firing


@dataclass(frozen=True)
class TrendModel:
    """A local linear trend and its uncertainty, anchored at the last observed month.

    Attributes
    ----------
    level : float
        The fitted value at the last observed month (month 0 of the future).
    slope : float
        Change per month.
    covariance : numpy.ndarray
        Shape ``(2, 2)``: the covariance of (level, slope) per unit noise variance, ``(XᵀX)⁻¹``.
    noise_sd : float
        Residual standard deviation ``s`` (month-to-month noise around the trend).
    noise_dof : float
        Degrees of freedom of ``s`` (``m − 2``); ``inf`` treats ``s`` and the parameters as known.
    volatility : float
        Standard deviation per month of an added Brownian component (0 for a fitted trend).
    """

    level: float
    slope: float
    covariance: np.ndarray
    noise_sd: float
    noise_dof: float
    volatility: float = 0.0


def fit_local_trend(values: np.ndarray, window: int) -> TrendModel | None:
    """Fit a straight line to the last ``window`` observed months.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n,)`` in time order; NaN marks a missing month (its position still counts as a month).
    window : int
        Months of history the trend is fitted on (at least 4 observed points are needed).

    Returns
    -------
    TrendModel or None
        ``None`` when fewer than 4 months are observed in the window.

    Examples
    --------
    >>> model = fit_local_trend(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 12)
    >>> round(model.level, 6), round(model.slope, 6), round(model.noise_sd, 6)
    (5.0, 1.0, 0.0)
    """
    series = np.asarray(values, dtype=float)[-window:]
    months = np.arange(series.size, dtype=float) - (series.size - 1)
    observed = ~np.isnan(series)
    if observed.sum() < 4:
        return None
    design = np.column_stack([np.ones(observed.sum()), months[observed]])
    coefficients, *_ = np.linalg.lstsq(design, series[observed], rcond=None)
    residuals = series[observed] - design @ coefficients
    dof = float(observed.sum() - 2)
    return TrendModel(level=float(coefficients[0]), slope=float(coefficients[1]),
                      covariance=np.linalg.inv(design.T @ design),
                      noise_sd=float(np.sqrt(residuals @ residuals / dof)), noise_dof=dof)


def simulate_paths(model: TrendModel, months: int, paths: int, rng: np.random.Generator,
                   steps_per_month: int = 1) -> np.ndarray:
    """Simulated future values of the series.

    Parameters
    ----------
    model : TrendModel
    months : int
        Months ahead.
    paths : int
        Number of simulated paths.
    rng : numpy.random.Generator
    steps_per_month : int
        Observations per month (1 for a monthly scorecard; many to approach continuous monitoring).

    Returns
    -------
    numpy.ndarray
        Shape ``(paths, months * steps_per_month)``; column ``j`` is the value ``(j + 1) / steps_per_month``
        months ahead.
    """
    steps = months * steps_per_month
    time = np.arange(1, steps + 1) / steps_per_month
    if np.isfinite(model.noise_dof):
        variance = model.noise_sd ** 2 * model.noise_dof / rng.chisquare(model.noise_dof, size=paths)
    else:
        variance = np.full(paths, model.noise_sd ** 2)
    noise_sd = np.sqrt(variance)
    parameters = rng.standard_normal((paths, 2)) @ np.linalg.cholesky(model.covariance + 1e-300 * np.eye(2)).T
    level = model.level + noise_sd * parameters[:, 0]
    slope = model.slope + noise_sd * parameters[:, 1]
    values = level[:, None] + slope[:, None] * time[None, :]
    values += noise_sd[:, None] * rng.standard_normal((paths, steps))
    if model.volatility > 0:
        increments = rng.standard_normal((paths, steps)) * (model.volatility / np.sqrt(steps_per_month))
        values += np.cumsum(increments, axis=1)
    return values


@dataclass(frozen=True)
class Outlook:
    """When a trigger would fire, over the simulated paths.

    Attributes
    ----------
    probability : float
        Share of paths on which it fires within the horizon.
    months : tuple of (float or None)
        Months to firing at P10, P50 and P90; ``None`` where that share of paths does not fire within the
        horizon (the time is then "beyond the horizon").
    paths : int
        Number of simulated paths.
    """

    probability: float
    months: tuple[float | None, float | None, float | None]
    paths: int


def firing_outlook(future: np.ndarray, recent_breaches: np.ndarray, comparator: str, threshold: float, k: int,
                   n: int, steps_per_month: int = 1) -> Outlook:
    """Apply a trigger's k-of-n rule on simulated paths that continue the observed months.

    Parameters
    ----------
    future : numpy.ndarray
        Shape ``(paths, steps)``, from :func:`simulate_paths`.
    recent_breaches : numpy.ndarray
        Booleans, the last ``n - 1`` observed months' breaches (fewer when the history is shorter), oldest first.
    comparator : {"below", "above"}
    threshold : float
    k, n : int
        The persistence rule, counted in observations.
    steps_per_month : int
        As for :func:`simulate_paths`.

    Returns
    -------
    Outlook
        A rule the observed months already meet counts as firing at month 0 on every path.
    """
    paths = future.shape[0]
    history = np.broadcast_to(np.asarray(recent_breaches, dtype=bool)[-(n - 1):] if n > 1 else np.zeros(0, bool),
                              (paths, min(len(recent_breaches), n - 1)))
    combined = np.concatenate([history, breaches(future, comparator, threshold)], axis=1)
    first = first_firing(combined, k, n)
    fired = first - history.shape[1]
    month = np.where(first < 0, np.inf, np.where(fired < 0, 0.0, np.ceil((fired + 1) / steps_per_month)))
    quantiles = np.quantile(month, [0.1, 0.5, 0.9], method="inverted_cdf")
    return Outlook(probability=float(np.mean(first >= 0)),
                   months=tuple(float(q) if np.isfinite(q) else None for q in quantiles),  # type: ignore[arg-type]
                   paths=paths)
