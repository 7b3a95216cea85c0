"""Display settings shared by every notebook, so report tables show their full text, and tables that may be empty."""

import pandas as pd
from IPython.display import Markdown, display

REPORT_DISPLAY_OPTIONS: dict[str, object] = {
    "display.max_colwidth": None,
    "display.max_rows": 500,
    "display.max_columns": 50,
}
"""pandas options for reports: reasons and rationales are never cut off, tables are never elided."""


def use_report_display() -> None:
    """Apply :data:`REPORT_DISPLAY_OPTIONS` to pandas in this process (call once at the top of a notebook).

    Text in tables stays HTML-escaped: pandas escapes cell text when rendering a DataFrame.
    """
    for option, value in REPORT_DISPLAY_OPTIONS.items():
        pd.set_option(option, value)


def show_table(table: pd.DataFrame, when_empty: str) -> None:
    """Display a table, or the sentence that says what its emptiness means (never an empty table).

    A named index (e.g. ``ID``) is shown as the first column, under its name, rather than on a header row of
    its own.

    Parameters
    ----------
    table : pandas.DataFrame
        A table for the reader (e.g. from :func:`~alliance_analytics.core.formatting.reader_table`).
    when_empty : str
        Markdown shown instead when ``table`` has no rows, e.g. "No candidate is a walk-away ...".
    """
    if table.empty:
        display(Markdown(when_empty))
    elif table.index.name:
        display(table.reset_index().style.hide(axis="index"))
    else:
        display(table)
