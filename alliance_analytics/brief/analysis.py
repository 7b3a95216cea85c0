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
import html
import re
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import RISK_LEVEL_ORDER
from alliance_analytics.core.parameters import WholeNumber
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.core.scoring import below
from alliance_analytics.fit.analysis import PartnerFitParameters, PartnerFitResult, analyse_partner_fit
from alliance_analytics.portfolio.analysis import PortfolioParameters, PortfolioResult, analyse_portfolio
from alliance_analytics.risk.analysis import SimulationParameters, SimulationResult, analyse_risk_simulation
from alliance_analytics.sensitivity.analysis import (
    SensitivityParameters,
    SensitivityResult,
    analyse_weight_sensitivity,
)

LOSS_ALERT = 0.25
"""A loss probability at or above this is called out (as in the risk simulation's headline)."""

CONTENDER_SHARE = 0.05
"""A candidate that ranks first in at least this share of weightings is named as a contender."""

RISK_DRIVERS = 2
"""Risk-register events named per recommended candidate."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~$+!-])")


@dataclass(frozen=True)
class DecisionBrief:
    """The steering committee's summary of a case.

    Money is in the case's currency, in full units; shares are between 0 and 1.

    Attributes
    ----------
    case_name, currency : str
        From the case.
    advance_min_score : float
        The fit score a candidate needs to advance.
    overview : pandas.DataFrame
        Every candidate by id: ``name``, ``fit_score``, ``rank``, ``recommendation``, ``npv_mean``,
        ``prob_loss``.
    recommended : pandas.DataFrame
        The candidates that advance (at most ``top``, best fit rank first): ``name``, ``fit_score``, ``rank``,
        ``npv_mean``, ``prob_loss``, ``first_rank`` (SMAA rank-1 acceptability; NaN when the weights were not
        analysed) and ``reason`` (one line in plain words).
    walk_aways : pandas.DataFrame
        The knocked-out candidates, best fit rank first: ``name``, ``fit_score``, ``rank``, ``npv_mean`` and
        ``reasons`` (list of str, from the strategy gate and the red flags).
    robustness : list of str
        Plain sentences: how robust the ranking is to the weights.
    key_risks : pandas.DataFrame
        Per recommended candidate: ``name``, ``prob_loss``, ``cvar_5`` (mean NPV of the worst 5 % of futures)
        and ``drivers`` (list of dicts ``risk``, ``description``, ``variance_share``: the risk-register events
        that move its NPV most).
    validate_first : pandas.DataFrame
        One row per assumption worth validating in the first 90 days, recommended candidates in order, most
        valuable first: ``candidate``, ``name``, ``assumption``, ``description``, ``evppi``.
    caveats : list of str
        Plain sentences: what the committee should know before relying on the numbers.
    portfolio : PortfolioResult or None
        The optimised set of alliances within the programme's limits (the portfolio report's own result), or
        None when not optimised.
    parameters : BriefParameters or None
        The parameters the brief was assembled with (set by :func:`analyse_decision_brief`).
    """

    case_name: str
    currency: str
    advance_min_score: float
    overview: pd.DataFrame
    recommended: pd.DataFrame
    walk_aways: pd.DataFrame
    robustness: list[str]
    key_risks: pd.DataFrame
    validate_first: pd.DataFrame
    caveats: list[str]
    portfolio: PortfolioResult | None = None
    parameters: BriefParameters | None = None

    def headline(self) -> list[str]:
        """A few short lines: who is recommended, who to walk away from, robustness, what to validate.

        Returns
        -------
        list of str
        """
        review = self.overview.index[self.overview["recommendation"] == "review"].tolist()
        lines = [f"recommended: {', '.join(self.recommended.index) or f'none ({self._nobody_recommended()})'}",
                 f"walk away: {', '.join(self.walk_aways.index) or 'none'}",
                 f"in review: {', '.join(review) or 'none'}",
                 self.robustness[0]]
        losing = self.recommended[self.recommended["prob_loss"] >= LOSS_ALERT]
        if len(losing):
            lines.append("recommended on fit but likely to lose money: " + ", ".join(
                f"{candidate} ({_percent(share)})" for candidate, share in losing["prob_loss"].items()))
        if self.portfolio is not None:
            lines.append("portfolio: " + (", ".join(self.portfolio.selected)
                                          or f"none ({self.portfolio.solution.status})"))
        worth = self.validate_first.groupby("candidate", sort=False)["assumption"].agg(", ".join)
        lines.append("validate first: " + ("; ".join(f"{c}: {ids}" for c, ids in worth.items()) if len(worth)
                                           else "no assumption is worth testing before committing"))
        return lines

    def summary_markdown(self) -> str:
        """The case and a one-paragraph summary, as Markdown with every text from the case escaped.

        Returns
        -------
        str
        """
        count = len(self.overview)
        names = self.overview["name"]
        if len(self.recommended):
            picks = _join([f"{c} ({names[c]})" for c in self.recommended.index])
            sentences = [f"Of {count} candidate partners, we recommend {picks}."]
        else:
            sentences = [f"None of the {count} candidate partners is recommended: {self._nobody_recommended()}."]
        walk_aways = self.walk_aways.index.tolist()
        if walk_aways:
            sentences.append(f"Walk away from {_join(walk_aways)}: they fail the strategy gate or have a red flag.")
        review = self.overview.index[self.overview["recommendation"] == "review"].tolist()
        if review:
            sentences.append(f"{_join(review)} {'needs' if len(review) == 1 else 'need'} a decision first "
                             "(see the caveats).")
        sentences.extend(self._walk_away_leaders())
        sentences.append(self.robustness[0])
        sentences.extend(f"{candidate} advances on fit, but the simulation puts its chance of losing money at "
                         f"{_percent(share)}." for candidate, share in
                         self.recommended.loc[self.recommended["prob_loss"] >= LOSS_ALERT, "prob_loss"].items())
        return (f"**Case:** {markdown_text(self.case_name)}\n\n"
                + markdown_text(" ".join(_sentence(text) for text in sentences)))

    def recommended_table(self) -> pd.DataFrame:
        """The recommended alliances for display: fit, value, loss probability, robustness and the reason.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id; money in millions, shares in percent.
        """
        table = self.recommended
        return pd.DataFrame({
            "Candidate": table["name"], "Fit score": table["fit_score"].round(2), "Rank": table["rank"],
            f"Expected NPV (M {self.currency})": (table["npv_mean"] / 1e6).round(2),
            "P(loss) (%)": (100 * table["prob_loss"]).round(1),
            "Ranks first (%)": (100 * table["first_rank"]).round(1),
            "Why": table["reason"],
        }).rename_axis("ID")

    def walk_away_table(self) -> pd.DataFrame:
        """The walk-aways for display, with their reasons.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id.
        """
        table = self.walk_aways
        return pd.DataFrame({
            "Candidate": table["name"], "Fit score": table["fit_score"].round(2), "Rank": table["rank"],
            f"Expected NPV (M {self.currency})": (table["npv_mean"] / 1e6).round(2),
            "Why walk away": table["reasons"].map(lambda reasons: _sentence("; ".join(reasons))),
        }).rename_axis("ID")

    def key_risk_table(self) -> pd.DataFrame:
        """The key risks of each recommended alliance for display.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id: loss probability, 5 % CVaR (millions) and the largest risk-register drivers.
        """
        table = self.key_risks
        return pd.DataFrame({
            "Candidate": table["name"], "P(loss) (%)": (100 * table["prob_loss"]).round(1),
            f"Worst 5 % on average (M {self.currency})": (table["cvar_5"] / 1e6).round(2),
            "Largest risk-register drivers": table["drivers"].map(_drivers_text),
        }).rename_axis("ID")

    def validate_first_table(self) -> pd.DataFrame:
        """The assumptions to validate in the first 90 days for display.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id: the assumption, what it says and what knowing it is worth (EVPPI, millions).
        """
        table = self.validate_first
        return pd.DataFrame({
            "Candidate": table["name"].to_numpy(), "Assumption": table["assumption"].to_numpy(),
            "What to validate": table["description"].to_numpy(),
            f"Worth knowing (M {self.currency})": (table["evppi"] / 1e6).round(3).to_numpy(),
        }, index=pd.Index(table["candidate"], name="ID"))

    def to_json(self) -> dict:
        """The machine-readable brief, as stored in ``results.json``.

        Returns
        -------
        dict
            ``currency``, ``recommended``, ``walk_aways``, ``key_risks`` and ``validate_first`` (lists of
            records with ``candidate`` ids), ``robustness`` and ``caveats`` (lists of str); money in full
            units, shares 0..1, ``null`` where not computed.
        """
        return {
            "currency": self.currency,
            "recommended": _records(self.recommended),
            "walk_aways": _records(self.walk_aways),
            "robustness": list(self.robustness),
            "key_risks": _records(self.key_risks),
            "validate_first": _records(self.validate_first.set_index("candidate")),
            "caveats": list(self.caveats),
            "portfolio": None if self.portfolio is None else {
                key: self.portfolio.to_json()[key]
                for key in ("selected", "objective", "expected_npv", "cvar_5", "status", "gap", "conflict")},
        }

    def portfolio_lines(self) -> list[str]:
        """The recommended portfolio in plain words (or why there is none); empty when not optimised.

        Returns
        -------
        list of str
        """
        if self.portfolio is None:
            return []
        return [line for line in self.portfolio.headline() if not line.startswith("Kept out as walk-aways")]

    def _nobody_recommended(self) -> str:
        """Why the recommended list is empty, in plain words."""
        if (self.overview["recommendation"] == "walk away").all():
            return "every candidate is a walk-away"
        return "no candidate clears every check yet"

    def _walk_away_leaders(self) -> list[str]:
        """Sentences about walk-aways that would otherwise lead on fit score or expected NPV."""
        overview = self.overview
        leaders = {"the best fit score": overview["fit_score"].idxmax(),
                   "the highest expected NPV": overview["npv_mean"].idxmax()}
        return [f"Walking away from {candidate} ({overview.at[candidate, 'name']}) gives up {what} of all "
                f"candidates: {self.walk_aways.at[candidate, 'reasons'][0]}"
                for what, candidate in leaders.items() if candidate in self.walk_aways.index]


def markdown_text(text: str) -> str:
    """Text from a case made safe to show as Markdown: HTML escaped, Markdown punctuation backslashed.

    Parameters
    ----------
    text : str
        Any text, e.g. a candidate's name.

    Returns
    -------
    str
        Renders as exactly ``text``; ``<script>`` shows as text and ``*`` or ``$`` start no formatting.

    Examples
    --------
    >>> markdown_text("<b>*Acme*</b> & $5")
    '&lt;b&gt;\\\\*Acme\\\\*&lt;/b&gt; &amp; \\\\$5'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def markdown_list(lines: list[str]) -> str:
    """Sentences as a Markdown bullet list, each escaped by :func:`markdown_text`.

    Parameters
    ----------
    lines : list of str
        Plain sentences.

    Returns
    -------
    str
        One ``- `` bullet per sentence; an empty string for no sentences.
    """
    return "\n".join(f"- {markdown_text(_sentence(line))}" for line in lines)


class BriefParameters(SensitivityParameters, PortfolioParameters):
    """The decision brief's parameters (the ``parameters`` cell of ``05_decision_brief``).

    Every field of the analyses it summarises, with the same names and defaults, so a run that gives them one
    value gives every report the same results; and ``top``.

    Attributes
    ----------
    top : int
        Most alliances listed as advancing on fit (best fit rank first), at least 1.
    """

    top: Annotated[WholeNumber, Field(ge=1, le=1000)] = 5

    def problems(self, case: Case) -> list[Problem]:
        """What does not fit the case, in any of the analyses the brief summarises."""
        return list(dict.fromkeys(SensitivityParameters.problems(self, case) + PortfolioParameters.problems(self, case)))


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
    brief = build_brief(case, fit, sensitivity, simulation, top=parameters.top, portfolio=portfolio)
    return dataclasses.replace(brief, parameters=parameters)


def build_brief(case: Case, fit: PartnerFitResult, sensitivity: SensitivityResult | None,
                simulation: SimulationResult, top: int = 5, portfolio: PortfolioResult | None = None,
                ) -> DecisionBrief:
    """Assemble the decision brief from the three analyses of a case.

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
    top : int
        Most recommended alliances in the brief (best fit rank first); the others are named in a caveat.
    portfolio : PortfolioResult, optional
        The optimised portfolio of the case (:func:`alliance_analytics.portfolio.analysis.optimise_portfolio`).

    Returns
    -------
    DecisionBrief

    Raises
    ------
    ValueError
        When the analyses do not belong together (other candidates, or other weights or aggregation).
    """
    if set(simulation.candidates) != set(fit.candidates.index):
        raise ValueError("the simulation and the partner-fit analysis cover different candidates")
    if sensitivity is not None and (sensitivity.fit.aggregation != fit.aggregation
                                    or not sensitivity.fit.weights.equals(fit.weights)):
        raise ValueError("the weight-sensitivity analysis was run with other weights or aggregation than the "
                         "partner-fit analysis")
    overview = _overview(fit, simulation)
    advancing = overview.index[overview["recommendation"] == "advance"]
    chosen = advancing[:top]
    first = (sensitivity.smaa.rank_acceptability.iloc[:, 0] if sensitivity is not None
             else pd.Series(dtype=float)).reindex(chosen)
    recommended = overview.loc[chosen, ["name", "fit_score", "rank", "npv_mean", "prob_loss"]].assign(
        first_rank=first, reason=[_reason(overview.loc[c], simulation.currency) for c in chosen])
    knocked_out = overview.index[overview["recommendation"] == "walk away"]
    walk_aways = overview.loc[knocked_out, ["name", "fit_score", "rank", "npv_mean"]].assign(
        reasons=(fit.candidates.loc[knocked_out, "gate_reasons"] + fit.candidates.loc[knocked_out, "red_flag_reasons"])
        .map(list))
    return DecisionBrief(
        case_name=case.settings.name,
        currency=simulation.currency,
        advance_min_score=fit.advance_min_score,
        overview=overview,
        recommended=recommended,
        walk_aways=walk_aways,
        robustness=_robustness(fit, sensitivity),
        key_risks=_key_risks(case, simulation, list(chosen)),
        validate_first=_validate_first(case, simulation, list(chosen)),
        caveats=_caveats(case, fit, simulation, overview, list(advancing[top:])),
        portfolio=portfolio,
    )


def _overview(fit: PartnerFitResult, simulation: SimulationResult) -> pd.DataFrame:
    """Every candidate's fit, recommendation, expected NPV and loss probability, by fit rank."""
    summaries = [simulation.candidates[candidate].summary for candidate in fit.candidates.index]
    table = fit.candidates[["name", "fit_score", "rank", "recommendation"]].assign(
        npv_mean=[summary["mean"] for summary in summaries], prob_loss=[summary["prob_loss"] for summary in summaries])
    return table.sort_values(["rank", "name"])


def _reason(row: pd.Series, currency: str) -> str:
    """One line on why a candidate is recommended, and what its value looks like."""
    loss = _percent(row["prob_loss"])
    if row["npv_mean"] < 0:
        return (f"Fits the strategy with no red flag, but is expected to lose money ({_money(row['npv_mean'], currency)}"
                f", {loss} chance of a loss): rework the value thesis before committing")
    if row["prob_loss"] >= LOSS_ALERT:
        return f"Fits the strategy with no red flag, but has a {loss} chance of losing money: validate the value first"
    return f"Fits the strategy with no red flag, and a loss is unlikely ({loss})"


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
         "interval": f" within ± {sensitivity.weight_range:.0%} of the current weights"}[sensitivity.weight_uncertainty])
    scores = " with the evaluators' scores resampled" if sensitivity.score_uncertainty else ""
    lines = [(f"{top} ({names[top]}) has the highest fit score of the {len(sensitivity.candidates)} candidates "
              f"analysed and ranks first in {_percent(first[top])} of {samples}{scores}")]
    if fit.candidates.at[top, "recommendation"] != "advance":
        lines.append(f"{top} is not recommended yet: it is in {fit.candidates.at[top, 'recommendation']}")
    favourite = first.idxmax()
    if favourite != top:
        lines.append(f"{favourite} ({names[favourite]}) ranks first more often: in {_percent(first[favourite])}")
    lines.append(_flip_sentence(sensitivity, fit))
    contenders = first[(first >= CONTENDER_SHARE) & ~first.index.isin([top, favourite])]
    if len(contenders):
        lines.append("Other contenders for first place: " + ", ".join(
            f"{candidate} ({_percent(share)})" for candidate, share in contenders.sort_values(ascending=False).items()))
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
    return pd.DataFrame(rows, columns=["candidate", "name", "assumption", "description", "evppi"])


def _caveats(case: Case, fit: PartnerFitResult, simulation: SimulationResult, overview: pd.DataFrame,
             not_shown: list[str]) -> list[str]:
    """Plain sentences on what to know before relying on the numbers."""
    table = fit.candidates
    appetite = case.settings.strategy.risk_appetite
    lines = []
    if not_shown:
        lines.append(f"{_join(not_shown)} also {'advances' if len(not_shown) == 1 else 'advance'}; the brief "
                     f"shows the {len(overview.index[overview['recommendation'] == 'advance']) - len(not_shown)} "
                     "best by fit score (see the partner-fit report)")
    review = table.loc[overview.index[overview["recommendation"] == "review"]]
    low_score = below(review["fit_score"], fit.advance_min_score)
    above_appetite = review["risk_level"].map(RISK_LEVEL_ORDER) > RISK_LEVEL_ORDER[appetite]
    for candidate, row in review.iterrows():
        concerns = [(f"its fit score {row['fit_score']:.2f} is below the {fit.advance_min_score:g} needed to "
                     "advance")] if low_score[candidate] else []
        if above_appetite[candidate]:
            concerns.append(f"its risk level ({row['risk_level']}) is above our risk appetite ({appetite})")
        if row["disagreements"]:
            concerns.append("evaluators disagree on " + _join([fit.criterion_names[c] for c in row["disagreements"]])
                            + " and must calibrate their scores")
        lines.append(f"{candidate} ({row['name']}) is in review, not recommended yet: {'; '.join(concerns)}")
    open_ = [c for c in overview.index[overview["recommendation"] != "walk away"] if not simulation.convergence(c).met]
    if open_:
        lines.append(f"The simulation's {simulation.iterations:,} iterations do not reach the case's precision "
                     f"targets for {_join(open_)}: their expected NPV and loss probability may still move with "
                     "more iterations")
    lines.extend(f"Case warning: {warning}" for warning in case.warnings)
    evaluators = case.scores["evaluator"].nunique()
    lines.append(f"The numbers are only as good as the assumptions behind them: the fit scores are the judgement "
                 f"of {evaluators} evaluator{'s' if evaluators != 1 else ''}, and the value theses and risk "
                 "registers are estimates to validate, not forecasts")
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
    return "; ".join(f"{driver['description']} ({_percent(driver['variance_share'])} of the NPV spread)"
                     for driver in drivers)


def _percent(share: float) -> str:
    """A share as a whole percentage, ``"less than 1 %"`` for small non-zero shares."""
    return "less than 1 %" if 0 < share < 0.005 else f"{100 * share:.0f} %"


def _money(amount: float, currency: str) -> str:
    """An amount in millions with the currency."""
    return f"{amount / 1e6:.2f} M {currency}"


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _sentence(text: str) -> str:
    """Text with a capital first letter and a closing full stop."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
