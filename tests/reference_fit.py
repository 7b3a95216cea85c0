"""An independent, brute-force reference implementation of the partner-fit analysis.

Written from the rules in ``docs/case-format.md`` (and the task's wording of them), not from the package
code, in plain Python: no pandas, no numpy. It exists only so that the tests can compare
:func:`alliance_analytics.partner_fit` with a second, deliberately different calculation.

Design choices that make it *different* from the package, on purpose:

- Every number is handled **exactly** with :class:`fractions.Fraction`. A number given as a float is
  read as the short decimal it was written as (``3.4`` means 17/5, via ``repr``), so a threshold in
  ``case.yaml`` means what the user typed.
- The mean and median are exact fractions; the geometric mean is exact when the product of the scores is
  a perfect power (``geometric(2, 8) == 4``) and otherwise computed with 60 significant digits
  (:mod:`decimal`), far beyond float precision.
- Ranks are found by counting, for each candidate, how many candidates score strictly better.
- Calendar months are added by hand with :mod:`calendar` (day clipped to the month's end).

Nothing is rounded. The package compares float scores with a tolerance of 1e-9 (docs/case-format.md), so
that float noise (3.9999999999999996 for an exact 4) never decides a threshold or a rank. On exact values
that tolerance has nothing to absorb, so here the rules are applied exactly: equal scores share the better
rank, and a score is below a threshold only when it is strictly below it. The two agree except where two
exact values differ by a hair, less than about the tolerance, without being equal: there the package
(rightly) calls them equal and the exact rules do not. Such comparisons are listed as *close calls*
(:attr:`ReferenceFit.close_calls`) so that a test can avoid them or say what it expects instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

AGGREGATION_METHODS: tuple[str, ...] = ("mean", "median", "geometric")
"""The aggregation methods the docs allow."""

RISK_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
"""``low < medium < high``, for comparing a candidate's risk level with the risk appetite."""

GATE_HORIZON = "phase_out_before_horizon"
"""Gate reason code: the offering is phased out before the strategic horizon."""
GATE_PAYBACK = "phase_out_before_payback"
"""Gate reason code: the offering is phased out before ``as_of + payback_months``."""
GATE_NO_OBJECTIVES = "no_objectives"
"""Gate reason code: the candidate serves none of the strategy's objectives."""
GATE_MISSING_REQUIRED = "missing_required:"
"""Prefix of the gate reason code for a missing required objective; the objective id follows."""

CONCERN_FIT = "fit_below_advance_min_score"
"""Review concern code: the fit score is below ``advance_min_score``."""
CONCERN_RISK = "risk_above_appetite"
"""Review concern code: the risk level is above the strategy's risk appetite."""
CONCERN_DISAGREEMENT = "evaluators_disagree"
"""Review concern code: the evaluators disagree on at least one criterion of the candidate."""

_DECIMAL_DIGITS = 60
_EPSILON = Fraction(1, 10**40)
"""Two values closer than this are equal. Rational values are exact, so this only matters for irrational
geometric means, which are computed to 60 digits: it keeps e.g. ``sqrt(2 * 3)`` and ``(2 * 2 * 3 * 3) ** (1/4)``
equal although they are approximated along different routes."""

CLOSE_CALL = Fraction(2, 10**9)
"""Two different exact values closer than this are a *close call*: the package's float comparison with its
1e-9 tolerance treats them as equal (below 1e-9) or could go either way (about 1e-9), while the exact rules
here tell them apart. Twice the tolerance, to stay clear of float noise at the tolerance's edge."""


def is_below(value: Fraction, threshold: Fraction) -> bool:
    """True when ``value`` is strictly below ``threshold`` (beyond the 1e-40 equality margin)."""
    return value < threshold - _EPSILON


def is_close_call(first: Fraction, second: Fraction) -> bool:
    """True when ``first`` and ``second`` differ, but by less than :data:`CLOSE_CALL`."""
    return _EPSILON <= abs(first - second) < CLOSE_CALL


def exact(value: float | Fraction | str) -> Fraction:
    """Return ``value`` as an exact fraction, reading a float as the short decimal it was written as.

    ``exact(0.1) == Fraction(1, 10)`` (not the binary approximation of 0.1), ``exact(3) == 3``.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        return Fraction(value.strip())
    return Fraction(repr(float(value)))


def integer_root(number: int, degree: int) -> int | None:
    """Return the exact ``degree``-th root of the non-negative integer ``number``, or None if it has none.

    Found by bisection on integers, so it is exact for numbers of any size.
    """
    if number < 0 or degree < 1:
        raise ValueError("need a non-negative number and a positive degree")
    low, high = 0, 1
    while high**degree <= number:
        high *= 2
    while low < high:  # smallest r with r**degree >= number
        middle = (low + high) // 2
        if middle**degree < number:
            low = middle + 1
        else:
            high = middle
    return low if low**degree == number else None


def geometric_mean(values: Sequence[Fraction]) -> Fraction:
    """The geometric mean of positive numbers: the n-th root of their product.

    Exact when the product is the n-th power of a fraction (``geometric_mean([2, 8]) == 4``); otherwise a
    fraction equal to the root to about 60 significant digits.
    """
    if not values:
        raise ValueError("the geometric mean of no values is undefined")
    product = Fraction(1)
    for value in values:
        if value <= 0:
            raise ValueError("the geometric mean needs positive values")
        product *= value
    count = len(values)
    numerator = integer_root(product.numerator, count)
    denominator = integer_root(product.denominator, count)
    if numerator is not None and denominator is not None:
        return Fraction(numerator, denominator)
    with localcontext() as context:
        context.prec = _DECIMAL_DIGITS
        logarithm = (Decimal(product.numerator).ln() - Decimal(product.denominator).ln()) / count
        return Fraction(logarithm.exp())


def aggregate(values: Iterable[float | Fraction], method: str) -> Fraction:
    """Combine one candidate/criterion pair's evaluator scores with ``method``.

    ``mean`` is the arithmetic mean, ``median`` the middle value (the mean of the two middle values for an
    even count), ``geometric`` the geometric mean; all exact (see :func:`geometric_mean`).
    """
    numbers = [exact(value) for value in values]
    if not numbers:
        raise ValueError("no scores to aggregate")
    if method == "mean":
        return sum(numbers, Fraction(0)) / len(numbers)
    if method == "median":
        return Fraction(statistics.median(numbers))  # exact on fractions: mean of the two middle values
    if method == "geometric":
        return geometric_mean(numbers)
    raise ValueError(f"unknown aggregation method {method!r}")


def aggregate_all(rows: Iterable[Sequence], method: str) -> dict[str, dict[str, Fraction]]:
    """Aggregated score per candidate and criterion from raw ``(candidate, criterion, evaluator, score)`` rows."""
    grouped: dict[str, dict[str, list[Fraction]]] = {}
    for candidate, criterion, _evaluator, score, *_ in rows:
        grouped.setdefault(candidate, {}).setdefault(criterion, []).append(exact(score))
    return {
        candidate: {criterion: aggregate(values, method) for criterion, values in by_criterion.items()}
        for candidate, by_criterion in grouped.items()
    }


def normalise_weights(weights: Mapping[str, float | Fraction]) -> dict[str, Fraction]:
    """Divide every weight by the sum of all weights, so that they sum to exactly 1.

    Raises ValueError for a negative weight or when every weight is zero.
    """
    values = {criterion: exact(weight) for criterion, weight in weights.items()}
    if any(weight < 0 for weight in values.values()):
        raise ValueError("weights must be non-negative")
    total = sum(values.values(), Fraction(0))
    if total <= 0:
        raise ValueError("weights must not all be zero")
    return {criterion: weight / total for criterion, weight in values.items()}


def fit_score(aggregated: Mapping[str, Fraction], normalised: Mapping[str, Fraction]) -> Fraction:
    """The weighted fit score: the sum over criteria of normalised weight times aggregated score."""
    return sum((normalised[criterion] * aggregated[criterion] for criterion in normalised), Fraction(0))


def min_ranks(scores: Mapping[str, Fraction]) -> dict[str, int]:
    """Rank by score, 1 = best; equal scores share the better rank ("min" ranking).

    Brute force: a candidate's rank is one plus the number of candidates with a strictly higher score.
    """
    return {
        candidate: 1 + sum(1 for other in scores.values() if is_below(score, other))
        for candidate, score in scores.items()
    }


def red_flags(
    aggregated: Mapping[str, Fraction], red_flag_below: Mapping[str, float | None], criteria: Sequence[str]
) -> list[str]:
    """The criteria (in ``criteria`` order) whose aggregated score is strictly below their red-flag threshold."""
    return [
        criterion
        for criterion in criteria
        if red_flag_below.get(criterion) is not None and is_below(aggregated[criterion], exact(red_flag_below[criterion]))
    ]


def score_ranges(rows: Iterable[Sequence]) -> dict[tuple[str, str], tuple[Fraction, Fraction]]:
    """``(lowest, highest)`` evaluator score per ``(candidate, criterion)`` pair."""
    scores: dict[tuple[str, str], list[Fraction]] = {}
    for candidate, criterion, _evaluator, score, *_ in rows:
        scores.setdefault((candidate, criterion), []).append(exact(score))
    return {pair: (min(values), max(values)) for pair, values in scores.items()}


def disagreement_pairs(rows: Iterable[Sequence], threshold: float) -> set[tuple[str, str]]:
    """The ``(candidate, criterion)`` pairs whose scores spread (max − min) by strictly more than ``threshold``."""
    limit = exact(threshold)
    return {pair for pair, (lowest, highest) in score_ranges(rows).items() if is_below(limit, highest - lowest)}


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` moved ``months`` calendar months on, the day clipped to the last day of the target month.

    ``add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)``.
    """
    years, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month_index + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def strategy_gate(
    *,
    phase_out_date: dt.date | None,
    payback_months: int,
    objectives: Iterable[str],
    as_of: dt.date,
    horizon: dt.date,
    strategy_objectives: Sequence[tuple[str, bool]],
) -> list[str]:
    """The reasons (codes) a candidate fails the strategy gate, in a fixed order; empty when it passes.

    1. ``GATE_HORIZON``: the offering is phased out strictly before the strategic horizon;
    2. ``GATE_PAYBACK``: it is phased out strictly before ``as_of`` plus ``payback_months`` calendar months;
    3. ``GATE_NO_OBJECTIVES``: the candidate serves no objective;
    4. ``GATE_MISSING_REQUIRED + id``: for each required objective (in strategy order) it does not serve.

    A blank phase-out date (None) never fails rules 1 and 2.
    """
    served = set(objectives)
    reasons = []
    if phase_out_date is not None and phase_out_date < horizon:
        reasons.append(GATE_HORIZON)
    if phase_out_date is not None and phase_out_date < add_months(as_of, payback_months):
        reasons.append(GATE_PAYBACK)
    if not served:
        reasons.append(GATE_NO_OBJECTIVES)
    reasons.extend(GATE_MISSING_REQUIRED + objective for objective, required in strategy_objectives
                   if required and objective not in served)
    return reasons


def recommend(
    *,
    gate_reasons: Sequence[str],
    red_flagged: Sequence[str],
    fit: Fraction,
    advance_min_score: float,
    risk_level: str,
    risk_appetite: str,
    disagreements: Sequence[str],
) -> tuple[str, list[str]]:
    """``("walk away" | "review" | "advance", concern codes)`` for one candidate.

    Walk away when the gate fails or there is any red flag; otherwise review when the fit score is below
    ``advance_min_score``, the risk level is above the appetite, or the evaluators disagree on any of the
    candidate's criteria (the concern codes say which); otherwise advance.
    """
    if gate_reasons or red_flagged:
        return "walk away", []
    concerns = []
    if is_below(fit, exact(advance_min_score)):
        concerns.append(CONCERN_FIT)
    if RISK_ORDER[risk_level] > RISK_ORDER[risk_appetite]:
        concerns.append(CONCERN_RISK)
    if disagreements:
        concerns.append(CONCERN_DISAGREEMENT)
    return ("review", concerns) if concerns else ("advance", [])


@dataclass(frozen=True)
class CandidateInput:
    """What the gate and the recommendation need to know about one candidate (from ``candidates.csv``)."""

    candidate_id: str
    objectives: tuple[str, ...]
    payback_months: int
    phase_out_date: dt.date | None
    risk_level: str


@dataclass
class CandidateFit:
    """The reference's findings for one candidate.

    ``aggregated`` and ``fit_score`` are exact fractions (convert with ``float``); ``gate_reasons`` and
    ``concerns`` are the codes defined in this module.
    """

    candidate_id: str
    aggregated: dict[str, Fraction]
    fit_score: Fraction
    rank: int
    red_flags: list[str]
    disagreements: list[str]
    payback_date: dt.date
    gate_reasons: list[str]
    recommendation: str
    concerns: list[str]

    @property
    def gate_passed(self) -> bool:
        """True when the candidate passes the strategy gate."""
        return not self.gate_reasons


@dataclass
class ReferenceFit:
    """The reference's result for a whole case.

    Normalised weights, the flagged disagreement pairs, the ``(lowest, highest)`` score of every pair,
    every candidate's findings, and the close calls (see :func:`close_calls`): comparisons of different exact
    values closer than :data:`CLOSE_CALL`, which the exact rules decide but the package's tolerance does not.
    """

    weights: dict[str, Fraction]
    disagreement_pairs: set[tuple[str, str]]
    score_ranges: dict[tuple[str, str], tuple[Fraction, Fraction]]
    candidates: dict[str, CandidateFit]
    close_calls: list[str] = field(default_factory=list)


def reference_partner_fit(
    score_rows: Iterable[Sequence],
    weights: Mapping[str, float],
    red_flag_below: Mapping[str, float | None],
    method: str,
    *,
    candidates: Iterable[CandidateInput],
    disagreement_threshold: float,
    advance_min_score: float,
    as_of: dt.date,
    horizon: dt.date,
    strategy_objectives: Sequence[tuple[str, bool]],
    risk_appetite: str,
) -> ReferenceFit:
    """Run the whole partner-fit analysis by brute force.

    Parameters: raw score rows ``(candidate, criterion, evaluator, score[, ...])``; relative weights by
    criterion id in ``case.yaml`` order (that order is also the order of red flags); red-flag thresholds by
    criterion id (None or absent = no threshold); the aggregation method; the candidates; and the case
    settings the gate and recommendation use. ``strategy_objectives`` lists ``(objective id, required)``.
    """
    rows = [tuple(row) for row in score_rows]
    criteria = list(weights)
    normalised = normalise_weights(weights)
    aggregated = aggregate_all(rows, method)
    fits = {candidate: fit_score(scores, normalised) for candidate, scores in aggregated.items()}
    flagged_pairs = disagreement_pairs(rows, disagreement_threshold)
    ranks = min_ranks(fits)
    results = {}
    for candidate in candidates:
        cid = candidate.candidate_id
        scores = aggregated[cid]
        flags = red_flags(scores, red_flag_below, criteria)
        disputed = sorted(criterion for pair_candidate, criterion in flagged_pairs if pair_candidate == cid)
        gate = strategy_gate(phase_out_date=candidate.phase_out_date, payback_months=candidate.payback_months,
                             objectives=candidate.objectives, as_of=as_of, horizon=horizon,
                             strategy_objectives=strategy_objectives)
        label, concerns = recommend(gate_reasons=gate, red_flagged=flags, fit=fits[cid],
                                    advance_min_score=advance_min_score, risk_level=candidate.risk_level,
                                    risk_appetite=risk_appetite, disagreements=disputed)
        results[cid] = CandidateFit(
            candidate_id=cid, aggregated=scores, fit_score=fits[cid], rank=ranks[cid], red_flags=flags,
            disagreements=disputed, payback_date=add_months(as_of, candidate.payback_months), gate_reasons=gate,
            recommendation=label, concerns=concerns,
        )
    return ReferenceFit(weights=normalised, disagreement_pairs=flagged_pairs, score_ranges=score_ranges(rows),
                        candidates=results,
                        close_calls=close_calls(aggregated, fits, red_flag_below, advance_min_score))


def close_calls(
    aggregated: Mapping[str, Mapping[str, Fraction]],
    fits: Mapping[str, Fraction],
    red_flag_below: Mapping[str, float | None],
    advance_min_score: float,
) -> list[str]:
    """Every comparison whose two exact values differ by less than :data:`CLOSE_CALL` without being equal.

    Checked: every pair of fit scores (ranks), every fit score against ``advance_min_score``, and every
    aggregated score against its criterion's red-flag threshold. Each is described in a short sentence.
    """
    calls = []
    ordered = sorted(fits)
    for index, first in enumerate(ordered):
        calls.extend(f"fit scores of {first} and {second} (rank)" for second in ordered[index + 1:]
                     if is_close_call(fits[first], fits[second]))
    limit = exact(advance_min_score)
    calls.extend(f"fit score of {candidate} vs advance_min_score" for candidate in ordered
                 if is_close_call(fits[candidate], limit))
    for candidate in ordered:
        for criterion, value in sorted(aggregated[candidate].items()):
            threshold = red_flag_below.get(criterion)
            if threshold is not None and is_close_call(value, exact(threshold)):
                calls.append(f"{candidate}/{criterion} vs red_flag_below")
    return calls


def _self_check() -> None:
    """A few hand-checked facts about the helpers (run by the tests)."""
    assert aggregate([2, 8], "geometric") == 4
    assert aggregate([1, 2, 4, 5], "median") == 3
    assert aggregate([1, 2, 4], "median") == 2
    assert aggregate([1, 2], "mean") == Fraction(3, 2)
    assert abs(aggregate([1, 2], "geometric") - Fraction(2**0.5)) < Fraction(1, 10**15)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 1), 14) == dt.date(2028, 1, 1)
    assert min_ranks({"a": Fraction(3), "b": Fraction(4), "c": Fraction(3)}) == {"a": 2, "b": 1, "c": 2}
    assert min_ranks({"a": Fraction(71, 24), "b": Fraction(71, 24), "c": Fraction(71, 24) - Fraction(1, 10**12)}) == {
        "a": 1, "b": 1, "c": 3}  # exact: a hair below is a worse rank (and a close call for the package)
    assert exact(3.4) == Fraction(17, 5)
    assert not is_below(Fraction(4), Fraction(4)) and is_below(Fraction(4) - Fraction(1, 10**12), Fraction(4))
    assert is_close_call(Fraction(4), Fraction(4) - Fraction(1, 10**12)) and not is_close_call(Fraction(4), Fraction(4))
    assert not is_close_call(Fraction(4), Fraction(4) - Fraction(1, 10**8))
    assert close_calls({"a": {"k": Fraction(5) - Fraction(1, 10**10)}}, {"a": Fraction(3)}, {"k": 5}, 3.5) == [
        "a/k vs red_flag_below"]
    assert min_ranks({"a": aggregate([2, 3], "geometric"), "b": aggregate([2, 2, 3, 3], "geometric")}) == {"a": 1, "b": 1}
    assert disagreement_pairs([("a", "k", "x", 1), ("a", "k", "y", 3), ("b", "k", "x", 1), ("b", "k", "y", 3.5)], 2) == {
        ("b", "k")}
