"""The steering committee's latest decisions beside what a run recommends, for the front page.

The decisions come from the case's hash-chained log (``decisions.csv``, checked when the case is loaded); what the
run recommends is read from its notebooks' ``results.json``, never recomputed: for a proposed candidate, pursue
when the decision brief recommends it (else when the portfolio selects it), otherwise do not pursue; for an
alliance in flight, the portfolio review's decision (else the brief's review, else the alliance-health
recommendation when it is continue, restructure or exit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd

from alliance_analytics.case.case import Case
from alliance_analytics.core.formatting import candidate_label, format_date, sentence

BRIEF, PORTFOLIO, HEALTH, REVIEW = "05_decision_brief", "04_portfolio", "06_alliance_health", "08_portfolio_review"
DECISION_WORDS = {"pursue": "pursue", "do_not_pursue": "do not pursue", "continue": "continue",
                  "restructure": "restructure", "exit": "exit", "defer": "defer"}


class LoggedDecision(NamedTuple):
    """One alliance's latest logged decision and what the run says about it, in words.

    Attributes
    ----------
    date : str
        The decision's date, as the reader reads dates.
    alliance : str
        Name and id (``Alpina Reha Kliniken AG (A03)``).
    decision : str
        The decision in words (``do not pursue``).
    rationale, dissent : str
        As logged (dissent empty when none).
    run : str
        The first 12 digits of the hash of the run it was based on, or empty.
    recommended : str
        What this run recommends, in words; empty when this run does not assess it.
    verdict : str
        ``agrees``, ``differs`` or ``not assessed by this run`` (``deferred`` for a deferred decision).
    """

    date: str
    alliance: str
    decision: str
    rationale: str
    dissent: str
    run: str
    recommended: str
    verdict: str

    @property
    def why(self) -> str:
        """The rationale, any dissent and the run it was based on, as sentences."""
        parts = [f"Why: {sentence(self.rationale)}"]
        if self.dissent:
            parts.append(f"Dissent: {sentence(self.dissent)}")
        if self.run:
            parts.append(f"Based on run {self.run}.")
        return " ".join(parts)


def logged_decisions(case: Case, result: Callable[[str], dict[str, Any]]) -> list[LoggedDecision]:
    """Each alliance's latest logged decision, newest first, with whether the run agrees.

    Parameters
    ----------
    case : Case
        The case (its ``decisions`` log).
    result : callable
        The run's ``results.json`` content by notebook name (empty when that notebook did not run).

    Returns
    -------
    list of LoggedDecision
        Empty when the case logs no decisions.
    """
    log = case.decisions
    if log.empty:
        return []
    latest = log.assign(order=range(len(log))).groupby("alliance", sort=False).tail(1)
    names = {**case.candidates["name"].to_dict(), **case.alliances["name"].to_dict()}
    rows = []
    for entry in latest.sort_values(["date", "order"], ascending=False).itertuples():
        recommended = recommendation(entry.alliance, entry.alliance in case.alliances.index, result)
        verdict = ("deferred" if entry.decision == "defer" else "not assessed by this run" if recommended is None
                   else "agrees" if recommended == entry.decision else "differs")
        rows.append(LoggedDecision(
            date=format_date(entry.date), alliance=candidate_label(entry.alliance, names[entry.alliance]),
            decision=DECISION_WORDS[entry.decision], rationale=entry.rationale, dissent=_text(entry.dissent),
            run=_text(entry.run)[:12], recommended=DECISION_WORDS.get(recommended or "", ""), verdict=verdict))
    return rows


def _text(value: object) -> str:
    """A logged cell as text: blank (``None`` or NaN in the table) is empty."""
    return "" if value is None or pd.isna(value) else str(value)


def recommendation(alliance: str, in_flight: bool, result: Callable[[str], dict[str, Any]]) -> str | None:
    """What a run recommends for one alliance, as a logged decision would say it; ``None`` when not assessed.

    Examples
    --------
    >>> runs = {"04_portfolio": {"selected": ["C01"]}, "08_portfolio_review": {"alliances": {"A03": {
    ...     "decision": "restructure"}}}}
    >>> [recommendation(*args, lambda name: runs.get(name, {})) for args in (("C01", False), ("C02", False),
    ...                                                                       ("A03", True), ("A04", True))]
    ['pursue', 'do_not_pursue', 'restructure', None]
    """
    if not in_flight:
        brief, portfolio = result(BRIEF), result(PORTFOLIO)
        if brief:
            return "pursue" if alliance in {row["candidate"] for row in brief["recommended"]} else "do_not_pursue"
        if portfolio:
            return "pursue" if alliance in portfolio["selected"] else "do_not_pursue"
        return None
    review = result(REVIEW).get("alliances", {})
    if alliance in review:
        return review[alliance]["decision"]
    brief_review = {row["alliance"]: row["decision"] for row in result(BRIEF).get("review", [])}
    if alliance in brief_review:
        return brief_review[alliance]
    health = result(HEALTH).get("alliances", {}).get(alliance, {}).get("recommendation")
    return health if health in ("continue", "restructure", "exit") else None


def agreement_sentence(rows: list[LoggedDecision]) -> str:
    """One sentence on how far the run agrees with the logged decisions.

    Examples
    --------
    >>> row = LoggedDecision("15 Oct 2026", "Alpina (A03)", "continue", "", "", "", "restructure", "differs")
    >>> agreement_sentence([row, row._replace(alliance="Lumen (A05)", verdict="agrees")])
    'This run agrees with 1 of the 2 latest decisions it assesses and differs on Alpina (A03).'
    >>> agreement_sentence([row._replace(verdict="deferred")])
    'This run assesses none of the latest decisions (deferred or not analysed in this run).'
    """
    assessed = [row for row in rows if row.verdict in ("agrees", "differs")]
    if not assessed:
        return "This run assesses none of the latest decisions (deferred or not analysed in this run)."
    differ = [row.alliance for row in assessed if row.verdict == "differs"]
    agree = len(assessed) - len(differ)
    sentence = f"This run agrees with {agree} of the {len(assessed)} latest decisions it assesses"
    if not differ:
        return sentence + "."
    names = differ[0] if len(differ) == 1 else f"{', '.join(differ[:-1])} and {differ[-1]}"
    return f"{sentence} and differs on {names}."
