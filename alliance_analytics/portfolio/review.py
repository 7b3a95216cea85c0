"""The portfolio review: renew, restructure or exit every alliance in flight, and the programme rebalanced.

:func:`analyse_portfolio_review` puts together, for the steering review, results computed once per run: each
reviewed alliance's options and the value of waiting one review
(:func:`~alliance_analytics.review.analysis.analyse_alliance_options`), the rebalanced portfolio that decides them
together with the new candidates (:func:`~alliance_analytics.portfolio.analysis.analyse_portfolio`), and the
reasons the alliance-health analysis and the thesis check give. It computes nothing of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alliance_analytics.case.case import Case
from alliance_analytics.core.cache import cached
from alliance_analytics.core.formatting import (
    candidate_label,
    format_money,
    format_share,
    join_words,
    markdown_text,
    reader_table,
    sentence,
    sentence_table,
)
from alliance_analytics.core.problems import Problem
from alliance_analytics.health.analysis import HealthParameters, analyse_alliance_health
from alliance_analytics.portfolio.analysis import PortfolioParameters, PortfolioResult, analyse_portfolio
from alliance_analytics.review.analysis import AllianceOptionsResult, AllianceReview, analyse_alliance_options
from alliance_analytics.risk.analysis import SimulationParameters
from alliance_analytics.thesis.analysis import ThesisParameters, analyse_thesis_check

MOST_IN_NEED = 5
"""Most alliances on the list of those that most need restructuring."""


class ReviewParameters(PortfolioParameters, HealthParameters):
    """The portfolio review's parameters (the ``parameters`` cell of ``08_portfolio_review``): the portfolio's and
    the alliance-health analysis's, so the review shows the very results those reports show."""

    def problems(self, case: Case) -> list[Problem]:
        """What does not fit the case, in the portfolio or the alliance-health parameters."""
        return list(dict.fromkeys(PortfolioParameters.problems(self, case) + HealthParameters.problems(self, case)))


@dataclass(frozen=True)
class PortfolioReviewResult:
    """The review of the alliances in flight and the rebalanced portfolio.

    Attributes
    ----------
    options : AllianceOptionsResult
        Each reviewed alliance's options and the value of waiting.
    portfolio : PortfolioResult
        The rebalanced portfolio (its ``decisions`` are the review's).
    health : dict of str to (str, str)
        Per reviewed alliance, the alliance-health recommendation and its first reason, in words.
    thesis : dict of str to (str, str)
        Per reviewed alliance with actuals, the thesis check's verdict and its first reason, in words.
    currency : str
        The case's currency.
    alliance_names : dict of str to str
        The names of the alliances in flight, by id.
    unreviewed_health : dict of str to str
        Per alliance in flight not in ``review.csv``, the alliance-health recommendation and its first reason.
    parameters : ReviewParameters or None
        The parameters used.
    """

    options: AllianceOptionsResult
    portfolio: PortfolioResult
    health: dict[str, tuple[str, str]]
    thesis: dict[str, tuple[str, str]]
    currency: str
    alliance_names: dict[str, str] = dataclasses.field(default_factory=dict)
    unreviewed_health: dict[str, str] = dataclasses.field(default_factory=dict)
    parameters: ReviewParameters | None = None

    @property
    def reviews(self) -> dict[str, AllianceReview]:
        """The reviewed alliances' options, by id."""
        return self.options.reviews

    @property
    def order(self) -> list[str]:
        """The reviewed alliances, those the review changes first, then in ``review.csv`` order."""
        return sorted(self.reviews, key=lambda alliance: self.decision(alliance) == "continue")

    def decision(self, alliance: str) -> str:
        """The rebalanced portfolio's option for an alliance: ``continue``, ``restructure``, ``exit``, or ``wait``
        when the decision waits for the next review; ``continue`` when no portfolio was found."""
        return self.portfolio.decisions.get(alliance, "continue")

    def _label(self, alliance: str) -> str:
        """An alliance's name and id."""
        return candidate_label(alliance, self.reviews[alliance].options.name)

    def _words(self, alliance: str, option: str) -> str:
        """An option of an alliance in words, starting lower case: ``restructure (Bavarian clinics only)``."""
        label = self.reviews[alliance].options.label(option)
        return label[0].lower() + label[1:]

    def reason(self, alliance: str, detail: bool = False) -> str:
        """Why the review decides what it does for one alliance, in sentences: values, thesis and health.

        Parameters
        ----------
        alliance : str
            A reviewed alliance's id.
        detail : bool
            Add the thesis check's first reason and the alliance-health analysis's (the review report's table);
            without, the verdict and the recommendation only (the front page and ``results.json``).

        Returns
        -------
        str
            E.g. "From today, restructure (Bavarian clinics only) is worth 0.37 M EUR against 0.17 M EUR for
            continuing (+0.21 M EUR). Thesis broken: …. Health: restructure: …."
        """
        review = self.reviews[alliance]
        options = review.options
        chosen = self.decision(alliance)
        expected = dict(zip(options.options, review.expected))
        money = self.currency
        if chosen == "wait":
            text = (f"{sentence(self.waiting_words(alliance))}. Deciding now, {self._words(alliance, review.best)} "
                    f"would be worth {format_money(expected[review.best], money)} from today.")
        elif chosen == "continue":
            others = [f"{self._words(alliance, option)} {format_money(expected[option], money)}"
                      for option in options.options[1:]]
            text = (f"From today, continuing is worth {format_money(expected['continue'], money)} "
                    f"({join_words(others)}).")
        else:
            gain = expected[chosen] - expected["continue"]
            text = (f"From today, {self._words(alliance, chosen)} is worth {format_money(expected[chosen], money)} "
                    f"against {format_money(expected['continue'], money)} for continuing "
                    f"({'+' if gain > 0 else ''}{format_money(gain, money)}).")
        if review.best != chosen and chosen != "wait":
            text += (f" On its own, {self._words(alliance, review.best)} would be worth more; "
                     + self._limits_reason(alliance, chosen))
        if alliance in self.thesis:
            words, why = self.thesis[alliance]
            text += f" {sentence(words)}" + (f" {sentence(why)}" if detail else "")
        if alliance in self.health:
            action, why = self.health[alliance]
            text += f" Alliance health says {action}" + (f": {why.rstrip('.')}." if detail else ".")
        return text

    def action(self, alliance: str) -> str:
        """The review's decision for one alliance as an instruction (the portfolio's words, capitalised):
        "Restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”", "Exit …", "Continue …"."""
        action = self.portfolio.action(alliance) if self.portfolio.decisions else f"continue {self._label(alliance)}"
        return action[0].upper() + action[1:]

    def _limits_reason(self, alliance: str, chosen: str) -> str:
        """Why the programme's limits choose another option than the best one on its own, from the portfolio's
        why-in-or-out re-solve of the change (or of the change left out)."""
        why = self.portfolio.why
        column = f"{alliance}:{chosen}" if chosen != "continue" else f"{alliance}:{self.reviews[alliance].best}"
        if column in why.index and why.at[column, "reason"]:
            return (f"the rebalanced portfolio chooses otherwise ({why.at[column, 'reason']}): what it frees or "
                    "needs of the limits changes which new alliances fit.")
        return "the rebalanced portfolio chooses otherwise: what it frees or needs of the limits changes which new " \
               "alliances fit."

    def waiting_words(self, alliance: str) -> str:
        """Decide now or wait for the next review, with the value of waiting, in words."""
        review = self.reviews[alliance]
        months = self.options.next_review_months
        if review.waiting is None:
            return "decide now: no actuals measure its assumptions, so the next review would learn nothing new"
        value = format_money(review.waiting.flexibility, self.currency)
        if review.wait:
            return (f"wait for the review in {months} months: its actuals would change the decision in "
                    f"{format_share(review.changes_decision)} of futures; waiting is worth {value}")
        if review.changes_decision < 0.005:
            return (f"decide now: {months} more months of actuals would not change the decision in any simulated "
                    "future")
        return (f"decide now: deciding after {months} more months of actuals is worth less than deciding now (waiting "
                "pays another period's commitment first)")

    def decision_table(self) -> pd.DataFrame:
        """One row per reviewed alliance: the decision, decide now or wait, and why.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance (name and id): ``Decision``, ``Gain over continuing``, ``Now or at the next
            review`` and ``Why``; every cell a string. One row saying why when nothing is reviewed.
        """
        if not self.reviews:
            return sentence_table(self._nothing_reviewed())
        rows = {}
        for alliance in self.order:
            review = self.reviews[alliance]
            chosen = self.decision(alliance)
            position = review.options.options.index(chosen) if chosen in review.options.options else 0
            rows[self._label(alliance)] = {
                "Decision": "Wait for the next review" if chosen == "wait" else review.options.label(chosen),
                "Gain over continuing": review.expected[position] - review.expected[0],
                "Now or at the next review": self.waiting_words(alliance).split(":", 1)[0].capitalize(),
                "Why": self.reason(alliance, detail=True)}
        frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("Alliance")
        return reader_table(frame, {"Gain over continuing": "money"}, self.currency)

    def options_table(self) -> pd.DataFrame:
        """Every option of every reviewed alliance side by side, valued on the same futures from today.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance and option: expected NPV from today, P10, P90, chance of a loss, CVaR, money now,
            alliance-manager FTE, and whether the review chooses it; money in one unit. Money already spent is not
            a column: it never enters (see :meth:`sunk_table`).
        """
        if not self.reviews:
            return sentence_table(self._nothing_reviewed())
        rows = []
        for alliance, review in ((alliance, self.reviews[alliance]) for alliance in self.order):
            npv = review.options.npv
            low, high = np.quantile(npv, [0.1, 0.9], axis=0)
            for k, option in enumerate(review.options.options):
                rows.append({"Alliance": self._label(alliance), "Option": review.options.label(option),
                             "Expected NPV from today": review.expected[k], "P10": low[k], "P90": high[k],
                             "Chance of a loss": review.loss_probability[k],
                             f"{format_share(review.cvar_level)} CVaR": review.cvar[k],
                             "Money now": review.options.money[k], "Alliance-manager FTE": review.options.fte[k],
                             "Chosen": option == self.decision(alliance)})
        frame = pd.DataFrame(rows).set_index(["Alliance", "Option"])
        money = ["Expected NPV from today", "P10", "P90", f"{format_share(self.options_level)} CVaR", "Money now"]
        return reader_table(frame, {**dict.fromkeys(money, "money"), "Chance of a loss": "share",
                                    "Alliance-manager FTE": "number", "Chosen": "yes/no"}, self.currency)

    @property
    def options_level(self) -> float:
        """The CVaR level of the options table."""
        return next(iter(self.reviews.values())).cvar_level if self.reviews else 0.05

    def in_need(self) -> list[str]:
        """The alliances that most need restructuring: the largest expected gain from changing their option first.

        Returns
        -------
        list of str
            Alliance ids whose best option on its own is not to continue, at most :data:`MOST_IN_NEED`.
        """
        gains = sorted(((review.gain, alliance) for alliance, review in self.reviews.items() if review.gain > 0),
                       key=lambda item: -item[0])
        return [alliance for _, alliance in gains[:MOST_IN_NEED]]

    def in_need_table(self) -> pd.DataFrame:
        """The alliances that most need restructuring, with the gain from changing and the review's decision.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance: ``Best option on its own``, ``Gain over continuing``, ``Review decides``; every
            cell a string. One row saying so when every alliance is best continued.
        """
        need = self.in_need()
        if not need:
            return sentence_table(self._nothing_reviewed() if not self.reviews else
                                  "Every reviewed alliance is worth most continued as it runs.")
        frame = pd.DataFrame({
            "Best option on its own": [self.reviews[a].options.label(self.reviews[a].best) for a in need],
            "Gain over continuing": [self.reviews[a].gain for a in need],
            "Review decides": ["Wait for the next review" if self.decision(a) == "wait"
                               else self.reviews[a].options.label(self.decision(a)) for a in need],
        }, index=pd.Index([self._label(a) for a in need], name="Alliance"))
        return reader_table(frame, {"Gain over continuing": "money"}, self.currency)

    def waiting_table(self) -> pd.DataFrame:
        """Deciding now against deciding at the next review, per reviewed alliance.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance: value deciding now, value waiting, value of waiting (never negative), its standard
            error, share of futures where the next review's actuals change the decision, recommendation.
        """
        if not self.reviews:
            return sentence_table(self._nothing_reviewed())
        rows = {}
        for alliance, review in ((alliance, self.reviews[alliance]) for alliance in self.order):
            waiting = review.waiting
            rows[self._label(alliance)] = {
                "Deciding now": None if waiting is None else waiting.decide_now,
                "Deciding at the next review": None if waiting is None else waiting.wait,
                "Value of waiting": None if waiting is None else waiting.flexibility,
                "Standard error": None if waiting is None else waiting.standard_error,
                "Decision changes in": None if waiting is None else review.changes_decision,
                "Recommendation": self.waiting_words(alliance)}
        frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("Alliance")
        money = ["Deciding now", "Deciding at the next review", "Value of waiting", "Standard error"]
        return reader_table(frame, {**dict.fromkeys(money, "money"), "Decision changes in": "share"}, self.currency)

    def sunk_table(self) -> pd.DataFrame:
        """Money already spent on each reviewed alliance, for the record: sunk, it enters no decision.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance: ``Spent so far``; every cell a string (— when ``review.csv`` does not say).
        """
        if not self.reviews:
            return sentence_table(self._nothing_reviewed())
        frame = pd.DataFrame({"Spent so far": [review.options.spent_to_date for review in self.reviews.values()]},
                             index=pd.Index([self._label(a) for a in self.reviews], name="Alliance"))
        return reader_table(frame, {"Spent so far": "money"}, self.currency)

    def summary_markdown(self) -> str:
        """The review's decisions in bold, one line per alliance, then the alliances that most need restructuring
        and the new candidates the rebalanced portfolio adds, as Markdown (every text from the case escaped).

        Returns
        -------
        str
        """
        if not self.reviews:
            return markdown_text(self._nothing_reviewed())
        if not self.portfolio.solution.found:
            return markdown_text(f"No decision for the alliances in flight: no rebalanced portfolio was found "
                                 f"({self.portfolio.solution.message}). ") + markdown_text(" ".join(
                                     self.portfolio.headline()[1:2]))
        lines = [f"**{markdown_text(self.action(alliance))}.** {markdown_text(sentence(self.waiting_words(alliance)))}"
                 for alliance in self.order]
        need = self.in_need()
        text = "  \n".join(lines)
        if need:
            text += ("\n\nMost in need of a change (largest gain over continuing as it runs): "
                     + markdown_text(join_words(f"{self._label(a)} (+{format_money(self.reviews[a].gain, self.currency)})"
                                                for a in need)) + ".")
        portfolio = [line for line in self.portfolio.headline() if not line.startswith("Alliances in flight")]
        return text + "\n\n" + markdown_text(" ".join(portfolio[:2]))

    def headline(self) -> list[str]:
        """The review's decisions first, then the rebalanced portfolio (the notebook's checked output).

        Returns
        -------
        list of str
        """
        if not self.reviews:
            return [self._nothing_reviewed()]
        if not self.portfolio.solution.found:
            return [(f"No decision for the alliances in flight: no rebalanced portfolio was found "
                     f"({self.portfolio.solution.message})."), *self.portfolio.headline()]
        lines = [f"{self.action(alliance)}; {self.waiting_words(alliance)}." for alliance in self.order]
        return lines + [line for line in self.portfolio.headline() if not line.startswith("Alliances in flight")]

    def limitations(self) -> list[str]:
        """What the review could not answer on this case, and why, in sentences (empty when nothing).

        Returns
        -------
        list of str
        """
        lines = []
        if not self.reviews:
            lines.append(self._nothing_reviewed())
        if self.options.not_reviewed and self.reviews:
            names = self.alliance_names
            lines.append(f"{join_words(candidate_label(a, names[a]) for a in self.options.not_reviewed)} "
                         f"{'is' if len(self.options.not_reviewed) == 1 else 'are'} "
                         "in flight but not in review.csv, so they carry on as they run and hold their budget, FTE "
                         "and sponsor outside the portfolio's limits.")
            urgent = [f"{candidate_label(a, names[a])} ({self.unreviewed_health[a]})" for a in self.options.not_reviewed
                      if self.unreviewed_health.get(a, "").split(":", 1)[0] in ("restructure", "exit")]
            if urgent:
                lines.append(f"Alliance health recommends a change for {join_words(urgent)}: add "
                             f"{'it' if len(urgent) == 1 else 'them'} to review.csv (commitment, exit cost, salvage, "
                             "a restructure option) to decide it here.")
        if self.reviews and not self.portfolio.solution.found:
            lines.append(f"No rebalanced portfolio was found ({self.portfolio.solution.message}), so every alliance "
                         "is shown as continuing.")
        if self.portfolio.problem.objective == "fit" and self.reviews:
            lines.append("The objective is the total fit score, in which a change to an alliance in flight is worth 0 "
                         "points: only the limits decide the review. Use the npv or blend objective for a review.")
        return lines

    def _nothing_reviewed(self) -> str:
        """Why there is no review, in one sentence."""
        return ("No alliance in flight is reviewed: review.csv (the exit cost, salvage and commitment of each alliance "
                "up for review) is absent or lists none, so the portfolio chooses among new candidates only.")

    def to_json(self) -> dict[str, Any]:
        """Machine-readable results for ``results.json``.

        Returns
        -------
        dict
            ``alliances``: per reviewed alliance ``name``, ``decision`` (option), ``decision_words``, ``best_alone``,
            ``gain`` (expected NPV over continuing of the decision), ``reason``, ``options`` (per option
            ``expected_npv``, ``p10``, ``p90``, ``prob_loss``, ``cvar``, ``money_now``, ``manager_fte``),
            ``waiting`` (``decide_now``, ``wait``, ``flexibility``, ``standard_error``, ``changes_decision``,
            ``recommendation``: ``decide now`` or ``wait``; null without actuals), ``spent_to_date``;
            ``in_need`` (ids), ``not_reviewed`` (ids), ``next_review_months``, ``portfolio`` (``selected``,
            ``expected_npv``, ``cvar``, ``status``).
        """
        alliances = {}
        for alliance, review in self.reviews.items():
            chosen = self.decision(alliance)
            npv = review.options.npv
            low, high = np.quantile(npv, [0.1, 0.9], axis=0)
            waiting = review.waiting
            alliances[alliance] = {
                "name": review.options.name, "decision": chosen,
                "decision_words": "Wait for the next review" if chosen == "wait" else review.options.label(chosen),
                "best_alone": review.best,
                "gain": float(review.expected[review.options.options.index(chosen)] - review.expected[0])
                if chosen in review.options.options else 0.0,
                "reason": self.reason(alliance),
                "options": {option: {"expected_npv": float(review.expected[k]), "p10": float(low[k]),
                                     "p90": float(high[k]), "prob_loss": float(review.loss_probability[k]),
                                     "cvar": float(review.cvar[k]), "money_now": float(review.options.money[k]),
                                     "manager_fte": float(review.options.fte[k])}
                            for k, option in enumerate(review.options.options)},
                "waiting": None if waiting is None else {
                    "decide_now": waiting.decide_now, "wait": waiting.wait, "flexibility": waiting.flexibility,
                    "standard_error": waiting.standard_error, "changes_decision": review.changes_decision,
                    "recommendation": "wait" if review.wait else "decide now"},
                "spent_to_date": review.options.spent_to_date,
            }
        return {"alliances": alliances, "in_need": self.in_need(), "not_reviewed": self.options.not_reviewed,
                "next_review_months": self.options.next_review_months,
                "portfolio": {"selected": self.portfolio.selected, "expected_npv": self.portfolio.expected_npv,
                              "cvar": self.portfolio.cvar, "status": self.portfolio.solution.status}}


def analyse_portfolio_review(case: Case, parameters: ReviewParameters = ReviewParameters()) -> PortfolioReviewResult:
    """The portfolio review of a case, from results computed once per run.

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : ReviewParameters
        The portfolio's and the alliance-health analysis's parameters.

    Returns
    -------
    PortfolioReviewResult

    Raises
    ------
    InputError
        When a parameter does not fit the case.
    """
    def compute() -> PortfolioReviewResult:
        options = analyse_alliance_options(case, parameters.subset(SimulationParameters))
        portfolio = analyse_portfolio(case, parameters.subset(PortfolioParameters))
        health, unreviewed = {}, {}
        if case.has_health and options.reviews:
            result = analyse_alliance_health(case, parameters.subset(HealthParameters))
            health = {alliance: (item.recommendation, item.reasons[0][1])
                      for alliance, item in result.alliances.items() if alliance in options.reviews}
            unreviewed = {alliance: f"{item.recommendation}: {item.reasons[0][1]}"
                          for alliance, item in result.alliances.items() if alliance in options.not_reviewed}
        thesis = {}
        if case.has_actuals:
            check = analyse_thesis_check(case, parameters.subset(ThesisParameters))
            thesis = {alliance: (verdict.words, verdict.reasons.split('. ', 1)[0])
                      for alliance, verdict in check.verdicts.items() if alliance in options.reviews}
        return PortfolioReviewResult(options, portfolio, health, thesis, case.settings.currency,
                                     case.alliances["name"].to_dict(), unreviewed, parameters)
    return cached("portfolio_review", case.file_hashes, parameters.as_json(), compute)
