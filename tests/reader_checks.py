"""Checks every reader table must pass: strings only, nothing a reader should never see, one money unit."""

from __future__ import annotations

import re

import pandas as pd

FORBIDDEN_CELLS = {"nan", "NaN", "None", "True", "False", "<NA>", "NaT", "inf", "-inf"}
"""Cell texts that betray an unformatted value."""
MONEY_UNIT = re.compile(r"\((M |k )?[A-Z]{3}\)$")
"""A money column's header ends with its unit, e.g. ``(M EUR)``."""


def assert_reader_table(table: pd.DataFrame, criterion_ids: list[str] = ()) -> None:
    """Fail unless every cell and index entry is a string a reader may see and money has one unit.

    Parameters
    ----------
    table : pandas.DataFrame
        A reader table.
    criterion_ids : list of str
        Raw criterion ids that must not appear as a cell or index entry.
    """
    cells = [*table.to_numpy().ravel().tolist(), *table.index.to_flat_index().tolist()]
    flat = [value for cell in cells for value in (cell if isinstance(cell, tuple) else (cell,))]
    assert all(isinstance(value, str) for value in flat), [value for value in flat if not isinstance(value, str)]
    assert not FORBIDDEN_CELLS & set(flat), FORBIDDEN_CELLS & set(flat)
    assert not set(criterion_ids) & set(flat), set(criterion_ids) & set(flat)
    assert not any(re.search(r"\bnan\b|\bNone\b", value) for value in flat)
    units = {MONEY_UNIT.search(str(column)).group(0) for column in table.columns if MONEY_UNIT.search(str(column))}
    assert len(units) <= 1, units
    assert not isinstance(table.index, pd.RangeIndex), "a reader table has no 0..n index"


def number(cell: str) -> float:
    """The number in a formatted cell: ``"1,234.5"`` → 1234.5, ``"12.5 %"`` → 12.5, ``"-0.82 M EUR"`` → -0.82."""
    return float(re.search(r"-?[\d,]*\.?\d+", cell).group(0).replace(",", ""))
