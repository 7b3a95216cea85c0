"""What changed since the previous batch of the same case: the "What changed since …" section of a batch's front page.

For each setting (a case under one set of parameters) of the batch being written, the newest earlier batch in
the same output folder that ran the same case under the same parameters is compared with it exactly as
``alliance-analytics compare`` would (:func:`alliance_analytics.compare.comparison.compare_settings`), in short
form (:func:`alliance_analytics.compare.report.front_page_section`). A setting no earlier batch ran gets no
section; one whose inputs did not change says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alliance_analytics.compare.comparison import compare_settings
from alliance_analytics.compare.report import WhatChanged, front_page_section
from alliance_analytics.compare.runs import RunSetting, read_settings
from alliance_analytics.core.problems import InputError


def setting_key(case_dir: str | Path, parameters: Mapping[str, Any]) -> tuple[str, str]:
    """What identifies a setting across batches: the case folder (resolved) and the parameters.

    Parameters
    ----------
    case_dir : str or Path
        The case folder.
    parameters : mapping
        The setting's parameters.

    Returns
    -------
    tuple of (str, str)
    """
    return str(Path(case_dir).resolve()), json.dumps(parameters, sort_keys=True, default=str)


def previous_setting(setting: RunSetting, earlier: Sequence[Path]) -> RunSetting | None:
    """The newest earlier batch's run of the same setting.

    Parameters
    ----------
    setting : RunSetting
        A setting of the batch being written.
    earlier : sequence of Path
        Earlier batch folders, newest first; one that cannot be read is passed over.

    Returns
    -------
    RunSetting or None
    """
    wanted = setting_key(setting.case_dir, setting.parameters)
    for folder in earlier:
        try:
            found = read_settings(folder)
        except InputError:
            continue
        match = next((item for item in found if setting_key(item.case_dir, item.parameters) == wanted), None)
        if match is not None:
            return match
    return None


def what_changed(folder: Path, earlier: Sequence[Path]) -> dict[tuple[str, str], WhatChanged]:
    """For every setting of a batch, what changed since the previous batch that ran it.

    Parameters
    ----------
    folder : Path
        The batch being written (its ``manifest.json`` written).
    earlier : sequence of Path
        Earlier batch folders of the same output folder, newest first.

    Returns
    -------
    dict
        By :func:`setting_key`: the front page's section; settings no earlier batch ran are absent. When a
        comparison cannot be made (an earlier copy of the inputs no longer loads), the section says why.
    """
    sections = {}
    for setting in read_settings(folder):
        previous = previous_setting(setting, earlier)
        if previous is None:
            continue
        key = setting_key(setting.case_dir, setting.parameters)
        try:
            sections[key] = front_page_section(compare_settings(previous, setting))
        except InputError as error:
            sections[key] = WhatChanged(f"What changed since {previous.when}",
                                        [f"The batch of {previous.when} cannot be compared with this one:"],
                                        [str(problem) for problem in error.problems])
    return sections
