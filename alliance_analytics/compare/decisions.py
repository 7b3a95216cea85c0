"""What changed between two runs' decisions, read from their ``results.json`` files as stored (never recomputed).

Partner fit: each candidate's recommendation (advance / review / walk away) and rank, and the candidates only one
run assessed. Risk simulation: each candidate's expected NPV and chance of a loss. Portfolio: the alliances chosen,
the portfolio's expected NPV and CVaR, its status and the review's option per alliance in flight (from the
portfolio's results, else the decision brief's). Alliance health: the alerts that fire and each alliance's
recommendation. Thesis check: each verdict. Portfolio review: each alliance's decision. Decision brief: its
sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alliance_analytics.core.scoring import SCORE_TOLERANCE

PARTNER_FIT = "01_partner_fit"
RISK = "03_risk_simulation"
PORTFOLIO = "04_portfolio"
BRIEF = "05_decision_brief"
HEALTH = "06_alliance_health"
THESIS = "07_thesis_check"
REVIEW = "08_portfolio_review"
COMPARED = (PARTNER_FIT, RISK, PORTFOLIO, BRIEF, HEALTH, THESIS, REVIEW)
"""The analyses whose decisions are compared (weight sensitivity states no decision of its own)."""


@dataclass(frozen=True)
class ValueChange:
    """One thing that differs between two runs: whose it is (an id and a name), and its value before and after
    (``None``: not in that run)."""

    subject: str
    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class PortfolioChange:
    """The portfolio of two runs.

    Attributes
    ----------
    before, after : list of str
        The candidates chosen.
    added, dropped : list of str
        Chosen now only, chosen before only.
    expected_npv, cvar : tuple of (float or None, float or None)
        The portfolio's expected NPV and its CVaR (mean NPV of the worst ``cvar_level`` of futures).
    cvar_level : float
        The CVaR's level (0.05).
    status : tuple of (str, str)
        The solver's status in each run.
    review : list of ValueChange
        The review's option per alliance in flight whose option changed.
    """

    before: list[str]
    after: list[str]
    added: list[str]
    dropped: list[str]
    expected_npv: tuple[float | None, float | None]
    cvar: tuple[float | None, float | None]
    cvar_level: float
    status: tuple[str, str]
    review: list[ValueChange] = field(default_factory=list)

    @property
    def same_selection(self) -> bool:
        """Whether the same alliances are chosen (and the same review options)."""
        return not self.added and not self.dropped and not self.review


@dataclass(frozen=True)
class DecisionChanges:
    """Every difference between two runs' decisions.

    Attributes
    ----------
    compared : list of str
        The analyses both runs have (notebook names).
    one_sided : list of str
        The analyses only one run has.
    candidates_added, candidates_removed : list of ValueChange
        Candidates the partner-fit analysis assessed in one run only (``before``/``after`` the recommendation).
    recommendations, ranks, fit_scores : list of ValueChange
        Candidates whose partner-fit recommendation, rank or fit score changed.
    npv, prob_loss : list of ValueChange
        Candidates whose expected NPV or chance of a loss changed.
    portfolio : PortfolioChange or None
        When both runs chose a portfolio.
    alerts_new, alerts_cleared : list of dict
        Alliance-health alerts (``alliance``, ``trigger``, ``action``) firing in the later run only, the earlier
        only.
    health : list of ValueChange
        Alliances whose health recommendation changed.
    theses : list of ValueChange
        Alliances whose thesis verdict changed.
    review : list of ValueChange
        Alliances whose portfolio-review decision changed.
    decision : tuple of (str, str) or None
        The decision brief's sentence before and after, when it changed.
    """

    compared: list[str]
    one_sided: list[str]
    candidates_added: list[ValueChange] = field(default_factory=list)
    candidates_removed: list[ValueChange] = field(default_factory=list)
    recommendations: list[ValueChange] = field(default_factory=list)
    ranks: list[ValueChange] = field(default_factory=list)
    fit_scores: list[ValueChange] = field(default_factory=list)
    npv: list[ValueChange] = field(default_factory=list)
    prob_loss: list[ValueChange] = field(default_factory=list)
    portfolio: PortfolioChange | None = None
    alerts_new: list[dict[str, str]] = field(default_factory=list)
    alerts_cleared: list[dict[str, str]] = field(default_factory=list)
    health: list[ValueChange] = field(default_factory=list)
    theses: list[ValueChange] = field(default_factory=list)
    review: list[ValueChange] = field(default_factory=list)
    decision: tuple[str, str] | None = None

    @property
    def any(self) -> bool:
        """Whether any decision or result compared changed."""
        return bool(self.candidates_added or self.candidates_removed or self.recommendations or self.ranks
                    or self.fit_scores or self.npv or self.prob_loss or self.alerts_new or self.alerts_cleared
                    or self.health or self.theses or self.review or self.decision
                    or (self.portfolio is not None and (not self.portfolio.same_selection
                                                        or self.portfolio.expected_npv[0] != self.portfolio.expected_npv[1]
                                                        or self.portfolio.cvar[0] != self.portfolio.cvar[1]
                                                        or self.portfolio.status[0] != self.portfolio.status[1])))


def _changed(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]], key: str,
             tolerance: float | None = None) -> list[ValueChange]:
    """Per id in both (the later run's order): ``key`` before and after where it differs (numbers: by more than
    ``tolerance``)."""
    found = []
    for subject, row in after.items():
        old = before.get(subject)
        if old is None:
            continue
        first, second = old.get(key), row.get(key)
        differs = (abs(second - first) > tolerance if tolerance is not None and first is not None
                   and second is not None else first != second)
        if differs:
            found.append(ValueChange(subject, row.get("name", subject), first, second))
    return found


def _portfolio(before: Mapping[str, Any], after: Mapping[str, Any]) -> PortfolioChange:
    """The portfolios of two runs."""
    old, new = before.get("selected", []), after.get("selected", [])
    reviewed_before, reviewed_after = before.get("review") or {}, after.get("review") or {}
    review = [ValueChange(alliance, alliance, reviewed_before.get(alliance), option)
              for alliance, option in reviewed_after.items() if reviewed_before.get(alliance) != option]
    review += [ValueChange(alliance, alliance, option, None) for alliance, option in reviewed_before.items()
               if alliance not in reviewed_after]
    return PortfolioChange(
        before=list(old), after=list(new), added=[c for c in new if c not in old], dropped=[c for c in old if c not in new],
        expected_npv=(before.get("expected_npv"), after.get("expected_npv")), cvar=(before.get("cvar_5"), after.get("cvar_5")),
        cvar_level=after.get("cvar_level", 0.05), status=(before.get("status", ""), after.get("status", "")), review=review)


def _alert_key(alert: Mapping[str, str]) -> tuple[str, str, str]:
    return alert["alliance"], alert["trigger"], alert["action"]


def decision_changes(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]) -> DecisionChanges:
    """Compare two runs' decisions from their ``results.json`` files.

    Parameters
    ----------
    before, after : mapping
        Notebook name (``"01_partner_fit"``) → its ``results.json``, for the notebooks that succeeded.

    Returns
    -------
    DecisionChanges
        Each list in the later run's order; analyses only one run has are named in ``one_sided`` and not
        compared.
    """
    compared = [name for name in COMPARED if name in before and name in after]
    one_sided = [name for name in COMPARED if (name in before) != (name in after)]
    changes: dict[str, Any] = {}
    if PARTNER_FIT in compared:
        old, new = before[PARTNER_FIT]["candidates"], after[PARTNER_FIT]["candidates"]
        changes |= {
            "candidates_added": [ValueChange(c, row["name"], None, row["recommendation"]) for c, row in new.items()
                                 if c not in old],
            "candidates_removed": [ValueChange(c, row["name"], row["recommendation"], None) for c, row in old.items()
                                   if c not in new],
            "recommendations": _changed(old, new, "recommendation"), "ranks": _changed(old, new, "rank"),
            "fit_scores": _changed(old, new, "fit_score", SCORE_TOLERANCE)}
    if RISK in compared:
        old, new = before[RISK]["candidates"], after[RISK]["candidates"]
        changes |= {"npv": _changed(old, new, "npv_mean", 0.0), "prob_loss": _changed(old, new, "prob_loss", 0.0)}
    source = next((name for name in (PORTFOLIO, BRIEF) if name in compared), None)
    if source is not None:
        pick = (lambda results: results) if source == PORTFOLIO else (lambda results: results["portfolio"])
        changes["portfolio"] = _portfolio(pick(before[source]), pick(after[source]))
    if BRIEF in compared and before[BRIEF]["decision"] != after[BRIEF]["decision"]:
        changes["decision"] = (before[BRIEF]["decision"], after[BRIEF]["decision"])
    if HEALTH in compared:
        old_alerts = {_alert_key(alert): alert for alert in before[HEALTH].get("alerts", [])}
        new_alerts = {_alert_key(alert): alert for alert in after[HEALTH].get("alerts", [])}
        changes |= {"alerts_new": [alert for key, alert in new_alerts.items() if key not in old_alerts],
                    "alerts_cleared": [alert for key, alert in old_alerts.items() if key not in new_alerts],
                    "health": _changed(before[HEALTH].get("alliances", {}), after[HEALTH].get("alliances", {}),
                                       "recommendation")}
    if THESIS in compared:
        changes["theses"] = _changed(before[THESIS].get("alliances", {}), after[THESIS].get("alliances", {}), "verdict")
    if REVIEW in compared:
        changes["review"] = _changed(before[REVIEW].get("alliances", {}), after[REVIEW].get("alliances", {}), "decision")
    return DecisionChanges(compared=compared, one_sided=one_sided, **changes)
