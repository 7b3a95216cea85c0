"""Alliance Analytics: decide which partners to ally with, how robust that choice is, which set to pursue,
whether the alliances in flight are healthy, whether their value thesis holds, and whether to renew, restructure
or exit them.

The face of the package: :func:`load_case` and :class:`Case`, the errors, and one verb per analysis,
``analyse_<name>(case, parameters)`` with its frozen ``Parameters`` model and its result (``headline()``,
``to_json()`` and tables). Charts (:mod:`alliance_analytics.charts`), the report runner
(:mod:`alliance_analytics.reporting`) and the batch runner (:mod:`alliance_analytics.batch`) are subpackages;
importing this face loads none of papermill, nbconvert, dask or matplotlib. ``docs/architecture.md`` describes
the layout.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alliance_analytics.brief.analysis import BriefParameters, DecisionBrief, analyse_decision_brief
    from alliance_analytics.case.case import Case
    from alliance_analytics.case.loading import load_case
    from alliance_analytics.core.problems import InputError, Problem
    from alliance_analytics.fit.analysis import PartnerFitParameters, PartnerFitResult, analyse_partner_fit
    from alliance_analytics.health.analysis import HealthParameters, HealthResult, analyse_alliance_health
    from alliance_analytics.portfolio.analysis import PortfolioParameters, PortfolioResult, analyse_portfolio
    from alliance_analytics.portfolio.review import (
        PortfolioReviewResult,
        ReviewParameters,
        analyse_portfolio_review,
    )
    from alliance_analytics.risk.analysis import SimulationParameters, SimulationResult, analyse_risk_simulation
    from alliance_analytics.sensitivity.analysis import (
        SensitivityParameters,
        SensitivityResult,
        analyse_weight_sensitivity,
    )
    from alliance_analytics.thesis.analysis import ThesisParameters, ThesisResult, analyse_thesis_check

_FACE: dict[str, str] = {
    "BriefParameters": "alliance_analytics.brief.analysis",
    "DecisionBrief": "alliance_analytics.brief.analysis",
    "analyse_decision_brief": "alliance_analytics.brief.analysis",
    "Case": "alliance_analytics.case.case",
    "load_case": "alliance_analytics.case.loading",
    "InputError": "alliance_analytics.core.problems",
    "Problem": "alliance_analytics.core.problems",
    "PartnerFitParameters": "alliance_analytics.fit.analysis",
    "PartnerFitResult": "alliance_analytics.fit.analysis",
    "analyse_partner_fit": "alliance_analytics.fit.analysis",
    "HealthParameters": "alliance_analytics.health.analysis",
    "HealthResult": "alliance_analytics.health.analysis",
    "analyse_alliance_health": "alliance_analytics.health.analysis",
    "PortfolioParameters": "alliance_analytics.portfolio.analysis",
    "PortfolioResult": "alliance_analytics.portfolio.analysis",
    "analyse_portfolio": "alliance_analytics.portfolio.analysis",
    "PortfolioReviewResult": "alliance_analytics.portfolio.review",
    "ReviewParameters": "alliance_analytics.portfolio.review",
    "analyse_portfolio_review": "alliance_analytics.portfolio.review",
    "SimulationParameters": "alliance_analytics.risk.analysis",
    "SimulationResult": "alliance_analytics.risk.analysis",
    "analyse_risk_simulation": "alliance_analytics.risk.analysis",
    "SensitivityParameters": "alliance_analytics.sensitivity.analysis",
    "SensitivityResult": "alliance_analytics.sensitivity.analysis",
    "analyse_weight_sensitivity": "alliance_analytics.sensitivity.analysis",
    "ThesisParameters": "alliance_analytics.thesis.analysis",
    "ThesisResult": "alliance_analytics.thesis.analysis",
    "analyse_thesis_check": "alliance_analytics.thesis.analysis",
}
"""Where each public name lives; it is imported on first use (PEP 562), so the command line's start-up and a
subpackage import do not pay for every analysis."""

try:
    __version__ = version("alliance-analytics")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree that is not installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module on first use."""
    if name not in _FACE:
        raise AttributeError(f"module 'alliance_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(_FACE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BriefParameters",
    "Case",
    "DecisionBrief",
    "HealthParameters",
    "HealthResult",
    "InputError",
    "PartnerFitParameters",
    "PartnerFitResult",
    "PortfolioParameters",
    "PortfolioResult",
    "PortfolioReviewResult",
    "Problem",
    "ReviewParameters",
    "SensitivityParameters",
    "SensitivityResult",
    "SimulationParameters",
    "SimulationResult",
    "ThesisParameters",
    "ThesisResult",
    "analyse_alliance_health",
    "analyse_decision_brief",
    "analyse_partner_fit",
    "analyse_portfolio",
    "analyse_portfolio_review",
    "analyse_risk_simulation",
    "analyse_thesis_check",
    "analyse_weight_sensitivity",
    "load_case",
    "__version__",
]
