"""A copy of a case's input files inside every report folder, so two runs can be compared after the case changed.

``alliance-analytics run`` and ``batch`` copy, byte for byte, every file :func:`~alliance_analytics.load_case` read
(the case's ``file_hashes``: ``case.yaml`` and the CSV files, or the workbook) into ``inputs/<case folder name>/``
of the report folder, and record the path to load in ``run.json`` (``inputs``) or in the batch manifest
(``cases[<case folder>].inputs``). ``alliance-analytics compare`` loads those copies with ``load_case``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from alliance_analytics.case.case import Case

INPUTS_FOLDER = "inputs"
"""The folder of a report that holds the copies of its cases' input files."""


def snapshot_case(case: Case, report_folder: Path) -> str:
    """Copy the files a case was loaded from into ``report_folder/inputs/<name>/``.

    Parameters
    ----------
    case : Case
        A loaded case; its ``file_hashes`` name every file ``load_case`` read, relative to its folder (or the
        workbook itself when the case was given as an ``.xlsx`` file).
    report_folder : Path
        The report (or batch) folder being written.

    Returns
    -------
    str
        What to pass to ``load_case``, relative to ``report_folder`` (POSIX separators): the copied folder,
        e.g. ``inputs/sample``, or the copied workbook when the case was given as one
        (``inputs/q3/q3.xlsx``). A second case with the same folder name goes to ``inputs/<name>-2``.

    Raises
    ------
    OSError
        When a file cannot be read or written.

    Examples
    --------
    >>> import tempfile
    >>> from alliance_analytics import load_case
    >>> from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = snapshot_case(load_case(SAMPLE_CASE_DIR), Path(folder))
    ...     second = snapshot_case(load_case(SAMPLE_CASE_DIR), Path(folder))
    >>> first, second
    ('inputs/sample', 'inputs/sample-2')
    """
    origin = case.directory.resolve()
    workbook = origin.is_file()
    source = origin.parent if workbook else origin
    name = origin.stem if workbook else origin.name
    inputs = report_folder / INPUTS_FOLDER
    target, counter = inputs / name, 1
    while target.exists():
        counter += 1
        target = inputs / f"{name}-{counter}"
    target.mkdir(parents=True)
    for file in case.file_hashes:
        shutil.copyfile(source / file, target / file)
    loaded = target / origin.name if workbook else target
    return loaded.relative_to(report_folder).as_posix()
