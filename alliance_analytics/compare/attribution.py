"""Why a result changed between two runs, in parts that sum to the change.

**Fit score.** The fit score is a weighted sum over criteria whatever the evaluator aggregation (mean, median
and geometric mean combine the evaluators *within* a criterion), so its change splits exactly by criterion: each
criterion's part is its contribution (normalised weight × aggregated score) after minus before, as the two
runs' ``results.json`` store them (:func:`fit_attributions`).

**Expected NPV.** A candidate's expected NPV is not additive in its inputs, so its change is split over the
changed inputs it reads (*groups*: a changed row of its ``assumptions.csv`` or ``risks.csv``, its row of
``candidates.csv``, its place in that file, its correlations, a shared driver, a finance or simulation setting)
by exact Shapley values (Shapley 1953): with ``v(S)`` the expected NPV when the groups in ``S`` take the later
run's values and the others the earlier run's,

``φ_i = Σ_{S ⊆ N∖{i}} |S|! (k − |S| − 1)! / k! · (v(S ∪ {i}) − v(S))``,

which sum to ``v(N) − v(∅)``, the change (efficiency). Every ``v(S)`` is one simulation of that candidate
alone, with the same seed, iterations and sampling unless those are among the groups: each candidate draws from
its own seeded random streams (:mod:`alliance_analytics.risk.engine`), so the mixed cases share their random
numbers (common random numbers) and ``v(∅)`` and ``v(N)`` are exactly the two runs' stored expected NPVs. Groups
that must travel together (a correlation naming an assumption only one run has, an assumption moved by a driver
only one run has) are merged; a candidate with more than :data:`MAX_GROUPS` groups has them merged by file, so
at most ``2^MAX_GROUPS`` simulations of one candidate are run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import comb

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import PARAMETER_COLUMNS
from alliance_analytics.core.scoring import SCORE_TOLERANCE
from alliance_analytics.risk.engine import run
from alliance_analytics.risk.plan import simulation_plan, stream_position

MAX_GROUPS = 10
"""Most groups of changed inputs per candidate before they are merged by file (``2^10`` simulations at most)."""
NPV_TOLERANCE = 1e-9
"""Relative difference below which a recomputed expected NPV is the stored one (float noise, not a change)."""

ASSUMPTION_COLUMNS: tuple[str, ...] = ("quantity", "distribution", *PARAMETER_COLUMNS, "driver_id", "driver_effect")
"""The columns of ``assumptions.csv`` the simulation reads (a description or unit changes no number)."""
RISK_COLUMNS: tuple[str, ...] = ("probability", "impact_type", "impact_min", "impact_mode", "impact_max",
                                 "mitigation", "mitigation_cost", "mitigated_probability")
"""The columns of ``risks.csv`` the simulation reads (of ``mitigation`` only whether there is one)."""
DRIVER_COLUMNS: tuple[str, ...] = ("distribution", *PARAMETER_COLUMNS)
"""The columns of ``drivers.csv`` the simulation reads."""
CANDIDATE_COLUMNS: tuple[str, ...] = ("investment", "phase_out_date")
"""The columns of ``candidates.csv`` the simulation reads."""
SIMULATION_SETTINGS: tuple[str, ...] = ("iterations", "seed", "sampling")
"""The simulation settings a risk simulation's ``results.json`` records as used."""


@dataclass(frozen=True)
class Part:
    """One part of a change: what it comes from, where that is, and how much.

    Attributes
    ----------
    label : str
        A criterion's name, or the changed inputs of a group (``"study_savings"``, ``"seed"``).
    source : str
        Where the inputs are: ``"assumptions.csv"``, ``"case.yaml"``, ``"parameters"``, ``"scores and weights"``.
    value : float
        Its part of the change (fit-score points, or money).
    """

    label: str
    source: str
    value: float


@dataclass(frozen=True)
class Attribution:
    """A candidate's result before and after, and its change split into parts.

    Attributes
    ----------
    candidate, name : str
        The candidate's id and name.
    measure : {"fit score", "expected NPV"}
    before, after : float
        As the two runs stored them.
    parts : list of Part
        They sum to ``after - before - remainder`` (to float rounding).
    remainder : float
        What the parts do not explain: 0 unless this version of the package no longer reproduces a stored
        value (then ``note`` says so).
    note : str
        Why there is a remainder, or ``""``.
    simulations : int
        Simulations run to split the change (0 for a fit score).
    """

    candidate: str
    name: str
    measure: str
    before: float
    after: float
    parts: list[Part] = field(default_factory=list)
    remainder: float = 0.0
    note: str = ""
    simulations: int = 0

    @property
    def change(self) -> float:
        """``after - before``."""
        return self.after - self.before


def shapley_values(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values of ``k`` players from the value of every coalition.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(2**k,)``: ``values[mask]`` is the value of the coalition whose members are the set bits of
        ``mask`` (player ``i`` is bit ``i``); ``values[0]`` is the empty coalition's.

    Returns
    -------
    numpy.ndarray
        Shape ``(k,)``; they sum to ``values[-1] - values[0]`` (efficiency).

    Raises
    ------
    ValueError
        When the length is not a power of two.

    Examples
    --------
    >>> shapley_values(np.array([0.0, 1.0, 2.0, 5.0])).tolist()  # v(1) - v(0) = 1, v(12) - v(2) = 3
    [2.0, 3.0]
    """
    values = np.asarray(values, dtype=float)
    k = int(values.size).bit_length() - 1
    if values.ndim != 1 or values.size != 1 << k:
        raise ValueError(f"expected the values of all 2**k coalitions, got {values.size} values")
    masks = np.arange(values.size)
    sizes = np.bitwise_count(masks)
    weights = np.zeros(values.size)
    proper = sizes < k
    weights[proper] = 1.0 / (k * comb(k - 1, sizes[proper]))
    result = np.empty(k)
    for player in range(k):
        without = masks[(masks >> player) & 1 == 0]
        result[player] = np.sum(weights[without] * (values[without | (1 << player)] - values[without]))
    return result


def fit_attributions(before: Mapping[str, Any], after: Mapping[str, Any],
                     criterion_names: Mapping[str, str] | None = None) -> list[Attribution]:
    """Each candidate's change of fit score, split exactly by criterion.

    Parameters
    ----------
    before, after : mapping
        The two runs' partner-fit ``results.json`` (``candidates[id]`` with ``name``, ``fit_score`` and
        ``contributions``: criterion id → normalised weight × aggregated score).
    criterion_names : mapping, optional
        Criterion id → name for the labels (default: the id with spaces).

    Returns
    -------
    list of Attribution
        For every candidate in both whose fit score changed by more than the score tolerance, in the later
        run's order; one part per criterion of either run (a criterion only one run has contributes from 0).
    """
    names = criterion_names or {}
    found = []
    for candidate, row in after["candidates"].items():
        old = before["candidates"].get(candidate)
        if old is None or abs(row["fit_score"] - old["fit_score"]) <= SCORE_TOLERANCE:
            continue
        criteria = list(dict.fromkeys([*row["contributions"], *old["contributions"]]))
        parts = [Part(names.get(criterion, criterion.replace("_", " ")), "scores and weights",
                      row["contributions"].get(criterion, 0.0) - old["contributions"].get(criterion, 0.0))
                 for criterion in criteria]
        found.append(Attribution(candidate, row["name"], "fit score", old["fit_score"], row["fit_score"], parts))
    return found


@dataclass(frozen=True)
class Component:
    """One changed input a candidate's simulation reads.

    Attributes
    ----------
    key : tuple
        ``("assumption", candidate, id)``, ``("assumption order", candidate)``, ``("risk", candidate, id)``,
        ``("risk order", candidate)``, ``("candidate", candidate)``, ``("stream", candidate)``,
        ``("correlation", candidate)``, ``("cross",)``, ``("driver", id)``, ``("driver order",)``,
        ``("setting", name)`` or ``("simulation", name)``.
    source : str
        Its file (or ``"parameters"``).
    label : str
        For a reader.
    needs : tuple of tuple
        Keys of components that must come from the same run (what it names that only one run has).
    """

    key: tuple
    source: str
    label: str
    needs: tuple[tuple, ...] = ()


@dataclass(frozen=True)
class Group:
    """Components that are switched from the earlier to the later run together."""

    components: tuple[Component, ...]

    @property
    def label(self) -> str:
        """The components' labels, joined."""
        return " + ".join(dict.fromkeys(component.label for component in self.components))

    @property
    def source(self) -> str:
        """The components' files, joined."""
        return ", ".join(dict.fromkeys(component.source for component in self.components))


def _plain(value: Any) -> Any:
    """A cell as a comparable value: missing (NaN, None, NA) as ``None``."""
    return None if not isinstance(value, (list, tuple)) and pd.isna(value) else value


def _rows(frame: pd.DataFrame, owner: str, id_column: str, columns: tuple[str, ...]) -> dict[str, tuple]:
    """A candidate's rows of a table, by id in file order, as the tuples of the columns the simulation reads."""
    rows = frame[frame["candidate_id"] == owner]
    return {row[id_column]: tuple(_plain(row[column]) if column != "mitigation" else pd.notna(row[column])
                                  for column in columns)
            for _, row in rows.iterrows()}


def _order_differs(first: Iterable[str], second: Iterable[str]) -> bool:
    """Whether the ids both sequences hold are in another order."""
    first, second = list(first), list(second)
    return [item for item in first if item in second] != [item for item in second if item in first]


def _cross_members(case: Case) -> set[tuple[str, str]]:
    """Every (candidate, assumption) the cross-candidate correlation groups of a case name."""
    return {tuple(name.split(":", 1)) for matrix in case.cross_correlations for name in matrix.index}


def plan_candidates(before: Case, after: Case, candidate: str) -> list[str]:
    """The candidate and every candidate it is rank-correlated with in either run (they are simulated together).

    Parameters
    ----------
    before, after : Case
        The two runs' cases.
    candidate : str
        A proposed candidate's id.

    Returns
    -------
    list of str
        The candidate first.
    """
    found = [candidate]
    for case in (before, after):
        for matrix in case.cross_correlations:
            owners = [name.split(":", 1)[0] for name in matrix.index]
            if candidate in owners:
                found += owners
    return list(dict.fromkeys(found))


def changed_components(before: Case, after: Case, candidate: str, simulation_before: Mapping[str, Any],
                       simulation_after: Mapping[str, Any], parameters: Iterable[str] = ()) -> list[Component]:
    """Every changed input the simulation of one candidate reads.

    Parameters
    ----------
    before, after : Case
        The two runs' cases (the candidate is a proposed candidate in both).
    candidate : str
        Its id.
    simulation_before, simulation_after : mapping
        The settings each run's simulation used (``iterations``, ``seed``, ``sampling``).
    parameters : iterable of str
        The run parameters that changed (a changed simulation setting is labelled as one of them when it is).

    Returns
    -------
    list of Component
        In a fixed order: per candidate simulated with it (the candidate first) its assumptions, risks, row,
        place and correlations; then correlations across candidates, drivers, settings.
    """
    given = set(parameters)
    found: list[Component] = []
    owners = plan_candidates(before, after, candidate)
    drivers_before, drivers_after = set(before.drivers.index), set(after.drivers.index)
    one_sided_drivers = drivers_before ^ drivers_after
    uses_drivers = False
    for owner in owners:
        prefix = "" if owner == candidate else f"{owner} "
        old = _rows(before.assumptions, owner, "assumption_id", ASSUMPTION_COLUMNS)
        new = _rows(after.assumptions, owner, "assumption_id", ASSUMPTION_COLUMNS)
        driver_at = ASSUMPTION_COLUMNS.index("driver_id")
        uses_drivers |= any(row[driver_at] is not None for row in [*old.values(), *new.values()])
        for name in dict.fromkeys([*new, *old]):
            if old.get(name) != new.get(name):
                named = {row[driver_at] for row in (old.get(name), new.get(name)) if row is not None}
                found.append(Component(("assumption", owner, name), "assumptions.csv", f"{prefix}{name}",
                                       tuple(("driver", driver) for driver in named if driver in one_sided_drivers)))
        if _order_differs(old, new):
            found.append(Component(("assumption order", owner), "assumptions.csv", f"order of {owner}'s assumptions"))
        one_sided = set(old) ^ set(new)
        old_risks = _rows(before.risks, owner, "risk_id", RISK_COLUMNS)
        new_risks = _rows(after.risks, owner, "risk_id", RISK_COLUMNS)
        found += [Component(("risk", owner, name), "risks.csv", f"{prefix}risk {name}")
                  for name in dict.fromkeys([*new_risks, *old_risks]) if old_risks.get(name) != new_risks.get(name)]
        if _order_differs(old_risks, new_risks):
            found.append(Component(("risk order", owner), "risks.csv", f"order of {owner}'s risks"))
        found += _candidate_components(before, after, owner, prefix)
        old_matrix, new_matrix = before.correlations.get(owner), after.correlations.get(owner)
        if (old_matrix is None) != (new_matrix is None) or (old_matrix is not None and not old_matrix.equals(new_matrix)):
            named = {name for matrix in (old_matrix, new_matrix) if matrix is not None for name in matrix.index}
            found.append(Component(("correlation", owner), "correlations.csv", f"{prefix}correlations".strip(),
                                   tuple(("assumption", owner, name) for name in named & one_sided)))
    if len(owners) > 1 and (len(before.cross_correlations) != len(after.cross_correlations) or not all(
            old.equals(new) for old, new in zip(before.cross_correlations, after.cross_correlations))):
        members = _cross_members(before) | _cross_members(after)
        rows_before = set(zip(before.assumptions["candidate_id"], before.assumptions["assumption_id"]))
        rows_after = set(zip(after.assumptions["candidate_id"], after.assumptions["assumption_id"]))
        present_before, present_after = set(before.candidates.index), set(after.candidates.index)
        needs = [("assumption", *member) for member in members if member in rows_before ^ rows_after]
        needs += [("candidate", owner) for owner in owners if owner in present_before ^ present_after]
        found.append(Component(("cross",), "correlations.csv", "correlations across candidates", tuple(needs)))
    if uses_drivers:
        found += [Component(("driver", driver), "drivers.csv", f"driver {driver}")
                  for driver in dict.fromkeys([*after.drivers.index, *before.drivers.index])
                  if _driver_row(before, driver) != _driver_row(after, driver)]
        if _order_differs(before.drivers.index, after.drivers.index):
            found.append(Component(("driver order",), "drivers.csv", "order of the drivers"))
    settings = {"as_of": (before.settings.as_of, after.settings.as_of, "as_of"),
                "discount_rate": (before.settings.finance.discount_rate, after.settings.finance.discount_rate,
                                  "finance.discount_rate"),
                "horizon_years": (before.settings.finance.horizon_years, after.settings.finance.horizon_years,
                                  "finance.horizon_years")}
    found += [Component(("setting", name), "case.yaml", label) for name, (old, new, label) in settings.items()
              if old != new]
    found += [Component(("simulation", name), "parameters" if name in given else "case.yaml",
                        name if name in given else f"simulation.{name}")
              for name in SIMULATION_SETTINGS if simulation_before[name] != simulation_after[name]]
    return found


def _candidate_components(before: Case, after: Case, owner: str, prefix: str) -> list[Component]:
    """A candidate's row of ``candidates.csv`` (the columns the simulation reads) and its place there."""
    present = (owner in before.candidates.index, owner in after.candidates.index)
    if present != (True, True):
        return [Component(("candidate", owner), "candidates.csv",
                          f"{owner} {'added to' if present[1] else 'removed from'} candidates.csv")]
    old, new = before.candidates.loc[owner], after.candidates.loc[owner]
    changed = [column for column in CANDIDATE_COLUMNS if _plain(old[column]) != _plain(new[column])]
    found = [Component(("candidate", owner), "candidates.csv", f"{prefix}{' and '.join(changed)}")] if changed else []
    if stream_position(before, owner) != stream_position(after, owner):
        found.append(Component(("stream", owner), "candidates.csv",
                               f"{owner}'s random numbers (its row moved)"))
    return found


def _driver_row(case: Case, driver: str) -> tuple | None:
    """A driver's row as the simulation reads it; ``None`` when the case does not have it."""
    if driver not in case.drivers.index:
        return None
    row = case.drivers.loc[driver]
    return tuple(_plain(row[column]) for column in DRIVER_COLUMNS)


def group_components(components: list[Component], max_groups: int = MAX_GROUPS) -> list[Group]:
    """Merge components that must travel together; merge by file when there are more than ``max_groups``.

    Parameters
    ----------
    components : list of Component
        From :func:`changed_components`.
    max_groups : int
        Most groups.

    Returns
    -------
    list of Group
        In the order of their first component.

    Examples
    --------
    >>> parts = [Component(("a",), "x.csv", "a", (("b",),)), Component(("b",), "y.csv", "b"),
    ...          Component(("c",), "x.csv", "c")]
    >>> [group.label for group in group_components(parts)], [group.label for group in group_components(parts, 1)]
    (['a + b', 'c'], ['a + b + c'])
    """
    parent = {component.key: component.key for component in components}

    def root(key: tuple) -> tuple:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(first: tuple, second: tuple) -> None:
        parent[root(second)] = root(first)

    for component in components:
        for needed in component.needs:
            if needed in parent:
                union(component.key, needed)
    groups = _groups(components, root)
    if len(groups) > max_groups:
        first_of: dict[str, tuple] = {}
        for component in components:
            union(first_of.setdefault(component.source, component.key), component.key)
        groups = _groups(components, root)
        if len(groups) > max_groups:
            groups = [Group(tuple(components))]
    return groups


def _groups(components: list[Component], root: Callable[[tuple], tuple]) -> list[Group]:
    """Components grouped by their root, in order of first appearance."""
    grouped: dict[tuple, list[Component]] = {}
    for component in components:
        grouped.setdefault(root(component.key), []).append(component)
    return [Group(tuple(members)) for members in grouped.values()]


def merged_order(primary: list[str], secondary: list[str]) -> list[str]:
    """Every id of both sequences: ``primary``'s order, each id only ``secondary`` has placed where it was there.

    Restricted to either sequence's ids the result is that sequence (when the ids they share are in the same
    order in both, and always for ``primary``).

    Examples
    --------
    >>> merged_order(["a", "c", "d"], ["a", "b", "c", "e"])
    ['a', 'b', 'c', 'd', 'e']
    """
    shared = set(primary) & set(secondary)
    ahead: dict[str, list[str]] = {}
    pending: list[str] = []
    for item in secondary:
        if item in shared:
            ahead[item], pending = pending, []
        else:
            pending.append(item)
    merged: list[str] = []
    for item in primary:
        merged += ahead.get(item, [])
        merged.append(item)
    return merged + pending


class _Rows:
    """One table of both runs stacked (the earlier run's rows first), with where each owner's row of each id is, so
    that a mixed table is one ``take`` of row positions."""

    def __init__(self, before: pd.DataFrame, after: pd.DataFrame, owner_column: str | None, id_column: str | None,
                 owners: list[str]) -> None:
        self.both = pd.concat([before, after])
        self.base: list[int] = []
        self.ids: dict[tuple[bool, str], list[str]] = {}
        self.at: dict[tuple[bool, str, str], int] = {}
        for later, frame in ((False, before), (True, after)):
            offset = len(before) if later else 0
            owner_of = frame[owner_column] if owner_column else pd.Series("", index=frame.index)
            names = frame[id_column] if id_column else frame.index.to_series()
            for position, (owner, name) in enumerate(zip(owner_of, names)):
                if owner_column and owner not in owners:
                    if not later:
                        self.base.append(position)
                    continue
                self.ids.setdefault((later, owner), []).append(name)
                self.at[later, owner, name] = offset + position

    def mixed(self, owner: str, later_order: bool, later: Callable[[str], bool]) -> list[int]:
        """An owner's rows: every id of either run in the chosen run's order, each row from the run ``later``
        chooses for its id (absent when that run has none)."""
        first, second = self.ids.get((later_order, owner), []), self.ids.get((not later_order, owner), [])
        return [self.at[later(name), owner, name] for name in merged_order(first, second)
                if (later(name), owner, name) in self.at]


class CaseMix:
    """The earlier run's case with chosen changed components taken from the later run's, for one candidate.

    Built once per candidate; each :meth:`case` is a few ``take`` s of rows, so the ``2^k`` mixes of a Shapley split
    cost little besides their simulations.

    Parameters
    ----------
    before, after : Case
        The two runs' cases.
    candidate : str
        The candidate simulated.
    changed : iterable of tuple
        The keys of every changed component (:func:`changed_components`).
    """

    def __init__(self, before: Case, after: Case, candidate: str, changed: Iterable[tuple]) -> None:
        self.before, self.after, self.candidate = before, after, candidate
        self.changed = frozenset(changed)
        self.owners = plan_candidates(before, after, candidate)
        self.assumptions = _Rows(before.assumptions, after.assumptions, "candidate_id", "assumption_id", self.owners)
        self.risks = _Rows(before.risks, after.risks, "candidate_id", "risk_id", self.owners)
        self.drivers = _Rows(before.drivers, after.drivers, None, None, self.owners)
        others = [owner for owner in self.owners if owner in before.candidates.index]
        self.candidates = before.candidates.drop(index=others)

    def case(self, chosen: Iterable[tuple]) -> tuple[Case, dict[str, int]]:
        """The mixed case.

        Parameters
        ----------
        chosen : iterable of tuple
            The keys of the changed components taken from the later run.

        Returns
        -------
        case : Case
            A case whose simulation of the candidate reads exactly the chosen mix.
        positions : dict of str to int
            The random stream of each candidate simulated with it (its place in the chosen run's
            ``candidates.csv``).
        """
        chosen = frozenset(chosen)
        before = self.before

        def side(key: tuple) -> Case:
            return self.after if key in chosen else before

        def later_order(key: tuple) -> bool:
            return key in chosen if key in self.changed else True

        candidates, positions = [self.candidates], {}
        for owner in self.owners:
            case = side(("candidate", owner))
            if owner in case.candidates.index:
                candidates.append(case.candidates.loc[[owner]])
                placed = side(("stream", owner)) if ("stream", owner) in self.changed else case
                positions[owner] = stream_position(placed, owner)
        rows = {}
        for name, table, kind in (("assumptions", self.assumptions, "assumption"), ("risks", self.risks, "risk")):
            taken = list(table.base)
            for owner in self.owners:
                taken += table.mixed(owner, later_order((f"{kind} order", owner)),
                                     lambda item, owner=owner, kind=kind: (kind, owner, item) in chosen)
            rows[name] = table.both.take(taken).reset_index(drop=True)
        drivers = self.drivers.both.take(self.drivers.mixed("", later_order(("driver order",)),
                                                            lambda item: ("driver", item) in chosen))
        correlations = dict(before.correlations)
        for owner in self.owners:
            matrix = side(("correlation", owner)).correlations.get(owner)
            correlations.pop(owner, None)
            if matrix is not None:
                correlations[owner] = matrix
        finance = before.settings.finance.model_copy(update={
            "discount_rate": side(("setting", "discount_rate")).settings.finance.discount_rate,
            "horizon_years": side(("setting", "horizon_years")).settings.finance.horizon_years})
        settings = before.settings.model_copy(update={"as_of": side(("setting", "as_of")).settings.as_of,
                                                      "finance": finance})
        case = dataclasses.replace(before, settings=settings, candidates=pd.concat(candidates), drivers=drivers,
                                   correlations=correlations, cross_correlations=side(("cross",)).cross_correlations,
                                   **rows)
        return case, positions


def expected_npv(case: Case, candidate: str, positions: Mapping[str, int], iterations: int, seed: int,
                 sampling: str) -> float:
    """One candidate's expected NPV, simulated alone on the given random streams.

    Parameters
    ----------
    case : Case
        The case (possibly mixed, :class:`CaseMix`).
    candidate : str
        A proposed candidate's id.
    positions : mapping of str to int
        The random stream of each candidate simulated with it.
    iterations, seed : int
        As used.
    sampling : {"random", "lhs"}

    Returns
    -------
    float
        The mean NPV over the iterations, as the risk simulation's ``npv_mean``.
    """
    plan, (position,) = simulation_plan(case, [candidate], iterations, seed, sampling)
    plan = dataclasses.replace(plan, candidates=tuple(dataclasses.replace(spec, position=positions[spec.candidate])
                                                      for spec in plan.candidates))
    return float(run(plan, mitigate=False)[position].npv.mean())


def npv_attribution(before: Case, after: Case, candidate: str, simulation_before: Mapping[str, Any],
                    simulation_after: Mapping[str, Any], parameters: Iterable[str] = (),
                    max_groups: int = MAX_GROUPS) -> Attribution:
    """A candidate's change of expected NPV split over the changed inputs by exact Shapley values.

    Parameters
    ----------
    before, after : Case
        The two runs' cases (copies of their inputs); the candidate is a proposed candidate in both.
    candidate : str
        Its id.
    simulation_before, simulation_after : mapping
        Each run's risk-simulation ``results.json``: the settings used (``iterations``, ``seed``, ``sampling``)
        and ``candidates[id]["npv_mean"]``.
    parameters : iterable of str
        The run parameters that changed (for the labels).
    max_groups : int
        Most groups before they are merged by file.

    Returns
    -------
    Attribution
        ``measure`` ``"expected NPV"``, one part per group; ``simulations`` = ``2^groups``.
    """
    old = simulation_before["candidates"][candidate]["npv_mean"]
    new = simulation_after["candidates"][candidate]["npv_mean"]
    name = simulation_after["candidates"][candidate].get("name", candidate)
    components = changed_components(before, after, candidate, simulation_before, simulation_after, parameters)
    groups = group_components(components, max_groups)
    mix = CaseMix(before, after, candidate, [component.key for component in components])
    values = np.empty(1 << len(groups))
    for mask in range(values.size):
        chosen = [component.key for bit, group in enumerate(groups) if mask >> bit & 1 for component in group.components]
        case, positions = mix.case(chosen)
        settings = {setting: (simulation_after if ("simulation", setting) in chosen else simulation_before)[setting]
                    for setting in SIMULATION_SETTINGS}
        values[mask] = expected_npv(case, candidate, positions, int(settings["iterations"]), int(settings["seed"]),
                                    str(settings["sampling"]))
    parts = [Part(group.label, group.source, float(value)) for group, value in zip(groups, shapley_values(values))]
    unexplained = (new - old) - (values[-1] - values[0])
    scale = max(abs(old), abs(new), 1.0)
    if abs(values[0] - old) <= NPV_TOLERANCE * scale and abs(values[-1] - new) <= NPV_TOLERANCE * scale:
        return Attribution(candidate, name, "expected NPV", old, new, parts, simulations=int(values.size))
    note = ("no input its simulation reads changed, yet its stored expected NPV did" if not groups else
            "this version of the package no longer reproduces the stored expected NPVs")
    return Attribution(candidate, name, "expected NPV", old, new, parts, float(unexplained),
                       f"{note}: the runs were made by different versions", int(values.size))
