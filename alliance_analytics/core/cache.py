"""Compute an analysis once per run: a content-addressed result cache shared by every notebook of a run.

The report and batch runners set :data:`CACHE_ENV` to a folder inside the report being written; every kernel
they start inherits it. An analysis asked for twice with the same key (the case files' SHA-256, the parameters,
the package version) is computed by the first asker and read back by the others: a file lock per key makes a
second notebook running at the same time wait for the first rather than repeat the Monte Carlo. The store is
:class:`joblib.Memory` (pickled results, written atomically); each computation appends one line to
:data:`LOG_NAME`, so a run can show what it computed. Without the variable (a notebook opened alone in
JupyterLab) nothing is stored and every call computes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

CACHE_ENV = "ALLIANCE_ANALYTICS_CACHE"
"""Environment variable naming the cache folder of the current run (unset: no cache)."""

LOG_NAME = "computed.log"
"""One line per computation in the cache folder: ``analysis<TAB>key``."""

Result = TypeVar("Result")


def cache_key(analysis: str, case_hashes: Mapping[str, str], parameters: Mapping[str, Any]) -> str:
    """The key of one analysis of one case: SHA-256 of its name, case files, parameters and package version.

    Parameters
    ----------
    analysis : str
        The analysis's name, e.g. ``risk_simulation``.
    case_hashes : mapping of str to str
        SHA-256 of every case file, by file name.
    parameters : mapping
        The analysis's parameters, JSON-serialisable.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> a = cache_key("fit", {"case.yaml": "ab"}, {"weights": {}})
    >>> a == cache_key("fit", {"case.yaml": "ab"}, {"weights": {}}), a == cache_key("fit", {"case.yaml": "ac"}, {})
    (True, False)
    """
    try:
        package = version("alliance-analytics")
    except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
        package = "0+unknown"
    text = json.dumps({"analysis": analysis, "case": dict(case_hashes), "parameters": parameters,
                       "version": package}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cached(analysis: str, case_hashes: Mapping[str, str], parameters: Mapping[str, Any],
           compute: Callable[[], Result]) -> Result:
    """``compute()``, or its stored result when the same analysis was computed earlier in this run.

    Parameters
    ----------
    analysis : str
        The analysis's name (part of the key and of the log line).
    case_hashes : mapping of str to str
        SHA-256 of every case file.
    parameters : mapping
        The analysis's parameters as JSON values.
    compute : callable
        Computes the result; called at most once per key and run.

    Returns
    -------
    object
        The result (a copy read back from the store when it was cached).
    """
    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return compute()
    from filelock import FileLock
    from joblib import Memory

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    key = cache_key(analysis, case_hashes, parameters)

    def run(key: str, name: str) -> Result:
        result = compute()
        with open(root / LOG_NAME, "a", encoding="utf-8") as log:
            log.write(f"{name}\t{key}\n")
        return result

    with FileLock(str(root / f"{key}.lock")):
        return Memory(root / "store", verbose=0).cache(run, ignore=["name"])(key, analysis)


def computations(folder: str | Path) -> list[tuple[str, str]]:
    """The computations logged in a cache folder, in order: ``(analysis, key)`` pairs.

    Parameters
    ----------
    folder : str or Path
        A cache folder (:data:`CACHE_ENV`).

    Returns
    -------
    list of (str, str)
        Empty when nothing was computed.
    """
    log = Path(folder) / LOG_NAME
    if not log.is_file():
        return []
    return [tuple(line.split("\t")) for line in log.read_text(encoding="utf-8").splitlines() if line]
