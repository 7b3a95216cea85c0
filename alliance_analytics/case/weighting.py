"""The case's criterion weights, from the method ``case.yaml`` names in ``weighting``.

``direct`` takes ``criteria[].weight``; ``rank`` the rank-order centroid of a ranking; ``swing`` normalised
swing points; ``ahp`` the principal eigenvector of the evaluators' pairwise judgements combined by the
element-wise geometric mean, with the consistency ratio of each evaluator and of the combination (a warning
above 0.10). Problems are returned with their ``case.yaml`` key path, so the loader can name the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from alliance_analytics.case.elicitation import (
    CONSISTENCY_LIMIT,
    AHPResult,
    ahp_weights,
    combine_pairwise,
    pairwise_matrix,
    rank_order_centroid,
    swing_weights,
)
from alliance_analytics.case.model import CaseSettings

Located = tuple[tuple, str]
"""A problem as ``(key path, message)``."""


@dataclass(frozen=True)
class CriterionWeights:
    """The criterion weights of a case and how they were obtained.

    Attributes
    ----------
    method : str
        ``direct``, ``rank``, ``swing`` or ``ahp``.
    weights : pandas.Series
        Relative weights by criterion id, in the order of ``case.yaml`` (normalised for derived methods).
    ahp : AHPResult or None
        The combined AHP result (``ahp`` only).
    evaluator_consistency : dict of str to float
        Each evaluator's own consistency ratio (``ahp`` only).
    warnings : list of str
        Judgements too inconsistent to trust without a second look.
    """

    method: str
    weights: pd.Series
    ahp: AHPResult | None = None
    evaluator_consistency: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence on where the weights come from (and, for AHP, how consistent the judgements are).

        Returns
        -------
        str
        """
        if self.method != "ahp":
            return {"direct": "Weights: given directly (criteria[].weight in case.yaml).",
                    "rank": "Weights: rank-order centroid of the criteria ranking in case.yaml.",
                    "swing": "Weights: normalised swing points from case.yaml."}[self.method]
        ratios = ", ".join(f"{name} {ratio:.3f}" for name, ratio in self.consistency_table()["Consistency ratio"]
                           .items())
        return (f"Weights: AHP, principal eigenvector of {len(self.evaluator_consistency)} evaluators' pairwise "
                f"judgements combined by geometric mean; consistency ratios {ratios} (limit "
                f"{CONSISTENCY_LIMIT:.2f}).")

    def consistency_table(self) -> pd.DataFrame:
        """AHP consistency ratios of each evaluator and of the combined judgements (empty for other methods).

        Returns
        -------
        pandas.DataFrame
            ``Consistency ratio`` and ``Consistent`` (ratio at most 0.10), indexed by evaluator.
        """
        ratios = dict(self.evaluator_consistency)
        if self.ahp is not None:
            ratios["combined (geometric mean)"] = self.ahp.consistency_ratio
        table = pd.DataFrame({"Consistency ratio": pd.Series(ratios, dtype=float)}).rename_axis("Evaluator")
        table["Consistent"] = table["Consistency ratio"] <= CONSISTENCY_LIMIT
        return table.round(3)


def derive_weights(settings: CaseSettings) -> tuple[CriterionWeights | None, list[Located]]:
    """Compute the case's weights from its weighting method, or say everything that prevents it.

    Parameters
    ----------
    settings : CaseSettings
        The parsed ``case.yaml``.

    Returns
    -------
    tuple
        ``(weights, problems)``: ``weights`` is ``None`` when there are problems.
    """
    method = settings.weighting.method
    criteria = [criterion.id for criterion in settings.criteria]
    problems: list[Located] = []
    for index, criterion in enumerate(settings.criteria):
        if method == "direct" and criterion.weight is None:
            problems.append((("criteria", index, "weight"), "is missing; with weighting.method direct every "
                             "criterion needs a weight"))
        if method != "direct" and criterion.weight is not None:
            problems.append((("criteria", index, "weight"), f"remove it: the weights come from weighting.method "
                             f"{method}"))
    if method == "direct" and not problems and sum(c.weight for c in settings.criteria) == 0:
        problems.append((("criteria",), "all criterion weights are zero; at least one must be positive"))
    derive = {"direct": _direct, "rank": _ranked, "swing": _swing, "ahp": _ahp}[method]
    weighting, more = derive(settings, criteria) if not problems else (None, [])
    problems += more
    return (weighting if not problems else None), problems


def _direct(settings: CaseSettings, criteria: list[str]) -> tuple[CriterionWeights, list[Located]]:
    """Weights given in ``criteria[].weight``."""
    weights = pd.Series({c.id: float(c.weight) for c in settings.criteria}, name="weight")
    return CriterionWeights("direct", weights), []


def _ids_problems(location: tuple, given: list[str], criteria: list[str]) -> list[Located]:
    """Every criterion exactly once: unknown, repeated and missing ids."""
    problems = [(location, f"unknown criterion '{item}'") for item in dict.fromkeys(given) if item not in criteria]
    problems += [(location, f"criterion '{item}' is listed more than once")
                 for item in dict.fromkeys(given) if given.count(item) > 1]
    missing = [criterion for criterion in criteria if criterion not in given]
    if missing:
        problems.append((location, f"missing {', '.join(missing)}; every criterion must be listed"))
    return problems


def _ranked(settings: CaseSettings, criteria: list[str]) -> tuple[CriterionWeights | None, list[Located]]:
    """Rank-order-centroid weights of ``weighting.ranking``."""
    ranking = settings.weighting.ranking
    if ranking is None:
        return None, [(("weighting",), "method rank needs weighting.ranking: the criteria, most important first")]
    problems = _ids_problems(("weighting", "ranking"), ranking, criteria)
    if problems:
        return None, problems
    return CriterionWeights("rank", rank_order_centroid(ranking)[criteria]), []


def _swing(settings: CaseSettings, criteria: list[str]) -> tuple[CriterionWeights | None, list[Located]]:
    """Normalised ``weighting.swing_points``."""
    points = settings.weighting.swing_points
    if points is None:
        return None, [(("weighting",), "method swing needs weighting.swing_points: points per criterion")]
    problems = _ids_problems(("weighting", "swing_points"), list(points), criteria)
    if not problems and sum(points.values()) == 0:
        problems.append((("weighting", "swing_points"), "all swing points are zero; at least one must be positive"))
    if problems:
        return None, problems
    return CriterionWeights("swing", swing_weights(points)[criteria]), []


def _ahp(settings: CaseSettings, criteria: list[str]) -> tuple[CriterionWeights | None, list[Located]]:
    """AHP weights of the evaluators' combined pairwise judgements, with consistency ratios."""
    judgements = settings.weighting.pairwise
    if not judgements:
        return None, [(("weighting",), "method ahp needs weighting.pairwise: each evaluator's comparisons")]
    matrices, problems = [], []
    for index, evaluator in enumerate(judgements):
        try:
            matrices.append(pairwise_matrix(criteria, evaluator.comparisons))
        except ValueError as error:
            problems.append((("weighting", "pairwise", index, "comparisons"), f"{evaluator.evaluator}: {error}"))
    if problems:
        return None, problems
    try:
        consistency = {evaluator.evaluator: ahp_weights(matrix, criteria).consistency_ratio
                       for evaluator, matrix in zip(judgements, matrices)}
        combined = ahp_weights(combine_pairwise(matrices), criteria)
    except ValueError as error:
        return None, [(("weighting", "method"), f"AHP cannot be used here: {error}")]
    warnings = [f"{name}'s pairwise judgements are inconsistent (consistency ratio {ratio:.3f} > "
                f"{CONSISTENCY_LIMIT:.2f}): revisit them" for name, ratio in consistency.items()
                if ratio > CONSISTENCY_LIMIT]
    if combined.warning:
        warnings.append(f"combined judgements: {combined.warning}")
    return CriterionWeights("ahp", combined.weights[criteria], combined, consistency, warnings), []
