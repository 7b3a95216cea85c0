"""The rebalanced portfolio against brute force: every combination of new candidates and alliance options.

Each random instance has 3–6 new candidates and 1–3 alliances in flight with 2 or 3 options (continue first, then
restructure and/or exit), and every kind of limit the review touches: a budget, alliance-manager FTE, sponsor
capacities, a coverage requirement, an exclusion, a dependency, the number of new alliances, a CVaR floor and a
loss-probability limit. The reference enumerates every selection of new candidates times every choice vector of
options (one option per alliance, as integers rather than the MILP's 0/1 change columns) and checks each limit
from the instance's plain description, with the semantics of ``portfolio/rebalance.py`` written out directly:
the limits are on top of the alliances as they run, so an option uses ``its amount − continue's`` of a resource;
an exit frees its alliance's sponsor slot; risk and objective are those of the NPV the decisions add (new
candidates plus each option's NPV minus continuing's). The CVaR is Rockafellar and Uryasev's maximum
(``portfolio_reference.reference_cvar``). Both solvers must find the enumeration's optimum with a zero gap.
"""

from __future__ import annotations

import itertools

import numpy as np
import portfolio_reference as ref
import pytest

from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
from alliance_analytics.portfolio.rebalance import with_review
from alliance_analytics.portfolio.solver import solve
from alliance_analytics.review.options import AllianceOptions

SOLVERS = ["cbc", "highs"]
INSTANCES = 30


def random_instance(seed: int) -> dict:
    """A random review instance in plain terms (money in thousands, exact in floats)."""
    rng = np.random.default_rng(seed)
    n, m, scenarios = int(rng.integers(3, 7)), int(rng.integers(1, 4)), int(rng.integers(8, 30))
    new = {
        "npv": rng.integers(-40, 120, size=(scenarios, n)).astype(float) * 1000,
        "cost": rng.integers(1, 9, size=n).astype(float) * 1000,
        "fte": rng.integers(1, 5, size=n) / 4,
        "sponsor": rng.choice(["CTO", "CMO"], size=n),
        "covers": rng.random(n) < 0.4,
    }
    alliances = []
    for index in range(m):
        options = ["continue", *(["restructure"] if rng.random() < 0.6 else []), "exit"]
        k = len(options)
        npv = rng.integers(-60, 100, size=(scenarios, k)).astype(float) * 1000
        npv[:, -1] = float(rng.integers(-20, 10)) * 1000  # exit: the same in every future
        money = rng.integers(0, 6, size=k).astype(float) * 1000
        fte = np.concatenate([rng.integers(1, 4, size=k - 1) / 4, [0.0]])
        alliances.append({"id": f"A{index + 1:02d}", "options": options, "npv": npv, "money": money, "fte": fte,
                          "sponsor": str(rng.choice(["CTO", "CMO"]))})
    limits = {
        "budget": float(rng.integers(5, 20)) * 1000,
        "fte": float(rng.integers(2, 8)) / 4,
        "sponsor": {"CTO": int(rng.integers(1, 3)), "CMO": int(rng.integers(1, 3))},
        "coverage": int(rng.integers(0, 2)),
        "exclusion": (0, 1),
        "dependency": (2, 0) if rng.random() < 0.5 else None,
        "min_new": int(rng.integers(0, 2)),
        "max_new": int(rng.integers(2, n + 1)),
        "cvar_floor": None if rng.random() < 0.4 else float(rng.integers(-80, 60)) * 1000,
        "cvar_level": float(rng.choice([0.1, 0.2, 0.25])),
        "max_loss": None if rng.random() < 0.6 else float(rng.choice([0.2, 0.3, 0.5])),
    }
    return {"new": new, "alliances": alliances, "limits": limits}


def brute_force(instance: dict) -> tuple[float | None, list[tuple[np.ndarray, tuple[int, ...]]]]:
    """The best objective and every optimal (new selection, option choices), by enumeration."""
    new, alliances, limits = instance["new"], instance["alliances"], instance["limits"]
    n = len(new["cost"])
    best, optimal = None, []
    for selection in ref.all_selections(n):
        for choice in itertools.product(*(range(len(a["options"])) for a in alliances)):
            money = selection @ new["cost"] + sum(a["money"][k] - a["money"][0] for a, k in zip(alliances, choice))
            fte = selection @ new["fte"] + sum(a["fte"][k] - a["fte"][0] for a, k in zip(alliances, choice))
            ok = money <= limits["budget"] + 1e-9 and fte <= limits["fte"] + 1e-9
            for sponsor, capacity in limits["sponsor"].items():
                freed = sum(1 for a, k in zip(alliances, choice)
                            if a["options"][k] == "exit" and a["sponsor"] == sponsor)
                ok &= int(selection[new["sponsor"] == sponsor].sum()) - freed <= capacity
            ok &= int(selection[new["covers"]].sum()) >= limits["coverage"]
            ok &= selection[list(limits["exclusion"])].sum() <= 1
            if limits["dependency"] is not None:
                candidate, requires = limits["dependency"]
                ok &= selection[candidate] <= selection[requires]
            ok &= limits["min_new"] <= selection.sum() <= limits["max_new"]
            npv = new["npv"] @ selection + sum(a["npv"][:, k] - a["npv"][:, 0] for a, k in zip(alliances, choice))
            if limits["cvar_floor"] is not None:
                ok &= ref.reference_cvar(npv[None, :], limits["cvar_level"])[0] >= limits["cvar_floor"] - 1e-6
            if limits["max_loss"] is not None:
                ok &= (npv < 0).mean() <= limits["max_loss"] + 1e-12
            if not ok:
                continue
            value = float(npv.mean())
            if best is None or value > best + 1e-6:
                best, optimal = value, [(selection.copy(), choice)]
            elif abs(value - best) <= 1e-6:
                optimal.append((selection.copy(), choice))
    return best, optimal


def to_problem(instance: dict) -> PortfolioProblem:
    """The instance as the package builds it: the new candidates' problem, then :func:`with_review`."""
    new, limits = instance["new"], instance["limits"]
    n = len(new["cost"])
    ids = [ref.candidate_id(i) for i in range(n)]

    def only(indices: tuple[int, ...], sign: tuple[float, ...] = ()) -> np.ndarray:
        coefficients = np.zeros(n)
        for position, index in enumerate(indices):
            coefficients[index] = sign[position] if sign else 1.0
        return coefficients

    rows = [LinearLimit("budget", "budget", new["cost"], "<=", limits["budget"], "budget"),
            LinearLimit("manager_fte", "manager_fte", new["fte"], "<=", limits["fte"], "fte"),
            *(LinearLimit(f"sponsor:{s}", "sponsor", (new["sponsor"] == s).astype(float), "<=", c, s)
              for s, c in limits["sponsor"].items()),
            LinearLimit("coverage:x", "coverage", new["covers"].astype(float), ">=", limits["coverage"], "x"),
            LinearLimit("exclusion:C01+C02", "exclusion", only(limits["exclusion"]), "<=", 1.0, "one of"),
            LinearLimit("min_alliances", "min_alliances", np.ones(n), ">=", limits["min_new"], "min"),
            LinearLimit("max_alliances", "max_alliances", np.ones(n), "<=", limits["max_new"], "max")]
    if limits["dependency"] is not None:
        rows.append(LinearLimit("dependency:C03->C01", "dependency", only(limits["dependency"], (1.0, -1.0)), "<=",
                                0.0, "needs"))
    expected = new["npv"].mean(axis=0)
    problem = PortfolioProblem(ids, ids, expected, expected, np.zeros(n), new["npv"], rows,
                               cvar_floor=limits["cvar_floor"], cvar_level=limits["cvar_level"],
                               max_loss_probability=limits["max_loss"])
    options = [AllianceOptions(alliance=a["id"], name=a["id"], options=a["options"],
                               restructure="smaller" if "restructure" in a["options"] else None, npv=a["npv"],
                               later=None, signal=np.empty((len(a["npv"]), 0)), signal_names=[],
                               money=a["money"], fte=a["fte"], spent_to_date=None, updated=False)
               for a in instance["alliances"]]
    return with_review(problem, options, {a["id"]: a["sponsor"] for a in instance["alliances"]},
                       lambda expected, fit: expected)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(INSTANCES))
def test_the_rebalanced_optimum_is_the_enumerations(solver: str, seed: int) -> None:
    instance = random_instance(seed)
    best, optimal = brute_force(instance)
    problem = to_problem(instance)
    solved = solve(problem, solver=solver, gap=0.0)
    if best is None:
        assert solved.status == "infeasible"
        return
    assert solved.status == "optimal" and solved.gap == pytest.approx(0.0, abs=1e-9)
    assert solved.objective == pytest.approx(best, abs=1e-3)
    n = len(instance["new"]["cost"])
    selection = solved.selection[:n]
    choice = []
    for alliance in instance["alliances"]:
        chosen = [option for option in alliance["options"][1:]
                  if solved.selection[problem.candidates.index(f"{alliance['id']}:{option}")] > 0.5]
        assert len(chosen) <= 1, "at most one change per alliance"
        choice.append(alliance["options"].index(chosen[0]) if chosen else 0)
    assert any(np.array_equal(selection, s) and tuple(choice) == c for s, c in optimal)
    assert problem.feasible(solved.selection)


def test_instances_exercise_every_kind_of_outcome() -> None:
    """The random instances include infeasible ones, exits and restructures chosen, and a binding CVaR floor."""
    outcomes = set()
    for seed in range(INSTANCES):
        instance = random_instance(seed)
        best, optimal = brute_force(instance)
        if best is None:
            outcomes.add("infeasible")
            continue
        for alliance, k in zip(instance["alliances"], optimal[0][1]):
            outcomes.add(alliance["options"][k])
    assert {"infeasible", "continue", "exit", "restructure"} <= outcomes
