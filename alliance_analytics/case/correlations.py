"""The rank correlations of ``correlations.csv``, checked and turned into one matrix per candidate.

Each candidate with correlated assumptions gets a matrix over the assumptions its rows name (the others stay
independent). A matrix that is not a valid correlation matrix (not positive semi-definite) is an error,
or, when ``simulation.repair_correlations`` is true, is replaced by the nearest valid one (Higham 2002)
with a warning that shows the largest change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analytics.case.model import AssumptionRow, CorrelationRow
from alliance_analytics.core.correlation import correlation_problems, nearest_correlation
from alliance_analytics.core.problems import Problem

FILE = "correlations.csv"


def correlation_matrices(
    assumptions: Sequence[AssumptionRow],
    rows: Sequence[CorrelationRow],
    lines: Sequence[int],
    repair: bool,
) -> tuple[dict[str, pd.DataFrame], list[Problem], list[str]]:
    """Check the correlation rows and build each candidate's rank-correlation matrix.

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
        ``(matrices, problems, warnings)``: matrices by candidate id (assumption ids × assumption ids).
    """
    known = {(row.candidate_id, row.assumption_id) for row in assumptions}
    problems: list[Problem] = []
    pairs: dict[str, dict[tuple[str, str], float]] = {}
    first_line: dict[tuple[str, frozenset], int] = {}
    for row, line in zip(rows, lines):
        row_ok = True
        for column in ("assumption_a", "assumption_b"):
            if (row.candidate_id, getattr(row, column)) not in known:
                problems.append(Problem(FILE, f"candidate '{row.candidate_id}' has no assumption "
                                        f"'{getattr(row, column)}' in assumptions.csv", line=line, column=column))
                row_ok = False
        if row.assumption_a == row.assumption_b:
            problems.append(Problem(FILE, "an assumption cannot be correlated with itself", line=line,
                                    column="assumption_b"))
            row_ok = False
        key = (row.candidate_id, frozenset((row.assumption_a, row.assumption_b)))
        if key in first_line:
            problems.append(Problem(FILE, f"this pair is already given on line {first_line[key]}", line=line,
                                    column="assumption_b"))
            row_ok = False
        first_line.setdefault(key, line)
        if row_ok:
            pairs.setdefault(row.candidate_id, {})[(row.assumption_a, row.assumption_b)] = row.rank_correlation
    matrices, warnings = {}, []
    for candidate, given in pairs.items():
        ids = list(dict.fromkeys(name for pair in given for name in pair))
        matrix = pd.DataFrame(np.eye(len(ids)), index=ids, columns=ids)
        for (a, b), value in given.items():
            matrix.loc[a, b] = matrix.loc[b, a] = value
        defects = correlation_problems(matrix.to_numpy())
        if not defects:
            matrices[candidate] = matrix
        elif repair:
            repaired = pd.DataFrame(nearest_correlation(matrix.to_numpy()), index=ids, columns=ids)
            change = (repaired - matrix).abs().stack()
            (a, b), amount = change.idxmax(), change.max()
            warnings.append(f"{FILE}: the rank correlations of {candidate} were not a valid correlation matrix and "
                            f"were repaired to the nearest valid one; largest change {a}–{b} "
                            f"{matrix.loc[a, b]:.2f} → {repaired.loc[a, b]:.2f} ({amount:.3f})")
            matrices[candidate] = repaired
        else:
            problems.append(Problem(FILE, f"the rank correlations of {candidate} ({', '.join(ids)}) are not a valid "
                                    f"correlation matrix: {'; '.join(defects)}; change them, or set "
                                    "simulation.repair_correlations: true in case.yaml to use the nearest valid "
                                    "matrix"))
    return matrices, problems, warnings
