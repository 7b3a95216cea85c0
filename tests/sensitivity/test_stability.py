"""Weight stability: how far one weight can move before the top candidate or the ranking changes.

1. Hand calculations on two- and three-candidate cases (expected intervals are literals, arithmetic in
   comments). With criterion k at weight t and the others rescaled, ``s_i(t) = t·a_ik + (1 − t)·b_i``.
2. Random small cases (hypothesis) against a brute-force scan of 20,001 weights, computing the full
   pairwise order at each with weights rescaled independently of the module.
3. The sweep and the rescaled weights against independent computations.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_analytics.sensitivity.stability import (
    StabilityResult,
    WeightInterval,
    rescaled_weights,
    stability_intervals,
    weight_sweep,
)

GRID = np.linspace(0.0, 1.0, 20_001)
STEP = GRID[1]
EPS = 1e-9
DELTA = 1e-7
"""A step off an end small enough that no other crossing lies within it (crossings of these cases are
fractions with denominators below ~1,000, so at least ~1e-6 apart) yet large enough to leave float noise."""


def frame(rows: dict[str, list[float]], criteria: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=criteria, dtype=float)


def approx_interval(interval: tuple[float, float], expected: tuple[Fraction | float, Fraction | float]) -> None:
    assert interval == pytest.approx(tuple(float(end) for end in expected), abs=1e-12)


# --------------------------------------------------------------------------------------------------------
# Hand calculations
# --------------------------------------------------------------------------------------------------------

def test_two_candidates_two_criteria() -> None:
    # Weights x 0.75, y 0.25. A = (5, 1): 3.75 + 0.25 = 4.0; B = (2, 4): 1.5 + 1.0 = 2.5, so A is top.
    # x at t, y gets 1 − t: A = 5t + (1 − t) = 1 + 4t, B = 2t + 4(1 − t) = 4 − 2t; 1 + 4t = 4 − 2t at t = 0.5.
    #   A stays ahead for t >= 0.5 (up to 1), below 0.5 B is ahead.
    # y at t, x gets 1 − t: A = t + 5(1 − t) = 5 − 4t, B = 4t + 2(1 − t) = 2 + 2t; equal at t = 0.5.
    #   A stays ahead for t <= 0.5, from 0 up; above 0.5 B is ahead.
    # Both criteria flip at a change of 0.25 (0.75 → 0.5 and 0.25 → 0.5); the first criterion, x, is reported.
    scores = frame({"A": [5, 1], "B": [2, 4]}, ["x", "y"])
    result = stability_intervals(scores, pd.Series({"x": 0.75, "y": 0.25}))
    assert result.top == "A"
    assert result.intervals["x"] == WeightInterval("x", 0.75, (0.5, 1.0), (0.5, 1.0), ("B", None),
                                                   (("A", "B"), None))
    assert result.intervals["y"] == WeightInterval("y", 0.25, (0.0, 0.5), (0.0, 0.5), (None, "B"),
                                                   (None, ("A", "B")))
    assert result.min_change_to_flip_top == 0.25
    assert result.min_change_detail == {"criterion": "x", "from": 0.75, "to": 0.5, "new_top": "B"}
    assert result.to_json() == {
        "stability": {"x": {"top_kept": [0.5, 1.0], "ranking_kept": [0.5, 1.0]},
                      "y": {"top_kept": [0.0, 0.5], "ranking_kept": [0.0, 0.5]}},
        "min_change_to_flip_top": 0.25,
        "min_change_detail": {"criterion": "x", "from": 0.75, "to": 0.5, "new_top": "B"},
        "top": "A",
    }


THREE = frame({"A": [4, 2, 3], "B": [2, 5, 3], "C": [3, 3, 3]}, ["p", "q", "r"])
THREE_WEIGHTS = pd.Series({"p": 0.5, "q": 0.25, "r": 0.25})


def test_three_candidates_with_a_tie_below_the_top() -> None:
    # Now: A = 2 + 0.5 + 0.75 = 3.25, B = 1 + 1.25 + 0.75 = 3.0, C = 1.5 + 0.75 + 0.75 = 3.0 (B, C tied).
    # p at t (q, r share 1 − t equally): A = 4t + 2.5(1 − t) = 2.5 + 1.5t, B = 2t + 4(1 − t) = 4 − 2t, C = 3.
    #   A >= B: 3.5t >= 1.5, t >= 3/7;  A >= C: 1.5t >= 0.5, t >= 1/3;  so top kept on [3/7, 1], lost to B.
    #   B − C = 1 − 2t is 0 only at t = 0.5: the tie breaks both ways, ranking kept on [0.5, 0.5];
    #   below 0.5 B goes ahead of C, above 0.5 C goes ahead of B.
    # q at t (p, r keep 2 : 1): b_A = (2·4 + 3)/3 = 11/3, b_B = (2·2 + 3)/3 = 7/3, b_C = 3.
    #   A = 2t + 11/3(1 − t), B = 5t + 7/3(1 − t), C = 3.
    #   A >= B: 4/3 >= 13/3·t, t <= 4/13;  A >= C: 2/3 >= 5/3·t, t <= 2/5;  top kept on [0, 4/13], lost to B.
    #   B − C = 8/3·t − 2/3 is 0 only at t = 1/4 = now: ranking kept on [1/4, 1/4]; C ahead below, B above.
    # r at t (p, q keep 2 : 1): b_A = (8 + 2)/3 = 10/3, b_B = (4 + 5)/3 = 3, b_C = 3.
    #   A = 3t + 10/3(1 − t) = 10/3 − t/3 >= 3 for every t <= 1 (tied only at t = 1, an end);
    #   B = C = 3 for every t (identical lines stay tied): top and ranking kept on [0, 1].
    # Nearest flip: p needs 1/2 − 3/7 = 1/14 ≈ 0.0714, q needs 4/13 − 1/4 = 3/52 ≈ 0.0577: q, from 1/4 to 4/13.
    result = stability_intervals(THREE, THREE_WEIGHTS)
    assert result.top == "A"
    p, q, r = (result.intervals[criterion] for criterion in "pqr")
    approx_interval(p.top_kept, (Fraction(3, 7), 1))
    approx_interval(p.ranking_kept, (0.5, 0.5))
    assert p.top_lost_to == ("B", None)
    assert p.ranking_broken_by == (("C", "B"), ("B", "C"))
    approx_interval(q.top_kept, (0, Fraction(4, 13)))
    approx_interval(q.ranking_kept, (0.25, 0.25))
    assert q.top_lost_to == (None, "B")
    assert q.ranking_broken_by == (("B", "C"), ("C", "B"))
    assert (r.top_kept, r.ranking_kept, r.top_lost_to, r.ranking_broken_by) == ((0.0, 1.0), (0.0, 1.0),
                                                                                 (None, None), (None, None))
    assert result.min_change_to_flip_top == pytest.approx(3 / 52, abs=1e-12)
    detail = result.min_change_detail
    assert (detail["criterion"], detail["from"], detail["new_top"]) == ("q", 0.25, "B")
    assert detail["to"] == pytest.approx(4 / 13, abs=1e-12)


def test_three_candidates_sweep_crossings() -> None:
    # q swept (see above): B = C at t = 1/4 (score 3), A = B at t = 4/13 (score 2·4/13 + 11/3·9/13 = 41/13),
    # A = C at t = 2/5 (score 3). Below each crossing the first named candidate is ahead.
    sweep = weight_sweep(THREE, THREE_WEIGHTS, "q", points=5)
    assert sweep.current == 0.25
    assert sweep.values.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    # At t = 0.5: A = 1 + 11/6 = 17/6, B = 2.5 + 7/6 = 11/3, C = 3.
    assert sweep.scores.loc[0.5].tolist() == pytest.approx([17 / 6, 11 / 3, 3.0])
    crossings = sweep.crossings
    assert crossings["t"].tolist() == pytest.approx([0.25, 4 / 13, 0.4])
    assert crossings["score"].tolist() == pytest.approx([3.0, 41 / 13, 3.0])
    assert crossings[["candidate_a", "candidate_b"]].values.tolist() == [["C", "B"], ["A", "B"], ["A", "C"]]


def test_concurrent_crossings_the_steepest_takes_the_top() -> None:
    # Weights x 0.9, y 0.1. A = (3, 3), B = (2, 4), C = (1, 5): now A = 3, B = 2.2, C = 1.4.
    # x at t: A = 3, B = 2t + 4(1 − t) = 4 − 2t, C = t + 5(1 − t) = 5 − 4t: all three meet at t = 0.5.
    #   Below 0.5 C is highest (C − B = 1 − 2t > 0), so the top is lost to C, not B, though both reach A there
    #   (in floats the two crossing points differ by an ulp, B's being the later). Every pair swaps at 0.5;
    #   the first in ranking order, (A, B), is reported.
    # y at t: A = 3, B = 2 + 2t, C = 1 + 4t: the mirror image, top kept on [0, 0.5], lost to C above it.
    scores = frame({"A": [3, 3], "B": [2, 4], "C": [1, 5]}, ["x", "y"])
    result = stability_intervals(scores, pd.Series({"x": 0.9, "y": 0.1}))
    x, y = result.intervals["x"], result.intervals["y"]
    approx_interval(x.top_kept, (0.5, 1))
    approx_interval(x.ranking_kept, (0.5, 1))
    assert (x.top_lost_to, x.ranking_broken_by) == (("C", None), (("A", "B"), None))
    approx_interval(y.top_kept, (0, 0.5))
    assert (y.top_lost_to, y.ranking_broken_by) == ((None, "C"), (None, ("A", "B")))
    assert result.min_change_detail["new_top"] == "C"


def test_tie_for_the_top_now() -> None:
    # A = (4, 2), B = (2, 4), weights 0.5 each: both score 3; A is top because it comes first.
    # x at t: A = 4t + 2(1 − t) = 2 + 2t, B = 2t + 4(1 − t) = 4 − 2t, equal only at t = 0.5.
    #   Below 0.5 B is ahead: top kept on [0.5, 1]; the tie breaks either way: ranking kept on [0.5, 0.5].
    # y at t: A = 4 − 2t, B = 2 + 2t: top kept on [0, 0.5], lost to B above 0.5.
    # The top flips with any change at all: minimum 0.
    scores = frame({"A": [4, 2], "B": [2, 4]}, ["x", "y"])
    weights = pd.Series({"x": 0.5, "y": 0.5})
    result = stability_intervals(scores, weights)
    assert result.top == "A"
    assert result.intervals["x"] == WeightInterval("x", 0.5, (0.5, 1.0), (0.5, 0.5), ("B", None),
                                                   (("A", "B"), ("B", "A")))
    assert result.intervals["y"] == WeightInterval("y", 0.5, (0.0, 0.5), (0.5, 0.5), (None, "B"),
                                                   (("B", "A"), ("A", "B")))
    assert result.min_change_to_flip_top == 0.0
    assert result.min_change_detail == {"criterion": "x", "from": 0.5, "to": 0.5, "new_top": "B"}
    swapped = stability_intervals(scores.loc[["B", "A"]], weights)
    assert swapped.top == "B"
    assert swapped.intervals["x"].top_kept == (0.0, 0.5)


def test_one_criterion_with_all_the_weight_and_zero_weights() -> None:
    # Weights x 1, y 0, z 0. A = (5, 1, 1): 5; B = (4, 5, 5): 4; C = (4, 5, 1): 4 (B, C tied).
    # x at t (w_x = 1, so y and z share 1 − t equally): A = 5t + (1 − t) = 1 + 4t, B = 4t + 5(1 − t) = 5 − t,
    #   C = 4t + 3(1 − t) = 3 + t.  A >= B: t >= 0.8;  A >= C: t >= 2/3;  top kept on [0.8, 1], lost to B.
    #   B − C = 2 − 2t: tied only at t = 1 = now, B ahead below: ranking kept on [1, 1], broken by (C, B).
    # y at t (z has weight 0, so x gets 1 − t): A = t + 5(1 − t) = 5 − 4t, B = C = 5t + 4(1 − t) = 4 + t.
    #   A >= B: t <= 0.2; B and C identical lines: top and ranking kept on [0, 0.2]; B (first of the two
    #   identical lines) takes the top and passes A.
    # z at t: A = 5 − 4t, B = 4 + t, C = t + 4(1 − t) = 4 − 3t.  A >= B: t <= 0.2;  A >= C always.
    #   B − C = 4t: tied only at t = 0 = now: ranking kept on [0, 0], B goes ahead of C above 0.
    # Every criterion flips the top at a change of 0.2; x comes first: 1 → 0.8.
    scores = frame({"A": [5, 1, 1], "B": [4, 5, 5], "C": [4, 5, 1]}, ["x", "y", "z"])
    result = stability_intervals(scores, pd.Series({"x": 1.0, "y": 0.0, "z": 0.0}))
    x, y, z = (result.intervals[criterion] for criterion in "xyz")
    approx_interval(x.top_kept, (0.8, 1))
    assert (x.ranking_kept, x.top_lost_to, x.ranking_broken_by) == ((1.0, 1.0), ("B", None), (("C", "B"), None))
    approx_interval(y.top_kept, (0, 0.2))
    approx_interval(y.ranking_kept, (0, 0.2))
    assert (y.top_lost_to, y.ranking_broken_by) == ((None, "B"), (None, ("A", "B")))
    approx_interval(z.top_kept, (0, 0.2))
    assert (z.ranking_kept, z.top_lost_to, z.ranking_broken_by) == ((0.0, 0.0), (None, "B"), (None, ("C", "B")))
    assert result.min_change_to_flip_top == pytest.approx(0.2, abs=1e-12)
    assert result.min_change_detail["criterion"] == "x"
    assert result.min_change_detail["to"] == pytest.approx(0.8, abs=1e-12)
    assert result.min_change_detail["new_top"] == "B"
    # With all the weight on x, the others share the rest equally: t = 0.4 leaves 0.3 each.
    assert rescaled_weights(np.array([1.0, 0.0, 0.0]), 0, np.array([0.4])).tolist() == [[0.4, 0.3, 0.3]]


def test_float_noise_is_not_a_difference() -> None:
    # Weights 1 : 9 : 4 (/14). A = (2, 4, 2): (2 + 36 + 8)/14 = 46/14; B = (3, 3, 4): (3 + 27 + 16)/14 = 46/14.
    # Tied exactly, but the float sums differ in the last bit: A is still top, as the first of the two.
    tied = stability_intervals(frame({"A": [2, 4, 2], "B": [3, 3, 4]}, ["x", "y", "z"]),
                               pd.Series([1, 9, 4], index=["x", "y", "z"]) / 14)
    assert tied.top == "A"
    assert tied.min_change_to_flip_top == 0.0
    # Weights 1 : 7 : 3 (/11). A = (1, 3, 2): 28/11 (top); B = (2, 2, 3) and C = (5, 2, 2): 25/11 each.
    # y at t (x, z keep 1 : 3): A = 3t + (1 + 6)/4·(1 − t), B = 2t + (2 + 9)/4·(1 − t),
    # C = 2t + (5 + 6)/4·(1 − t).
    # B and C are the same line (only float noise apart); A >= B: 2t >= 1, t >= 1/2. Below 1/2 they pass A
    # together, and B, the first of the two, is named.
    same_line = stability_intervals(frame({"A": [1, 3, 2], "B": [2, 2, 3], "C": [5, 2, 2]}, ["x", "y", "z"]),
                                    pd.Series([1, 7, 3], index=["x", "y", "z"]) / 11)
    approx_interval(same_line.intervals["y"].top_kept, (0.5, 1))
    assert same_line.intervals["y"].top_lost_to == ("B", None)
    # Weights x 0.1, y 0.9. A = (5, 1): 1.4; B = (2, 4): 3.8 (top). x at t: A = 1 + 4t, B = 4 − 2t, equal at
    # 0.5; y at t: A = 5 − 4t, B = 2 + 2t, equal at 0.5. Both need a change of 0.4 (in floats x's is an ulp
    # larger): the first criterion, x, is reported.
    both = stability_intervals(frame({"A": [5, 1], "B": [2, 4]}, ["x", "y"]), pd.Series({"x": 0.1, "y": 0.9}))
    assert both.min_change_to_flip_top == pytest.approx(0.4, abs=1e-12)
    assert (both.min_change_detail["criterion"], both.min_change_detail["new_top"]) == ("x", "A")


def test_single_criterion_cannot_change_anything() -> None:
    # One criterion always has weight 1: the scores do not depend on t and nothing ever crosses.
    scores = frame({"A": [3], "B": [5], "C": [3]}, ["x"])
    result = stability_intervals(scores, pd.Series({"x": 1.0}))
    assert result.top == "B"
    assert result.intervals["x"] == WeightInterval("x", 1.0, (0.0, 1.0), (0.0, 1.0), (None, None), (None, None))
    assert (result.min_change_to_flip_top, result.min_change_detail) == (None, None)
    sweep = weight_sweep(scores, pd.Series({"x": 1.0}), "x", points=3)
    assert sweep.scores.values.tolist() == [[3.0, 5.0, 3.0]] * 3
    assert sweep.crossings.empty


def test_dominating_candidate_never_flips() -> None:
    # B is at least as good as A and C on every criterion, so no weights can put anyone ahead of it.
    scores = frame({"A": [1, 4, 2], "B": [3, 4, 5], "C": [3, 1, 5]}, ["x", "y", "z"])
    result = stability_intervals(scores, pd.Series({"x": 0.2, "y": 0.0, "z": 0.8}))
    assert result.top == "B"
    assert all(interval.top_kept == (0.0, 1.0) for interval in result.intervals.values())
    assert (result.min_change_to_flip_top, result.min_change_detail) == (None, None)
    assert result.to_json()["min_change_detail"] is None


def test_table_and_json_are_readable_and_plain() -> None:
    result = stability_intervals(THREE, THREE_WEIGHTS)
    table = result.table()
    assert table.index.tolist() == ["p", "q", "r"]
    assert table.columns.tolist() == ["Weight now", "Top kept from", "Top kept to", "Top lost below to",
                                      "Top lost above to", "Ranking kept from", "Ranking kept to",
                                      "Ranking broken below", "Ranking broken above"]
    assert table.loc["p", "Top kept from"] == 0.4286
    assert table.loc["p", "Ranking broken below"] == "B ahead of C"
    assert table.loc["r", "Top lost below to"] == "—"
    payload = result.to_json()
    assert set(payload) == {"stability", "min_change_to_flip_top", "min_change_detail", "top"}
    assert set(payload["min_change_detail"]) == {"criterion", "from", "to", "new_top"}
    ends = [end for item in payload["stability"].values() for key in ("top_kept", "ranking_kept") for end in item[key]]
    assert all(type(end) is float for end in ends)
    assert type(payload["min_change_to_flip_top"]) is float
    assert json.loads(json.dumps(payload)) == payload


def test_unnormalised_weights_are_rejected() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        stability_intervals(THREE, pd.Series({"p": 2.0, "q": 1.0, "r": 1.0}))
    with pytest.raises(ValueError, match="criterion ids"):
        stability_intervals(THREE, pd.Series({"p": 0.5, "q": 0.5}))


# --------------------------------------------------------------------------------------------------------
# Brute force: an independent re-implementation, scanning the weight
# --------------------------------------------------------------------------------------------------------

def brute_weights(weights: np.ndarray, k: int, t: np.ndarray) -> np.ndarray:
    """w_k = t; w_j(1 − t)/(1 − w_k) for the others, or equal shares when w_k = 1; one criterion: 1."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    count = len(weights)
    if count == 1:
        return np.ones((t.size, 1))
    columns = []
    for j in range(count):
        if j == k:
            columns.append(t)
        elif weights[k] == 1:
            columns.append((1 - t) / (count - 1))
        else:
            columns.append(weights[j] * (1 - t) / (1 - weights[k]))
    return np.column_stack(columns)


def brute_scores(matrix: np.ndarray, weights: np.ndarray, k: int, t) -> np.ndarray:
    """Points × candidates, summing weight × score criterion by criterion."""
    rescaled = brute_weights(weights, k, t)
    return sum(rescaled[:, [j]] * matrix[:, j] for j in range(matrix.shape[1]))


def first_top(row: np.ndarray, tolerance: float) -> int:
    return int(np.flatnonzero(row >= row.max() - tolerance)[0])


def signs(differences: np.ndarray, tolerance: float) -> np.ndarray:
    return np.sign(np.where(np.abs(differences) <= tolerance, 0.0, differences))


def kept_run(ok: np.ndarray, index: int) -> tuple[int, int]:
    """First and last grid index of the run of ``ok`` containing ``index``."""
    assert ok[index]
    bad_below = np.flatnonzero(~ok[:index])
    bad_above = np.flatnonzero(~ok[index:])
    return (bad_below[-1] + 1 if bad_below.size else 0,
            index + bad_above[0] - 1 if bad_above.size else ok.size - 1)


def scan(matrix: np.ndarray, weights: np.ndarray, k: int) -> dict:
    """Top and ranking kept, scanning 20,001 weights plus the current one."""
    current = weights[k]
    grid = np.union1d(GRID, [current])
    index = int(np.searchsorted(grid, current))
    tolerance = 1e-12 * np.abs(matrix).max()
    now = matrix @ weights
    top = first_top(now, tolerance)
    swept = brute_scores(matrix, weights, k, grid)
    top_ok = swept[:, top] >= swept.max(axis=1) - tolerance
    order = signs(swept[:, :, None] - swept[:, None, :], tolerance)
    order_now = signs(now[:, None] - now[None, :], tolerance)
    same = np.where(order_now != 0, (order == order_now) | (order == 0), order == 0)
    return {"grid": grid, "index": index, "top": top, "tolerance": tolerance,
            "top_run": kept_run(top_ok, index), "ranking_run": kept_run(same.all(axis=(1, 2)), index)}


def assert_matches_run(interval: tuple[float, float], grid: np.ndarray, run: tuple[int, int]) -> None:
    """The exact interval ends lie between the last grid point kept and the first one lost."""
    low, high = run
    assert interval[0] <= grid[low] + EPS
    assert interval[0] > grid[low - 1] - EPS if low > 0 else interval[0] == 0.0
    assert interval[1] >= grid[high] - EPS
    assert interval[1] < grid[high + 1] + EPS if high < grid.size - 1 else interval[1] == 1.0


def scores_at(matrix: np.ndarray, weights: np.ndarray, k: int, t: float) -> np.ndarray:
    return brute_scores(matrix, weights, k, [t])[0]


def check_against_scan(scores: pd.DataFrame, weights: pd.Series, result: StabilityResult) -> list:
    """Assert every interval, taker and pair of ``result`` against the scan; return the scanned flips."""
    matrix = scores.to_numpy(dtype=float)
    weight_values = weights.to_numpy()
    names = list(scores.index)
    flips = []
    for k, criterion in enumerate(weights.index):
        interval = result.intervals[criterion]
        found = scan(matrix, weight_values, k)
        grid, tolerance = found["grid"], found["tolerance"]
        assert result.top == names[found["top"]]
        assert interval.current == weight_values[k]
        assert_matches_run(interval.top_kept, grid, found["top_run"])
        assert_matches_run(interval.ranking_kept, grid, found["ranking_run"])
        for side, (end, beyond, edge) in enumerate([(interval.top_kept[0], -DELTA, 0),
                                                    (interval.top_kept[1], DELTA, grid.size - 1)]):
            taker = interval.top_lost_to[side]
            lost = found["top_run"][side] != edge
            assert (taker is not None) == lost
            if lost:
                outside = scores_at(matrix, weight_values, k, end + beyond)
                assert names[first_top(outside, tolerance)] == taker
                flips.append((abs(grid[found["top_run"][side]] - interval.current), criterion))
        for side, (end, beyond, edge) in enumerate([(interval.ranking_kept[0], -DELTA, 0),
                                                    (interval.ranking_kept[1], DELTA, grid.size - 1)]):
            pair = interval.ranking_broken_by[side]
            assert (pair is not None) == (found["ranking_run"][side] != edge)
            if pair is not None:
                a, b = names.index(pair[0]), names.index(pair[1])
                now = matrix @ weight_values
                at_end = scores_at(matrix, weight_values, k, end)
                outside = scores_at(matrix, weight_values, k, end + beyond)
                assert now[a] >= now[b] - tolerance
                assert abs(at_end[a] - at_end[b]) <= EPS
                assert outside[b] > outside[a] + tolerance
    return flips


@st.composite
def cases(draw, dominated: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """2–7 candidates × 1–6 criteria of whole or half points on 1–5 (so ties happen); integer weights
    0–9 (zeros included, not all zero), normalised. With ``dominated`` the first candidate gets the best
    score on every criterion."""
    candidates = draw(st.integers(2, 7))
    criteria = draw(st.integers(1, 6))
    step = draw(st.sampled_from([1.0, 0.5]))
    point = st.integers(int(1 / step), int(5 / step)).map(lambda units: units * step)
    matrix = np.array(draw(st.lists(st.lists(point, min_size=criteria, max_size=criteria),
                                    min_size=candidates, max_size=candidates)))
    if dominated:
        matrix[0] = matrix.max(axis=0)
    raw = np.array(draw(st.lists(st.integers(0, 9), min_size=criteria, max_size=criteria).filter(any)), float)
    criterion_ids = [f"k{j}" for j in range(criteria)]
    return (pd.DataFrame(matrix, index=[f"C{i}" for i in range(candidates)], columns=criterion_ids),
            pd.Series(raw / raw.sum(), index=criterion_ids))


@settings(max_examples=120, deadline=None)
@given(case=cases())
def test_random_cases_equal_brute_force_scan(case: tuple[pd.DataFrame, pd.Series]) -> None:
    scores, weights = case
    result = stability_intervals(scores, weights)
    flips = check_against_scan(scores, weights, result)
    if not flips:
        assert (result.min_change_to_flip_top, result.min_change_detail) == (None, None)
        return
    assert result.min_change_to_flip_top == pytest.approx(min(flips)[0], abs=STEP + EPS)
    detail = result.min_change_detail
    interval = result.intervals[detail["criterion"]]
    assert detail["from"] == interval.current
    assert abs(detail["to"] - detail["from"]) == pytest.approx(result.min_change_to_flip_top, abs=1e-15)
    assert (detail["to"], detail["new_top"]) in zip(interval.top_kept, interval.top_lost_to)


@settings(max_examples=40, deadline=None)
@given(case=cases(dominated=True))
def test_dominating_candidate_has_no_flip(case: tuple[pd.DataFrame, pd.Series]) -> None:
    scores, weights = case
    result = stability_intervals(scores, weights)
    assert result.top == "C0"
    assert (result.min_change_to_flip_top, result.min_change_detail) == (None, None)
    assert all(interval.top_lost_to == (None, None) for interval in result.intervals.values())


@settings(max_examples=40, deadline=None)
@given(case=cases(), data=st.data())
def test_sweep_equals_independent_scores_and_finds_every_crossing(case, data) -> None:
    scores, weights = case
    k = data.draw(st.integers(0, len(weights) - 1))
    points = data.draw(st.integers(2, 60))
    sweep = weight_sweep(scores, weights, weights.index[k], points=points)
    matrix, weight_values, names = scores.to_numpy(), weights.to_numpy(), list(scores.index)
    tolerance = 1e-12 * np.abs(matrix).max()
    assert sweep.current == weight_values[k]
    assert np.array_equal(sweep.values, np.linspace(0, 1, points))
    assert list(sweep.scores.columns) == names
    np.testing.assert_allclose(sweep.scores.to_numpy(), brute_scores(matrix, weight_values, k, sweep.values),
                               rtol=0, atol=1e-12)
    crossings = sweep.crossings
    assert crossings["t"].is_monotonic_increasing
    assert ((crossings["t"] > 0) & (crossings["t"] < 1)).all()
    for t, score, a, b in crossings.itertuples(index=False):
        at, before, after = (scores_at(matrix, weight_values, k, point) for point in (t, t - DELTA, t + DELTA))
        i, j = names.index(a), names.index(b)
        assert at[i] == pytest.approx(score, abs=EPS) and at[j] == pytest.approx(score, abs=EPS)
        assert before[i] > before[j] + tolerance and after[j] > after[i] + tolerance
    fine = brute_scores(matrix, weight_values, k, GRID)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = crossings["candidate_a"], crossings["candidate_b"]
            reported = crossings[((a == names[i]) & (b == names[j])) | ((a == names[j]) & (b == names[i]))]
            order = signs(fine[:, i] - fine[:, j], tolerance)
            nonzero = np.flatnonzero(order)
            changes = nonzero[:-1][np.diff(order[nonzero]) != 0]
            assert len(reported) == len(changes) <= 1
            if len(changes):
                last_before = changes[0]
                first_after = nonzero[np.searchsorted(nonzero, last_before) + 1]
                assert GRID[last_before] - EPS <= reported["t"].iloc[0] <= GRID[first_after] + EPS


@settings(max_examples=100, deadline=None)
@given(
    raw=st.lists(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), min_size=1, max_size=7).filter(any),
    data=st.data(),
)
def test_rescaled_weights_sum_to_one_and_keep_proportions(raw: list[float], data) -> None:
    weights = np.array(raw) / sum(raw)
    k = data.draw(st.integers(0, weights.size - 1))
    t = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=10)))
    rescaled = rescaled_weights(weights, k, t)
    assert rescaled.shape == (t.size, weights.size)
    np.testing.assert_allclose(rescaled.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (rescaled >= 0).all()
    if weights.size == 1:
        assert (rescaled == 1.0).all()
        return
    assert np.array_equal(rescaled[:, k], t)
    np.testing.assert_allclose(rescaled, brute_weights(weights, k, t), rtol=0, atol=1e-12)
    np.testing.assert_allclose(rescaled_weights(weights, k, [weights[k]])[0], weights, rtol=0, atol=1e-12)
    others = np.arange(weights.size) != k
    share = rescaled[t < 1][:, others] / (1 - t[t < 1, None])
    expected = weights[others] / weights[others].sum() if weights[others].sum() > 0 else 1 / others.sum()
    np.testing.assert_allclose(share, np.broadcast_to(expected, share.shape), rtol=1e-9, atol=1e-12)
