"""What a report run was made from: inputs, parameters, seed, package versions and git revision.

Recorded in every ``results.json`` and in the run's ``run.json`` so a scheduled run can be repeated exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from alliance_analytics.case.case import Case
from alliance_analytics.core.formatting import format_date
from alliance_analytics.core.parameters import AnalysisParameters
from alliance_analytics.core.paths import PROJECT_ROOT

RECORDED_PACKAGES: tuple[str, ...] = (
    "alliance-analytics", "numpy", "pandas", "scipy", "matplotlib", "pulp", "pydantic", "papermill",
    "nbconvert", "ipykernel",
)
"""Packages whose versions a report records."""


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape a report's numbers and rendering.

    Returns
    -------
    dict of str to str
        Package name to version (``"not installed"`` when absent), plus ``python``.
    """
    versions = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_revision() -> str:
    """The project's git revision, with ``+dirty`` when the work tree has uncommitted changes.

    Returns
    -------
    str
        A commit hash, or ``"unknown"`` outside a git checkout.
    """
    def git(*args: str) -> str:
        """Run a git command in the project and return its output."""
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout

    try:
        revision = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return revision + ("+dirty" if dirty else "")


def run_provenance(case: Case, parameters: dict[str, Any], seed: int | None = None) -> dict[str, Any]:
    """Everything needed to repeat an analysis run.

    Parameters
    ----------
    case : Case
        The case analysed.
    parameters : dict
        The notebook's parameters as used.
    seed : int, optional
        The seed the analysis used, when it is not the case's ``simulation.seed`` (an override).

    Returns
    -------
    dict
        ``created`` (UTC timestamp), ``case`` (folder, name, SHA-256 of each file), ``parameters``,
        ``seed``, ``versions`` and ``git_revision``; JSON-serialisable.
    """
    return {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "case": {"directory": str(case.directory.resolve()), "name": case.settings.name,
                 "file_sha256": dict(case.file_hashes)},
        "parameters": parameters,
        "seed": case.settings.simulation.seed if seed is None else int(seed),
        "versions": package_versions(),
        "git_revision": git_revision(),
    }


def provenance_table(provenance: dict[str, Any]) -> pd.DataFrame:
    """A run's provenance as a two-column table for a report.

    Parameters
    ----------
    provenance : dict
        From :func:`run_provenance`.

    Returns
    -------
    pandas.DataFrame
        ``Item`` and ``Value`` rows: creation time, case, file hashes, parameters (as JSON, exactly as given
        to the analysis), seed, git revision, versions.
    """
    created = dt.datetime.fromisoformat(provenance["created"]).astimezone(dt.UTC)
    rows = [("Created", f"{format_date(created)} {created:%H:%M:%S} UTC"), ("Case", provenance["case"]["name"]),
            ("Case folder", provenance["case"]["directory"])]
    rows += [(f"SHA-256 {name}", digest) for name, digest in provenance["case"]["file_sha256"].items()]
    rows += [("Parameters (JSON)", json.dumps(provenance["parameters"], ensure_ascii=False)),
             ("Seed", str(provenance["seed"])),
             ("Git revision", provenance["git_revision"]),
             ("Versions", ", ".join(f"{name} {value}" for name, value in provenance["versions"].items()))]
    return pd.DataFrame(rows, columns=["Item", "Value"]).set_index("Item")


def provenance_summary(provenance: dict[str, Any]) -> str:
    """A run's provenance in one sentence, for a report too short for :func:`provenance_table`.

    Parameters
    ----------
    provenance : dict
        From :func:`run_provenance`.

    Returns
    -------
    str
        When, the seed, the git revision (7 digits) and the package's version, on one printed line; the case
        files' SHA-256 and the parameters are in ``results.json``.

    Examples
    --------
    >>> provenance_summary({"created": "2026-11-23T10:15:00+00:00", "case": {"name": "Demo", "file_sha256":
    ...     {"case.yaml": "ab", "candidates.csv": "cd"}}, "seed": 7, "git_revision": "0123456789abcdef",
    ...     "versions": {"alliance-analytics": "0.1.0"}})
    'Computed 23 Nov 2026 10:15 UTC · seed 7 · git 0123456 · alliance-analytics 0.1.0 · file hashes and parameters in results.json'
    """
    created = dt.datetime.fromisoformat(provenance["created"]).astimezone(dt.UTC)
    return (f"Computed {format_date(created)} {created:%H:%M} UTC · seed {provenance['seed']} · git "
            f"{provenance['git_revision'][:7]} · alliance-analytics "
            f"{provenance['versions'].get('alliance-analytics', 'unknown')} · file hashes and parameters in "
            "results.json")


def analysis_provenance(case: Case, parameters: AnalysisParameters) -> dict[str, Any]:
    """The provenance of one analysis, its parameters taken from the model its result carries.

    Parameters
    ----------
    case : Case
        The case analysed.
    parameters : AnalysisParameters
        ``result.parameters`` of the analysis (a ``seed`` of -1 means the case's ``simulation.seed``).

    Returns
    -------
    dict
        As :func:`run_provenance`.
    """
    seed = getattr(parameters, "seed", -1)
    return run_provenance(case, parameters.as_json(), None if seed < 0 else seed)
