"""The validated case: settings and tables ready for the analyses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alliance_analytics.case.model import CaseSettings
from alliance_analytics.case.weighting import CriterionWeights


@dataclass(frozen=True)
class Case:
    """A validated case: the settings and the four tables, ready for the analyses.

    Build one with :func:`alliance_analytics.load_case`; a ``Case`` always satisfies every rule of
    ``docs/case-format.md``.

    Attributes
    ----------
    directory : Path
        The case folder.
    settings : CaseSettings
        The contents of ``case.yaml``.
    candidates : pandas.DataFrame
        The proposed candidates of ``candidates.csv`` (every row whose ``status`` is not ``active``), indexed by
        ``candidate_id``; list columns hold Python lists.
    alliances : pandas.DataFrame
        The alliances in flight (``status: active``), with the same columns and their ``start_date``; empty when
        the case has none.
    scores : pandas.DataFrame
        ``scores.csv`` (long form), with ``score`` as float.
    assumptions : pandas.DataFrame
        ``assumptions.csv``.
    risks : pandas.DataFrame
        ``risks.csv``.
    file_hashes : dict of str to str
        SHA-256 of every case file, by file name, recorded in reports.
    criterion_weights : CriterionWeights
        The weights and how they were obtained (``weighting`` in ``case.yaml``).
    correlations : dict of str to pandas.DataFrame
        Per candidate whose correlated assumptions are all its own, the rank-correlation matrix (assumption ids
        × assumption ids) to induce, after any repair to the nearest valid matrix.
    cross_correlations : list of pandas.DataFrame
        One rank-correlation matrix per group of assumptions that ``correlations.csv`` links across candidates,
        over qualified ids (``C05:rev_evidence``); a candidate in such a group has no entry in ``correlations``.
    drivers : pandas.DataFrame
        ``drivers.csv``, indexed by ``driver_id``: the uncertainties several alliances share; empty when absent.
    decisions : pandas.DataFrame
        ``decisions.csv``: the steering committee's decision log in file order, its hash chain checked; empty when
        absent.
    warnings : list of str
        Things worth a second look that do not stop an analysis (inconsistent AHP, repaired correlations).
    health_tables : dict of str to pandas.DataFrame
        ``kpis.csv``, ``scorecard.csv`` and ``triggers.csv`` by file name, each empty (with its columns) when the
        case does not have it.
    thesis_tables : dict of str to pandas.DataFrame
        ``actuals.csv`` and ``pilots.csv`` by file name, each empty (with its columns) when absent.
    review_tables : dict of str to pandas.DataFrame
        ``review.csv`` and ``restructure.csv`` by file name, each empty (with its columns) when absent.
    """

    directory: Path
    settings: CaseSettings
    candidates: pd.DataFrame
    alliances: pd.DataFrame
    scores: pd.DataFrame
    assumptions: pd.DataFrame
    risks: pd.DataFrame
    file_hashes: dict[str, str]
    criterion_weights: CriterionWeights
    correlations: dict[str, pd.DataFrame]
    warnings: list[str]
    health_tables: dict[str, pd.DataFrame]
    thesis_tables: dict[str, pd.DataFrame]
    review_tables: dict[str, pd.DataFrame]
    cross_correlations: list[pd.DataFrame] = field(default_factory=list)
    drivers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([], name="driver_id")))
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "alliance", "decision",
                                                                                  "rationale", "dissent", "run",
                                                                                  "entry_hash"]))

    def dependent_assumptions(self, candidate: str) -> set[str]:
        """The assumptions of a candidate whose draws depend on others: rank-correlated (with its own or another
        candidate's) or moved by a shared driver.

        Their sampled values no longer follow their own row's distribution alone, so an update that needs that
        (a conjugate posterior) does not apply to them.

        Parameters
        ----------
        candidate : str
            A proposed candidate's or an alliance in flight's id.

        Returns
        -------
        set of str
            Assumption ids.
        """
        own = set(self.correlations[candidate].index) if candidate in self.correlations else set()
        for matrix in self.cross_correlations:
            own |= {name.partition(":")[2] for name in matrix.index if name.partition(":")[0] == candidate}
        rows = self.assumptions[self.assumptions["candidate_id"] == candidate]
        return own | set(rows.loc[rows["driver_id"].notna(), "assumption_id"])

    @property
    def has_actuals(self) -> bool:
        """The case has actuals of some value-thesis assumption (``actuals.csv`` with rows)."""
        return len(self.thesis_tables["actuals.csv"]) > 0

    @property
    def has_review(self) -> bool:
        """The case reviews alliances in flight (``review.csv`` with rows): the portfolio is then rebalanced."""
        return len(self.review_tables["review.csv"]) > 0

    @property
    def has_health(self) -> bool:
        """The case has alliances in flight and their monthly scorecard (``kpis.csv`` and ``scorecard.csv``)."""
        return len(self.alliances) > 0 and len(self.health_tables["scorecard.csv"]) > 0

    @property
    def criterion_ids(self) -> list[str]:
        """Criterion ids in the order of ``case.yaml``."""
        return [criterion.id for criterion in self.settings.criteria]

    @property
    def weights(self) -> pd.Series:
        """The case's relative criterion weights (not necessarily normalised), indexed by criterion id."""
        return self.criterion_weights.weights

