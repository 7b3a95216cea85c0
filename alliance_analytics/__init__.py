"""Alliance Analytics: decide which partners to ally with, how robust that choice is, and why.

The package holds every computation behind the notebooks in ``notebooks/``: loading and validating a
case folder (:func:`load_case`), the partner-fit analysis (:func:`analyse_partner_fit`), the weight
sensitivity analysis (:func:`analyse_weight_sensitivity`), the charts (:mod:`alliance_analytics.charts.fit`,
:mod:`alliance_analytics.charts.sensitivity`), the weight explorer and the report runner behind the
``alliance-analytics`` command.
"""

from importlib.metadata import PackageNotFoundError, version

from alliance_analytics.case.case import Case
from alliance_analytics.case.loading import load_case
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.fit.analysis import PartnerFitResult, analyse_partner_fit
from alliance_analytics.sensitivity.analysis import SensitivityResult, analyse_weight_sensitivity

try:
    __version__ = version("alliance-analytics")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Case",
    "InputError",
    "PartnerFitResult",
    "Problem",
    "SensitivityResult",
    "analyse_partner_fit",
    "analyse_weight_sensitivity",
    "load_case",
    "__version__",
]
