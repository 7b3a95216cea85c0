"""Marginal distributions of the value-thesis assumptions (``assumptions.csv``).

Every assumption names one of :data:`DISTRIBUTIONS` and gives its parameters in the columns of
``assumptions.csv`` (``value``, ``min``, ``mode``, ``max``, ``shape``, ``mean``, ``sd``, ``p10``, ``p50``,
``p90``; blank ones as ``None`` or NaN). :func:`frozen` turns a row into a scipy.stats frozen distribution,
:func:`sample` draws from it (with numpy's samplers, or through the inverse CDF of given uniforms such as a
:func:`latin_hypercube`). Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy import special, stats

from alliance_analytics.case.vocabulary import (
    DISTRIBUTION_PARAMETERS,
    DISTRIBUTIONS,
    OPTIONAL_PARAMETERS,
    PERT_SHAPE,
    distribution_range_problem,
)

if TYPE_CHECKING:
    from scipy.stats._distn_infrastructure import rv_continuous_frozen



SYMMETRY_TOLERANCE = 1e-12
"""A three-point estimate is symmetric (fitted by a normal distribution) when p90 − p50 and p50 − p10 differ
by at most this share of p90 − p10."""

_Z90 = float(special.ndtri(0.9))


class _PointMassGen(stats.rv_continuous):
    """All probability at 0: the support is the single point [0, 0], and ``loc`` moves it.

    scipy has no degenerate distribution that allows ``scale=0``, and a discrete one (``rv_discrete`` with
    one value) returns ``value − 1`` as ``ppf(0)``. With ``a = b = 0`` scipy's generic code gives
    ``ppf(0) = a``, ``ppf(1) = b`` and ``_ppf`` (0) in between, so ``ppf`` is ``loc`` for every u; ``cdf``,
    ``rvs``, the moments, ``median`` and ``support`` are right too. A point mass has no density: ``pdf`` and
    ``sf`` at the point itself are not meaningful.
    """

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        return np.zeros_like(q)

    def _stats(self) -> tuple[float, float, None, None]:
        return 0.0, 0.0, None, None


class _ShiftedLognormalGen(stats.rv_continuous):
    """Y = (e^{sZ} − 1)/s, Z standard normal, s ≠ 0: see :func:`fit_p10_p50_p90`.

    For s > 0 a lognormal (log-sd s) shifted by −1/s, for s < 0 its mirror image; ``loc`` and ``scale`` then
    give X = loc + scale·Y. Written with ``expm1``/``log1p`` so it stays accurate as s → 0.
    """

    def _argcheck(self, s: np.ndarray) -> np.ndarray:
        return np.isfinite(s) & (s != 0)

    def _get_support(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.where(s > 0, -1 / s, -np.inf), np.where(s < 0, -1 / s, np.inf)

    def _pdf(self, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        return np.exp(-_unbend(s, y) ** 2 / 2) / np.sqrt(2 * np.pi) / (1 + s * y)

    def _cdf(self, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        return special.ndtr(_unbend(s, y))

    def _ppf(self, q: np.ndarray, s: np.ndarray) -> np.ndarray:
        return _bend(s, special.ndtri(q))

    def _stats(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        with np.errstate(over="ignore"):  # extreme skew: the higher moments are inf
            w = np.exp(s**2)
            return (np.expm1(s**2 / 2) / s, w * np.expm1(s**2) / s**2,
                    np.sign(s) * (w + 2) * np.sqrt(np.expm1(s**2)), w**4 + 2 * w**3 + 3 * w**2 - 6)


_point_mass = _PointMassGen(a=0.0, b=0.0, name="point_mass")
_shifted_lognormal = _ShiftedLognormalGen(name="shifted_lognormal")


def frozen(distribution: str, params: Mapping[str, float | None]) -> rv_continuous_frozen:
    """The scipy.stats frozen distribution of an assumption.

    - ``fixed``: a point mass at ``value`` (scipy has none; a minimal ``rv_continuous`` whose support is one
      point, so ``ppf(u)`` is ``value`` for every u in [0, 1]).
    - ``uniform``: uniform on [``min``, ``max``].
    - ``triangular``: triangular on [``min``, ``max``] with its peak at ``mode``.
    - ``pert``: beta on [``min``, ``max``] with α = 1 + shape·(mode − min)/(max − min) and
      β = 1 + shape·(max − mode)/(max − min) (``shape`` blank: :data:`PERT_SHAPE`); mean
      (min + shape·mode + max)/(shape + 2).
    - ``normal``: normal with ``mean`` and standard deviation ``sd``.
    - ``lognormal``: lognormal with ``mean`` and ``sd`` of the quantity itself, so ln X is normal with
      σ² = ln(1 + sd²/mean²) and μ = ln(mean) − σ²/2.
    - ``p10_p50_p90``: :func:`fit_p10_p50_p90`.
    - ``beta``: a share on [0, 1] with ``mean`` m and ``sd`` s, α = m·c and β = (1 − m)·c with
      c = m(1 − m)/s² − 1 (method of moments); the conjugate prior of a share observed as successes in trials.
    - ``gamma``: a positive rate with ``mean`` m and ``sd`` s, shape m²/s² and rate m/s²; the conjugate prior
      of a count per period.

    Parameters
    ----------
    distribution : str
        One of :data:`DISTRIBUTIONS`.
    params : mapping of str to float or None
        Parameters by ``assumptions.csv`` column; other columns are ignored, blank ones may be ``None`` or NaN.

    Returns
    -------
    scipy.stats frozen distribution

    Raises
    ------
    ValueError
        For an unknown distribution, a missing parameter or parameters out of range (e.g. min ≥ max, sd ≤ 0).

    Examples
    --------
    >>> pert = frozen("pert", {"min": 0.0, "mode": 3.0, "max": 12.0, "shape": None})
    >>> float(pert.mean()), frozen("fixed", {"value": 2.5}).ppf([0.0, 0.3, 1.0]).tolist()
    (4.0, [2.5, 2.5, 2.5])
    """
    p = _checked(distribution, params)
    if distribution == "fixed":
        return _point_mass(loc=p["value"])
    if distribution == "uniform":
        return stats.uniform(loc=p["min"], scale=p["max"] - p["min"])
    if distribution == "triangular":
        width = p["max"] - p["min"]
        return stats.triang((p["mode"] - p["min"]) / width, loc=p["min"], scale=width)
    if distribution == "pert":
        return stats.beta(*_pert_alpha_beta(p), loc=p["min"], scale=p["max"] - p["min"])
    if distribution == "normal":
        return stats.norm(p["mean"], p["sd"])
    if distribution == "lognormal":
        mu, sigma = _lognormal_mu_sigma(p)
        return stats.lognorm(sigma, scale=np.exp(mu))
    if distribution == "beta":
        return stats.beta(*beta_alpha_beta(p["mean"], p["sd"]))
    if distribution == "gamma":
        shape, rate = gamma_shape_rate(p["mean"], p["sd"])
        return stats.gamma(shape, scale=1 / rate)
    return fit_p10_p50_p90(p["p10"], p["p50"], p["p90"])


def fit_p10_p50_p90(p10: float, p50: float, p90: float) -> rv_continuous_frozen:
    """The distribution with exactly these 10th, 50th and 90th percentiles: normal or shifted lognormal.

    With z = Φ⁻¹(0.9) ≈ 1.2816 and r = (p90 − p50)/(p50 − p10):

    - Symmetric (p90 − p50 and p50 − p10 equal within :data:`SYMMETRY_TOLERANCE` of p90 − p10): the normal
      with mean p50 and sd (p90 − p10)/(2z).
    - Right skew (r > 1): X = c + exp(μ + σZ), Z standard normal. Its quantiles are c + e^μ·e^{σ z_q}, so
      p50 = c + e^μ, p90 − p50 = e^μ(e^{σz} − 1) and p50 − p10 = e^μ(1 − e^{−σz}). Their ratio is
      r = e^{σz}, hence σ = ln r / z, e^μ = (p50 − p10)/(1 − e^{−σz}) and c = p50 − e^μ.
    - Left skew (r < 1): the mirror image X = c − exp(μ + σZ), i.e. the right-skew fit of
      (−p90, −p50, −p10), negated.

    All three are one family, X = p50 + b·(e^{sZ} − 1)/s with signed s = ln r / z and
    b = (p90 − p50)·s/(e^{sz} − 1): for s > 0 it is the right-skew form with σ = s, e^μ = b/s,
    c = p50 − b/s; for s < 0 the left-skew form with σ = −s; as s → 0 it tends to the normal with sd b.
    It is built in this form (with ``expm1``) because c + e^μ cancels badly when r is close to 1
    (e^μ grows like 1/ln r). Every triple p10 < p50 < p90 has exactly one fit.

    Parameters
    ----------
    p10, p50, p90 : float
        An expert's three-point estimate, p10 < p50 < p90.

    Returns
    -------
    scipy.stats frozen distribution
        ``scipy.stats.norm`` when symmetric, otherwise the shifted lognormal (support above c for right
        skew, below c for left skew).

    Examples
    --------
    >>> fit_p10_p50_p90(80.0, 100.0, 150.0).ppf([0.1, 0.5, 0.9]).round(9).tolist()
    [80.0, 100.0, 150.0]
    >>> fit_p10_p50_p90(-1.0, 0.0, 1.0).dist.name
    'norm'
    """
    p = _checked("p10_p50_p90", {"p10": p10, "p50": p50, "p90": p90})
    s, b = _three_point(p["p10"], p["p50"], p["p90"])
    return stats.norm(p["p50"], b) if s == 0 else _shifted_lognormal(s, loc=p["p50"], scale=b)


def sample(distribution: str, params: Mapping[str, float | None], n: int, rng: np.random.Generator,
           uniforms: np.ndarray | None = None) -> np.ndarray:
    """Draws from an assumption's distribution.

    Without ``uniforms``: independent random draws from numpy's own samplers (``rng.beta`` for PERT,
    ``rng.triangular``, ``rng.normal``, ``rng.lognormal``, …), much faster than scipy's inverse CDFs. With
    ``uniforms`` (e.g. a column of :func:`latin_hypercube`): the inverse CDF of :func:`frozen` at them, so
    the draws keep the uniforms' stratification and order, and ``rng`` is not used.

    Parameters
    ----------
    distribution : str
        One of :data:`DISTRIBUTIONS`.
    params : mapping of str to float or None
        Parameters by ``assumptions.csv`` column (see :func:`frozen`).
    n : int
        Number of draws.
    rng : numpy.random.Generator
        Source of randomness.
    uniforms : numpy.ndarray, optional
        Shape ``(n,)``, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.

    Examples
    --------
    >>> params = {"min": 1.0, "mode": 2.0, "max": 6.0}
    >>> draws = sample("triangular", params, 1000, np.random.default_rng(1))
    >>> bool(draws.min() >= 1 and draws.max() <= 6)
    True
    >>> sample("uniform", params, 3, np.random.default_rng(1), uniforms=np.array([0.0, 0.5, 1.0])).tolist()
    [1.0, 3.5, 6.0]
    """
    p = _checked(distribution, params)
    if uniforms is not None:
        uniforms = np.asarray(uniforms, dtype=float)
        if uniforms.shape != (n,):
            raise ValueError(f"uniforms must have shape ({n},), got {uniforms.shape}")
        return frozen(distribution, p).ppf(uniforms)
    if distribution == "fixed":
        return np.full(n, p["value"])
    if distribution == "uniform":
        return rng.uniform(p["min"], p["max"], n)
    if distribution == "triangular":
        return rng.triangular(p["min"], p["mode"], p["max"], n)
    if distribution == "pert":
        return p["min"] + (p["max"] - p["min"]) * rng.beta(*_pert_alpha_beta(p), n)
    if distribution == "normal":
        return rng.normal(p["mean"], p["sd"], n)
    if distribution == "lognormal":
        return rng.lognormal(*_lognormal_mu_sigma(p), n)
    if distribution == "beta":
        return rng.beta(*beta_alpha_beta(p["mean"], p["sd"]), n)
    if distribution == "gamma":
        shape, rate = gamma_shape_rate(p["mean"], p["sd"])
        return rng.gamma(shape, 1 / rate, n)
    s, b = _three_point(p["p10"], p["p50"], p["p90"])
    z = rng.standard_normal(n)
    return p["p50"] + b * (z if s == 0 else _bend(s, z))


def beta_alpha_beta(mean: float, sd: float) -> tuple[float, float]:
    """The beta distribution's α and β with the given mean and standard deviation (method of moments).

    Parameters
    ----------
    mean : float
        Mean, strictly between 0 and 1.
    sd : float
        Standard deviation, 0 < sd² < mean·(1 − mean).

    Returns
    -------
    tuple of float
        ``(alpha, beta)``: α = m·c, β = (1 − m)·c with c = m(1 − m)/sd² − 1 (c = α + β, the prior's weight in
        trials).

    Examples
    --------
    >>> [round(value, 9) for value in beta_alpha_beta(0.25, 0.1875 ** 0.5 / 3)]
    [2.0, 6.0]
    """
    weight = mean * (1 - mean) / sd**2 - 1
    return mean * weight, (1 - mean) * weight


def gamma_shape_rate(mean: float, sd: float) -> tuple[float, float]:
    """The gamma distribution's shape and rate with the given mean and standard deviation.

    Parameters
    ----------
    mean, sd : float
        Mean and standard deviation, both positive.

    Returns
    -------
    tuple of float
        ``(shape, rate)``: shape = mean²/sd², rate = mean/sd² (the rate is the prior's weight in periods).

    Examples
    --------
    >>> gamma_shape_rate(4.0, 2.0)
    (4.0, 1.0)
    """
    return mean**2 / sd**2, mean / sd**2


def latin_hypercube(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """A Latin hypercube sample of ``k`` uniforms: one point in each of the ``n`` equal strata of every column.

    Column j holds (π_j(i) + U_ij)/n for i = 0 … n − 1, with U uniform on [0, 1) and π_j a random permutation
    of 0 … n − 1, drawn independently per column (so the columns are independent, with no point pairing
    strata across columns). The two outermost points are kept strictly inside (0, 1) (an exact 0, or a 1
    from rounding, has probability below n·2⁻⁵³), so inverse CDFs of unbounded distributions stay finite.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of points (strata per column).
    k : int
        Number of columns (variables).

    Returns
    -------
    numpy.ndarray
        ``n`` × ``k``, in (0, 1).

    Examples
    --------
    >>> points = latin_hypercube(np.random.default_rng(1), 5, 2)
    >>> np.sort(np.floor(points * 5), axis=0).T.tolist()
    [[0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0, 4.0]]
    """
    strata = rng.permuted(np.tile(np.arange(n, dtype=float)[:, None], (1, k)), axis=0)
    return np.clip((strata + rng.random((n, k))) / n, np.nextafter(0.0, 1.0), np.nextafter(1.0, 0.0))


def _checked(distribution: str, params: Mapping[str, float | None]) -> dict[str, float]:
    """The parameters ``distribution`` uses, as floats (PERT ``shape`` defaulted), once they are checked."""
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {distribution!r}; expected one of {', '.join(DISTRIBUTIONS)}")
    names = DISTRIBUTION_PARAMETERS[distribution] + OPTIONAL_PARAMETERS.get(distribution, ())
    p = {name: np.nan if params.get(name) is None else float(params[name]) for name in names}
    if distribution == "pert" and np.isnan(p["shape"]):
        p["shape"] = PERT_SHAPE
    missing = [name for name in names if not np.isfinite(p[name])]
    if missing:
        raise ValueError(f"distribution {distribution!r} needs finite {', '.join(missing)}")
    problem = distribution_range_problem(distribution, p)
    if problem:
        raise ValueError(f"distribution {distribution!r}: {problem[1]}")
    return p


def _pert_alpha_beta(p: dict[str, float]) -> tuple[float, float]:
    """Beta shape parameters of a PERT distribution."""
    width = p["max"] - p["min"]
    return 1 + p["shape"] * (p["mode"] - p["min"]) / width, 1 + p["shape"] * (p["max"] - p["mode"]) / width


def _lognormal_mu_sigma(p: dict[str, float]) -> tuple[float, float]:
    """Log-scale μ and σ of a lognormal with the given mean and sd."""
    variance = float(np.log1p((p["sd"] / p["mean"]) ** 2))
    return float(np.log(p["mean"])) - variance / 2, float(np.sqrt(variance))


def _three_point(p10: float, p50: float, p90: float) -> tuple[float, float]:
    """The signed log-sd ``s`` (0 when symmetric) and scale ``b`` of :func:`fit_p10_p50_p90`."""
    below, above = p50 - p10, p90 - p50
    if abs(above - below) <= SYMMETRY_TOLERANCE * (p90 - p10):
        return 0.0, (p90 - p10) / (2 * _Z90)
    s = float(np.log(above / below)) / _Z90
    return s, above * s / float(np.expm1(s * _Z90))


def _bend(s: np.ndarray | float, z: np.ndarray) -> np.ndarray:
    """(e^{sz} − 1)/s for s ≠ 0: a standard normal z mapped into the shifted-lognormal family."""
    return np.expm1(s * z) / s


def _unbend(s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_bend`: ln(1 + sy)/s."""
    return np.log1p(s * y) / s
