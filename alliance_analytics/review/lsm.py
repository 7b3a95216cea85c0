"""Least-squares Monte Carlo: the value of options to exit, renew or restructure an alliance at later reviews.

An alliance in flight can be exited for a salvage value, renewed or restructured at its reviews. Each is an
option exercised at the best review, so its value is that of an American (Bermudan) option, found by
least-squares Monte Carlo (Longstaff and Schwartz 2001, "Valuing American Options by Simulation: A Simple
Least-Squares Approach", Review of Financial Studies 14(1):113–147): the expected value of continuing,
conditional on what is known at a review, is the least-squares regression of the realised discounted future
cash flow on functions of the state.

- :func:`exercise_times` and :func:`american_option_value`: the LSM stopping rule and value of an option
  exercisable at dates 1 … T.
- :func:`value_of_waiting`: one choice among K options now, against choosing at a single later review after
  a signal arrives, the review's policy estimated by cross-fitted least squares.
- :func:`polynomial_basis`: the regressors both use.

Pure, vectorised functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isfinite, sqrt

import numpy as np


def polynomial_basis(signal: np.ndarray, degree: int = 2) -> np.ndarray:
    """Powers of each standardised regressor: the columns 1, z_j, z_j², …, z_j^degree for every regressor j.

    Each regressor s_j is standardised, z_j = (s_j − mean) / sd over the ``n`` rows given, before its powers are
    taken: raw powers of a price of 40 span eight orders of magnitude at degree 5, standardised ones do not, so
    least squares on them is well conditioned. The columns span the same functions as 1, s_j, …, s_j^degree
    (a polynomial in z_j is a polynomial of the same degree in s_j), so fitted values are unchanged. A regressor
    that never varies gets columns of zeros, which least squares (minimum-norm) gives a zero coefficient: the
    constant column already carries it. There are no cross terms between regressors.

    Parameters
    ----------
    signal : numpy.ndarray
        The regressors, shape ``(n,)`` (one) or ``(n, d)``, finite, n ≥ 1.
    degree : int, default 2
        Highest power, ≥ 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 1 + d·degree)``: the constant, then regressor 1's powers 1 … degree, then regressor 2's, ….

    Raises
    ------
    ValueError
        If ``signal`` is not 1-D or 2-D with at least one row and column, is not finite, or ``degree`` < 1.

    Examples
    --------
    >>> polynomial_basis(np.array([1.0, 2.0, 3.0])).round(3).tolist()
    [[1.0, -1.225, 1.5], [1.0, 0.0, 0.0], [1.0, 1.225, 1.5]]
    >>> polynomial_basis(np.array([[1.0, 5.0], [3.0, 5.0]]), degree=1).tolist()
    [[1.0, -1.0, 0.0], [1.0, 1.0, 0.0]]
    """
    values = np.asarray(signal, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"signal must have shape (n,) or (n, d) with n, d ≥ 1, got shape {np.shape(signal)}")
    if not np.isfinite(values).all():
        raise ValueError("signal must be finite")
    _check_degree(degree)
    varies = np.ptp(values, axis=0) > 0
    spread = np.where(varies, values.std(axis=0), 1.0)
    standard = np.where(varies, (values - values.mean(axis=0)) / spread, 0.0)
    powers = standard[:, :, None] ** np.arange(1, degree + 1)
    return np.hstack([np.ones((len(values), 1)), powers.reshape(len(values), -1)])


def exercise_times(state: np.ndarray, exercise: np.ndarray, discount: float, degree: int = 2) -> np.ndarray:
    """The Longstaff–Schwartz stopping rule: the date at which each path's option is exercised.

    The algorithm of Longstaff and Schwartz (2001, "Valuing American Options by Simulation: A Simple
    Least-Squares Approach", Review of Financial Studies 14(1):113–147, Section 2): every path holds its
    option to date T and exercises it there if in the money. Going back through the dates t = T − 1 … 1, the
    realised cash flow of each path's current rule, discounted to t, is regressed on
    :func:`polynomial_basis` of the state at t over the paths in the money at t only (exercise value > 0);
    a path in the money exercises at t where its exercise value is at least the fitted continuation value,
    replacing its later exercise. There is no exercise at time 0. With fewer in-the-money paths than basis
    columns the regression interpolates (minimum-norm least squares) and the rule sees the future: simulate
    enough paths.

    Parameters
    ----------
    state : numpy.ndarray
        The regressors at each exercise date, shape ``(n, T)`` or ``(n, T, d)`` for d regressors (e.g. the
        underlying value), finite.
    exercise : numpy.ndarray
        The value of exercising at each date, shape ``(n, T)``, finite, ≥ 0 (money at that date).
    discount : float
        One-period discount factor, > 0 (e.g. exp(−r·Δt)).
    degree : int, default 2
        Degree of the polynomial basis (2: the paper's 1, X, X²).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, integers: the exercise date 1 … T of each path, 0 where it is never exercised.

    Raises
    ------
    ValueError
        On mismatched shapes, non-finite values, a negative exercise value, a discount factor ≤ 0 or a degree < 1.

    Examples
    --------
    The put of the paper's Section 1 (strike 1.10, r = 6 % per period), on its eight paths:

    >>> prices = np.array([[1.09, 1.08, 1.34], [1.16, 1.26, 1.54], [1.22, 1.07, 1.03], [0.93, 0.97, 0.92],
    ...                    [1.11, 1.56, 1.52], [0.76, 0.77, 0.90], [0.92, 0.84, 1.01], [0.88, 1.22, 1.34]])
    >>> exercise_times(prices, np.maximum(1.10 - prices, 0), np.exp(-0.06)).tolist()
    [0, 0, 3, 1, 0, 1, 1, 1]
    """
    regressors, payoff = _option_inputs(state, exercise, discount, degree)
    stop = np.where(payoff[:, -1] > 0, payoff.shape[1], 0)
    for date in range(payoff.shape[1] - 1, 0, -1):
        live = np.flatnonzero(payoff[:, date - 1] > 0)
        if live.size == 0:
            continue
        held = stop[live]
        continuation = np.where(held > 0, payoff[live, held - 1] * discount ** (held - date), 0.0)
        basis = polynomial_basis(regressors[live, date - 1], degree)
        fitted = basis @ np.linalg.lstsq(basis, continuation, rcond=None)[0]
        stop[live[payoff[live, date - 1] >= fitted]] = date
    return stop


def american_option_value(state: np.ndarray, exercise: np.ndarray, discount: float, degree: int = 2) -> float:
    """Value at time 0 of an option exercisable at dates 1 … T, by least-squares Monte Carlo.

    The mean over paths of the exercise value at each path's :func:`exercise_times` date, discounted to time 0
    (0 where never exercised): Longstaff and Schwartz (2001, "Valuing American Options by Simulation: A Simple
    Least-Squares Approach", Review of Financial Studies 14(1):113–147). The stopping rule is estimated on the
    same paths it is applied to; its two biases (a suboptimal rule is worth less, a rule fitted to the paths
    sees some of their future) vanish as the number of paths grows (their Section 3; Glasserman 2004, Monte
    Carlo Methods in Financial Engineering, Springer, §8.6).

    Parameters
    ----------
    state, exercise, discount, degree
        As :func:`exercise_times`.

    Returns
    -------
    float
        The option's value, in the money units of ``exercise`` at time 0.

    Raises
    ------
    ValueError
        As :func:`exercise_times`.

    Examples
    --------
    The paper's Section 1 example: the American put is worth 0.1144 (European: 0.0564).

    >>> prices = np.array([[1.09, 1.08, 1.34], [1.16, 1.26, 1.54], [1.22, 1.07, 1.03], [0.93, 0.97, 0.92],
    ...                    [1.11, 1.56, 1.52], [0.76, 0.77, 0.90], [0.92, 0.84, 1.01], [0.88, 1.22, 1.34]])
    >>> round(american_option_value(prices, np.maximum(1.10 - prices, 0), np.exp(-0.06)), 4)
    0.1144
    """
    stop = exercise_times(state, exercise, discount, degree)
    payoff = np.asarray(exercise, dtype=float)
    realised = np.where(stop > 0, payoff[np.arange(len(stop)), stop - 1] * float(discount) ** stop, 0.0)
    return float(realised.mean())


@dataclass(frozen=True)
class WaitingValue:
    """Deciding now against deciding at a later review (:func:`value_of_waiting`).

    Attributes
    ----------
    decide_now : float
        Value of the best option taken now on every path: max_k of the mean of ``now[:, k]``.
    best_now : int
        That option's index (the lowest on ties).
    wait : float
        Value of choosing at the review, per path, the option with the highest fitted expected value.
    flexibility : float
        max(0, wait − decide_now): the option to wait need not be used, so it is never worth less than 0.
    choice_shares : numpy.ndarray
        Shape ``(K,)``: the share of paths on which each option is chosen at the review; sums to 1.
    standard_error : float
        Standard error of wait − decide_now: of the mean of the per-path difference between the review
        policy's realised value and ``now[:, best_now]``.
    """

    decide_now: float
    best_now: int
    wait: float
    flexibility: float
    choice_shares: np.ndarray
    standard_error: float

    @property
    def wait_worthwhile(self) -> bool:
        """Whether waiting for the review is worth more than deciding now (flexibility > 0)."""
        return self.flexibility > 0


def value_of_waiting(now: np.ndarray, later: np.ndarray, signal: np.ndarray, degree: int = 2) -> WaitingValue:
    """Value of deferring a choice among K options to one later review, at which a signal has arrived.

    Deciding now must take the same option on every path, worth max_k mean(now[:, k]). At the review the
    policy takes, per path, the option k with the highest E[later_k | signal], each conditional expectation
    estimated by least squares of ``later[:, k]`` on :func:`polynomial_basis` of the signal (Longstaff and
    Schwartz 2001, "Valuing American Options by Simulation: A Simple Least-Squares Approach", Review of
    Financial Studies 14(1):113–147); the policy is worth the mean of the realised ``later`` of the options
    it takes.

    A policy fitted and valued on the same paths is biased high: its regression has seen the values it
    chooses by (Glasserman 2004, Monte Carlo Methods in Financial Engineering, Springer, §8.6). So the policy
    is cross-fitted in two folds: fitted on the even-numbered paths (positions 0, 2, 4, … counting from 0) and
    applied to the odd-numbered ones, and vice versa. Each path's choice is then independent of its own
    outcome, and ``wait`` is an unbiased estimate of the value of a policy that can be carried out, so on
    average not above the value of the best policy: what error remains (an imperfectly fitted policy) lowers
    it. The signal is standardised over all paths; that uses no
    outcome. With paths ordered at random the folds are random halves.

    Parameters
    ----------
    now : numpy.ndarray
        Shape ``(n, K)``, finite: each path's value of each option if chosen now (money, today).
    later : numpy.ndarray
        Shape ``(n, K)``, finite: each path's value of each option if chosen at the review, discounted to
        today and including whatever accrues while waiting.
    signal : numpy.ndarray
        Shape ``(n,)`` or ``(n, d)``, finite: what is known at the review.
    degree : int, default 2
        Degree of the polynomial basis.

    Returns
    -------
    WaitingValue

    Raises
    ------
    ValueError
        If ``now`` and ``later`` are not both ``(n, K)`` with n, K ≥ 1, the signal has not ``n`` rows, a value is
        not finite, or a fold (n // 2 paths) has fewer than twice as many paths as basis columns (1 + d·degree).

    Examples
    --------
    Option 1 is worth θ, option 0 nothing; the review learns θ, so it takes option 1 exactly when θ > 0:

    >>> theta = (np.arange(40) - 10.5) / 10
    >>> values = np.column_stack([np.zeros(40), theta])
    >>> result = value_of_waiting(values, values, theta)
    >>> round(result.decide_now, 3), result.best_now, round(result.wait, 3), result.wait_worthwhile
    (0.9, 1, 1.051, True)
    >>> result.choice_shares.round(3).tolist()
    [0.275, 0.725]
    """
    now_values = _option_matrix(now, "now")
    later_values = _option_matrix(later, "later")
    if later_values.shape != now_values.shape:
        raise ValueError(f"now and later must have the same shape (n, K), got {now_values.shape} and "
                         f"{later_values.shape}")
    n = len(now_values)
    if np.shape(signal)[:1] != (n,):
        raise ValueError(f"signal must have one row per path ({n}), got shape {np.shape(signal)}")
    basis = polynomial_basis(signal, degree)
    if n // 2 < 2 * basis.shape[1]:
        raise ValueError(f"each fold needs at least {2 * basis.shape[1]} paths (twice the {basis.shape[1]} basis "
                         f"columns), got {n // 2} of {n} paths")
    odd = np.arange(n) % 2 == 1
    fitted = np.empty_like(later_values)
    for fit_on in (odd, ~odd):
        coefficients = np.linalg.lstsq(basis[fit_on], later_values[fit_on], rcond=None)[0]
        fitted[~fit_on] = basis[~fit_on] @ coefficients
    choice = fitted.argmax(axis=1)
    realised = later_values[np.arange(n), choice]
    means = now_values.mean(axis=0)
    best = int(means.argmax())
    gain = realised - now_values[:, best]
    return WaitingValue(decide_now=float(means[best]), best_now=best, wait=float(realised.mean()),
                        flexibility=max(0.0, float(gain.mean())),
                        choice_shares=np.bincount(choice, minlength=now_values.shape[1]) / n,
                        standard_error=float(gain.std(ddof=1) / sqrt(n)))


def _check_degree(degree: int) -> None:
    """Raise ValueError unless ``degree`` is a whole number ≥ 1."""
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or degree < 1:
        raise ValueError(f"degree must be a whole number ≥ 1, got {degree!r}")


def _option_inputs(state: np.ndarray, exercise: np.ndarray, discount: float, degree: int,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The checked regressors ``(n, T[, d])`` and exercise values ``(n, T)`` of :func:`exercise_times`."""
    _check_degree(degree)
    payoff = np.asarray(exercise, dtype=float)
    regressors = np.asarray(state, dtype=float)
    if payoff.ndim != 2 or payoff.size == 0:
        raise ValueError(f"exercise must have shape (n, T) with n, T ≥ 1, got shape {payoff.shape}")
    if regressors.ndim not in (2, 3) or regressors.shape[:2] != payoff.shape:
        raise ValueError(f"state must have shape {payoff.shape} or {payoff.shape + ('d',)} like exercise, "
                         f"got shape {regressors.shape}")
    if not (np.isfinite(payoff).all() and np.isfinite(regressors).all()):
        raise ValueError("state and exercise must be finite")
    if (payoff < 0).any():
        raise ValueError("exercise values must be ≥ 0 (exercise is never forced)")
    if not (isfinite(discount) and discount > 0):
        raise ValueError(f"discount must be a finite factor > 0, got {discount!r}")
    return regressors, payoff


def _option_matrix(values: np.ndarray, name: str) -> np.ndarray:
    """``values`` as a finite float array of shape ``(n, K)``, n, K ≥ 1."""
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2 or matrix.size == 0:
        raise ValueError(f"{name} must have shape (n, K) with n, K ≥ 1, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{name} must be finite")
    return matrix
