"""Alliance Analytics: decide which partners to ally with, how robust that choice is, and why.

The package holds every computation behind the notebooks in ``notebooks/``: loading and validating a
case folder (:func:`load_case`), the partner-fit analysis (:func:`analyse_partner_fit`), the weight
sensitivity analysis (:func:`analyse_weight_sensitivity`), the charts (:mod:`alliance_analytics.plots`,
:mod:`alliance_analytics.sensitivity_plots`), the weight explorer and the report runner behind the
``alliance-analytics`` command.
"""

from importlib.metadata import PackageNotFoundError, version

from alliance_analytics.case_loading import load_case
from alliance_analytics.case_model import Case
from alliance_analytics.partner_fit import PartnerFitResult, analyse_partner_fit
from alliance_analytics.problems import InputError, Problem
from alliance_analytics.weight_sensitivity import SensitivityResult, analyse_weight_sensitivity

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
