"""Reading a report folder of ``run`` or ``batch`` as the settings it ran: one case under one set of parameters each.

A ``run`` folder (``run.json``) holds one setting; a batch folder (``manifest.json``) holds one per case and
combination of parameters (its runs grouped as the batch's front page groups them). Each setting carries the
``results.json`` of every notebook that succeeded, as written (nothing is recomputed), and where its case's
input files were copied (:mod:`alliance_analytics.compare.snapshot`), if the folder kept them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_analytics.core.formatting import format_date
from alliance_analytics.core.problems import InputError, Problem

RUN_FILE = "run.json"
"""The record of an ``alliance-analytics run`` folder."""
MANIFEST_FILE = "manifest.json"
"""The record of an ``alliance-analytics batch`` folder."""


@dataclass(frozen=True)
class RunSetting:
    """One case under one set of parameters, as a report folder recorded it.

    Attributes
    ----------
    folder : Path
        The report folder (a run's or a batch's).
    kind : {"run", "batch"}
        Which command wrote it.
    created : datetime.datetime
        When it was written (UTC).
    case_name : str
        The case's name.
    case_dir : str
        The case folder the run read.
    parameters : dict
        The parameters given (``run -p``; a batch setting's parameters); empty: the case as given.
    inputs : Path or None
        The copy of the case's input files to pass to ``load_case``; ``None`` when the folder kept none
        (written before copies were kept).
    results : dict of str to dict
        The ``results.json`` of every notebook that succeeded, by the notebook name it records
        (``"03_risk_simulation"``).
    versions : dict of str to str
        Package versions the run recorded.
    """

    folder: Path
    kind: str
    created: dt.datetime
    case_name: str
    case_dir: str
    parameters: dict[str, Any]
    inputs: Path | None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def when(self) -> str:
        """When it ran, for a reader: ``"30 Nov 2026 14:12 UTC"``."""
        return f"{format_date(self.created)} {self.created:%H:%M} UTC"

    @property
    def key(self) -> tuple[str, str]:
        """What pairs it with a setting of another folder: the case's name and the parameters."""
        return self.case_name, json.dumps(self.parameters, sort_keys=True, default=str)

    def describe(self) -> str:
        """The folder and when it ran, in words: ``"reports/2026-11-30_141222 (batch of 30 Nov 2026 14:12 UTC)"``."""
        return f"{self.folder} ({self.kind} of {self.when})"


def read_settings(folder: str | Path) -> list[RunSetting]:
    """Every setting a ``run`` or ``batch`` report folder ran.

    Parameters
    ----------
    folder : str or Path
        A report folder: one holding ``run.json`` (``alliance-analytics run``) or a batch ``manifest.json``
        (a ``latest`` link is followed).

    Returns
    -------
    list of RunSetting
        One for a run folder; one per case and parameter set for a batch, in the order first run.

    Raises
    ------
    InputError
        When the folder is missing, is not a report folder, or its record cannot be read; every problem is
        listed.
    """
    path = Path(folder)
    problems: list[Problem] = []
    settings = _read(path, problems)
    if problems:
        raise InputError(f"report folder {path}", problems)
    return settings


def _read(path: Path, problems: list[Problem]) -> list[RunSetting]:
    """The settings of one folder; problems appended."""
    if not path.is_dir():
        problems.append(Problem(str(path), "is not a folder; expected a report folder written by "
                                "`alliance-analytics run` or `batch` (e.g. reports/2026-11-30_141222)"))
        return []
    record_file = next((path / name for name in (RUN_FILE, MANIFEST_FILE) if (path / name).is_file()), None)
    if record_file is None:
        problems.append(Problem(str(path), f"holds neither {RUN_FILE} nor {MANIFEST_FILE}: not a report folder of "
                                "`alliance-analytics run` or `batch`"))
        return []
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
        return _run_settings(path, record) if record_file.name == RUN_FILE else _batch_settings(path, record)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem(str(record_file), f"cannot be read: {error}"))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        problems.append(Problem(str(record_file), f"is not a record this version can read (missing or malformed "
                                f"{error}); was it written by alliance-analytics?"))
    return []


def _results(folder: Path, link: str | None) -> dict[str, Any] | None:
    """A ``results.json`` by its link relative to ``folder``; ``None`` when there is none."""
    if not link or not (folder / link).is_file():
        return None
    return json.loads((folder / link).read_text(encoding="utf-8"))


def _run_settings(folder: Path, record: dict[str, Any]) -> list[RunSetting]:
    """The one setting of a ``run`` folder."""
    results = {}
    for notebook in record["notebooks"]:
        found = _results(folder, notebook["results"]) if notebook["ok"] else None
        if found is not None:
            results[found.get("notebook") or notebook["name"]] = found
    inputs = record.get("inputs")
    return [RunSetting(folder=folder, kind="run", created=dt.datetime.fromisoformat(record["created"]),
                       case_name=record["case"]["name"], case_dir=record["case"]["directory"],
                       parameters=dict(record["parameters"]), inputs=folder / inputs if inputs else None,
                       results=results, versions=dict(record.get("versions", {})))]


def _batch_settings(folder: Path, record: dict[str, Any]) -> list[RunSetting]:
    """One setting per case and parameter set of a batch folder, in the order first run."""
    created = dt.datetime.fromisoformat(record["created"])
    grouped: dict[tuple[str, str], RunSetting] = {}
    for run in record["runs"]:
        case = record["cases"][run["case"]]
        key = (run["case"], json.dumps(run["setting"], sort_keys=True, default=str))
        if key not in grouped:
            inputs = case.get("inputs")
            grouped[key] = RunSetting(folder=folder, kind="batch", created=created, case_name=case["name"],
                                      case_dir=run["case"], parameters=dict(run["setting"]),
                                      inputs=folder / inputs if inputs else None,
                                      versions=dict(record.get("versions", {})))
        found = _results(folder, run["results"]) if run["status"] == "ok" else None
        if found is not None:
            grouped[key].results[found.get("notebook") or run["notebook"]] = found
    return list(grouped.values())


def pair_settings(before: list[RunSetting], after: list[RunSetting],
                  ) -> tuple[list[tuple[RunSetting, RunSetting]], list[RunSetting], list[RunSetting]]:
    """Pair the settings of two folders: the same case under the same parameters.

    Two folders of one setting each are paired whatever their cases and parameters (comparing a what-if with
    the plain run is one use).

    Parameters
    ----------
    before, after : list of RunSetting
        The settings of the earlier and the later folder.

    Returns
    -------
    pairs : list of (RunSetting, RunSetting)
        In the order of ``after``.
    only_before, only_after : list of RunSetting
        The settings without a partner.
    """
    if len(before) == 1 and len(after) == 1:
        return [(before[0], after[0])], [], []
    earlier = {setting.key: setting for setting in before}
    pairs = [(earlier[setting.key], setting) for setting in after if setting.key in earlier]
    paired = {setting.key for _, setting in pairs}
    return (pairs, [setting for setting in before if setting.key not in paired],
            [setting for setting in after if setting.key not in paired])
