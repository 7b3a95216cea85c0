"""The decision brief: one or two pages for the steering committee, built from the other analyses' results.

:func:`build_brief` turns the partner-fit, weight-sensitivity and risk-simulation results of a case into the
recommended alliances, the walk-aways with their reasons, how robust the ranking is, the key risks, the
assumptions to validate in the first 90 days and the caveats, all in plain words.
:func:`analyse_decision_brief` runs the three analyses with the same settings as their notebooks (so every
number equals theirs) and builds the brief. Nothing is printed; the :class:`DecisionBrief` it returns feeds
the notebook, ``results.json`` and the tests alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import RISK_LEVEL_ORDER
from alliance_analytics.core.formatting import (
    MoneyUnit,
    candidate_label,
    counted,
    format_money,
    format_month,
    format_number,
    format_share,
    join_words,
    markdown_list,
    markdown_text,
    money_unit,
    reader_table,
    sentence,
    sentence_table,
)
from alliance_analytics.core.parameters import WholeNumber
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.core.scoring import below
from alliance_analytics.fit.analysis import PartnerFitParameters, PartnerFitResult, analyse_partner_fit
from alliance_analytics.health.analysis import HealthParameters, analyse_alliance_health
from alliance_analytics.portfolio.analysis import PortfolioParameters, PortfolioResult, analyse_portfolio
from alliance_analytics.portfolio.review import ReviewParameters, analyse_portfolio_review
from alliance_analytics.risk.analysis import SimulationParameters, SimulationResult, analyse_risk_simulation
from alliance_analytics.sensitivity.analysis import (
    SensitivityParameters,
    SensitivityResult,
    analyse_weight_sensitivity,
)
from alliance_analytics.thesis.analysis import ThesisParameters, ThesisResult, analyse_thesis_check

LOSS_ALERT = 0.25
"""A loss probability at or above this is called out (as in the risk simulation's headline)."""

CONTENDER_SHARE = 0.05
"""A candidate that ranks first in at least this share of weightings is named as a contender."""

RISK_DRIVERS = 2
"""Risk-register events named per recommended candidate."""

MOST_LIMITS_NAMED = 2
"""Limits named in the one clause on why a candidate is left out (the portfolio report lists them all)."""

@dataclass(frozen=True)
class DecisionBrief:
    """The steering committee's summary of a case: the decision first, then why, then what to check.

    Money is in the case's currency, in full units; shares are between 0 and 1.

    Attributes
    ----------
    case_name, currency : str
        From the case.
    advance_min_score : float
        The fit score a candidate needs to advance.
    overview : pandas.DataFrame
        Every candidate by id, best fit rank first: ``name``, ``fit_score``, ``rank``, ``recommendation``
        (advance, review, walk away), ``npv_mean``, ``prob_loss`` and ``in_portfolio`` (bool).
    recommended : pandas.DataFrame
        The alliances to pursue: the optimised portfolio, best fit rank first (empty when there is none, and
        ``no_recommendation`` says why): ``name``, ``fit_score``, ``rank``, ``recommendation``, ``npv_mean``,
        ``prob_loss``, ``first_rank`` (SMAA rank-1 acceptability; NaN when the weights were not analysed) and
        ``reason`` (one clause in plain words).
    no_recommendation : str
        Why no alliance is recommended (a sentence without full stop); empty when the portfolio names some.
    advancing : pandas.DataFrame
        The candidates that advance on fit alone (at most ``top``, best fit rank first), with the columns of
        ``recommended`` (their ``reason`` says how they fare alone).
    left_out : pandas.DataFrame
        Candidates that advance on fit but are not in the portfolio: ``name``, ``fit_score``, ``rank``,
        ``npv_mean``, ``prob_loss`` and ``reason`` (one clause: a likely loss, a limit it would break, or a
        better use of the budget).
    walk_aways : pandas.DataFrame
        The knocked-out candidates, best fit rank first: ``name``, ``fit_score``, ``rank``, ``npv_mean`` and
        ``reasons`` (list of str, from the strategy gate and the red flags).
    robustness : list of str
        Plain sentences: how robust the ranking is to the weights.
    key_risks : pandas.DataFrame
        Per recommended alliance (the advancing ones when nothing is recommended): ``name``, ``prob_loss``,
        ``cvar_5`` (mean NPV of the worst 5 % of futures) and ``drivers`` (list of dicts ``risk``,
        ``description``, ``variance_share``: the risk-register events that move its NPV most).
    validate_first : pandas.DataFrame
        One row per assumption worth validating in the first 90 days, same candidates as ``key_risks``, most
        valuable first: ``candidate``, ``name``, ``assumption``, ``description``, ``evppi``, and the pilot that
        tests it when ``pilots.csv`` costs one: ``pilot_unit``, ``pilot_size`` (the best size; None when no size
        pays), ``pilot_evsi``, ``pilot_cost`` and ``pilot_enbs`` at that size (NaN when no pilot is costed).
    caveats : list of str
        Plain sentences: what the committee should know before relying on the numbers.
    portfolio : PortfolioResult
        The optimised set of alliances within the programme's limits (the portfolio report's own result).
    attention : list of (str, str, str)
        The alliances in flight that need attention, most severe first: ``(alliance label, recommendation,
        first reason)`` from the alliance-health analysis; empty when none does or the case has none.
    attention_month : str
        The month the alliances in flight were assessed in (``YYYY-MM``; empty without a scorecard).
    theses : list of (str, str, str, str, bool)
        The value theses that the actuals weaken or break, most severe first: ``(id, name, verdict code,
        verdict in words, reliable)`` from the thesis check; empty when none does or no alliance has actuals.
    parameters : BriefParameters or None
        The parameters the brief was assembled with (set by :func:`analyse_decision_brief`).
    """

    case_name: str
    currency: str
    advance_min_score: float
    overview: pd.DataFrame
    recommended: pd.DataFrame
    no_recommendation: str
    advancing: pd.DataFrame
    left_out: pd.DataFrame
    walk_aways: pd.DataFrame
    robustness: list[str]
    key_risks: pd.DataFrame
    validate_first: pd.DataFrame
    caveats: list[str]
    portfolio: PortfolioResult
    attention: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    attention_month: str = ""
    theses: list[tuple[str, str, str, str, bool]] = dataclasses.field(default_factory=list)
    review: list[tuple[str, str, str, str]] = dataclasses.field(default_factory=list)
    parameters: BriefParameters | None = None

    def decision(self) -> str:
        """The decision in one sentence: the alliances to pursue by name, their value and tail risk, or why none.

        The tail reads as a gain or a loss in words; an alliance of the portfolio that is still in review on
        fit is named, since it needs a decision first.

        Returns
        -------
        str
            E.g. "Pursue Helvetia Sensorik AG (C01), ...: together an expected NPV of 4.57 M EUR; in the worst
            5 % of futures they still gain 1.50 M EUR on average"; without full stop. With a portfolio review the
            alliances in flight come first: "Restructure Alpina Reha Kliniken AG (A03) as “…”; continue …; pursue …"
            (the NPV then includes the review's gain over continuing).
        """
        clause = self.portfolio.review_clause()
        first = f"{clause[0].upper()}{clause[1:]}; " if clause else ""
        if self.recommended.empty:
            return first + (f"pursue no new alliance yet: {self.no_recommendation}" if first
                            else f"Pursue no alliance yet: {self.no_recommendation}")
        names = self.overview["name"]
        review = self.recommended.index[self.recommended["recommendation"] != "advance"]
        changed = any(option in ("restructure", "exit") for option in self.portfolio.decisions.values())
        pursue = decision_sentence([candidate_label(c, names[c]) for c in self.recommended.index],
                                   self.portfolio.expected_npv, self.portfolio.cvar, self.portfolio.problem.cvar_level,
                                   self.currency, [candidate_label(c, names[c]) for c in review], with_review=changed)
        return first + (pursue[0].lower() + pursue[1:] if first else pursue)

    def headline(self) -> list[str]:
        """A few short lines: what to pursue, what is left out and why, who to walk away from, robustness.

        Returns
        -------
        list of str
            The first line starts ``recommended:`` and names the recommended alliances' ids (or ``none (why)``).
        """
        review = self.overview.index[self.overview["recommendation"] == "review"].tolist()
        if self.recommended.empty:
            lines = [f"recommended: none ({self.no_recommendation})"]
        else:
            lines = [(f"recommended: {', '.join(self.recommended.index)} (expected NPV "
                      f"{format_money(self.portfolio.expected_npv, self.currency)}, "
                      f"{format_share(self.portfolio.problem.cvar_level)} CVaR "
                      f"{format_money(self.portfolio.cvar, self.currency)})")]
        lines += [f"advances on fit but left out: {c} — {reason}" for c, reason in self.left_out["reason"].items()]
        lines += [f"walk away: {', '.join(self.walk_aways.index) or 'none'}",
                  f"in review: {', '.join(review) or 'none'}",
                  self.robustness[0]]
        worth = self.validate_first.assign(assumption=[
            assumption if size is None else f"{assumption} (pilot: {counted(size, unit)})"
            for assumption, size, unit in self.validate_first[["assumption", "pilot_size", "pilot_unit"]]
            .itertuples(index=False)]).groupby("candidate", sort=False)["assumption"].agg(", ".join)
        lines.append("validate first: " + ("; ".join(f"{c}: {ids}" for c, ids in worth.items()) if len(worth)
                                           else "no assumption is worth testing before committing"))
        return lines

    def summary_markdown(self) -> str:
        """The case and the decision in one paragraph, as Markdown with every text from the case escaped.

        The decision (:meth:`decision`) in bold, then a list: each alliance that advances on fit but is left
        out with its reason, the walk-aways and who needs a decision first; then, in one paragraph, the alliances
        in flight that need attention and what each needs, and the value theses the
        actuals put in doubt (their
        reasons are in the alliance-health and thesis-check reports and on the front page), leaving out the
        alliances the portfolio review decides (the decision names them; their reasons are in its report).

        Returns
        -------
        str
        """
        names = self.overview["name"]
        sentences = [f"Leave out {candidate_label(c, names[c])}: {reason}" for c, reason in self.left_out["reason"].items()]
        walk_aways = self.walk_aways.index.tolist()
        if walk_aways:
            sentences.append(f"Walk away from {join_words(walk_aways)}: "
                             f"{'it fails' if len(walk_aways) == 1 else 'they fail'} the strategy gate or "
                             f"{'has' if len(walk_aways) == 1 else 'have'} a red flag" + self._walk_away_leaders())
        running = ""
        reviewed = {candidate_label(owner, name) for owner, name, _, _ in self.review}
        attention = [(label, action) for label, action, _ in self.attention if label not in reviewed]
        theses = [(owner, name, words, reliable) for owner, name, _, words, reliable in self.theses
                  if candidate_label(owner, name) not in reviewed]
        if attention:
            named = "; ".join(f"{action} {label}" for label, action in attention)
            running += (f"{' ' if running else chr(10) * 2}**{'Other a' if reviewed else 'A'}lliances in flight that "
                        f"need attention ({format_month(self.attention_month)}):** "
                        f"{markdown_text(named)} (the reasons are in the alliance-health report).")
        if theses:
            named = "; ".join(f"{candidate_label(owner, name)}, {words}{'' if reliable else ' (few effective draws)'}"
                              for owner, name, words, reliable in theses)
            running += (f"{' ' if running else chr(10) * 2}**Value theses the first months' actuals put in doubt:** "
                        f"{markdown_text(named)} (see the thesis-check report).")
        return (f"**Case:** {markdown_text(self.case_name)}\n\n**{markdown_text(sentence(self.decision()))}**\n\n"
                + markdown_list(sentences) + running)

    def key_risks_note(self) -> str:
        """What the key-risk table's figures mean and, when shared drivers move the portfolio, what sharing them
        does to its tail risk (:meth:`~alliance_analytics.risk.drivers.DriverDependence.sentence`), as Markdown.

        Returns
        -------
        str
        """
        note = "*Worst 5 % on average*: the mean NPV of the worst 5 % of simulated futures."
        if self.portfolio.dependence is not None and not self.recommended.empty:
            note += " " + markdown_text(self.portfolio.dependence.sentence("the portfolio"))
        return note

    def recommended_table(self) -> pd.DataFrame:
        """The alliances to pursue for display: fit, value, loss probability, robustness and the reason.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, every cell text (:func:`~alliance_analytics.core.formatting.reader_table`).
        """
        table = self.recommended
        if table.empty:
            return sentence_table(self._when_empty("recommended"))
        return reader_table(pd.DataFrame({
            "Candidate": table["name"], "Fit score": table["fit_score"], "Expected NPV": table["npv_mean"],
            "P(loss)": table["prob_loss"], "Ranks first": table["first_rank"], "Why": table["reason"].map(sentence),
        }), {"Fit score": "score", "Expected NPV": "money", "P(loss)": "share", "Ranks first": "share"},
            self.currency, "ID")

    def left_out_table(self) -> pd.DataFrame:
        """Candidates that advance on fit but are left out of the portfolio, with the reason, for display.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, every cell text.
        """
        table = self.left_out
        if table.empty:
            return sentence_table(self._when_empty("left_out"))
        return reader_table(pd.DataFrame({
            "Candidate": table["name"], "Fit score": table["fit_score"], "Expected NPV": table["npv_mean"],
            "P(loss)": table["prob_loss"], "Why left out": table["reason"].map(sentence),
        }), {"Fit score": "score", "Expected NPV": "money", "P(loss)": "share"}, self.currency, "ID")

    def walk_away_table(self) -> pd.DataFrame:
        """The walk-aways for display, each with its first reason (the partner-fit report lists them all).

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, every cell text.
        """
        table = self.walk_aways
        if table.empty:
            return sentence_table(self._when_empty("walk_aways"))
        return reader_table(pd.DataFrame({
            "Candidate": table["name"], "Fit score": table["fit_score"], "Expected NPV": table["npv_mean"],
            "Why walk away": table["reasons"].map(lambda reasons: sentence(reasons[0]) if reasons else ""),
        }), {"Fit score": "score", "Expected NPV": "money"}, self.currency, "ID")

    def key_risk_table(self) -> pd.DataFrame:
        """The key risks of each recommended alliance for display.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id: loss probability, 5 % CVaR and the largest risk-register drivers.
        """
        table = self.key_risks
        if table.empty:
            return sentence_table(self._when_empty("key_risks"))
        return reader_table(pd.DataFrame({
            "Candidate": table["name"], "P(loss)": table["prob_loss"], "Worst 5 % on average": table["cvar_5"],
            "Largest risk-register drivers (share of the NPV spread)": table["drivers"].map(_drivers_text),
        }), {"P(loss)": "share", "Worst 5 % on average": "money"}, self.currency, "ID")

    def validate_first_table(self) -> pd.DataFrame:
        """The assumptions to validate in the first 90 days for display (empty when none is worth it).

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id: what the assumption says and what knowing it is worth (EVPPI).
        """
        table = self.validate_first
        if table.empty:
            return sentence_table(self._when_empty("validate_first"))
        shown = table[table["pilot_size"].notna()]
        unit = money_unit([*table["evppi"], *shown["pilot_evsi"], *shown["pilot_cost"]], self.currency)
        return reader_table(pd.DataFrame({
            "Candidate": table["name"].to_numpy(), "What to validate": table["description"].to_numpy(),
            f"Worth knowing ({unit.label})": [unit.format(value) for value in table["evppi"]],
            f"Pilot before committing ({unit.label})": [_pilot_text(row, unit)
                                                         for row in table.itertuples(index=False)],
        }, index=table["candidate"].to_numpy()), {}, self.currency, "ID")

    def _when_empty(self, section: str) -> str:
        """What an empty table of the brief means, in plain words (shown instead of the table)."""
        focus = join_words(self.key_risks.index.tolist())
        sentences = {
            "recommended": f"No alliance is recommended: {self.no_recommendation}",
            "left_out": ("Every candidate that advances on fit is in the portfolio" if len(self.recommended)
                         else "No portfolio was found, so none is left out of one"),
            "walk_aways": "No candidate is a walk-away: every one passes the strategy gate without a red flag",
            "key_risks": "No alliance is recommended or advances on fit, so no risk is listed",
            "validate_first": (f"No assumption of {focus} is worth testing before committing: knowing any one of "
                               "them exactly is worth less than 10 % of knowing the whole outcome" if focus else
                               "No alliance is recommended or advances on fit, so no assumption is listed"),
        }
        return sentence(sentences[section])

    def to_json(self) -> dict:
        """The machine-readable brief, as stored in ``results.json``.

        Returns
        -------
        dict
            ``currency``; ``recommended`` (the optimised portfolio's alliances, records with ``candidate`` ids),
            ``no_recommendation`` (why it is empty, else ``""``), ``advancing`` (the candidates that advance on
            fit alone), ``left_out``, ``walk_aways``, ``key_risks`` and ``validate_first`` (records),
            ``robustness`` and ``caveats`` (lists of str), ``attention`` (alliances in flight needing attention:
            records with ``alliance``, ``recommendation``, ``reason``) and ``attention_month``, ``theses`` (value
            theses the actuals weaken or break: ``alliance`` id, ``name``, ``verdict``, ``verdict_words``,
            ``reliable``), ``review`` (the portfolio review's decisions for the alliances in flight: ``alliance`` id,
            ``name``, ``decision`` (continue, restructure or exit), ``reason``), ``portfolio`` (the optimiser's
            summary, with ``dependence``: what the shared drivers do to its CVaR); money in full units, shares
            0..1, ``null`` where not computed.
        """
        return {
            "currency": self.currency,
            "decision": sentence(self.decision()),
            "recommended": _records(self.recommended),
            "no_recommendation": self.no_recommendation,
            "advancing": _records(self.advancing),
            "left_out": _records(self.left_out),
            "walk_aways": _records(self.walk_aways),
            "robustness": list(self.robustness),
            "key_risks": _records(self.key_risks),
            "validate_first": _records(self.validate_first.set_index("candidate")),
            "caveats": list(self.caveats),
            "attention": [{"alliance": label, "recommendation": action, "reason": reason}
                          for label, action, reason in self.attention],
            "attention_month": self.attention_month or None,
            "theses": [{"alliance": owner, "name": name, "verdict": code, "verdict_words": words, "reliable": reliable}
                       for owner, name, code, words, reliable in self.theses],
            "review": [{"alliance": owner, "name": name, "decision": option, "reason": reason}
                       for owner, name, option, reason in self.review],
            "portfolio": {
                key: self.portfolio.to_json()[key]
                for key in ("selected", "objective", "expected_npv", "cvar_5", "cvar_level", "dependence", "status",
                            "gap", "conflict")},
        }

    def _walk_away_leaders(self) -> str:
        """What walking away gives up, when a walk-away leads on fit score or expected NPV (else ``""``)."""
        overview = self.overview
        leaders = {"the best fit score": overview["fit_score"].idxmax(),
                   "the highest expected NPV": overview["npv_mean"].idxmax()}
        given_up = [f"{what} ({candidate})" for what, candidate in leaders.items() if candidate in self.walk_aways.index]
        return f"; this gives up {join_words(given_up)} of all candidates" if given_up else ""


def decision_sentence(picks: list[str], expected_npv: float, cvar: float, cvar_level: float, currency: str,
                      in_review: list[str] = (), with_review: bool = False) -> str:
    """The decision to pursue a portfolio, in one sentence (the brief's, and the front page's without a brief).

    Parameters
    ----------
    picks : list of str
        The alliances, as the reader sees them (``"Name (C01)"``).
    expected_npv, cvar : float
        The portfolio's expected NPV and its CVaR (mean NPV of the worst ``cvar_level`` of futures), in full
        units of ``currency``.
    cvar_level : float
        The tail share, e.g. 0.05.
    currency : str
        ISO 4217 code.
    in_review : list of str
        Alliances of the portfolio still in review on fit, named as needing a decision first.
    with_review : bool
        The NPV and CVaR include the portfolio review's changes to alliances in flight (their gain over
        continuing): the sentence says "with the review's changes".

    Returns
    -------
    str
        Without full stop; the tail reads as a gain or a loss in words.

    Examples
    --------
    >>> decision_sentence(["A (C01)", "B (C02)"], 4.57e6, -3.4e5, 0.05, "EUR", ["B (C02)"])
    'Pursue A (C01) and B (C02): together an expected NPV of 4.57 M EUR; in the worst 5 % of futures they lose 0.34 M EUR on average. B (C02) is still in review on fit: settle that before committing'
    """
    worst = (f"in the worst {format_share(cvar_level)} of futures they "
             + (f"still gain {format_money(cvar, currency)}" if cvar >= 0 else f"lose {format_money(-cvar, currency)}")
             + " on average")
    together = "together with the review's changes" if with_review else "together"
    sentence = (f"Pursue {join_words(picks)}: {together} an expected NPV of {format_money(expected_npv, currency)}; "
                f"{worst}")
    if in_review:
        sentence += (f". {join_words(in_review)} {'is' if len(in_review) == 1 else 'are'} still in review on fit: "
                     "settle that before committing")
    return sentence


class BriefParameters(SensitivityParameters, PortfolioParameters, HealthParameters):
    """The decision brief's parameters (the ``parameters`` cell of ``05_decision_brief``).

    Every field of the analyses it summarises (the alliance-health analysis's too, for the alliances in flight
    that need attention), with the same names and defaults, so a run that gives them one value gives every
    report the same results; and ``top``.

    Attributes
    ----------
    top : int
        Most alliances listed as advancing on fit (best fit rank first), at least 1.
    """

    top: Annotated[WholeNumber, Field(ge=1, le=1000)] = 5

    def problems(self, case: Case) -> list[Problem]:
        """What does not fit the case, in any of the analyses the brief summarises."""
        return list(dict.fromkeys(SensitivityParameters.problems(self, case) + PortfolioParameters.problems(self, case)
                                  + HealthParameters.problems(self, case)))


def analyse_decision_brief(case: Case, parameters: BriefParameters = BriefParameters()) -> DecisionBrief:
    """Assemble the decision brief from the other analyses' results (computed once per run).

    The partner fit, weight sensitivity, risk simulation and portfolio come from their ``analyse_*`` functions
    with the brief's parameters, so within a run they are the results the other reports show, read back from
    the run's cache rather than recomputed. With fewer than two candidates in the running the weights are not
    analysed, and the brief says so.

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : BriefParameters
        The brief's parameters.

    Returns
    -------
    DecisionBrief

    Raises
    ------
    InputError
        When a parameter does not fit the case; every problem is listed.
    """
    problems = parameters.problems(case)
    if problems:
        raise InputError("decision-brief parameters", problems)
    fit = analyse_partner_fit(case, parameters.subset(PartnerFitParameters))
    in_running = len(fit.candidates) if parameters.include_walk_aways else int(
        (fit.candidates["recommendation"] != "walk away").sum())
    sensitivity = (analyse_weight_sensitivity(case, parameters.subset(SensitivityParameters))
                   if in_running >= 2 else None)
    simulation = analyse_risk_simulation(case, parameters.subset(SimulationParameters))
    portfolio = analyse_portfolio(case, parameters.subset(PortfolioParameters))
    brief = build_brief(case, fit, sensitivity, simulation, portfolio, top=parameters.top)
    health = analyse_alliance_health(case, parameters.subset(HealthParameters))
    thesis = analyse_thesis_check(case, parameters.subset(ThesisParameters))
    review = analyse_portfolio_review(case, parameters.subset(ReviewParameters)) if case.has_review else None
    decisions = [] if review is None else [(owner, item.options.name, review.decision(owner), review.reason(owner))
                                           for owner, item in review.reviews.items()]
    theses = [(owner, thesis.names[owner], code, words, reliable) for owner, code, words, reliable in thesis.in_doubt()]
    pursued = [f"{candidate_label(owner, name)} ({words})" for owner, name, _, words, _ in theses
               if owner in brief.recommended.index]
    caveats = brief.caveats + ([f"The pilot actuals of {join_words(pursued)} put {'its' if len(pursued) == 1 else 'their'} "
                                "value thesis in doubt, but the portfolio above is optimised on the business cases as "
                                "made: update assumptions.csv and re-run before committing"] if pursued else [])
    return dataclasses.replace(brief, attention=health.attention(), attention_month=health.month,
                               validate_first=with_pilots(brief.validate_first, thesis), theses=theses,
                               review=decisions, caveats=caveats, parameters=parameters)


def with_pilots(validate_first: pd.DataFrame, thesis: ThesisResult) -> pd.DataFrame:
    """The assumptions to validate first with the pilot of each that ``pilots.csv`` costs (its best size).

    Parameters
    ----------
    validate_first : pandas.DataFrame
        :attr:`DecisionBrief.validate_first` (its pilot columns, if any, are replaced).
    thesis : ThesisResult
        The thesis check, whose pilots are valued on the same draws as the EVPPI.

    Returns
    -------
    pandas.DataFrame
        The same rows with ``pilot_unit`` (None when not costed), ``pilot_size`` (a whole number; None when no
        size pays), and ``pilot_evsi``, ``pilot_cost`` and ``pilot_enbs`` at the size the thesis check shows (the
        best, else the largest considered; NaN when not costed).
    """
    columns = {"pilot_unit": [], "pilot_size": [], "pilot_evsi": [], "pilot_cost": [], "pilot_enbs": []}
    for candidate, assumption in validate_first[["candidate", "assumption"]].itertuples(index=False):
        pilot = thesis.pilot_for(candidate, assumption)
        at = None if pilot is None else pilot.plan.loc[pilot.shown_size]
        columns["pilot_unit"].append(None if pilot is None else pilot.unit)
        columns["pilot_size"].append(None if pilot is None else pilot.best_size)
        for key in ("evsi", "cost", "enbs"):
            columns[f"pilot_{key}"].append(np.nan if at is None else float(at[key]))
    return validate_first.drop(columns=list(columns), errors="ignore").assign(**{
        name: pd.Series(values, index=validate_first.index, dtype=object if name in ("pilot_unit", "pilot_size")
                        else float) for name, values in columns.items()})


def _pilot_text(row: tuple, unit: MoneyUnit) -> str:
    """A pilot in words for the brief's table, amounts in the table's unit: its size, worth and cost; that none
    pays; or that none is costed."""
    if row.pilot_unit is None:
        return "not costed (pilots.csv)"
    if row.pilot_size is None:
        return "none pays for itself: decide without one"
    return (f"{counted(row.pilot_size, row.pilot_unit)}: worth {unit.format(row.pilot_evsi)}, costs "
            f"{unit.format(row.pilot_cost)}")


def build_brief(case: Case, fit: PartnerFitResult, sensitivity: SensitivityResult | None,
                simulation: SimulationResult, portfolio: PortfolioResult, top: int = 5) -> DecisionBrief:
    """Assemble the decision brief from the four analyses of a case.

    The alliances recommended are the optimised portfolio's: the best set within the programme's limits, not
    every candidate that advances on fit alone. Each candidate that advances on fit but is left out gets its
    reason in one clause: a likely loss, a limit it would break, or a better use of the budget.

    Parameters
    ----------
    case : Case
        The case analysed (for its strategy, risk and assumption descriptions and warnings).
    fit : PartnerFitResult
        The partner-fit analysis.
    sensitivity : SensitivityResult or None
        The weight-sensitivity analysis at the same weights and aggregation; ``None`` when fewer than two
        candidates are in the running.
    simulation : SimulationResult
        The risk simulation of every candidate, with its sensitivity figures.
    portfolio : PortfolioResult
        The optimised portfolio of the case (:func:`alliance_analytics.portfolio.analysis.analyse_portfolio`).
    top : int
        Most candidates listed as advancing on fit (best fit rank first); the others are named in a caveat.

    Returns
    -------
    DecisionBrief

    Raises
    ------
    ValueError
        When the analyses do not belong together (other candidates, or other weights or aggregation).
    """
    if set(simulation.candidates) != set(fit.candidates.index) or set(portfolio.problem.new_candidates) != set(
            fit.candidates.index):
        raise ValueError("the simulation, the portfolio and the partner-fit analysis cover different candidates")
    if sensitivity is not None and (sensitivity.fit.aggregation != fit.aggregation
                                    or not sensitivity.fit.weights.equals(fit.weights)):
        raise ValueError("the weight-sensitivity analysis was run with other weights or aggregation than the "
                         "partner-fit analysis")
    overview = _overview(fit, simulation, portfolio)
    first = (sensitivity.smaa.rank_acceptability.iloc[:, 0] if sensitivity is not None
             else pd.Series(dtype=float))
    columns = ["name", "fit_score", "rank", "recommendation", "npv_mean", "prob_loss"]
    why = portfolio.why
    selected = overview.index[overview["in_portfolio"]]
    recommended = overview.loc[selected, columns].assign(
        first_rank=first.reindex(selected),
        reason=[_in_portfolio_reason(overview.loc[c], why.loc[c], portfolio) for c in selected])
    advancing_all = overview.index[overview["recommendation"] == "advance"]
    advancing = overview.loc[advancing_all[:top], columns].assign(
        first_rank=first.reindex(advancing_all[:top]),
        reason=[_alone_reason(overview.loc[c], simulation.currency) for c in advancing_all[:top]])
    out = advancing_all[~overview.loc[advancing_all, "in_portfolio"]] if len(selected) else advancing_all[:0]
    left_out = overview.loc[out, ["name", "fit_score", "rank", "npv_mean", "prob_loss"]].assign(
        reason=[_left_out_reason(overview.loc[c], why.loc[c], portfolio) for c in out])
    knocked_out = overview.index[overview["recommendation"] == "walk away"]
    walk_aways = overview.loc[knocked_out, ["name", "fit_score", "rank", "npv_mean"]].assign(
        reasons=(fit.candidates.loc[knocked_out, "gate_reasons"] + fit.candidates.loc[knocked_out, "red_flag_reasons"])
        .map(list))
    focus = list(selected) if len(selected) else list(advancing.index)
    return DecisionBrief(
        case_name=case.settings.name,
        currency=simulation.currency,
        advance_min_score=fit.advance_min_score,
        overview=overview,
        recommended=recommended,
        no_recommendation="" if len(selected) else _no_recommendation(overview, portfolio),
        advancing=advancing,
        left_out=left_out,
        walk_aways=walk_aways,
        robustness=_robustness(fit, sensitivity),
        key_risks=_key_risks(case, simulation, focus),
        validate_first=_validate_first(case, simulation, focus),
        caveats=_caveats(case, fit, simulation, overview, list(advancing_all[top:])),
        portfolio=portfolio,
    )


def _overview(fit: PartnerFitResult, simulation: SimulationResult, portfolio: PortfolioResult) -> pd.DataFrame:
    """Every candidate's fit, recommendation, expected NPV, loss probability and place in the portfolio."""
    summaries = [simulation.candidates[candidate].summary for candidate in fit.candidates.index]
    table = fit.candidates[["name", "fit_score", "rank", "recommendation"]].assign(
        npv_mean=[summary["mean"] for summary in summaries], prob_loss=[summary["prob_loss"] for summary in summaries],
        in_portfolio=fit.candidates.index.isin(portfolio.selected))
    return table.sort_values(["rank", "name"])


def _no_recommendation(overview: pd.DataFrame, portfolio: PortfolioResult) -> str:
    """Why no alliance is recommended, in plain words (no full stop)."""
    if (overview["recommendation"] == "walk away").all():
        return "every candidate is a walk-away"
    solution = portfolio.solution
    if solution.status == "infeasible":
        conflict = portfolio.conflict
        if conflict is None or not conflict.certain:
            return "no set of alliances meets every limit of the programme"
        return ("no set of alliances meets every limit of the programme; these conflict (relax any one): "
                + "; ".join(conflict.descriptions))
    if not solution.found:
        return f"the optimiser found no portfolio ({solution.message.rstrip('.')})"
    return "no alliance adds value within the programme's limits"


def _objective_change(portfolio: PortfolioResult, change: float) -> str:
    """A change of the portfolio objective in words: money for NPV, points for fit or a blend."""
    if portfolio.problem.objective == "npv":
        return f"{format_money(abs(change), portfolio.problem.currency)} of expected NPV"
    return f"{format_number(abs(change))} points of the objective"


def _in_portfolio_reason(row: pd.Series, why: pd.Series, portfolio: PortfolioResult) -> str:
    """One clause on why a candidate is in the portfolio, and what to know about it."""
    clauses = [] if row["recommendation"] == "advance" else [f"{row['recommendation']} on fit: settle that first"]
    problem = portfolio.problem
    dropped = portfolio.solution.selection.copy()
    dropped[problem.candidates.index(row.name)] = 0.0
    needed = [problem.describe(name) for name in problem.violations(dropped)]
    if why["status"] == "forced in":
        clauses.append("forced in by this what-if")
    elif np.isfinite(why["objective_change"]) and why["objective_change"] < 0:
        clauses.append(f"dropping it costs {_objective_change(portfolio, why['objective_change'])}")
    elif needed:
        more = f" and {len(needed) - 1} more limit{'s' if len(needed) > 2 else ''}" if len(needed) > 1 else ""
        clauses.append(f"needed to meet: {needed[0]}{more}")
    if row["prob_loss"] >= LOSS_ALERT:
        clauses.append(f"a {format_share(row['prob_loss'])} chance of losing money: validate the value first")
    return "; ".join(clauses) or "in the best portfolio within the limits"


def _alone_reason(row: pd.Series, currency: str) -> str:
    """One clause on a candidate that advances on fit, judged alone: its value and loss risk."""
    share = format_share(row["prob_loss"])
    if row["npv_mean"] < 0:
        return f"expected to lose {format_money(-row['npv_mean'], currency)} ({share} chance of a loss)"
    if row["prob_loss"] >= LOSS_ALERT:
        return f"a {share} chance of losing money"
    return f"a loss is unlikely ({share})"


def _left_out_reason(row: pd.Series, why: pd.Series, portfolio: PortfolioResult) -> str:
    """One clause on why a candidate that advances on fit is not in the portfolio."""
    problem = portfolio.problem
    share = format_share(row["prob_loss"])
    if why["status"] == "forced out":
        return "forced out by this what-if"
    if row["npv_mean"] < 0:
        return f"expected to lose {format_money(-row['npv_mean'], problem.currency)} ({share} chance of a loss)"
    added = portfolio.solution.selection.copy()
    added[problem.candidates.index(row.name)] = 1.0
    broken = problem.violations(added)
    risk = f", and has a {share} chance of losing money" if row["prob_loss"] >= LOSS_ALERT else ""
    if broken:
        named = "; ".join(problem.describe(name) for name in broken[:MOST_LIMITS_NAMED])
        more = f" and {len(broken) - MOST_LIMITS_NAMED} more" if len(broken) > MOST_LIMITS_NAMED else ""
        return f"adding it would break a limit: {named}{more}{risk}"
    if np.isfinite(why["objective_change"]):
        return (f"a better use of the budget: the best portfolio with it has "
                f"{_objective_change(portfolio, why['objective_change'])} less{risk}")
    return f"no portfolio with it meets every limit{risk}"


def _robustness(fit: PartnerFitResult, sensitivity: SensitivityResult | None) -> list[str]:
    """Plain sentences on how robust the ranking is to the weights (and evaluators' scores)."""
    names = fit.candidates["name"]
    in_running = fit.candidates.index[fit.candidates["recommendation"] != "walk away"].tolist()
    if sensitivity is None:
        who = f"only {in_running[0]} ({names[in_running[0]]}) is" if in_running else "no candidate is"
        return [(f"The ranking's robustness to the weights was not analysed: {who} still in the running, so no "
                 "weighting changes the choice")]
    top = sensitivity.stability.top
    first = sensitivity.smaa.rank_acceptability.iloc[:, 0]
    samples = f"{sensitivity.smaa.n_samples:,} plausible weightings" + (
        {"uniform": "", "ordinal": " that keep the current order of importance",
         "interval": f" within ± {format_share(sensitivity.weight_range)} of the current weights"}[sensitivity.weight_uncertainty])
    scores = " with the evaluators' scores resampled" if sensitivity.score_uncertainty else ""
    favourite = first.idxmax()
    lines = [(f"Of the {len(sensitivity.candidates)} candidates in the running, {favourite} ({names[favourite]}) "
              f"ranks first most often: in {format_share(first[favourite])} of {samples}{scores}")]
    status = fit.candidates.at[top, "recommendation"]
    if favourite != top:
        lines.append(f"{top} ({names[top]}) has the highest fit score at the current weights and ranks first in "
                     f"{format_share(first[top])}" + (f"; it is in {status}, not recommended yet"
                                                      if status != "advance" else ""))
    elif status != "advance":
        lines.append(f"{top} is not recommended yet: it is in {status}")
    lines.append(_flip_sentence(sensitivity, fit))
    contenders = first[(first >= CONTENDER_SHARE) & ~first.index.isin([top, favourite])]
    if len(contenders):
        lines.append("Other contenders for first place: " + ", ".join(
            f"{candidate} ({format_share(share)})" for candidate, share in contenders.sort_values(ascending=False).items()))
    return lines


def _flip_sentence(sensitivity: SensitivityResult, fit: PartnerFitResult) -> str:
    """The smallest single-weight change that changes the top choice, in plain words."""
    detail = sensitivity.stability.min_change_detail
    if detail is None:
        return "No change of a single weight makes another candidate the top choice"
    new_top = f"{detail['new_top']} ({fit.candidates.at[detail['new_top'], 'name']})"
    if sensitivity.stability.min_change_to_flip_top == 0:
        return f"{sensitivity.stability.top} is tied for first place with {new_top} at the current weights"
    criterion = fit.criterion_names[detail["criterion"]]
    now, then = detail["from"], detail["to"]
    digits = 0 if abs(round(100 * now) - round(100 * then)) >= 1 else 1
    direction = "falls below" if then < now else "rises above"
    return (f"Changing one weight at a time, the top choice changes only if the weight of {criterion} {direction} "
            f"{100 * then:.{digits}f} % (now {100 * now:.{digits}f} %); {new_top} then takes over")


def _key_risks(case: Case, simulation: SimulationResult, candidates: list[str]) -> pd.DataFrame:
    """Loss probability, 5 % CVaR and the largest risk-register drivers of each candidate."""
    descriptions = case.risks.set_index(["candidate_id", "risk_id"])["description"]
    rows = {}
    for candidate in candidates:
        stats = simulation.candidates[candidate].summary
        shares = simulation.sensitivity(candidate)["Variance share"]
        risks = shares[shares.index.str.startswith("risk:") & (shares > 0)].sort_values(ascending=False)
        rows[candidate] = {
            "name": simulation.names[candidate], "prob_loss": stats["prob_loss"], "cvar_5": stats["cvar_5"],
            "drivers": [{"risk": name.removeprefix("risk:"),
                         "description": descriptions[(candidate, name.removeprefix("risk:"))],
                         "variance_share": float(share)} for name, share in risks.head(RISK_DRIVERS).items()],
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["name", "prob_loss", "cvar_5", "drivers"])


def _validate_first(case: Case, simulation: SimulationResult, candidates: list[str]) -> pd.DataFrame:
    """The assumptions worth validating before committing, per candidate, most valuable first."""
    descriptions = case.assumptions.set_index(["candidate_id", "assumption_id"])["description"]
    rows = [{"candidate": candidate, "name": simulation.names[candidate], "assumption": assumption,
             "description": descriptions[(candidate, assumption)],
             "evppi": float(simulation.sensitivity(candidate).at[assumption, "EVPPI"])}
            for candidate in candidates for assumption in simulation.validate_first(candidate)]
    table = pd.DataFrame(rows, columns=["candidate", "name", "assumption", "description", "evppi"])
    return table.assign(pilot_unit=pd.Series(None, index=table.index, dtype=object),
                        pilot_size=pd.Series(None, index=table.index, dtype=object),
                        pilot_evsi=np.nan, pilot_cost=np.nan, pilot_enbs=np.nan)


def _caveats(case: Case, fit: PartnerFitResult, simulation: SimulationResult, overview: pd.DataFrame,
             not_shown: list[str]) -> list[str]:
    """Plain sentences on what to know before relying on the numbers."""
    table = fit.candidates
    appetite = case.settings.strategy.risk_appetite
    lines = []
    if not_shown:
        lines.append(f"{join_words(not_shown)} also {'advances' if len(not_shown) == 1 else 'advance'}; the brief "
                     f"shows the {len(overview.index[overview['recommendation'] == 'advance']) - len(not_shown)} "
                     "best by fit score (see the partner-fit report)")
    review = table.loc[overview.index[overview["recommendation"] == "review"]]
    low_score = below(review["fit_score"], fit.advance_min_score)
    above_appetite = review["risk_level"].map(RISK_LEVEL_ORDER) > RISK_LEVEL_ORDER[appetite]
    in_review = []
    for candidate, row in review.iterrows():
        concerns = ([f"fit score {row['fit_score']:.2f}, below the {fit.advance_min_score:g} needed to advance"]
                    if low_score[candidate] else [])
        if above_appetite[candidate]:
            concerns.append(f"risk level {row['risk_level']}, above our appetite ({appetite})")
        if row["disagreements"]:
            concerns.append("evaluators disagree on "
                            + join_words([fit.criterion_names[c] for c in row["disagreements"]]))
        in_review.append(f"{candidate_label(candidate, row['name'])}: {', '.join(concerns)}")
    if in_review:
        lines.append("In review on fit, to settle before committing: " + "; ".join(in_review))
    open_ = [c for c in overview.index[overview["recommendation"] != "walk away"] if not simulation.convergence(c).met]
    if open_:
        lines.append(f"The simulation's {simulation.iterations:,} iterations do not reach the case's precision "
                     f"targets for {join_words(open_)}: their expected NPV and loss probability may still move with "
                     "more iterations")
    lines.extend(f"Case warning: {warning}" for warning in case.warnings)
    evaluators = case.scores["evaluator"].nunique()
    lines.append(f"The fit scores are the judgement of {evaluators} evaluator{'s' if evaluators != 1 else ''}; the "
                 "value theses and risk registers are estimates to validate, not forecasts")
    return lines


def _records(table: pd.DataFrame) -> list[dict]:
    """A table as JSON records with ``candidate`` first; NaN becomes ``None``, numpy scalars plain Python."""
    return [{"candidate": candidate, **{key: _plain(value) for key, value in row.items()}}
            for candidate, row in zip(table.index, table.to_dict(orient="records"))]


def _plain(value: object) -> object:
    """A value as a plain JSON type."""
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    return value


def _drivers_text(drivers: list[dict]) -> str:
    """Risk-register drivers as one line of plain text."""
    if not drivers:
        return "No risk in the register moves the value noticeably"
    return "; ".join(f"{driver['description']} ({format_share(driver['variance_share'])})"
                     for driver in drivers)
