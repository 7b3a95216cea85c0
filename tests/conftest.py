"""Shared fixtures: the sample case, and writable copies of it to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alliance_analytics import load_case
from alliance_analytics.case.case import Case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR


@pytest.fixture(scope="session")
def sample_case() -> Case:
    """The embedded sample case, loaded once."""
    return load_case(SAMPLE_CASE_DIR)


@pytest.fixture
def case_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample case folder."""
    destination = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, destination)
    return destination
