"""Where the project's notebooks and embedded sample case live.

The package is installed in development mode from the repository (``make report`` does this), so the
notebooks and the sample case are found beside the package.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The repository root: the folder holding ``alliance_analytics/``, ``notebooks/`` and ``data/``."""

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
"""The analysis notebooks, run in name order."""

SAMPLE_CASE_DIR = PROJECT_ROOT / "data" / "sample"
"""The embedded sample case every command uses by default."""

REPORTS_DIR = PROJECT_ROOT / "reports"
"""Default folder of dated report runs."""
