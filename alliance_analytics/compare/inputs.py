"""What changed between two runs' inputs: files, rows, settings and parameters.

Each case table is read from the copy of the case a run kept (CSV files or a workbook, through the loader's own
source, so both forms read alike), every row validated into its typed values (``900000`` and ``900000.0`` are
the same number) and keyed by its id columns (:data:`KEY_COLUMNS`), so a row is *changed* (and which cells),
*added* or *removed* wherever it sits in the file; rows that only moved are reported once per file as a new
order (the order of ``candidates.csv``, ``assumptions.csv`` and ``risks.csv`` decides each candidate's random
draws). The settings of ``case.yaml`` (or the settings sheet) are compared key by key after validation, with
defaults filled in, list items with an ``id`` matched by it. The parameters are those the runs were given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_analytics.case.model import CASE_FILES, OPTIONAL_FILES, CaseSettings
from alliance_analytics.case.sources import WorkbookSource, case_source
from alliance_analytics.case.workbook import SETTINGS_FILE, sheet_of
from alliance_analytics.core.problems import InputError, Problem

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "candidates.csv": ("candidate_id",),
    "scores.csv": ("candidate_id", "criterion_id", "evaluator"),
    "assumptions.csv": ("candidate_id", "assumption_id"),
    "risks.csv": ("candidate_id", "risk_id"),
    "correlations.csv": ("candidate_id", "assumption_a", "assumption_b"),
    "drivers.csv": ("driver_id",),
    "kpis.csv": ("alliance_id", "kpi_id"),
    "scorecard.csv": ("alliance_id", "period", "kpi_id", "side", "respondent"),
    "triggers.csv": ("alliance_id", "trigger_id"),
    "actuals.csv": ("alliance_id", "assumption_id", "period"),
    "pilots.csv": ("candidate_id", "assumption_id"),
    "review.csv": ("alliance_id",),
    "restructure.csv": ("alliance_id", "assumption_id"),
    "decisions.csv": ("date", "alliance", "decision"),
}
"""The columns that identify a row of each case table. A table not listed is keyed by its ``*_id`` columns (by
every column when it has none)."""


@dataclass(frozen=True)
class CellChange:
    """One cell of a changed row: its column and its typed value before and after (``None``: blank)."""

    column: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RowChange:
    """One row of a case table that changed, was added or was removed.

    Attributes
    ----------
    file : str
        The case file, e.g. ``"assumptions.csv"`` (a workbook's sheet stands for it).
    key : tuple of str
        The values of its id columns; a key seen twice in a file carries ``"#2"`` on its second row.
    change : {"changed", "added", "removed"}
    where : str
        Where the row is, as validation messages say it: ``"assumptions.csv, line 7"`` or
        ``"case.xlsx, sheet 'assumptions', row 7"`` (the later run's place; a removed row's earlier place).
    line_before, line_after : int or None
        Its line (or worksheet row) in each run's copy; ``None`` where it is absent.
    cells : tuple of CellChange
        The cells that differ (empty unless ``changed``).
    unit : str
        The unit of the row's distribution parameters (``"EUR/year"``), or ``""``.
    """

    file: str
    key: tuple[str, ...]
    change: str
    where: str
    line_before: int | None
    line_after: int | None
    cells: tuple[CellChange, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class SettingChange:
    """One setting of ``case.yaml`` that differs: its key path (items with an id named by it,
    ``criteria[cultural_fit].weight``), its value before and after (``None``: absent) and where it is."""

    key: str
    before: Any
    after: Any
    where: str


@dataclass(frozen=True)
class ParameterChange:
    """One run parameter that differs; ``given_before``/``given_after`` say whether it was given at all (when not,
    the case's value applied)."""

    name: str
    before: Any
    after: Any
    given_before: bool
    given_after: bool


@dataclass(frozen=True)
class FileChange:
    """A whole case file present in one run's inputs only, with its number of rows."""

    file: str
    change: str
    rows: int


@dataclass(frozen=True)
class InputChanges:
    """Every difference between two runs' inputs.

    Attributes
    ----------
    available : bool
        False when a run kept no copy of its inputs: then only ``parameters`` were compared.
    files : list of FileChange
        Case files added or removed as a whole.
    rows : list of RowChange
        Rows changed, added or removed in files both runs have, file by file, in the later file's order.
    reordered : list of str
        Files both runs have whose common rows are in another order.
    settings : list of SettingChange
        Settings that differ.
    parameters : list of ParameterChange
        Run parameters that differ.
    """

    available: bool
    files: list[FileChange] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    settings: list[SettingChange] = field(default_factory=list)
    parameters: list[ParameterChange] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many changes there are (a file, a row, a new order, a setting or a parameter each count one)."""
        return len(self.files) + len(self.rows) + len(self.reordered) + len(self.settings) + len(self.parameters)


@dataclass(frozen=True)
class CaseFiles:
    """A case's tables and settings as typed values, with where each row and key is.

    Attributes
    ----------
    tables : dict of str to list of (int, dict)
        Per case file present: its rows as ``(line, typed values by column)``.
    settings : dict
        The validated settings (defaults filled in) as JSON values.
    locate : callable
        ``(key path tuple) -> str``: where a settings key is.
    place : callable
        ``(file, line) -> str``: where a table row is.
    """

    tables: dict[str, list[tuple[int, dict[str, Any]]]]
    settings: dict[str, Any]
    locate: Callable[[tuple], str]
    place: Callable[[str, int], str]


def read_case_files(path: str | Path) -> CaseFiles:
    """Read a valid case's tables and settings as typed values, row by row with their lines.

    Parameters
    ----------
    path : str or Path
        A case folder, a folder holding ``case.xlsx``, or a workbook, already known to be valid (loaded by
        :func:`~alliance_analytics.load_case`).

    Returns
    -------
    CaseFiles

    Raises
    ------
    InputError
        When a file cannot be read (a valid case never raises).
    """
    problems: list[Problem] = []
    models = {name: model for name, model in {**CASE_FILES, **OPTIONAL_FILES}.items() if model is not None}
    source = case_source(Path(path), [*CASE_FILES, *OPTIONAL_FILES], problems)
    workbook = source.path.name if isinstance(source, WorkbookSource) else None
    tables = {}
    for name, model in models.items():
        content = source.table(name, problems) if source.has(name) else None
        if content is not None:
            tables[name] = [(line, model.model_validate(record).model_dump()) for line, record in content.rows]
    data, locate_problem = source.settings(problems)
    if problems:
        raise InputError(f"case {path}", problems)
    settings = CaseSettings.model_validate(data).model_dump(mode="json")

    def place(file: str, line: int | None) -> str:
        if workbook is None:
            return _where(Problem(file, "", line=line))
        return _where(Problem(workbook, "", line=line, sheet=sheet_of(file)))

    def locate(location: tuple) -> str:
        return place(SETTINGS_FILE, locate_problem(location, "").line)

    return CaseFiles(tables=tables, settings=settings, locate=locate, place=place)


def _where(problem: Problem) -> str:
    """A location as validation messages write it (``"assumptions.csv, line 7"``), without a message."""
    return str(problem).removesuffix(": ")


def key_columns(file: str, columns: list[str]) -> tuple[str, ...]:
    """The columns that identify a row of a case table.

    Parameters
    ----------
    file : str
        The case file.
    columns : list of str
        Its columns.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> key_columns("risks.csv", []), key_columns("pledges.csv", ["candidate_id", "pledge", "note"])
    (('candidate_id', 'risk_id'), ('candidate_id',))
    """
    if file in KEY_COLUMNS:
        return KEY_COLUMNS[file]
    return tuple(column for column in columns if column.endswith("_id")) or tuple(columns)


def _keyed(file: str, rows: list[tuple[int, dict[str, Any]]]) -> dict[tuple[str, ...], tuple[int, dict[str, Any]]]:
    """Rows by key, in file order; a key's second row is keyed with ``"#2"`` appended, and so on."""
    keyed: dict[tuple[str, ...], tuple[int, dict[str, Any]]] = {}
    columns = key_columns(file, list(rows[0][1]) if rows else [])
    for line, values in rows:
        key = tuple("" if values[column] is None else str(values[column]) for column in columns)
        unique, counter = key, 1
        while unique in keyed:
            counter += 1
            unique = (*key, f"#{counter}")
        keyed[unique] = (line, values)
    return keyed


def diff_tables(before: CaseFiles, after: CaseFiles) -> tuple[list[FileChange], list[RowChange], list[str]]:
    """Compare the tables of two cases row by row.

    Parameters
    ----------
    before, after : CaseFiles
        The earlier and the later case.

    Returns
    -------
    files : list of FileChange
        Files present in one case only.
    rows : list of RowChange
        Per file both have (in the loader's file order): the changed and added rows in the later file's order,
        then the removed rows in the earlier file's order.
    reordered : list of str
        Files whose rows common to both are in another order.
    """
    files = [FileChange(name, "removed", len(rows)) for name, rows in before.tables.items() if name not in after.tables]
    files += [FileChange(name, "added", len(rows)) for name, rows in after.tables.items() if name not in before.tables]
    changes, reordered = [], []
    for name in (name for name in after.tables if name in before.tables):
        old, new = _keyed(name, before.tables[name]), _keyed(name, after.tables[name])
        for key, (line, values) in new.items():
            unit = str(values.get("unit") or "")
            if key not in old:
                changes.append(RowChange(name, key, "added", after.place(name, line), None, line, unit=unit))
                continue
            old_line, old_values = old[key]
            cells = tuple(CellChange(column, old_values.get(column), value) for column, value in values.items()
                          if old_values.get(column) != value)
            if cells:
                changes.append(RowChange(name, key, "changed", after.place(name, line), old_line, line, cells, unit))
        changes += [RowChange(name, key, "removed", before.place(name, line), line, None,
                              unit=str(values.get("unit") or ""))
                    for key, (line, values) in old.items() if key not in new]
        if [key for key in old if key in new] != [key for key in new if key in old]:
            reordered.append(name)
    return files, changes, reordered


def _flatten(value: Any, shown: str = "", located: tuple = ()) -> dict[str, tuple[Any, tuple]]:
    """Settings as leaves: shown key path → (value, location key path). List items with an ``id`` are named by it."""
    if isinstance(value, Mapping):
        leaves: dict[str, tuple[Any, tuple]] = {}
        for name, item in value.items():
            leaves |= _flatten(item, f"{shown}.{name}" if shown else str(name), (*located, name))
        return leaves
    if isinstance(value, list) and value and all(isinstance(item, Mapping) and "id" in item for item in value):
        leaves = {}
        for index, item in enumerate(value):
            leaves |= _flatten(item, f"{shown}[{item['id']}]", (*located, index))
        return leaves
    return {shown: (value, located)}


def diff_settings(before: CaseFiles, after: CaseFiles) -> list[SettingChange]:
    """Compare the validated settings of two cases key by key.

    Parameters
    ----------
    before, after : CaseFiles
        The earlier and the later case.

    Returns
    -------
    list of SettingChange
        In the later settings' order, then the keys only the earlier has.
    """
    old, new = _flatten(before.settings), _flatten(after.settings)
    changes = []
    for key, (value, location) in new.items():
        previous = old.get(key, (None, ()))[0]
        if previous != value:
            changes.append(SettingChange(key, previous, value, after.locate(location)))
    changes += [SettingChange(key, value, None, before.locate(location))
                for key, (value, location) in old.items() if key not in new]
    return changes


def diff_parameters(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[ParameterChange]:
    """Compare the parameters two runs were given.

    Parameters
    ----------
    before, after : mapping
        Parameter name → value (``run -p``, a batch setting's parameters).

    Returns
    -------
    list of ParameterChange
        In the order given (later run first).

    Examples
    --------
    >>> [(c.name, c.before, c.after, c.given_before) for c in diff_parameters({"seed": 7}, {"seed": 8, "top": 3})]
    [('seed', 7, 8, True), ('top', None, 3, False)]
    """
    names = list(dict.fromkeys([*after, *before]))
    return [ParameterChange(name, before.get(name), after.get(name), name in before, name in after)
            for name in names if (name in before) != (name in after) or before[name] != after[name]]


def diff_inputs(before: str | Path | None, after: str | Path | None, parameters_before: Mapping[str, Any],
                parameters_after: Mapping[str, Any]) -> InputChanges:
    """Every difference between two runs' inputs.

    Parameters
    ----------
    before, after : str, Path or None
        The copies of the cases the runs kept (what ``load_case`` takes), already validated; ``None`` when a
        run kept none.
    parameters_before, parameters_after : mapping
        The parameters the runs were given.

    Returns
    -------
    InputChanges
    """
    parameters = diff_parameters(parameters_before, parameters_after)
    if before is None or after is None:
        return InputChanges(available=False, parameters=parameters)
    old, new = read_case_files(before), read_case_files(after)
    files, rows, reordered = diff_tables(old, new)
    return InputChanges(available=True, files=files, rows=rows, reordered=reordered,
                        settings=diff_settings(old, new), parameters=parameters)
