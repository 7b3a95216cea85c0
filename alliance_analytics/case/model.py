"""The case model: what a case folder holds, as typed settings and tables.

``case.yaml`` is described by :class:`CaseSettings` and each CSV row by a row model
(:class:`CandidateRow`, :class:`ScoreRow`, :class:`AssumptionRow`, :class:`RiskRow`). The models check
what one value or one row can tell; :mod:`alliance_analytics.case.loading` adds the checks across files
(unknown ids, missing scores, scores outside the scale) and builds the :class:`Case`.
See ``docs/case-format.md`` for the format in words.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from alliance_analytics.case.vocabulary import (
    DISTRIBUTION_PARAMETERS,
    OPTIONAL_PARAMETERS,
    PARAMETER_COLUMNS,
    AggregationMethod,
    Distribution,
    ImpactType,
    PortfolioObjective,
    RiskLevel,
    SamplingMethod,
    Solver,
    WeightingMethod,
    distribution_range_problem,
)
from alliance_analytics.core.problems import number

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_\-]+$")]
ForcedId = Annotated[str, StringConstraints(strip_whitespace=True,
                                           pattern=r"^[A-Za-z0-9_\-]+(:(restructure|exit))?$")]
"""A candidate id, or a change of the portfolio review (``A03:restructure``, ``A03:exit``) a what-if forces."""
AssumptionRef = Annotated[str, StringConstraints(strip_whitespace=True,
                                                pattern=r"^([A-Za-z0-9_\-]+:)?[A-Za-z0-9_\-]+$")]
"""An assumption of ``correlations.csv``: its id (the row's candidate's), or qualified by another candidate's id
(``C05:rev_evidence``)."""
DriverEffect = Literal["multiply", "add"]
"""How a shared driver acts on an assumption: the assumption's own draw times the driver, or plus it."""
AlliancePurpose = Literal[
    "co-development", "co-marketing", "distribution", "technology", "licensing", "supply", "joint-venture"
]
Quantity = Literal[
    "revenue_uplift",
    "gross_margin",
    "cost_savings",
    "investment",
    "running_cost",
    "launch_months",
    "ramp_up_years",
    "lifetime_years",
]


def _split_list(value: object) -> object:
    """Turn a ``;``-separated cell into a list of stripped, non-empty items."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(";") if item.strip()]
    return value


SemicolonList = Annotated[list[str], BeforeValidator(_split_list)]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """Accept a date only as ISO 8601 text (``2027-06-30``) or a date; a number is never a date.

    pydantic's lax date parsing reads a whole number as seconds since 1970 (``0`` would be 1970-01-01, as a
    spreadsheet writes an empty date formula), so anything but ISO text is refused here, with what was given.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError(f"expected an ISO date like 2027-06-30, got {value!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date written as ISO 8601 text (``YYYY-MM-DD``), and nothing else."""


def _judgement(value: object) -> object:
    """An AHP judgement as a number: ``3``, ``0.5`` or a fraction written ``1/3`` (as AHP files write them)."""
    if isinstance(value, str) and "/" in value:
        numerator, _, denominator = value.partition("/")
        try:
            return float(numerator) / float(denominator)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"expected a number or a fraction like 1/3, got {value!r}") from None
    return value


Judgement = Annotated[float, BeforeValidator(_judgement), Field(gt=0)]
"""How many times as important ``a`` is as ``b``: a positive number or a fraction ``1/3``."""


class _Strict(BaseModel):
    """Base model: unknown keys are errors (they are usually typos); NaN and infinity are not numbers here; text
    is compared without the white space around it (``"A. Keller "`` is ``"A. Keller"``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True)


class Objective(_Strict):
    """A strategic objective the alliance programme must serve."""

    id: Identifier
    description: str = Field(min_length=1)
    required: bool = False


class Strategy(_Strict):
    """The strategy the alliances must serve."""

    objectives: list[Objective] = Field(min_length=1)
    horizon: IsoDate
    risk_appetite: RiskLevel


class Scale(_Strict):
    """The evaluation scale of the scorecard."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        """The scale runs upwards."""
        if not self.min < self.max:
            raise ValueError(f"scale.min ({number(self.min)}) must be below scale.max ({number(self.max)})")
        return self


class Aggregation(_Strict):
    """How several evaluators' scores are combined, and when they disagree."""

    method: AggregationMethod = "mean"
    disagreement_threshold: float = Field(gt=0)


class Recommendation(_Strict):
    """Thresholds of the advance / review / walk-away recommendation."""

    advance_min_score: float


class Criterion(_Strict):
    """A fit criterion of the scorecard; ``weight`` is given when ``weighting.method`` is ``direct``."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    weight: Annotated[float, Field(ge=0)] | None = None
    red_flag_below: float | None = None


class PairwiseJudgements(_Strict):
    """One evaluator's AHP judgements: ``[a, b, v]`` says criterion a is v times as important as b."""

    evaluator: str = Field(min_length=1)
    comparisons: list[tuple[Identifier, Identifier, Judgement]] = Field(min_length=1)


class Weighting(_Strict):
    """Where the criterion weights come from.

    ``direct``: ``criteria[].weight``; ``rank``: the rank-order centroid of ``ranking`` (most important
    first); ``swing``: normalised ``swing_points``; ``ahp``: the principal eigenvector of the evaluators'
    pairwise judgements, combined by the element-wise geometric mean.
    """

    method: WeightingMethod = "direct"
    ranking: list[Identifier] | None = None
    swing_points: dict[Identifier, Annotated[float, Field(ge=0)]] | None = None
    pairwise: list[PairwiseJudgements] | None = None


class Finance(_Strict):
    """Finance settings for NPV."""

    discount_rate: float = Field(ge=0, lt=1)
    horizon_years: int = Field(ge=1, le=50)


class Dependency(_Strict):
    """``candidate`` may only be selected together with ``requires``."""

    candidate: Identifier
    requires: Identifier


class CapabilityRequirement(_Strict):
    """A capability the selected portfolio must cover."""

    capability: str = Field(min_length=1)
    min_partners: int = Field(default=1, ge=1)


class RiskLimit(_Strict):
    """Limits on the portfolio's simulated NPV, evaluated over the scenario matrix."""

    cvar_floor: float | None = None
    cvar_level: float = Field(default=0.05, gt=0, lt=1)
    max_loss_probability: float | None = Field(default=None, ge=0, lt=1)


class BlendWeights(_Strict):
    """Relative weights of expected NPV and fit score in the ``blend`` objective."""

    npv: float = Field(default=0.5, ge=0)
    fit: float = Field(default=0.5, ge=0)

    @model_validator(mode="after")
    def _not_both_zero(self) -> BlendWeights:
        """At least one weight is positive."""
        if self.npv + self.fit <= 0:
            raise ValueError("at least one of npv and fit must be above 0")
        return self


class Portfolio(_Strict):
    """Limits on the set of alliances pursued, and how the portfolio is optimised."""

    budget: float = Field(ge=0)
    budget_per_year: dict[int, Annotated[float, Field(ge=0)]] = {}
    manager_capacity_fte: float = Field(ge=0)
    sponsor_capacity: dict[str, Annotated[int, Field(ge=0)]] = {}
    exclusions: list[Annotated[list[Identifier], Field(min_length=2)]] = []
    dependencies: list[Dependency] = []
    capabilities_required: list[CapabilityRequirement] = []
    min_alliances: int | None = Field(default=None, ge=0)
    max_alliances: int | None = Field(default=None, ge=0)
    force_in: list[ForcedId] = []
    force_out: list[ForcedId] = []
    objective: PortfolioObjective = "npv"
    blend: BlendWeights = BlendWeights()
    risk_limit: RiskLimit = RiskLimit()
    scenarios: int | None = Field(default=None, ge=100, le=1_000_000)
    solver: Solver = "cbc"
    time_limit_s: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _count_range(self) -> Portfolio:
        """``min_alliances`` does not exceed ``max_alliances``."""
        if self.min_alliances is not None and self.max_alliances is not None \
                and self.min_alliances > self.max_alliances:
            raise ValueError(f"min_alliances ({self.min_alliances}) exceeds max_alliances ({self.max_alliances})")
        return self


class Simulation(_Strict):
    """Monte Carlo settings."""

    iterations: int = Field(ge=100, le=10_000_000)
    seed: int = Field(ge=0)
    sampling: SamplingMethod = "random"
    repair_correlations: bool = False
    relative_se_target: float = Field(default=0.01, gt=0)
    prob_loss_se_target: float = Field(default=0.005, gt=0)


class HealthBands(_Strict):
    """Red / amber / green bands of the health index (1.0 = every KPI on target)."""

    green: float = Field(default=0.95, gt=0)
    amber: float = Field(default=0.80, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> HealthBands:
        """Green starts above amber."""
        if not self.amber < self.green:
            raise ValueError(f"amber ({number(self.amber)}) must be below green ({number(self.green)})")
        return self


class Ewma(_Strict):
    """The EWMA chart: weight ``λ`` of the newest month and limit width ``L`` (Lucas and Saccucci's 0.2 and 3)."""

    weight: float = Field(default=0.2, gt=0, le=1)
    width: float = Field(default=3.0, gt=0)


class Cusum(_Strict):
    """The tabular CUSUM: allowance ``k`` and decision interval ``h``, in sigmas (Montgomery's 0.5 and 5)."""

    allowance: float = Field(default=0.5, ge=0)
    decision: float = Field(default=5.0, gt=0)


class Health(_Strict):
    """How the alliance-health analysis reads the monthly scorecard (``kpis.csv``, ``scorecard.csv``)."""

    bands: HealthBands = HealthBands()
    attainment_cap: float = Field(default=1.2, ge=1)
    baseline_months: int = Field(default=12, ge=4)
    ewma: Ewma = Ewma()
    cusum: Cusum = Cusum()
    trend_window: int = Field(default=12, ge=4)
    horizon_months: int = Field(default=6, ge=1, le=60)
    early_warning_alert: float = Field(default=0.5, gt=0, le=1)
    gap_significance: float = Field(default=0.05, gt=0, lt=1)
    recent_months: int = Field(default=3, ge=1)


class Thesis(_Strict):
    """How the thesis check turns actuals into a verdict (``actuals.csv``).

    Attributes
    ----------
    weakened_below : float
        An assumption whose posterior chance of being at least as good as planned (its P50) falls below this
        weakens the thesis.
    loss_increase : float
        A rise of the chance of losing money by at least this much (in shares, 0.10 = 10 points) weakens it.
    broken_loss : float
        A chance of losing money of at least this after the actuals breaks it.
    min_ess_share : float
        An importance-resampled posterior whose effective sample size falls below this share of the draws is
        flagged as unreliable.
    """

    weakened_below: float = Field(default=0.25, gt=0, lt=0.5)
    loss_increase: float = Field(default=0.10, gt=0, le=1)
    broken_loss: float = Field(default=0.5, gt=0, le=1)
    min_ess_share: float = Field(default=0.01, gt=0, lt=1)


class Review(_Strict):
    """How the portfolio review decides for the alliances in flight (``review.csv``).

    Attributes
    ----------
    next_review_months : int
        Months until the next steering review: what waiting for it costs and what it could learn.
    """

    next_review_months: int = Field(default=3, ge=1, le=24)


class CaseSettings(_Strict):
    """Everything in ``case.yaml``."""

    name: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    as_of: IsoDate
    strategy: Strategy
    scale: Scale
    aggregation: Aggregation
    recommendation: Recommendation
    criteria: list[Criterion] = Field(min_length=1)
    weighting: Weighting = Weighting()
    finance: Finance
    portfolio: Portfolio
    simulation: Simulation
    health: Health = Health()
    thesis: Thesis = Thesis()
    review: Review = Review()


class _Row(_Strict):
    """Base of the CSV row models: blank cells arrive as ``None``."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: object) -> object:
        """Blank cells become ``None``."""
        if isinstance(data, dict):
            return {key: (None if isinstance(value, str) and not value.strip() else value) for key, value in data.items()}
        return data


class CandidateRow(_Row):
    """A row of ``candidates.csv``."""

    candidate_id: Identifier
    name: str = Field(min_length=1)
    alliance_type: AlliancePurpose
    capabilities: SemicolonList
    objectives: SemicolonList
    investment: float = Field(ge=0)
    manager_fte: float = Field(ge=0)
    payback_months: int = Field(ge=1)
    phase_out_date: IsoDate | None
    risk_level: RiskLevel
    competes_with: SemicolonList
    sponsor: str | None = None
    start_year: int | None = Field(default=None, ge=1900, le=2200)
    status: Literal["proposed", "active"] | None = None
    start_date: IsoDate | None = None

    @property
    def active(self) -> bool:
        """An alliance in flight (``status: active``), not a candidate for selection."""
        return self.status == "active"


class ScoreRow(_Row):
    """A row of ``scores.csv``."""

    candidate_id: Identifier
    criterion_id: Identifier
    evaluator: str = Field(min_length=1)
    score: float
    rationale: str | None



class AssumptionRow(_Row):
    """A row of ``assumptions.csv``: one value-thesis assumption and its uncertainty."""

    candidate_id: Identifier
    assumption_id: Identifier
    quantity: Quantity
    distribution: Distribution
    value: float | None
    min: float | None
    mode: float | None
    max: float | None
    shape: Annotated[float, Field(gt=0)] | None
    mean: float | None
    sd: float | None
    p10: float | None
    p50: float | None
    p90: float | None
    unit: str | None
    description: str | None
    driver_id: Identifier | None = None
    driver_effect: DriverEffect | None = None

    def parameter_problems(self) -> list[tuple[str, str]]:
        """Parameters missing, superfluous or out of order for this row's distribution, and a driver without
        its effect (or the reverse).

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs; empty when the parameters fit the distribution.
        """
        problems = _distribution_problems(self)
        if (self.driver_id is None) != (self.driver_effect is None):
            problems.append(("driver_effect" if self.driver_effect is None else "driver_id",
                             "driver_id and driver_effect (multiply or add) come together; give both or neither"))
        return problems


class DriverRow(_Row):
    """A row of ``drivers.csv``: an uncertainty several alliances share (a market's adoption, a regulator's
    timeline), drawn once per iteration for all of them."""

    driver_id: Identifier
    name: str = Field(min_length=1)
    distribution: Distribution
    value: float | None
    min: float | None
    mode: float | None
    max: float | None
    shape: Annotated[float, Field(gt=0)] | None
    mean: float | None
    sd: float | None
    p10: float | None
    p50: float | None
    p90: float | None
    unit: str | None
    description: str = Field(min_length=1)

    def parameter_problems(self) -> list[tuple[str, str]]:
        """Parameters missing, superfluous or out of order for this row's distribution.

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs; empty when the parameters fit the distribution.
        """
        return _distribution_problems(self)


def _distribution_problems(row: AssumptionRow | DriverRow) -> list[tuple[str, str]]:
    """Parameters missing, superfluous or out of order for a row's distribution, as ``(column, message)``."""
    kind = row.distribution
    needed = DISTRIBUTION_PARAMETERS[kind]
    allowed = needed + OPTIONAL_PARAMETERS.get(kind, ())
    problems = [(name, f"distribution '{kind}' needs {name}") for name in needed if getattr(row, name) is None]
    problems += [(name, f"distribution '{kind}' does not use {name}; leave it blank")
                 for name in PARAMETER_COLUMNS if name not in allowed and getattr(row, name) is not None]
    if problems:
        return problems
    found = distribution_range_problem(kind, {name: getattr(row, name) for name in allowed})
    return [found] if found else []


class RiskRow(_Row):
    """A row of ``risks.csv``: one risk-register event."""

    candidate_id: Identifier
    risk_id: Identifier
    description: str = Field(min_length=1)
    probability: float = Field(ge=0, le=1)
    impact_type: ImpactType
    impact_min: float = Field(ge=0)
    impact_mode: float = Field(ge=0)
    impact_max: float = Field(ge=0)
    mitigation: str | None
    mitigation_cost: Annotated[float, Field(ge=0)] | None
    mitigated_probability: Annotated[float, Field(ge=0, le=1)] | None

    def consistency_problems(self) -> list[tuple[str, str]]:
        """Impact ordering and mitigation fields that do not fit together.

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs; empty when the row is consistent.
        """
        problems = []
        if not self.impact_min <= self.impact_mode <= self.impact_max:
            problems.append(("impact_mode", "need impact_min <= impact_mode <= impact_max, got "
                             f"{number(self.impact_min)}, {number(self.impact_mode)}, {number(self.impact_max)}"))
        if self.impact_type == "revenue_loss_pct" and self.impact_max > 1:
            problems.append(("impact_max", "revenue_loss_pct is a share between 0 and 1, got "
                             f"{number(self.impact_max)}"))
        if self.mitigation is not None:
            problems += [(name, "a mitigation needs mitigation_cost and mitigated_probability")
                         for name in ("mitigation_cost", "mitigated_probability") if getattr(self, name) is None]
        if self.mitigated_probability is not None and self.mitigated_probability > self.probability:
            problems.append(("mitigated_probability", f"mitigated_probability ({number(self.mitigated_probability)}) "
                             f"must not exceed probability ({number(self.probability)})"))
        return problems


class CorrelationRow(_Row):
    """A row of ``correlations.csv``: the rank correlation of two assumptions, of one candidate or (qualified by
    another candidate's id, ``C05:rev_evidence``) of two."""

    candidate_id: Identifier
    assumption_a: AssumptionRef
    assumption_b: AssumptionRef
    rank_correlation: float = Field(ge=-1, le=1)


_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(value: object) -> object:
    """A month written ``YYYY-MM`` (``2026-03``), and nothing else."""
    if isinstance(value, str) and _PERIOD.match(value.strip()):
        return value.strip()
    raise ValueError(f"expected a month like 2026-03 (YYYY-MM), got {value!r}")


Period = Annotated[str, BeforeValidator(_period)]
"""A month of the scorecard, ``YYYY-MM``."""

Dimension = Literal["value", "execution", "relationship", "capability"]
"""The four dimensions of the monthly alliance scorecard."""

DIMENSIONS: tuple[str, ...] = get_args(Dimension)
"""The dimension names, in scorecard order."""


HEALTH_ACTIONS: tuple[str, ...] = ("continue", "watch", "review", "restructure", "exit")
"""What a trigger or the health analysis can ask for, mildest first."""


class KpiRow(_Row):
    """A row of ``kpis.csv``: one KPI of an alliance's monthly scorecard."""

    alliance_id: Identifier
    kpi_id: Identifier
    dimension: Dimension
    name: str = Field(min_length=1)
    unit: str | None
    direction: Literal["higher", "lower"]
    target: float = Field(gt=0)
    weight: float = Field(gt=0)
    leading: bool = False


class ScorecardRow(_Row):
    """A row of ``scorecard.csv``: one fact, a KPI's value in a month (for one side and respondent)."""

    alliance_id: Identifier
    period: Period
    kpi_id: Identifier
    value: float = Field(ge=0)
    side: Literal["us", "partner"] | None = None
    respondent: str | None = None
    note: str | None = None


class TriggerRow(_Row):
    """A row of ``triggers.csv``: an exit trigger with its persistence rule and action."""

    alliance_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([A-Za-z0-9_\-]+|\*)$")]
    trigger_id: Identifier
    target: Identifier
    comparator: Literal["below", "above"]
    threshold: float
    persist_k: int = Field(ge=1)
    persist_n: int = Field(ge=1, le=36)
    action: Literal["watch", "review", "restructure", "exit"]
    horizon_months: int | None = Field(default=None, ge=1, le=60)

    def consistency_problems(self) -> list[tuple[str, str]]:
        """``persist_k`` cannot exceed ``persist_n``.

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs.
        """
        if self.persist_k > self.persist_n:
            return [("persist_k", f"persist_k ({self.persist_k}) cannot exceed persist_n ({self.persist_n}): "
                     "the trigger fires when k of the last n months breach")]
        return []


Evidence = Literal["normal", "binomial", "poisson"]
"""How a pilot's unit observes its assumption: a measurement with a known sd, a trial, a period's events."""


class ActualRow(_Row):
    """A row of ``actuals.csv``: one observation of a value-thesis assumption after the alliance started.

    ``sd`` gives a measurement of the assumption itself with that standard deviation; ``n`` gives a count:
    successes in ``n`` trials for a share (``gross_margin`` or a ``beta`` prior), events in ``n`` periods for a
    rate (a ``gamma`` prior). Both columns must be in the file; each row fills exactly one.
    """

    alliance_id: Identifier
    assumption_id: Identifier
    period: Period
    observed: float
    n: Annotated[float, Field(gt=0)] | None
    sd: Annotated[float, Field(gt=0)] | None
    note: str | None = None

    def consistency_problems(self) -> list[tuple[str, str]]:
        """Exactly one of ``n`` and ``sd`` gives the evidence's strength.

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs.
        """
        if (self.n is None) == (self.sd is None):
            return [("n", "give the evidence's strength in exactly one of n (trials or periods behind a count) "
                     "and sd (the measurement's standard deviation)")]
        return []


class PilotRow(_Row):
    """A row of ``pilots.csv``: how a pilot would test one assumption before committing, and what it costs."""

    candidate_id: Identifier
    assumption_id: Identifier
    evidence: Evidence
    unit: str = Field(min_length=1)
    unit_sd: Annotated[float, Field(gt=0)] | None = None
    fixed_cost: float = Field(ge=0)
    unit_cost: float = Field(ge=0)
    max_n: int = Field(ge=1, le=10_000)

    def consistency_problems(self) -> list[tuple[str, str]]:
        """A measured unit has a standard deviation; a trial or a period's count has none.

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs.
        """
        if self.evidence == "normal" and self.unit_sd is None:
            return [("unit_sd", "a normal pilot measures each unit with a standard deviation; give unit_sd")]
        if self.evidence != "normal" and self.unit_sd is not None:
            return [("unit_sd", f"a {self.evidence} pilot's spread follows from the assumption; leave unit_sd blank")]
        return []


class ReviewRow(_Row):
    """A row of ``review.csv``: one alliance in flight up for the portfolio review, and what each way out costs.

    Money already spent (``spent_to_date``) is shown for the record and never enters a decision.
    """

    alliance_id: Identifier
    spent_to_date: float | None = Field(default=None, ge=0)
    commitment: float = Field(ge=0)
    exit_cost: float = Field(ge=0)
    salvage: float = Field(ge=0)
    restructure: str | None = None
    restructure_cost: float | None = Field(default=None, ge=0)
    restructure_fte: float | None = Field(default=None, ge=0)

    def consistency_problems(self) -> list[tuple[str, str]]:
        """A restructure option has a name and a one-off cost; without a name, neither cost nor FTE.

        Returns
        -------
        list of (str, str)
            ``(column, message)`` pairs.
        """
        if self.restructure is not None and self.restructure_cost is None:
            return [("restructure_cost", f"restructure option '{self.restructure}' needs its one-off cost "
                     "(restructure_cost)")]
        if self.restructure is None:
            return [(column, f"{column} is given without a restructure option; name it in the column restructure")
                    for column in ("restructure_cost", "restructure_fte") if getattr(self, column) is not None]
        return []


class RestructureRow(_Row):
    """A row of ``restructure.csv``: one assumption of an alliance's restructure option, scaled draw by draw."""

    alliance_id: Identifier
    assumption_id: Identifier
    factor: float = Field(gt=0)
    note: str | None = None


Decision = Literal["pursue", "do_not_pursue", "continue", "restructure", "exit", "defer"]
"""What a steering committee decides about a candidate (pursue or not) or an alliance in flight."""


class DecisionRow(_Row):
    """A row of ``decisions.csv``: one decision of the steering committee, chained to the entry before it.

    ``entry_hash`` is the SHA-256 of the previous entry's hash and this entry's content
    (:func:`alliance_analytics.case.decision_log.entry_hash`), so editing or removing an old entry is detected.
    """

    date: IsoDate
    alliance: Identifier
    decision: Decision
    rationale: str = Field(min_length=1)
    dissent: str | None = None
    run: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    entry_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


REVIEW_FILES: dict[str, type[_Row]] = {"review.csv": ReviewRow, "restructure.csv": RestructureRow}
"""The optional files of the portfolio review (``restructure.csv`` only with ``review.csv``)."""

THESIS_FILES: dict[str, type[_Row]] = {"actuals.csv": ActualRow, "pilots.csv": PilotRow}
"""The optional files of the thesis check."""

HEALTH_FILES: dict[str, type[_Row]] = {"kpis.csv": KpiRow, "scorecard.csv": ScorecardRow, "triggers.csv": TriggerRow}
"""The optional files of the alliance-health analysis (``kpis.csv`` and ``scorecard.csv`` come together)."""

OPTIONAL_FILES: dict[str, type[_Row]] = {"drivers.csv": DriverRow, "correlations.csv": CorrelationRow, **HEALTH_FILES, **THESIS_FILES,
                                         **REVIEW_FILES, "decisions.csv": DecisionRow}
"""Case files that may be absent (then they contribute nothing)."""

ADDITIVE_QUANTITIES: tuple[str, ...] = ("revenue_uplift", "cost_savings", "investment", "running_cost")
SHARE_QUANTITIES: tuple[str, ...] = ("gross_margin",)
"""Quantities that are shares (0–1): sampled values are kept within 0..1, and counts observe them as trials."""
LOWER_IS_BETTER: tuple[str, ...] = ("investment", "running_cost", "launch_months", "ramp_up_years")
"""Quantities whose smaller values are the better news for the value thesis."""
"""Quantities a candidate may give in several rows (they add up); every other quantity at most once."""

CASE_FILES: dict[str, type[_Row] | None] = {
    "case.yaml": None,
    "candidates.csv": CandidateRow,
    "scores.csv": ScoreRow,
    "assumptions.csv": AssumptionRow,
    "risks.csv": RiskRow,
}
"""The files of a case folder and, for each CSV, the model of one row (its fields are the columns)."""
