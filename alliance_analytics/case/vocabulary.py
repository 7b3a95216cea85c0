"""The words a case can use, defined once: methods, distributions and their parameters, with their range rules.

Every other module imports these names rather than listing the choices again: the case model types its fields
with the ``Literal`` types, the analyses check against the tuples, and the documentation lists the same values.
A new distribution is one entry in :data:`Distribution` and :data:`DISTRIBUTION_PARAMETERS`, its range rule in
:func:`distribution_range_problem` and its sampler in :mod:`alliance_analytics.case.distributions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from alliance_analytics.core.problems import number

RiskLevel = Literal["low", "medium", "high"]
AggregationMethod = Literal["mean", "median", "geometric"]
WeightingMethod = Literal["direct", "rank", "swing", "ahp"]
Distribution = Literal["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "p10_p50_p90", "beta", "gamma"]
ImpactType = Literal["delay_months", "one_off_cost", "revenue_loss_pct"]
SamplingMethod = Literal["random", "lhs"]
Solver = Literal["cbc", "highs"]
PortfolioObjective = Literal["npv", "fit", "blend"]
WeightUncertainty = Literal["uniform", "ordinal", "interval"]

RISK_LEVELS: tuple[str, ...] = get_args(RiskLevel)
AGGREGATION_METHODS: tuple[str, ...] = get_args(AggregationMethod)
WEIGHTING_METHODS: tuple[str, ...] = get_args(WeightingMethod)
DISTRIBUTIONS: tuple[str, ...] = get_args(Distribution)
IMPACT_TYPES: tuple[str, ...] = get_args(ImpactType)
SAMPLING_METHODS: tuple[str, ...] = get_args(SamplingMethod)
SOLVERS: tuple[str, ...] = get_args(Solver)
PORTFOLIO_OBJECTIVES: tuple[str, ...] = get_args(PortfolioObjective)
WEIGHT_UNCERTAINTIES: tuple[str, ...] = get_args(WeightUncertainty)

RISK_LEVEL_ORDER: dict[str, int] = {level: order for order, level in enumerate(RISK_LEVELS)}
"""Order of ``risk_level`` / ``risk_appetite`` values, for comparing a candidate with the appetite."""

DISTRIBUTION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "p10_p50_p90": ("p10", "p50", "p90"),
    "beta": ("mean", "sd"),
    "gamma": ("mean", "sd"),
}
"""The columns each distribution of ``assumptions.csv`` needs; ``pert`` may also give ``shape``."""

OPTIONAL_PARAMETERS: dict[str, tuple[str, ...]] = {"pert": ("shape",)}
"""Columns a distribution may give but need not (PERT's ``shape``, 4 when blank)."""

PARAMETER_COLUMNS: tuple[str, ...] = ("value", "min", "mode", "max", "shape", "mean", "sd", "p10", "p50", "p90")
"""The distribution-parameter columns of ``assumptions.csv``."""

PERT_SHAPE = 4.0
"""PERT's default shape (λ): the mode weighs four times as much as each end in the mean."""


def distribution_range_problem(distribution: str, p: Mapping[str, float]) -> tuple[str, str] | None:
    """What is out of range in a distribution's parameters, all of which are present.

    Parameters
    ----------
    distribution : str
        One of :data:`DISTRIBUTIONS`.
    p : mapping of str to float
        The parameters the distribution uses (:data:`DISTRIBUTION_PARAMETERS`, and ``shape`` for PERT).

    Returns
    -------
    tuple of (str, str) or None
        ``(column, message)`` naming the column to blame and the rule broken; ``None`` when every rule holds.

    Examples
    --------
    >>> distribution_range_problem("uniform", {"min": 2.0, "max": 1.0})
    ('max', 'min (2) must be below max (1)')
    >>> distribution_range_problem("normal", {"mean": 0.0, "sd": 1.0}) is None
    True
    """
    if distribution == "uniform" and not p["min"] < p["max"]:
        return "max", f"min ({number(p['min'])}) must be below max ({number(p['max'])})"
    if distribution in ("triangular", "pert") and not (p["min"] <= p["mode"] <= p["max"] and p["min"] < p["max"]):
        return "mode", ("need min <= mode <= max with min < max, got "
                        f"{number(p['min'])}, {number(p['mode'])}, {number(p['max'])}")
    if distribution == "pert" and p.get("shape") is not None and not p["shape"] > 0:
        return "shape", f"shape must be positive, got {number(p['shape'])}"
    if distribution in ("normal", "lognormal", "beta", "gamma") and not p["sd"] > 0:
        return "sd", f"sd must be positive, got {number(p['sd'])}"
    if distribution == "lognormal" and not p["mean"] > 0:
        return "mean", f"a lognormal quantity needs a positive mean, got {number(p['mean'])}"
    if distribution == "beta" and not 0 < p["mean"] < 1:
        return "mean", f"a beta share needs a mean strictly between 0 and 1, got {number(p['mean'])}"
    if distribution == "beta" and not p["sd"] ** 2 < p["mean"] * (1 - p["mean"]):
        return "sd", (f"a beta share with mean {number(p['mean'])} needs sd below "
                      f"{number((p['mean'] * (1 - p['mean'])) ** 0.5)} (√(mean·(1 − mean))), got {number(p['sd'])}")
    if distribution == "gamma" and not p["mean"] > 0:
        return "mean", f"a gamma rate needs a positive mean, got {number(p['mean'])}"
    if distribution == "p10_p50_p90" and not p["p10"] < p["p50"] < p["p90"]:
        return "p50", f"need p10 < p50 < p90, got {number(p['p10'])}, {number(p['p50'])}, {number(p['p90'])}"
    return None
