"""Weights selected in case.yaml: direct, rank-order centroid, swing points, AHP; every problem located."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from alliance_analytics import load_case
from alliance_analytics.core.problems import InputError

CRITERIA = ["strategic_fit", "capability_complementarity", "economic_symmetry", "operating_fit", "cultural_fit",
            "compliance_security_fit", "leadership_sponsorship"]


def _set_weighting(case_dir: Path, weighting: dict, keep_weights: bool = False) -> None:
    """Rewrite case.yaml with ``weighting`` (and without criterion weights unless kept)."""
    path = case_dir / "case.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["weighting"] = weighting
    if not keep_weights:
        for criterion in settings["criteria"]:
            criterion.pop("weight")
    path.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _problems(case_dir: Path) -> list[tuple[str | None, str]]:
    with pytest.raises(InputError) as caught:
        load_case(case_dir)
    assert all(problem.file == "case.yaml" and problem.line for problem in caught.value.problems)
    return [(problem.column, problem.message) for problem in caught.value.problems]


def test_direct_weights_are_the_criteria_weights(sample_case):
    assert sample_case.criterion_weights.method == "direct"
    assert sample_case.weights.to_dict() == {"strategic_fit": 25, "capability_complementarity": 20,
                                             "economic_symmetry": 15, "operating_fit": 10, "cultural_fit": 10,
                                             "compliance_security_fit": 12, "leadership_sponsorship": 8}
    assert sample_case.warnings == []
    assert sample_case.criterion_weights.summary() == "Weights: given directly (criteria[].weight in case.yaml)."


def test_rank_order_centroid_from_a_ranking(case_copy):
    ranking = list(reversed(CRITERIA))
    _set_weighting(case_copy, {"method": "rank", "ranking": ranking})
    weights = load_case(case_copy).weights
    assert list(weights.index) == CRITERIA, "weights keep the criteria order of case.yaml"
    expected = [sum(1 / k for k in range(i, 8)) / 7 for i in range(1, 8)]  # ROC of positions 1..7
    assert np.allclose(weights[ranking].to_numpy(), expected)


def test_swing_points_are_normalised(case_copy):
    _set_weighting(case_copy, {"method": "swing", "swing_points": dict(zip(CRITERIA, [100, 80, 60, 40, 20, 0, 0]))})
    weights = load_case(case_copy).weights
    assert weights["strategic_fit"] == pytest.approx(100 / 300) and weights["cultural_fit"] == pytest.approx(20 / 300)


def test_ahp_combines_evaluators_by_geometric_mean(case_copy):
    """Two evaluators with consistent judgements v_i / v_j combine to weights proportional to sqrt(v · u)."""
    v = np.array([7, 6, 5, 4, 3, 2, 1.0])
    u = np.array([1, 2, 3, 4, 5, 6, 7.0])

    def judgements(values):
        return [[CRITERIA[i], CRITERIA[j], float(values[i] / values[j])]
                for i in range(7) for j in range(i + 1, 7)]

    _set_weighting(case_copy, {"method": "ahp", "pairwise": [{"evaluator": "A", "comparisons": judgements(v)},
                                                             {"evaluator": "B", "comparisons": judgements(u)}]})
    case = load_case(case_copy)
    expected = np.sqrt(v * u) / np.sqrt(v * u).sum()
    assert np.allclose(case.weights.to_numpy(), expected, atol=1e-9)
    assert case.criterion_weights.evaluator_consistency == pytest.approx({"A": 0.0, "B": 0.0}, abs=1e-9)
    assert case.warnings == []
    assert case.criterion_weights.summary().startswith("Weights: AHP, principal eigenvector of 2 evaluators'")
    assert "A 0.000, B 0.000, combined (geometric mean) 0.000" in case.criterion_weights.summary()


def test_inconsistent_ahp_is_a_warning_not_an_error(case_copy):
    comparisons = [[a, b, 1.0] for i, a in enumerate(CRITERIA) for b in CRITERIA[i + 1:]]
    comparisons[0][2] = 9.0    # strategic > capability 9x
    comparisons[6][2] = 9.0    # capability > economic 9x
    comparisons[1][2] = 1 / 9  # but economic > strategic 9x: a cycle
    _set_weighting(case_copy, {"method": "ahp", "pairwise": [{"evaluator": "A. Keller", "comparisons": comparisons}]})
    case = load_case(case_copy)
    assert case.criterion_weights.ahp.consistency_ratio > 0.10
    assert any("A. Keller's pairwise judgements are inconsistent" in warning for warning in case.warnings)


@pytest.mark.parametrize(("weighting", "keep_weights", "expected"), [
    ({"method": "rank", "ranking": CRITERIA[:-1] + ["charisma"]}, False,
     [("weighting.ranking", "unknown criterion 'charisma'"),
      ("weighting.ranking", "missing leadership_sponsorship; every criterion must be listed")]),
    ({"method": "rank", "ranking": CRITERIA + ["cultural_fit"]}, False,
     [("weighting.ranking", "criterion 'cultural_fit' is listed more than once")]),
    ({"method": "rank"}, False,
     [("weighting", "method rank needs weighting.ranking: the criteria, most important first")]),
    ({"method": "swing", "swing_points": dict.fromkeys(CRITERIA, 0)}, False,
     [("weighting.swing_points", "all swing points are zero; at least one must be positive")]),
    ({"method": "ahp", "pairwise": [{"evaluator": "A", "comparisons": [[CRITERIA[0], CRITERIA[1], 3]]}]}, False,
     None),
    ({"method": "rank", "ranking": CRITERIA}, True,
     [(f"criteria[{i}].weight", "remove it: the weights come from weighting.method rank") for i in range(7)]),
])
def test_weighting_problems_are_located(case_copy, weighting, keep_weights, expected):
    _set_weighting(case_copy, weighting, keep_weights)
    problems = _problems(case_copy)
    if expected is None:  # an incomplete AHP matrix: the message lists the missing pairs
        assert [column for column, _ in problems] == ["weighting.pairwise[0].comparisons"]
        assert problems[0][1].startswith("A: ") and "capability_complementarity" in problems[0][1]
    else:
        assert problems == expected


def test_direct_method_needs_every_weight(case_copy):
    path = case_copy / "case.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    del settings["criteria"][2]["weight"]
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    assert _problems(case_copy) == [("criteria[2].weight",
                                     "is missing; with weighting.method direct every criterion needs a weight")]


def test_consistency_table_lists_evaluators_and_the_combination(case_copy):
    comparisons = [[a, b, 1.0] for i, a in enumerate(CRITERIA) for b in CRITERIA[i + 1:]]
    cyclic = [list(item) for item in comparisons]
    cyclic[0][2], cyclic[6][2], cyclic[1][2] = 9.0, 9.0, 1 / 9
    _set_weighting(case_copy, {"method": "ahp", "pairwise": [{"evaluator": "A", "comparisons": comparisons},
                                                             {"evaluator": "B", "comparisons": cyclic}]})
    table = load_case(case_copy).criterion_weights.consistency_table()
    assert list(table.index) == ["A", "B", "combined (geometric mean)"]
    assert table.loc["A", "Consistency ratio"] == 0 and bool(table.loc["A", "Consistent"])
    assert not bool(table.loc["B", "Consistent"])
    assert 0 < table.loc["combined (geometric mean)", "Consistency ratio"] < table.loc["B", "Consistency ratio"]


def test_consistency_table_is_empty_for_direct_weights(sample_case):
    assert sample_case.criterion_weights.consistency_table().empty


def test_ahp_beyond_the_random_index_table_is_a_located_problem(case_copy):
    """More than 15 criteria: no random index, reported as a problem (not a traceback)."""
    path = case_copy / "case.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    extra = [f"extra_{i}" for i in range(9)]
    settings["criteria"] += [{"id": name, "name": name} for name in extra]
    ids = CRITERIA + extra
    settings["weighting"] = {"method": "ahp", "pairwise": [{"evaluator": "A", "comparisons": [
        [a, b, 1.0] for i, a in enumerate(ids) for b in ids[i + 1:]]}]}
    for criterion in settings["criteria"]:
        criterion.pop("weight", None)
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_case(case_copy)
    located = [p for p in caught.value.problems if p.column == "weighting.method"]
    assert len(located) == 1 and "AHP cannot be used here" in located[0].message and located[0].line
