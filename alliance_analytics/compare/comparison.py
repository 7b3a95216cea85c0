"""Comparing two report folders: pair their settings, then for each pair the inputs, the decisions and why.

:func:`compare_folders` is what ``alliance-analytics compare RUN_A RUN_B`` runs; :func:`compare_settings` compares
one pair and is what a batch's front page runs against the previous batch of the same case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alliance_analytics.case.case import Case
from alliance_analytics.case.loading import load_case
from alliance_analytics.compare.attribution import Attribution, fit_attributions, npv_attribution
from alliance_analytics.compare.decisions import PARTNER_FIT, RISK, DecisionChanges, decision_changes
from alliance_analytics.compare.inputs import InputChanges, diff_inputs
from alliance_analytics.compare.runs import RunSetting, pair_settings, read_settings
from alliance_analytics.core.problems import InputError, Problem


@dataclass(frozen=True)
class SettingComparison:
    """Two runs of one setting compared.

    Attributes
    ----------
    before, after : RunSetting
        The earlier and the later run.
    inputs : InputChanges
        What changed in the inputs.
    decisions : DecisionChanges
        What changed in the decisions and results.
    fit : list of Attribution
        Each changed fit score split by criterion.
    npv : list of Attribution
        Each changed expected NPV split over the changed inputs (Shapley values).
    currency : str
        Of every amount.
    notes : list of str
        What could not be compared, and why (sentences).
    """

    before: RunSetting
    after: RunSetting
    inputs: InputChanges
    decisions: DecisionChanges
    fit: list[Attribution] = field(default_factory=list)
    npv: list[Attribution] = field(default_factory=list)
    currency: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    """Two report folders compared, setting by setting.

    Attributes
    ----------
    before, after : Path
        The folders.
    pairs : list of SettingComparison
        One per setting both ran.
    only_before, only_after : list of RunSetting
        Settings one folder ran and the other did not.
    """

    before: Path
    after: Path
    pairs: list[SettingComparison]
    only_before: list[RunSetting] = field(default_factory=list)
    only_after: list[RunSetting] = field(default_factory=list)


def _case(setting: RunSetting) -> Case | None:
    """The copy of a run's case, loaded; ``None`` when the run kept none."""
    return None if setting.inputs is None else load_case(setting.inputs)


def _currency(setting: RunSetting, case: Case | None) -> str:
    """The currency of a run's amounts: the case's, else what its results record."""
    if case is not None:
        return case.settings.currency
    return next((results["currency"] for results in setting.results.values() if "currency" in results), "")


def compare_settings(before: RunSetting, after: RunSetting) -> SettingComparison:
    """Compare two runs of one setting: inputs, decisions, and the attributions of the changed results.

    Parameters
    ----------
    before, after : RunSetting
        The earlier and the later run (:func:`~alliance_analytics.compare.runs.read_settings`).

    Returns
    -------
    SettingComparison
        Fit scores are split by criterion whenever both ran partner fit; expected NPVs over the changed inputs
        when both ran the risk simulation and kept copies of their inputs.

    Raises
    ------
    InputError
        When a run's copy of its inputs is not a valid case.
    """
    case_before, case_after = _case(before), _case(after)
    inputs = diff_inputs(before.inputs, after.inputs, before.parameters, after.parameters)
    decisions = decision_changes(before.results, after.results)
    notes = []
    missing = [label for label, setting in (("earlier", before), ("later", after)) if setting.inputs is None]
    if missing:
        who = "neither run kept a copy" if len(missing) == 2 else f"the {missing[0]} run kept no copy"
        notes.append(f"{who} of its inputs (made before runs kept one): only the parameters and the decisions are "
                     "compared, and changes of expected NPV are not split")
    versions = [f"{name} {before.versions[name]} → {version}" for name, version in after.versions.items()
                if name in before.versions and before.versions[name] != version]
    if versions:
        notes.append(f"the runs were made with different versions ({', '.join(versions)}): a result may change "
                     "with no input changed")
    names = ({criterion.id: criterion.name for criterion in case_after.settings.criteria}
             if case_after is not None else None)
    fit = (fit_attributions(before.results[PARTNER_FIT], after.results[PARTNER_FIT], names)
           if PARTNER_FIT in decisions.compared else [])
    npv = []
    if RISK in decisions.compared and case_before is not None and case_after is not None:
        changed = [change.name for change in inputs.parameters]
        npv = [npv_attribution(case_before, case_after, change.subject, before.results[RISK], after.results[RISK],
                               changed)
               for change in decisions.npv
               if change.subject in case_before.candidates.index and change.subject in case_after.candidates.index]
    return SettingComparison(before=before, after=after, inputs=inputs, decisions=decisions, fit=fit, npv=npv,
                             currency=_currency(after, case_after), notes=notes)


def compare_folders(before: str | Path, after: str | Path) -> Comparison:
    """Compare two report folders of ``alliance-analytics run`` or ``batch``.

    Parameters
    ----------
    before, after : str or Path
        The earlier and the later report folder.

    Returns
    -------
    Comparison
        Their settings paired (a folder of one setting pairs with the other's one setting whatever it is;
        otherwise by case name and parameters), each pair compared.

    Raises
    ------
    InputError
        When a folder is not a report folder or its record or copied inputs cannot be read; every problem of
        both folders is listed.
    """
    problems: list[Problem] = []
    found = []
    for folder in (before, after):
        try:
            found.append(read_settings(folder))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError("compare", problems)
    pairs, only_before, only_after = pair_settings(*found)
    return Comparison(before=Path(before), after=Path(after),
                      pairs=[compare_settings(first, second) for first, second in pairs],
                      only_before=only_before, only_after=only_after)
