"""Display settings shared by every notebook, so report tables show their full text."""

import pandas as pd

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
