"""The front page (``index.html``) of a run or a batch: the decision first, then one line per analysis.

One design for ``run`` and ``batch``. The page is built from what the notebooks wrote (each run's
``results.json``), never recomputed: the decision sentence is the decision brief's own (``decision`` in its
``results.json``), so the front page and the brief's first screen say the same words. Runs are grouped into
*settings*: one case with one set of parameters. A setting whose parameters differ from the case's is a
what-if and carries a banner in words (:func:`what_if_words`); a case run under several settings (a grid)
gets a comparison matrix, candidate × setting, with the rows that differ highlighted
(:func:`comparison_matrix`). Provenance is folded away, complete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from alliance_analytics.brief.analysis import decision_sentence
from alliance_analytics.case.case import Case
from alliance_analytics.core.atomic_files import write_text_atomic
from alliance_analytics.core.formatting import (
    candidate_label,
    format_count,
    format_money,
    format_month,
    format_number,
    format_share,
    join_words,
    sentence,
)
from alliance_analytics.reporting.decision_log import LoggedDecision, agreement_sentence, logged_decisions
from alliance_analytics.reporting.html import TEMPLATES_DIR

if TYPE_CHECKING:
    from alliance_analytics.compare.report import WhatChanged

BRIEF = "05_decision_brief"
HEALTH = "06_alliance_health"
THESIS = "07_thesis_check"
REVIEW = "08_portfolio_review"
PORTFOLIO = "04_portfolio"
PARTNER_FIT = "01_partner_fit"

_PORTFOLIO_WORDS = {"min_alliances": "at least this many alliances:", "max_alliances": "at most this many alliances:",
                    "budget_per_year": "budget per year", "sponsor_capacity": "sponsor capacity"}


@dataclass
class AnalysisRun:
    """One notebook run as the front page shows it.

    ``results`` is the content of its ``results.json`` (empty when it wrote none); links are relative to
    the front page.
    """

    title: str
    notebook: str
    ok: bool
    seconds: float
    html: str | None
    executed_notebook: str | None
    results_link: str | None
    error: str | None = None
    headline: list[str] = field(default_factory=list)
    run_id: str = ""
    results: dict[str, Any] = field(default_factory=dict)


@dataclass
class Setting:
    """One case under one set of parameters, with the analyses run on it.

    Attributes
    ----------
    case : Case
        The case.
    parameters : dict
        The parameters given (empty: the case as it is).
    analyses : list of AnalysisRun
        In run order.
    what_changed : WhatChanged or None
        What changed since the previous batch that ran this setting (a batch's front page); ``None``: no section.
    """

    case: Case
    parameters: dict[str, Any]
    analyses: list[AnalysisRun]
    what_changed: WhatChanged | None = None

    @property
    def what_if(self) -> str:
        """The parameters in words (empty for the case as given)."""
        return what_if_words(self.parameters, self.case)

    @property
    def label(self) -> str:
        """A short name of the setting: its what-if words, or "as given in the case"."""
        return self.what_if or "as given in the case"

    def result(self, notebook: str) -> dict[str, Any]:
        """The ``results.json`` of the notebook run in this setting (empty when not run or failed)."""
        for analysis in self.analyses:
            if analysis.notebook == notebook and analysis.ok:
                return analysis.results
        return {}

    def attention(self) -> tuple[str, list[str]]:
        """The month assessed and the alliances in flight that need attention, from the alliance-health results
        (else the brief's), as sentences; empty when neither ran or none needs attention."""
        found = self.result(HEALTH) or self.result(BRIEF)
        month = found.get("month") or found.get("attention_month") or ""
        return (format_month(month) if month else "",
                [f"{row['alliance']}: {row['recommendation']}. {sentence(row['reason'])}"
                 for row in found.get("attention", [])])

    def theses(self) -> list[str]:
        """The value theses the actuals weaken or break, most severe first, from the thesis check's results (with
        their reasons; else the brief's), as sentences; empty when neither ran or every thesis holds."""
        thesis = self.result(THESIS)
        if thesis:
            doubtful = sorted((item for item in thesis.get("alliances", {}).items() if item[1]["verdict"] != "confirmed"),
                              key=lambda item: item[1]["verdict"] != "broken")
            return [f"{candidate_label(owner, row['name'])}: {row['verdict_words']}. {row['reasons']}"
                    for owner, row in doubtful]
        return [f"{candidate_label(row['alliance'], row['name'])}: {row['verdict_words']}."
                for row in self.result(BRIEF).get("theses", [])]

    def review(self) -> list[str]:
        """The portfolio review's decision for each alliance in flight under review, with why, changes first, from
        the portfolio review's results (else the brief's), as sentences; empty when neither ran or nothing is
        reviewed."""
        found = self.result(REVIEW)
        rows = ([{"alliance": owner, **row} for owner, row in found.get("alliances", {}).items()] if found
                else self.result(BRIEF).get("review", []))
        rows = sorted(rows, key=lambda row: row["decision"] == "continue")
        return [f"{candidate_label(row['alliance'], row['name'])}: {row['decision']}. {sentence(row['reason'])}"
                for row in rows]

    def logged_decisions(self) -> list[LoggedDecision]:
        """The case's latest logged decision per alliance, newest first, with whether this setting's run agrees."""
        return logged_decisions(self.case, self.result)

    def agreement(self) -> str:
        """How far this setting's run agrees with the logged decisions, in one sentence (empty without a log)."""
        rows = self.logged_decisions()
        return agreement_sentence(rows) if rows else ""

    def decision(self) -> Decision:
        """The decision of this setting, from the decision brief's results (else the portfolio's)."""
        brief = self.result(BRIEF)
        names = self.case.candidates["name"]
        month, attention = self.attention()
        theses = self.theses()
        review = self.review()
        if brief:
            return Decision(
                attention=attention, attention_month=month, theses=theses, review=review,
                sentence=brief["decision"],
                left_out=[f"{candidate_label(row['candidate'], row['name'])}: {row['reason']}"
                          for row in brief["left_out"]],
                walk_aways=[f"{candidate_label(row['candidate'], row['name'])}: {row['reasons'][0]}"
                            for row in brief["walk_aways"] if row["reasons"]],
                source="the decision brief")
        portfolio = self.result(PORTFOLIO)
        if portfolio:
            currency = self.case.settings.currency
            if portfolio["selected"]:
                changed = any(option in ("restructure", "exit") for option in portfolio.get("review", {}).values())
                sentence = decision_sentence([candidate_label(c, names[c]) for c in portfolio["selected"]],
                                             portfolio["expected_npv"], portfolio["cvar_5"], portfolio["cvar_level"],
                                             currency, with_review=changed) + "."
            else:
                sentence = next(line for line in portfolio["headline"] if not line.startswith("Alliances in flight"))
            if portfolio.get("review"):
                sentence = f"{portfolio['headline'][0]} {sentence}"
            return Decision(sentence=sentence, source="the portfolio (the decision brief was not run)",
                            attention=attention, attention_month=month, theses=theses, review=review)
        if attention:
            return Decision(sentence=f"{len(attention)} alliances in flight need attention in {month}.",
                            attention=attention, attention_month=month, theses=theses,
                            source="the alliance-health analysis")
        if theses:
            return Decision(sentence=f"{len(theses)} value {'thesis is' if len(theses) == 1 else 'theses are'} put in "
                                     "doubt by the first months' actuals.", theses=theses, source="the thesis check")
        return Decision(sentence="This run has no decision brief or portfolio: no decision is stated; see each "
                                 "analysis below.", source="")


@dataclass(frozen=True)
class Decision:
    """What a setting decides, in words: the sentence, who is left out and why, the walk-aways and why, the
    alliances in flight that need attention (with the month they were assessed in), the value theses the
    actuals put in doubt and the portfolio review's decision for each alliance under review."""

    sentence: str
    left_out: list[str] = field(default_factory=list)
    walk_aways: list[str] = field(default_factory=list)
    source: str = ""
    attention: list[str] = field(default_factory=list)
    attention_month: str = ""
    theses: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


def what_if_words(parameters: Mapping[str, Any], case: Case) -> str:
    """Parameters that differ from the case, in words: ``"C02 forced in; budget 3 M EUR"``.

    Parameters
    ----------
    parameters : mapping
        Notebook parameters as given (``run -p``, a batch's ``parameters`` and ``grid``).
    case : Case
        The case, for its currency and criterion names.

    Returns
    -------
    str
        ``""`` when no parameter is given.
    """
    currency = case.settings.currency
    criteria = {criterion.id: criterion.name for criterion in case.settings.criteria}
    parts: list[str] = []
    for name, value in parameters.items():
        if name == "force_in" and value:
            parts.append(f"{join_words(value)} forced in")
        elif name == "force_out" and value:
            parts.append(f"{join_words(value)} forced out")
        elif name == "portfolio" and isinstance(value, Mapping):
            parts.extend(_portfolio_words(key, setting, currency) for key, setting in value.items())
        elif name == "weights" and isinstance(value, Mapping):
            parts.extend(f"weight of {criteria.get(key, key)} {format_number(weight, 2).removesuffix('.00')}"
                         for key, weight in value.items())
        elif name in ("iterations", "samples"):
            parts.append(f"{format_count(value)} {'iterations' if name == 'iterations' else 'SMAA samples'}")
        elif isinstance(value, (list, dict)) and not value:
            continue
        else:
            parts.append(f"{name.replace('_', ' ')} {_plain(value)}")
    return "; ".join(parts)


def _portfolio_words(key: str, value: Any, currency: str) -> str:
    """One portfolio override in words."""
    if key == "budget":
        return f"budget {format_money(value, currency)}"
    if key == "manager_capacity_fte":
        return f"alliance-manager capacity {float(value):g} FTE"
    if key == "risk_limit" and isinstance(value, Mapping):
        words = []
        if "cvar_floor" in value:
            words.append(f"CVaR floor {format_money(value['cvar_floor'], currency)}")
        if "max_loss_probability" in value:
            words.append(f"loss probability at most {format_share(value['max_loss_probability'])}")
        return ", ".join(words) or f"risk limit {_plain(value)}"
    return f"{_PORTFOLIO_WORDS.get(key, key.replace('_', ' '))} {_plain(value)}"


def _plain(value: Any) -> str:
    """A parameter value as short text (lists joined, mappings as ``key value``)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return join_words([str(item) for item in value])
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {_plain(item)}" for key, item in value.items())
    return str(value)


def group_settings(analyses: Sequence[tuple[Case, Mapping[str, Any], AnalysisRun]]) -> list[Setting]:
    """Group analysis runs by case and parameters, in the order first seen.

    Parameters
    ----------
    analyses : sequence of (Case, dict, AnalysisRun)
        Each run with its case and parameters.

    Returns
    -------
    list of Setting
    """
    settings: dict[tuple[str, str], Setting] = {}
    for case, parameters, analysis in analyses:
        key = (str(case.directory.resolve()), json.dumps(parameters, sort_keys=True, default=str))
        if key not in settings:
            settings[key] = Setting(case=case, parameters=dict(parameters), analyses=[])
        settings[key].analyses.append(analysis)
    return list(settings.values())


@dataclass(frozen=True)
class ComparisonMatrix:
    """Candidate × setting: recommendation on fit, fit rank and place in the portfolio.

    Attributes
    ----------
    case_name : str
        The case compared.
    columns : list of str
        The settings' labels.
    rows : list of (str, list of str, bool)
        Candidate label, one cell per setting, and whether the cells differ.
    totals : list of (str, list of str)
        The portfolio's expected NPV and its tail (mean NPV of the worst 5 %) per setting, "—" where the
        portfolio was not run or none was found.
    """

    case_name: str
    columns: list[str]
    rows: list[tuple[str, list[str], bool]]
    totals: list[tuple[str, list[str]]] = field(default_factory=list)


def comparison_matrix(settings: Sequence[Setting]) -> ComparisonMatrix:
    """Compare one case's settings candidate by candidate.

    Each cell reads like ``"pursue · advance, rank 3"``: ``pursue`` when the candidate is in the setting's
    portfolio (the brief's recommended set, else the portfolio's), then the partner-fit recommendation and
    rank; ``—`` where that analysis did not run.

    Parameters
    ----------
    settings : sequence of Setting
        Settings of the same case (at least two).

    Returns
    -------
    ComparisonMatrix
        Rows in the case's candidate order; ``differs`` is true where the cells are not all equal; then the
        portfolio's expected NPV and tail per setting.
    """
    case = settings[0].case
    rows = []
    for candidate, name in case.candidates["name"].items():
        cells = [_cell(setting, candidate) for setting in settings]
        rows.append((candidate_label(candidate, name), cells, len(set(cells)) > 1))
    currency = case.settings.currency
    portfolios = [setting.result(PORTFOLIO) for setting in settings]
    totals = [(title, [format_money(portfolio.get(key), currency) for portfolio in portfolios])
              for title, key in (("Portfolio: expected NPV", "expected_npv"),
                                 ("Portfolio: mean of the worst 5 %", "cvar_5"))]
    return ComparisonMatrix(case_name=case.settings.name, columns=[s.label for s in settings], rows=rows,
                            totals=totals)


def _cell(setting: Setting, candidate: str) -> str:
    """One candidate in one setting, in words."""
    parts = []
    brief, portfolio, fit = setting.result(BRIEF), setting.result(PORTFOLIO), setting.result(PARTNER_FIT)
    if brief:
        parts.append("pursue" if candidate in {row["candidate"] for row in brief["recommended"]} else "not pursued")
    elif portfolio:
        parts.append("pursue" if candidate in portfolio["selected"] else "not pursued")
    if fit:
        row = fit["candidates"][candidate]
        parts.append(f"{row['recommendation']}, rank {row['rank']}")
    return " · ".join(parts) or "—"


def write_front_page(path: Path, *, title: str, settings: Sequence[Setting], status: str, ok: bool,
                     provenance: Sequence[tuple[str, str]], machine_readable: str) -> None:
    """Write the front page of a run or batch (text escaped by jinja2's autoescape).

    Parameters
    ----------
    path : Path
        The ``index.html`` to write (atomically).
    title : str
        The page title: the case and what it decides.
    settings : sequence of Setting
        Every setting run, in order.
    status : str
        One line: how many analyses succeeded, how long it took.
    ok : bool
        Whether every analysis succeeded.
    provenance : sequence of (str, str)
        Item and value rows, shown folded away.
    machine_readable : str
        The link to ``run.json`` or ``manifest.json``.
    """
    by_case: dict[str, list[Setting]] = {}
    for setting in settings:
        by_case.setdefault(str(setting.case.directory.resolve()), []).append(setting)
    matrices = [comparison_matrix(group) for group in by_case.values() if len(group) > 1]
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    html = environment.get_template("front_page.html.j2").render(
        title=title, settings=settings, status=status, ok=ok, provenance=provenance, matrices=matrices,
        machine_readable=machine_readable)
    write_text_atomic(path, html)


def front_page_title(settings: Sequence[Setting]) -> str:
    """The front page's title: the case and what it decides (the number of cases for a batch of several).

    Parameters
    ----------
    settings : sequence of Setting

    Returns
    -------
    str
    """
    cases = list(dict.fromkeys(setting.case.settings.name for setting in settings))
    what = "which alliances to pursue"
    if len(cases) == 1:
        return f"{cases[0]}: {what}"
    return f"{len(cases)} cases: {what}"


def read_results(folder: Path, link: str | None) -> dict[str, Any]:
    """A run's ``results.json`` (by its link relative to ``folder``), empty when there is none.

    Parameters
    ----------
    folder : Path
        The report folder the link is relative to.
    link : str or None
        The link.

    Returns
    -------
    dict
    """
    if not link or not (folder / link).is_file():
        return {}
    return json.loads((folder / link).read_text(encoding="utf-8"))
