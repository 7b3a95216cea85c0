"""One voice for every number a reader sees: money, shares, counts, scores, dates, yes/no and names.

Every report, headline, front page and chart label formats through these functions, so one amount reads the
same wherever it appears:

- money in text: ``"2.47 M EUR"`` (millions with two decimals, ``"3 M EUR"`` when whole) from 10,000 up,
  ``"5,000 EUR"`` below; in a table, one unit for the whole table (:func:`money_unit`), named in the header;
- shares as whole percentages, ``"17 %"``, in text and tables alike (one decimal, ``"13.2 %"``, only for weights
  and standard errors, column kind ``"fine share"``); a share that is not exactly 0 or 1 never reads as
  ``"0 %"`` or ``"100 %"`` (``"< 1 %"``, ``"> 99 %"``);
- counts with thousands separators, scores with two decimals, dates as ``"30 Nov 2026"``, ``yes``/``no``;
- what was not computed as ``"—"``, never ``NaN``/``None``; zero never as ``"-0"``.

:func:`reader_table` turns an analysis table into the strings a person reads, column kind by column kind.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

MISSING = "—"
"""Shown in place of a value that was not computed (never ``NaN`` or ``None``)."""

TEXT_MILLIONS_FROM = 10_000.0
"""Amounts from this size up read in millions in text; smaller ones in full units."""

ColumnKind = Literal["money", "share", "fine share", "count", "score", "number", "text", "yes/no", "date"]
"""How :func:`reader_table` shows a column."""


def _finite(value: object) -> float | None:
    """A number as a finite float, ``None`` for missing or non-finite values (NaN, None, pandas NA)."""
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fixed(value: float, decimals: int) -> str:
    """``value`` with thousands separators and ``decimals`` decimals; a value that rounds to zero shows no sign."""
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def format_money(amount: object, currency: str) -> str:
    """An amount of money in text.

    Parameters
    ----------
    amount : float
        In full units of ``currency``.
    currency : str
        ISO 4217 code, e.g. ``"EUR"``.

    Returns
    -------
    str
        Millions with two decimals (whole millions without) from 10,000 up, full units with thousands
        separators below; :data:`MISSING` when not a finite number.

    Examples
    --------
    >>> format_money(2_470_000, "EUR"), format_money(3e6, "EUR"), format_money(-820_400, "EUR")
    ('2.47 M EUR', '3 M EUR', '-0.82 M EUR')
    >>> format_money(5000, "USD"), format_money(float("nan"), "EUR")
    ('5,000 USD', '—')
    """
    number = _finite(amount)
    if number is None:
        return MISSING
    if abs(number) < TEXT_MILLIONS_FROM:
        return f"{_fixed(number, 0)} {currency}"
    text = _fixed(number / 1e6, 2)
    return f"{text.removesuffix('.00')} M {currency}"


@dataclass(frozen=True)
class MoneyUnit:
    """The one unit of the money in a table.

    Attributes
    ----------
    divisor : float
        Amounts are divided by this (1e6 for millions).
    label : str
        For the column header, e.g. ``"M EUR"``.
    decimals : int
        Decimals shown.
    """

    divisor: float
    label: str
    decimals: int

    def format(self, amount: object) -> str:
        """One amount in this unit (no unit text; it is in the header); :data:`MISSING` when not a number.

        A non-zero amount that would read as zero reads ``"< 0.01"`` or ``"> -0.01"`` (at two decimals).
        """
        number = _finite(amount)
        if number is None:
            return MISSING
        text = _fixed(number / self.divisor, self.decimals)
        if number != 0 and float(text.replace(",", "")) == 0:
            step = f"{10.0 ** -self.decimals:.{self.decimals}f}"
            return f"< {step}" if number > 0 else f"> -{step}"
        return text


def money_unit(amounts: Iterable[object], currency: str) -> MoneyUnit:
    """The unit for a table of amounts: millions from 100,000 up, thousands from 1,000, else full units.

    An amount too small to show in the table's unit reads ``"< 0.01"`` (``"> -0.01"``), never ``"0.00"``.

    Parameters
    ----------
    amounts : iterable of float
        Every amount of money the table shows, in full units; missing values are ignored.
    currency : str
        ISO 4217 code.

    Returns
    -------
    MoneyUnit

    Examples
    --------
    >>> money_unit([1_242_596.0, -30_000.0], "EUR").format(1_242_596.0)
    '1.24'
    >>> money_unit([12_500.0, float("nan")], "EUR").label
    'k EUR'
    >>> unit = money_unit([250_000.0, 4_167.0, -300.0], "EUR")
    >>> unit.format(250_000.0), unit.format(4_167.0), unit.format(-300.0), unit.format(0.0)
    ('0.25', '< 0.01', '> -0.01', '0.00')
    """
    largest = max((abs(number) for number in map(_finite, amounts) if number is not None), default=0.0)
    if largest >= 1e5:
        return MoneyUnit(1e6, f"M {currency}", 2)
    if largest >= 1e3:
        return MoneyUnit(1e3, f"k {currency}", 1)
    return MoneyUnit(1.0, currency, 0)


def format_share(share: object, decimals: int = 0) -> str:
    """A share (0..1) as a percentage.

    Parameters
    ----------
    share : float
        Between 0 and 1 (values outside are shown as they are).
    decimals : int
        Decimals of the percentage (0 in text, 1 in tables).

    Returns
    -------
    str
        ``"17 %"``; a share that is not exactly 0 or 1 but would round to it reads ``"< 1 %"`` or ``"> 99 %"``
        (``"< 0.1 %"``, ``"> 99.9 %"`` with one decimal); :data:`MISSING` when not a number.

    Examples
    --------
    >>> format_share(0.17), format_share(0.017, 1), format_share(0.001), format_share(0.998), format_share(1.0)
    ('17 %', '1.7 %', '< 1 %', '> 99 %', '100 %')
    >>> format_share(0.005), format_share(0.995), format_share(0.0004, 1)
    ('< 1 %', '> 99 %', '< 0.1 %')
    """
    number = _finite(share)
    if number is None:
        return MISSING
    step = 10.0 ** -decimals
    text = _fixed(100 * number, decimals)
    rounded = float(text.replace(",", ""))
    if 0 < number and rounded == 0:
        return f"< {step:.{decimals}f} %"
    if number < 1 and rounded >= 100:
        return f"> {100 - step:.{decimals}f} %"
    return f"{text} %"


def format_count(count: object) -> str:
    """A whole number with thousands separators (``"20,000"``); :data:`MISSING` when not a number.

    Examples
    --------
    >>> format_count(20000), format_count(np.int64(3))
    ('20,000', '3')
    """
    number = _finite(count)
    return MISSING if number is None else f"{round(number):,d}"


def format_number(value: object, decimals: int = 2) -> str:
    """A plain number (a fit score, FTE, a ratio) with ``decimals`` decimals; :data:`MISSING` when not a number.

    Examples
    --------
    >>> format_number(3.4166), format_number(-0.0001), format_number(0.5, 1)
    ('3.42', '0.00', '0.5')
    """
    number = _finite(value)
    return MISSING if number is None else _fixed(number, decimals)


def format_date(value: object) -> str:
    """A date as ``"30 Nov 2026"``; :data:`MISSING` when missing.

    Examples
    --------
    >>> import datetime as dt
    >>> format_date(dt.date(2026, 11, 30)), format_date("2026-03-01")
    ('30 Nov 2026', '1 Mar 2026')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return MISSING
    date = pd.Timestamp(value)
    return f"{date.day} {date.strftime('%b %Y')}"


def format_month(value: object) -> str:
    """A month of a scorecard (``"2026-10"``) as ``"Oct 2026"``; :data:`MISSING` when missing or empty.

    Examples
    --------
    >>> format_month("2026-10"), format_month("")
    ('Oct 2026', '—')
    """
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return pd.Period(str(value), freq="M").strftime("%b %Y")


def format_yes_no(value: object) -> str:
    """``True``/``False`` as ``"yes"``/``"no"``; :data:`MISSING` when missing.

    Examples
    --------
    >>> format_yes_no(True), format_yes_no(np.False_), format_yes_no(None)
    ('yes', 'no', '—')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return "yes" if bool(value) else "no"


def candidate_label(candidate: str, name: str) -> str:
    """A candidate for a reader: its name with its id, ``"Nordwind Logistics (C02)"``.

    Examples
    --------
    >>> candidate_label("C02", "Nordwind Logistics")
    'Nordwind Logistics (C02)'
    """
    return f"{name} ({candidate})" if name and name != candidate else candidate


def counted(count: int, unit: str) -> str:
    """A whole count and its unit, the unit's last word in the plural unless the count is 1.

    Parameters
    ----------
    count : int
        The count.
    unit : str
        The unit in the singular (``"pilot study"``).

    Returns
    -------
    str

    Examples
    --------
    >>> counted(1, "pilot clinic"), counted(12, "pilot study"), counted(3, "customer-day"), counted(2, "box")
    ('1 pilot clinic', '12 pilot studies', '3 customer-days', '2 boxes')
    """
    if count == 1:
        return f"1 {unit}"
    if unit[-1:] == "y" and unit[-2:-1] not in "aeiou":
        plural = unit[:-1] + "ies"
    elif unit.endswith(("s", "x", "ch", "sh")):
        plural = unit + "es"
    else:
        plural = unit + "s"
    return f"{format_count(count)} {plural}"


def join_words(items: Iterable[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``; ``""`` for none.

    Examples
    --------
    >>> join_words(["C01", "C05", "C09"])
    'C01, C05 and C09'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def reader_table(frame: pd.DataFrame, kinds: Mapping[str, ColumnKind], currency: str = "",
                 index_name: str | None = None) -> pd.DataFrame:
    """An analysis table as the text a person reads: every cell formatted by its column's kind.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; its column names are the headers the reader sees.
    kinds : mapping of str to ColumnKind
        The kind of each column to format; columns not named are shown as text. Money columns share one
        unit (:func:`money_unit`), appended to their header (``"Expected NPV (M EUR)"``); shares read as whole
        percentages, fine shares (weights, standard errors) with one decimal; ``"yes/no"`` columns as yes/no.
    currency : str
        The currency of the money columns (required when there is one).
    index_name : str, optional
        The index's header (defaults to the frame's).

    Returns
    -------
    pandas.DataFrame
        Same shape and index, every cell a string; :data:`MISSING` where a value is missing.

    Raises
    ------
    ValueError
        When ``kinds`` names a column the table does not have, or there is money but no currency.

    Examples
    --------
    >>> table = pd.DataFrame({"NPV": [1_242_596.0, float("nan")], "P(loss)": [0.017, 0.5], "Core": [True, False]},
    ...                      index=["C01", "C02"])
    >>> reader_table(table, {"NPV": "money", "P(loss)": "share", "Core": "yes/no"}, "EUR").to_dict("list")
    {'NPV (M EUR)': ['1.24', '—'], 'P(loss)': ['2 %', '50 %'], 'Core': ['yes', 'no']}
    """
    unknown = set(kinds) - set(frame.columns)
    if unknown:
        raise ValueError(f"no such column: {', '.join(sorted(map(str, unknown)))}")
    money = [column for column, kind in kinds.items() if kind == "money"]
    if money and not currency:
        raise ValueError("money columns need a currency")
    unit = money_unit(np.ravel(frame[money].to_numpy(dtype=float)), currency) if money else None
    formatters = {
        "share": format_share,
        "fine share": lambda value: format_share(value, 1),
        "count": format_count,
        "score": format_number,
        "number": format_number,
        "yes/no": format_yes_no,
        "date": format_date,
        "text": _text,
    }
    columns = {}
    for column in frame.columns:
        kind = kinds.get(column, "text")
        if kind == "money":
            columns[f"{column} ({unit.label})"] = frame[column].map(unit.format)
        else:
            columns[column] = frame[column].map(formatters[kind])
    table = pd.DataFrame(columns, index=frame.index)
    table.index.name = index_name if index_name is not None else frame.index.name
    return table


def _text(value: object) -> str:
    """A text cell: missing as :data:`MISSING`, lists joined by ``"; "``, booleans as yes/no."""
    if isinstance(value, (bool, np.bool_)):
        return format_yes_no(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value)) or MISSING
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def sentence_table(sentence: str) -> pd.DataFrame:
    """A reader table with nothing to list: one row that says so in words (never an empty table).

    Parameters
    ----------
    sentence : str
        What the table would have listed and why it is empty.

    Returns
    -------
    pandas.DataFrame
        One cell, ``sentence``, under an empty header.

    Examples
    --------
    >>> sentence_table("No candidate has a red flag.").to_numpy().tolist()
    [['No candidate has a red flag.']]
    """
    return pd.DataFrame({"": [sentence]}, index=pd.Index([""], name=""))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~$+!-])")


def sentence(text: str) -> str:
    """Text with a capital first letter and a closing full stop.

    Examples
    --------
    >>> sentence("pursue C01"), sentence("Done!")
    ('Pursue C01.', 'Done!')
    """
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def markdown_text(text: str) -> str:
    """Text from a case made safe to show as Markdown: HTML escaped, Markdown punctuation backslashed.

    Parameters
    ----------
    text : str
        Any text, e.g. a candidate's name.

    Returns
    -------
    str
        Renders as exactly ``text``; ``<script>`` shows as text and ``*`` or ``$`` start no formatting.

    Examples
    --------
    >>> markdown_text("<b>*Acme*</b> & $5")
    '&lt;b&gt;\\\\*Acme\\\\*&lt;/b&gt; &amp; \\\\$5'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def markdown_list(lines: list[str]) -> str:
    """Sentences as a Markdown bullet list, each escaped by :func:`markdown_text`.

    Parameters
    ----------
    lines : list of str
        Plain sentences.

    Returns
    -------
    str
        One ``- `` bullet per sentence; an empty string for no sentences.
    """
    return "\n".join(f"- {markdown_text(sentence(line))}" for line in lines)
