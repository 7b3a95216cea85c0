"""The rank correlations of ``correlations.csv``, checked and turned into one matrix per group of assumptions.

An id in ``assumption_a`` or ``assumption_b`` is the row's candidate's assumption, or, qualified by another
candidate's id (``C05:rev_evidence``), that candidate's. Assumptions linked by rows form groups: a group within
one candidate gets a matrix over that candidate's correlated assumptions (the others stay independent); a group
spanning candidates (a cross-candidate row joins the two candidates' groups) gets one matrix over qualified ids
(``C01:launch``), induced jointly in every iteration. A matrix that is not a valid correlation matrix (not
positive semi-definite) is an error, or, when ``simulation.repair_correlations`` is true, is replaced by the
nearest valid one (Higham 2002) with a warning that shows the largest change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analytics.case.model import AssumptionRow, CorrelationRow
from alliance_analytics.core.correlation import correlation_problems, nearest_correlation
from alliance_analytics.core.problems import Problem

FILE = "correlations.csv"


def qualified(candidate: str, assumption: str) -> str:
    """An assumption's qualified id, ``candidate:assumption``.

    Parameters
    ----------
    candidate, assumption : str
        Candidate id and assumption id.

    Returns
    -------
    str

    Examples
    --------
    >>> qualified("C05", "rev_evidence")
    'C05:rev_evidence'
    """
    return f"{candidate}:{assumption}"


def resolve(candidate: str, reference: str) -> tuple[str, str]:
    """The candidate and assumption a ``correlations.csv`` reference names.

    Parameters
    ----------
    candidate : str
        The row's ``candidate_id``.
    reference : str
        ``assumption`` (the row's candidate's) or ``other_candidate:assumption``.

    Returns
    -------
    tuple of str
        ``(candidate, assumption)``.

    Examples
    --------
    >>> resolve("C01", "launch"), resolve("C01", "C05:rev_evidence")
    (('C01', 'launch'), ('C05', 'rev_evidence'))
    """
    owner, _, name = reference.rpartition(":")
    return (owner or candidate), name


def correlation_matrices(
    assumptions: Sequence[AssumptionRow],
    rows: Sequence[CorrelationRow],
    lines: Sequence[int],
    repair: bool,
) -> tuple[dict[str, pd.DataFrame], list[pd.DataFrame], list[Problem], list[str]]:
    """Check the correlation rows and build the rank-correlation matrix of every group of assumptions.

    Parameters
    ----------
    assumptions : sequence of AssumptionRow
        The validated assumptions (the ids correlations may name).
    rows : sequence of CorrelationRow
        The rows of ``correlations.csv``.
    lines : sequence of int
        The line of each row in the file.
    repair : bool
        Replace an invalid matrix by the nearest valid one instead of reporting it.

    Returns
    -------
    tuple
        ``(matrices, cross, problems, warnings)``: ``matrices`` by candidate id (assumption ids × assumption ids)
        for the candidates whose correlations stay among their own assumptions; ``cross`` one matrix per group
        spanning candidates (qualified ids × qualified ids, candidates in the order of their first row).
    """
    known = {(row.candidate_id, row.assumption_id) for row in assumptions}
    problems: list[Problem] = []
    pairs: dict[tuple[str, str], float] = {}
    first_line: dict[frozenset, int] = {}
    for row, line in zip(rows, lines):
        row_ok = True
        ends = []
        for column in ("assumption_a", "assumption_b"):
            owner, name = resolve(row.candidate_id, getattr(row, column))
            ends.append(qualified(owner, name))
            if (owner, name) not in known:
                problems.append(Problem(FILE, f"candidate '{owner}' has no assumption '{name}' in assumptions.csv",
                                        line=line, column=column))
                row_ok = False
        if ends[0] == ends[1]:
            problems.append(Problem(FILE, "an assumption cannot be correlated with itself", line=line,
                                    column="assumption_b"))
            row_ok = False
        key = frozenset(ends)
        if key in first_line:
            problems.append(Problem(FILE, f"this pair is already given on line {first_line[key]}", line=line,
                                    column="assumption_b"))
            row_ok = False
        first_line.setdefault(key, line)
        if row_ok:
            pairs[(ends[0], ends[1])] = row.rank_correlation
    matrices: dict[str, pd.DataFrame] = {}
    cross: list[pd.DataFrame] = []
    warnings: list[str] = []
    for members, given in _groups(pairs):
        ids = [name for candidate in members for name in dict.fromkeys(
            end for pair in given for end in pair) if _owner(name) == candidate]
        matrix = pd.DataFrame(np.eye(len(ids)), index=ids, columns=ids)
        for (a, b), value in given.items():
            matrix.loc[a, b] = matrix.loc[b, a] = value
        label = members[0] if len(members) == 1 else " and ".join(members)
        checked = _checked(matrix, label, repair, problems, warnings)
        if checked is None:
            continue
        if len(members) == 1:
            checked.index = checked.columns = [name.partition(":")[2] for name in ids]
            matrices[members[0]] = checked
        else:
            cross.append(checked)
    return matrices, cross, problems, warnings


def _owner(name: str) -> str:
    """The candidate of a qualified id."""
    return name.partition(":")[0]


def _groups(pairs: dict[tuple[str, str], float]) -> list[tuple[list[str], dict[tuple[str, str], float]]]:
    """The pairs grouped by candidates they link (union–find over candidates), candidates in first-row order."""
    parent: dict[str, str] = {}

    def root(candidate: str) -> str:
        while parent.setdefault(candidate, candidate) != candidate:
            candidate = parent[candidate]
        return candidate

    order: list[str] = []
    for a, b in pairs:
        for end in (a, b):
            if _owner(end) not in order:
                order.append(_owner(end))
        parent[root(_owner(b))] = root(_owner(a))
    groups: dict[str, tuple[list[str], dict[tuple[str, str], float]]] = {}
    for candidate in order:
        groups.setdefault(root(candidate), ([], {}))[0].append(candidate)
    for (a, b), value in pairs.items():
        groups[root(_owner(a))][1][(a, b)] = value
    return list(groups.values())


def _checked(matrix: pd.DataFrame, label: str, repair: bool, problems: list[Problem],
             warnings: list[str]) -> pd.DataFrame | None:
    """The matrix when valid, its nearest valid one when ``repair`` (with a warning), else None (a problem)."""
    defects = correlation_problems(matrix.to_numpy())
    if not defects:
        return matrix
    across = " and " in label
    names = [name if across else name.partition(":")[2] for name in matrix.index]
    if repair:
        repaired = pd.DataFrame(nearest_correlation(matrix.to_numpy()), index=matrix.index, columns=matrix.columns)
        change = (repaired - matrix).abs().stack()
        (a, b), amount = change.idxmax(), change.max()
        shown = dict(zip(matrix.index, names))
        warnings.append(f"{FILE}: the rank correlations of {label} were not a valid correlation matrix and "
                        f"were repaired to the nearest valid one; largest change {shown[a]}–{shown[b]} "
                        f"{matrix.loc[a, b]:.2f} → {repaired.loc[a, b]:.2f} ({amount:.3f})")
        return repaired
    problems.append(Problem(FILE, f"the rank correlations of {label} ({', '.join(names)}) are not a valid "
                            f"correlation matrix: {'; '.join(defects)}; change them, or set "
                            "simulation.repair_correlations: true in case.yaml to use the nearest valid matrix"))
    return None
