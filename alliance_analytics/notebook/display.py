"""Display settings shared by every notebook: report tables show their full text, and a table's index reads as a column."""

import pandas as pd
from IPython import get_ipython

REPORT_DISPLAY_OPTIONS: dict[str, object] = {
    "display.max_colwidth": None,
    "display.max_rows": 500,
    "display.max_columns": 50,
}
"""pandas options for reports: reasons and rationales are never cut off, tables are never elided."""


def use_report_display() -> None:
    """Apply :data:`REPORT_DISPLAY_OPTIONS` and :func:`reader_html` in this process (once, at the top of a notebook).

    Text in tables stays HTML-escaped: pandas escapes cell text when rendering a DataFrame.
    """
    for option, value in REPORT_DISPLAY_OPTIONS.items():
        pd.set_option(option, value)
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, reader_html)


def reader_html(table: pd.DataFrame) -> str:
    """A table as HTML for a reader: a named index becomes the first column, under its name.

    pandas puts an index's name on a header row of its own, under the column headers; a reader sees an
    odd, nearly empty row. An unnamed index is shown as it is (e.g. the blank index of a one-sentence table).

    Parameters
    ----------
    table : pandas.DataFrame
        A reader table (:func:`~alliance_analytics.core.formatting.reader_table`).

    Returns
    -------
    str
        HTML, cell text escaped.

    Examples
    --------
    >>> html = reader_html(pd.DataFrame({"Fit": ["3.42"]}, index=pd.Index(["C01"], name="ID")))
    >>> "<th>ID</th>" in html and html.count("<tr") == 2
    True
    """
    if any(table.index.names):
        return table.reset_index().to_html(index=False, escape=True, border=0)
    return table.to_html(escape=True, border=0)
