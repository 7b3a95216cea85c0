"""A comparison of two runs in words: the plain-words summary first, then the inputs, the decisions and why.

:func:`summary` gives the two sentences a reader needs ("One input changed: … Decisions: portfolio unchanged;
C05's expected NPV +0.21 M EUR, all of it from study_savings."), :func:`report_text` the whole report for the
terminal, :func:`front_page_section` the short form a batch's front page shows, and :func:`comparison_json` the
machine-readable form (``compare --json``). Every number is formatted by :mod:`alliance_analytics.core.formatting`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from alliance_analytics.case.vocabulary import PARAMETER_COLUMNS
from alliance_analytics.compare.attribution import Attribution
from alliance_analytics.compare.comparison import Comparison, SettingComparison
from alliance_analytics.compare.decisions import DecisionChanges, ValueChange
from alliance_analytics.compare.inputs import InputChanges, ParameterChange, RowChange
from alliance_analytics.compare.runs import RunSetting
from alliance_analytics.core.formatting import (
    MISSING,
    format_date,
    format_money,
    format_number,
    format_share,
    join_words,
)

SHOWN_IN_SUMMARY = 3
"""Changes named in a summary sentence before "and N more"."""
SHOWN_PARTS = 2
"""Parts of a change named in the summary before "and smaller parts"."""
MONEY_COLUMNS = frozenset({"investment", "mitigation_cost", "spent_to_date", "commitment", "exit_cost", "salvage",
                           "restructure_cost", "fixed_cost", "unit_cost"})
"""Columns of the case tables that hold money in the case's currency."""


def _number(value: float) -> str:
    """A number from an input file as written, with thousands separators and no trailing zeros.

    Examples
    --------
    >>> _number(1200000.0), _number(0.46), _number(-2500.5), _number(1e-05)
    ('1,200,000', '0.46', '-2,500.5', '0.00001')
    """
    text = np.format_float_positional(float(value), trim="-")
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{grouped}{'.' + fraction if fraction else ''}"


def value_words(value: Any) -> str:
    """A value of an input (a cell, a setting, a parameter) for a reader.

    Examples
    --------
    >>> value_words(None), value_words(True), value_words(900000.0), value_words(["eu_hosting", "fhir"])
    ('blank', 'yes', '900,000', 'eu_hosting; fhir')
    >>> value_words(dt.date(2035, 6, 30)), value_words({"budget": 3000000})
    ('30 Jun 2035', '{"budget": 3000000}')
    """
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(value_words(item) for item in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _signed(text: str, value: float) -> str:
    """A formatted change with its sign: ``+`` before a positive one."""
    return f"+{text}" if value > 0 else text


def signed_money(amount: float, currency: str) -> str:
    """A change of money with its sign.

    Examples
    --------
    >>> signed_money(210_000, "EUR"), signed_money(-1_500, "EUR")
    ('+0.21 M EUR', '-1,500 EUR')
    """
    return _signed(format_money(amount, currency), amount)


def _measure(attribution: Attribution, value: float, currency: str, signed: bool = False) -> str:
    """An amount of an attribution's measure: money, or fit-score points."""
    if attribution.measure == "fit score":
        text = format_number(value, 2)
        return _signed(text, value) if signed else text
    return signed_money(value, currency) if signed else format_money(value, currency)


def _label(subject: str, name: str) -> str:
    """A candidate or alliance: ``"Clinexa Research GmbH (C05)"``, or its id when no name is known."""
    return f"{name} ({subject})" if name and name != subject else subject


def row_words(change: RowChange, currency: str = "") -> str:
    """One changed row in words: where it is and what changed.

    Examples
    --------
    >>> from alliance_analytics.compare.inputs import CellChange
    >>> row_words(RowChange("assumptions.csv", ("C05", "study_savings"), "changed", "assumptions.csv, line 7", 7, 7,
    ...                     (CellChange("max", 900000.0, 1200000.0),), "EUR/year"))
    'assumptions.csv, line 7 (C05 study_savings: max 900,000 → 1,200,000 EUR/year)'
    """
    key = " ".join(change.key)
    if change.change != "changed":
        return f"{change.where} ({change.change}: {key})"
    cells = []
    for cell in change.cells:
        unit = (change.unit if cell.column in PARAMETER_COLUMNS else currency if cell.column in MONEY_COLUMNS else "")
        after = value_words(cell.after) + (f" {unit}" if unit and cell.after is not None else "")
        cells.append(f"{cell.column} {value_words(cell.before)} → {after}")
    return f"{change.where} ({key}: {', '.join(cells)})"


def named_value_words(name: str, value: Any) -> str:
    """A setting's or parameter's value for a reader; a seed is an identifier, written without separators.

    Examples
    --------
    >>> named_value_words("simulation.seed", 20261101), named_value_words("iterations", 20000)
    ('20261101', '20,000')
    """
    return str(value) if name.endswith("seed") and isinstance(value, int) else value_words(value)


def parameter_words(change: ParameterChange) -> str:
    """One changed run parameter in words.

    Examples
    --------
    >>> parameter_words(ParameterChange("seed", None, 7, False, True))
    "parameter seed: the case's value → 7"
    """
    before = named_value_words(change.name, change.before) if change.given_before else "the case's value"
    after = named_value_words(change.name, change.after) if change.given_after else "the case's value"
    return f"parameter {change.name}: {before} → {after}"


def parameters_words(parameters: dict[str, Any]) -> str:
    """A run's parameters in a few words: ``"iterations 2,000; seed 7"``; ``"the case as given"`` when none.

    Examples
    --------
    >>> parameters_words({"iterations": 2000, "seed": 7}), parameters_words({})
    ('iterations 2,000; seed 7', 'the case as given')
    """
    return "; ".join(f"{name} {named_value_words(name, value)}" for name, value in parameters.items()) or \
        "the case as given"


def input_lines(inputs: InputChanges, currency: str = "") -> list[str]:
    """Every input change, one line each: files, rows, orders, settings, parameters.

    Parameters
    ----------
    inputs : InputChanges
    currency : str
        For money columns.

    Returns
    -------
    list of str
    """
    lines = [f"{change.file} {change.change} ({change.rows:,} rows)" for change in inputs.files]
    lines += [row_words(change, currency) for change in inputs.rows]
    lines += [f"{file}: the rows are in another order" for file in inputs.reordered]
    lines += [f"{change.where} ({change.key}: {named_value_words(change.key, change.before)} → "
              f"{named_value_words(change.key, change.after)})" for change in inputs.settings]
    lines += [parameter_words(change) for change in inputs.parameters]
    return lines


def _more(items: list[str], shown: int, unit: str) -> str:
    """The first ``shown`` items joined, then ``"and N more <unit>"``."""
    if len(items) <= shown:
        return join_words(items)
    return f"{'; '.join(items[:shown])} and {len(items) - shown} more {unit}"


def inputs_sentence(inputs: InputChanges, currency: str = "", since: str = "") -> str:
    """The first sentence of a comparison: how many inputs changed, and the first few.

    Parameters
    ----------
    inputs : InputChanges
    currency : str
        For money columns.
    since : str
        ``" since 30 Nov 2026 14:12 UTC"`` for a front page (said when nothing changed; the page's heading says it
        otherwise); empty for the command line.

    Returns
    -------
    str
    """
    lines = input_lines(inputs, currency)
    if not inputs.available:
        text = "The input files cannot be compared: a run kept no copy of them"
        return f"{text}; {_more(lines, SHOWN_IN_SUMMARY, 'changes')}." if lines else f"{text}; no parameter changed."
    if not lines:
        return f"Nothing changed in the inputs{since}."
    if len(lines) == 1:
        return f"One input changed: {lines[0]}."
    return f"{len(lines)} inputs changed: {_more(lines, SHOWN_IN_SUMMARY, 'changes')}."


def _shown(attribution: Attribution, value: float, currency: str) -> bool:
    """Whether a part is worth a word: it does not read as zero once formatted."""
    return _measure(attribution, value, currency).lstrip("-") != _measure(attribution, 0.0, currency)


def _why(attribution: Attribution, currency: str) -> str:
    """Where a change comes from, in a few words: ``"all of it from study_savings"``."""
    parts = sorted((part for part in attribution.parts if _shown(attribution, part.value, currency)),
                   key=lambda part: -abs(part.value))
    if attribution.note:
        return f"not fully explained: {attribution.note}"
    if not parts:
        return "from no single input"
    if len(parts) == 1:
        return f"all of it from {parts[0].label}"
    shown = [f"{_measure(attribution, part.value, currency, signed=True)} from {part.label}"
             for part in parts[:SHOWN_PARTS]]
    return ", ".join(shown) + (" and smaller parts" if len(parts) > SHOWN_PARTS else "")


def _attribution_words(attribution: Attribution, currency: str, who: str = "") -> str:
    """``"C05's expected NPV +0.21 M EUR, all of it from study_savings"`` (``who`` instead of ``"C05's"``)."""
    change = _measure(attribution, attribution.change, currency, signed=True)
    who = who or f"{attribution.candidate}'s"
    return f"{who} {attribution.measure} {change}, {_why(attribution, currency)}"


def _changes_words(changes: list[ValueChange], what: str) -> list[str]:
    """``"A03 now exit (was restructure)"`` per change; ``"(new)"`` for a value only the later run has."""
    return [f"{change.subject} {what} {value_words(change.after) if change.after is not None else MISSING} "
            f"({'new' if change.before is None else f'was {value_words(change.before)}'})" for change in changes]


def _alert_words(alert: dict[str, str]) -> str:
    """An alliance-health alert: ``"A03 execution_slip (restructure)"``."""
    return f"{alert['alliance']} {alert['trigger']} ({alert['action']})"


def decision_parts(decisions: DecisionChanges) -> list[str]:
    """The decisions that changed, in short phrases, the portfolio first.

    Parameters
    ----------
    decisions : DecisionChanges

    Returns
    -------
    list of str
        Empty when no decision changed.
    """
    parts = []
    portfolio = decisions.portfolio
    if portfolio is not None:
        if portfolio.same_selection:
            parts.append("portfolio unchanged")
        else:
            moves = ([f"adds {join_words(portfolio.added)}"] if portfolio.added else []) + \
                    ([f"drops {join_words(portfolio.dropped)}"] if portfolio.dropped else [])
            moves += _changes_words(portfolio.review, "now")
            parts.append(f"the portfolio {join_words(moves)}")
    parts += [f"{change.subject}'s recommendation on fit now {change.after} (was {change.before})"
              for change in decisions.recommendations]
    if decisions.ranks:
        parts.append(f"fit ranks changed for {join_words([change.subject for change in decisions.ranks])}")
    parts += [f"{change.subject} is new ({change.after} on fit)" for change in decisions.candidates_added]
    parts += [f"{change.subject} is no longer assessed" for change in decisions.candidates_removed]
    parts += _changes_words(decisions.review, "review decision now")
    parts += _changes_words(decisions.health, "health recommendation now")
    parts += _changes_words(decisions.theses, "thesis now")
    parts += [f"new alert: {_alert_words(alert)}" for alert in decisions.alerts_new]
    parts += [f"alert cleared: {_alert_words(alert)}" for alert in decisions.alerts_cleared]
    return parts


def decisions_sentence(comparison: SettingComparison) -> str:
    """The second sentence: what the decisions did, and the largest changes of results with why.

    Parameters
    ----------
    comparison : SettingComparison

    Returns
    -------
    str
    """
    decisions = comparison.decisions
    if not decisions.compared:
        return "Decisions: the two runs have no analysis in common to compare."
    parts = decision_parts(decisions)
    results = []
    for measure in (comparison.npv, comparison.fit):
        ranked = sorted(measure, key=lambda item: -abs(item.change))
        results += [_attribution_words(item, comparison.currency) for item in ranked[:SHOWN_IN_SUMMARY]]
        if len(ranked) > SHOWN_IN_SUMMARY:
            results.append(f"{len(ranked) - SHOWN_IN_SUMMARY} more {ranked[0].measure}s changed")
    explained = {attribution.candidate for attribution in comparison.npv}
    unexplained = [change.subject for change in decisions.npv if change.subject not in explained]
    if unexplained:
        results.append(f"expected NPV changed for {join_words(unexplained)}")
    if not decisions.any:
        return "Decisions and results: unchanged."
    if not parts:
        return f"Decisions unchanged; {'; '.join(results)}." if results else "Decisions unchanged."
    return f"Decisions: {'; '.join(parts + results)}."


def summary(comparison: SettingComparison, since: str = "") -> list[str]:
    """The plain-words summary: what changed in the inputs, then in the decisions and why.

    Parameters
    ----------
    comparison : SettingComparison
    since : str
        ``" since …"`` for a front page.

    Returns
    -------
    list of str
        Two sentences.
    """
    return [inputs_sentence(comparison.inputs, comparison.currency, since), decisions_sentence(comparison)]


def _attribution_lines(attribution: Attribution, currency: str) -> list[str]:
    """A changed result and its parts, one line each (parts that round to zero left out)."""
    head = (f"{attribution.measure[0].upper()}{attribution.measure[1:]} of {_label(attribution.candidate, attribution.name)}: "
            f"{_measure(attribution, attribution.before, currency)} → {_measure(attribution, attribution.after, currency)} "
            f"({_measure(attribution, attribution.change, currency, signed=True)})")
    lines = [head]
    for part in sorted(attribution.parts, key=lambda part: -abs(part.value)):
        if _shown(attribution, part.value, currency):
            lines.append(f"    {_measure(attribution, part.value, currency, signed=True):>14}  {part.label} ({part.source})")
    if attribution.note:
        lines.append(f"    {_measure(attribution, attribution.remainder, currency, signed=True):>14}  not explained: "
                     f"{attribution.note}")
    return lines


def _portfolio_lines(decisions: DecisionChanges, currency: str) -> list[str]:
    """The portfolio before and after."""
    portfolio = decisions.portfolio
    if portfolio is None:
        return []
    chosen = join_words(portfolio.after) or "none"
    lines = [f"Portfolio {'unchanged' if portfolio.same_selection else 'changed'}: {chosen}"
             + ("" if portfolio.same_selection else f" (was {join_words(portfolio.before) or 'none'})")]
    lines += [f"  review: {line}" for line in _changes_words(portfolio.review, "now")]
    for title, (old, new) in (("expected NPV", portfolio.expected_npv),
                              (f"mean of the worst {format_share(portfolio.cvar_level)}", portfolio.cvar)):
        change = f" ({signed_money(new - old, currency)})" if old is not None and new is not None and old != new else ""
        lines.append(f"  {title}: {format_money(old, currency)} → {format_money(new, currency)}{change}")
    if portfolio.status[0] != portfolio.status[1]:
        lines.append(f"  solver status: {portfolio.status[0]} → {portfolio.status[1]}")
    return lines


def _decision_lines(comparison: SettingComparison) -> list[str]:
    """Every decision and result that changed, one line each."""
    decisions, currency = comparison.decisions, comparison.currency
    lines = _portfolio_lines(decisions, currency)
    if decisions.decision is not None:
        lines += [f"Decision before: {decisions.decision[0]}", f"Decision now: {decisions.decision[1]}"]
    lines += [f"Partner fit: {line}" for line in _changes_words(decisions.recommendations, "now")]
    lines += [f"Partner fit: {line}" for line in _changes_words(decisions.ranks, "rank now")]
    lines += [f"Partner fit: {_label(change.subject, change.name)} new ({change.after})"
              for change in decisions.candidates_added]
    lines += [f"Partner fit: {_label(change.subject, change.name)} no longer assessed"
              for change in decisions.candidates_removed]
    lines += [f"Risk: {_label(change.subject, change.name)} chance of a loss {format_share(change.before)} → "
              f"{format_share(change.after)}" for change in decisions.prob_loss
              if format_share(change.before) != format_share(change.after)]
    lines += [f"Portfolio review: {line}" for line in _changes_words(decisions.review, "now")]
    lines += [f"Alliance health: {line}" for line in _changes_words(decisions.health, "now")]
    lines += [f"Thesis check: {line}" for line in _changes_words(decisions.theses, "now")]
    lines += [f"Alliance health: new alert {_alert_words(alert)}" for alert in decisions.alerts_new]
    lines += [f"Alliance health: alert cleared {_alert_words(alert)}" for alert in decisions.alerts_cleared]
    return lines


def setting_report(comparison: SettingComparison) -> list[str]:
    """One pair of runs in full: summary, inputs, decisions, why, notes.

    Parameters
    ----------
    comparison : SettingComparison

    Returns
    -------
    list of str
        Lines.
    """
    before, after = comparison.before, comparison.after
    lines = [f"{after.case_name}: {parameters_words(after.parameters)}" if before.parameters == after.parameters
             else after.case_name, f"  before: {before.describe()}", f"  after:  {after.describe()}", ""]
    lines += summary(comparison) + [""]
    sections = [("Inputs", input_lines(comparison.inputs, comparison.currency)),
                ("Decisions and results", _decision_lines(comparison)),
                ("Why", [line for attribution in [*comparison.npv, *comparison.fit]
                         for line in _attribution_lines(attribution, comparison.currency)]),
                ("Not compared", [f"{note[0].upper()}{note[1:]}." for note in comparison.notes]
                 + [f"{name} ran in one run only" for name in comparison.decisions.one_sided])]
    for title, body in sections:
        if body:
            lines += [title, *(f"  {line}" for line in body), ""]
    return lines


def report_text(comparison: Comparison) -> str:
    """The whole comparison for the terminal.

    Parameters
    ----------
    comparison : Comparison

    Returns
    -------
    str
    """
    lines = []
    for pair in comparison.pairs:
        lines += setting_report(pair)
    for label, settings in (("earlier", comparison.only_before), ("later", comparison.only_after)):
        lines += [f"Only in the {label} folder: {setting.case_name}: {parameters_words(setting.parameters)}"
                  for setting in settings]
    if not comparison.pairs:
        lines.append("The two folders have no setting (case and parameters) in common: nothing was compared.")
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class WhatChanged:
    """The short form of a comparison a batch's front page shows.

    Attributes
    ----------
    title : str
        ``"What changed since 30 Nov 2026 14:12 UTC"``.
    summary : list of str
        The plain-words sentences.
    details : list of str
        When the summary had to leave some out: the input changes, then the changed results with their largest
        parts; else empty.
    """

    title: str
    summary: list[str]
    details: list[str]


def front_page_section(comparison: SettingComparison, most: int = 8) -> WhatChanged:
    """The short form a batch's front page shows.

    Parameters
    ----------
    comparison : SettingComparison
        The previous batch's run of the setting against this batch's.
    most : int
        Most detail lines.

    Returns
    -------
    WhatChanged
        Details only when the summary left something out, at most ``most`` lines (the last one then points to
        ``alliance-analytics compare``).
    """
    since = comparison.before.when
    results = sorted([*comparison.npv, *comparison.fit], key=lambda item: -abs(item.change))
    said = (comparison.inputs.count <= SHOWN_IN_SUMMARY
            and all(len(measure) <= SHOWN_IN_SUMMARY for measure in (comparison.npv, comparison.fit))
            and all(len([part for part in item.parts if _shown(item, part.value, comparison.currency)]) <= SHOWN_PARTS
                    for item in results))
    details = [] if said else input_lines(comparison.inputs, comparison.currency) + [
        _attribution_words(item, comparison.currency, f"{_label(item.candidate, item.name)}:") for item in results]
    if len(details) > most:
        details = [*details[:most - 1], f"and {len(details) - most + 1} more: run `alliance-analytics compare` for all"]
    return WhatChanged(f"What changed since {since}", summary(comparison, f" since {since}"), details)


def _setting_json(setting: RunSetting) -> dict[str, Any]:
    return {"folder": str(setting.folder), "kind": setting.kind, "created": setting.created.isoformat(),
            "case": setting.case_name, "case_dir": setting.case_dir, "parameters": setting.parameters,
            "inputs": str(setting.inputs) if setting.inputs is not None else None}


def _attribution_json(attribution: Attribution) -> dict[str, Any]:
    return {"candidate": attribution.candidate, "name": attribution.name, "measure": attribution.measure,
            "before": attribution.before, "after": attribution.after, "change": attribution.change,
            "parts": [{"label": part.label, "source": part.source, "value": part.value} for part in attribution.parts],
            "remainder": attribution.remainder, "note": attribution.note, "simulations": attribution.simulations}


def _json_value(value: Any) -> Any:
    """A typed cell as JSON: dates as ISO text."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _change_json(change: ValueChange) -> dict[str, Any]:
    return {"id": change.subject, "name": change.name, "before": change.before, "after": change.after}


def setting_json(comparison: SettingComparison) -> dict[str, Any]:
    """One pair of runs, machine-readable (see ``comparison_json``)."""
    inputs, decisions = comparison.inputs, comparison.decisions
    portfolio = decisions.portfolio
    return {
        "before": _setting_json(comparison.before), "after": _setting_json(comparison.after),
        "summary": summary(comparison), "currency": comparison.currency, "notes": comparison.notes,
        "inputs": {
            "available": inputs.available, "count": inputs.count,
            "files": [{"file": change.file, "change": change.change, "rows": change.rows} for change in inputs.files],
            "rows": [{"file": change.file, "key": list(change.key), "change": change.change, "where": change.where,
                      "line_before": change.line_before, "line_after": change.line_after,
                      "cells": [{"column": cell.column, "before": _json_value(cell.before),
                                 "after": _json_value(cell.after)} for cell in change.cells]}
                     for change in inputs.rows],
            "reordered": inputs.reordered,
            "settings": [{"key": change.key, "before": change.before, "after": change.after, "where": change.where}
                         for change in inputs.settings],
            "parameters": [{"name": change.name, "before": change.before if change.given_before else None,
                            "after": change.after if change.given_after else None,
                            "given_before": change.given_before, "given_after": change.given_after}
                           for change in inputs.parameters]},
        "decisions": {
            "compared": decisions.compared, "one_sided": decisions.one_sided,
            "portfolio": None if portfolio is None else {
                "before": portfolio.before, "after": portfolio.after, "added": portfolio.added,
                "dropped": portfolio.dropped, "expected_npv": list(portfolio.expected_npv), "cvar": list(portfolio.cvar),
                "cvar_level": portfolio.cvar_level, "status": list(portfolio.status),
                "review": [_change_json(change) for change in portfolio.review]},
            "decision": None if decisions.decision is None else list(decisions.decision),
            **{name: [_change_json(change) for change in getattr(decisions, name)]
               for name in ("recommendations", "ranks", "fit_scores", "candidates_added", "candidates_removed", "npv",
                            "prob_loss", "health", "theses", "review")},
            "alerts_new": decisions.alerts_new, "alerts_cleared": decisions.alerts_cleared},
        "attributions": {"fit": [_attribution_json(item) for item in comparison.fit],
                         "npv": [_attribution_json(item) for item in comparison.npv]},
    }


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison, machine-readable: what ``alliance-analytics compare --json FILE`` writes.

    Parameters
    ----------
    comparison : Comparison

    Returns
    -------
    dict
        ``before`` and ``after`` (the folders), ``comparisons`` (one per setting both ran: ``before``/``after``
        (folder, kind, created, case, case_dir, parameters, inputs), ``summary`` (sentences), ``currency``,
        ``notes``, ``inputs`` (``available``, ``count``, ``files``, ``rows`` with ``file``, ``key``, ``change``,
        ``where``, ``line_before``, ``line_after``, ``cells``; ``reordered``, ``settings``, ``parameters``),
        ``decisions`` (``compared``, ``one_sided``, ``portfolio``, ``decision``, ``recommendations``, ``ranks``,
        ``fit_scores``, ``candidates_added``, ``candidates_removed``, ``npv``, ``prob_loss``, ``health``,
        ``theses``, ``review``, ``alerts_new``, ``alerts_cleared``), ``attributions`` (``fit`` and ``npv``: per
        candidate ``before``, ``after``, ``change``, ``parts`` (``label``, ``source``, ``value``), ``remainder``,
        ``note``, ``simulations``)), ``only_before`` and ``only_after`` (settings without a partner).
    """
    return {"before": str(comparison.before), "after": str(comparison.after),
            "comparisons": [setting_json(pair) for pair in comparison.pairs],
            "only_before": [_setting_json(setting) for setting in comparison.only_before],
            "only_after": [_setting_json(setting) for setting in comparison.only_after]}
