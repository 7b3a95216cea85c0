"""Alliance Analytics: decide which partners to ally with, how robust that choice is, and why.

The package holds every computation behind the notebooks in ``notebooks/``: loading and validating a
case folder (:func:`load_case`), the partner-fit analysis (:func:`analyse_partner_fit`), the charts
(:mod:`alliance_analytics.plots`) and the report runner behind the ``alliance-analytics`` command.
"""

from importlib.metadata import PackageNotFoundError, version

from alliance_analytics.case_loading import load_case
from alliance_analytics.case_model import Case
from alliance_analytics.partner_fit import PartnerFitResult, analyse_partner_fit
from alliance_analytics.problems import InputError, Problem

try:
    __version__ = version("alliance-analytics")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Case",
    "InputError",
    "PartnerFitResult",
    "Problem",
    "analyse_partner_fit",
    "load_case",
    "__version__",
]
