"""A valid case with 25 candidates, built from the sample case: for charts that must stay readable when crowded.

The sample's 13 candidates are kept as they are; twelve more (C14–C25) are modelled on C01–C12 (same
alliance type, capabilities, value thesis, risks and correlations) under fictional names of their own, with
their evaluators' scores nudged so the ranking interleaves with the originals instead of duplicating it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from alliance_analytics.core.paths import SAMPLE_CASE_DIR

NEW_NAMES: dict[str, str] = {
    "C14": "Rheintal Biosignal GmbH",
    "C15": "Aurora Health Cloud Oy",
    "C16": "Lumina Remote Care BV",
    "C17": "Skagerrak Medical Distribution AS",
    "C18": "Cordis Evidence Partners GmbH",
    "C19": "Quantwell Analytics SRL",
    "C20": "Bluepeak Hosting Ltd",
    "C21": "Vitaltrace Sensors Oy",
    "C22": "Donau Medizintechnik Vertrieb GmbH",
    "C23": "Helios Wearable Labs SAS",
    "C24": "Baltic CarePlatform UAB",
    "C25": "Mainufer Kliniknetz eG",
}
"""The twelve added candidates, each modelled on the sample candidate twelve ids before it (C14 on C01, …)."""

SCORE_NUDGES: tuple[float, ...] = (-0.5, 0.5, 0.0, -0.5, 0.5, 0.0, 0.5, -0.5, 0.0, 0.5, -0.5, 0.0)
"""Added to every score of C14, …, C25 (then clipped to the scale), so the copies rank apart from the originals."""


def _model_of(candidate: str) -> str:
    """The sample candidate a new one is modelled on: ``"C14"`` → ``"C01"``."""
    return f"C{int(candidate[1:]) - 13:02d}"


def _with_copies(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every row of C01–C12 repeated for its copy (C14–C25)."""
    copies = []
    for candidate in NEW_NAMES:
        rows = table[table["candidate_id"] == _model_of(candidate)].copy()
        rows["candidate_id"] = candidate
        copies.append(rows)
    return pd.concat([table, *copies], ignore_index=True)


def write_many_candidates_case(destination: Path) -> Path:
    """Write the 25-candidate case folder.

    Parameters
    ----------
    destination : pathlib.Path
        A folder that does not exist yet; it is created.

    Returns
    -------
    pathlib.Path
        ``destination``, a case folder :func:`alliance_analytics.load_case` accepts.
    """
    shutil.copytree(SAMPLE_CASE_DIR, destination)
    read = {"dtype": str, "keep_default_na": False}
    candidates = _with_copies(pd.read_csv(destination / "candidates.csv", **read))
    added = candidates["candidate_id"].isin(list(NEW_NAMES))
    candidates.loc[added, "name"] = candidates.loc[added, "candidate_id"].map(NEW_NAMES)
    candidates.to_csv(destination / "candidates.csv", index=False)
    for file in ("assumptions.csv", "correlations.csv", "risks.csv"):
        _with_copies(pd.read_csv(destination / file, **read)).to_csv(destination / file, index=False)
    scores = _with_copies(pd.read_csv(destination / "scores.csv", **read))
    nudge = scores["candidate_id"].map(dict(zip(NEW_NAMES, SCORE_NUDGES))).fillna(0.0).to_numpy()
    values = np.clip(scores["score"].astype(float).to_numpy() + nudge, 1.0, 5.0)
    scores["score"] = [f"{value:g}" for value in values]
    scores.to_csv(destination / "scores.csv", index=False)
    return destination
