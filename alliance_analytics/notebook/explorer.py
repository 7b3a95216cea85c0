"""The interactive weight explorer: move a criterion's weight, see the ranking change.

One slider per criterion (relative weights, with the normalised weights shown beside them), a selector for
the aggregation method, and a ranking table and contribution chart that update as the controls move. Every
number comes from :func:`alliance_analytics.partner_fit`. Displayed in a report without a kernel,
the explorer shows a static version of the same view (weights, ranking table, chart).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from alliance_analytics.case.case import Case
from alliance_analytics.charts.fit import contribution_chart
from alliance_analytics.fit.aggregation import AGGREGATION_METHODS
from alliance_analytics.fit.analysis import PartnerFitResult, partner_fit


def ranking_frame(result: PartnerFitResult) -> pd.DataFrame:
    """The ranking shown by the explorer: rank, candidate, fit score and recommendation, best first.

    Parameters
    ----------
    result : PartnerFitResult
        A partner-fit analysis.

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate id.
    """
    table = result.candidates.sort_values(["rank", "name"])
    return pd.DataFrame({"Rank": table["rank"], "Candidate": table["name"], "Fit score": table["fit_score"].round(3),
                         "Recommendation": table["recommendation"]}).rename_axis("ID")


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class WeightExplorer:
    """Sliders and a selector driving a live partner-fit ranking.

    Parameters
    ----------
    case : Case
        The case explored.
    weights : mapping of str to float, optional
        Starting weight overrides by criterion id (the case's weights otherwise).
    aggregation : str, optional
        Starting aggregation method (the case's otherwise).

    Attributes
    ----------
    sliders : dict of str to ipywidgets.FloatSlider
        One per criterion id, holding its relative weight on a 0–100 scale (starting at its normalised weight in
        percent, whatever the case's weighting method).
    method : ipywidgets.Dropdown
        The aggregation method.
    widget : ipywidgets.VBox
        The whole explorer, ready to display.
    """

    def __init__(self, case: Case, weights: Mapping[str, float] | None = None,
                 aggregation: str | None = None) -> None:
        self.case = case
        start = partner_fit(case, weights=weights, aggregation=aggregation)
        names = {criterion.id: criterion.name for criterion in case.settings.criteria}
        self.sliders = {
            criterion: widgets.FloatSlider(value=round(100 * start.weights[criterion], 1), min=0.0, max=100.0, step=0.5,
                                           description=names[criterion], continuous_update=False,
                                           style={"description_width": "210px"},
                                           layout=widgets.Layout(width="520px"))
            for criterion in case.criterion_ids
        }
        self.normalised = {criterion: widgets.HTML() for criterion in case.criterion_ids}
        self.method = widgets.Dropdown(options=list(AGGREGATION_METHODS), value=start.aggregation,
                                       description="Aggregation", style={"description_width": "210px"})
        self.ranking = widgets.HTML()
        self.chart = widgets.Image(format="png", layout=widgets.Layout(width="640px"))
        controls = [widgets.HBox([self.sliders[c], self.normalised[c]]) for c in case.criterion_ids]
        self.widget = widgets.VBox([*controls, self.method, widgets.HBox([self.ranking, self.chart])])
        for control in [*self.sliders.values(), self.method]:
            control.observe(self.refresh, names="value")
        self.refresh()

    def current_weights(self) -> dict[str, float]:
        """The relative weights set on the sliders, by criterion id."""
        return {criterion: float(slider.value) for criterion, slider in self.sliders.items()}

    def result(self) -> PartnerFitResult:
        """The partner-fit analysis for the current slider and selector settings.

        Returns
        -------
        PartnerFitResult
        """
        weights = self.current_weights()
        if sum(weights.values()) <= 0:
            weights = self.case.weights.astype(float).to_dict()
        return partner_fit(self.case, weights=weights, aggregation=self.method.value)

    def refresh(self, change: object = None) -> None:
        """Recompute the ranking, normalised weights and chart from the controls (the widgets' callback)."""
        result = self.result()
        for criterion, label in self.normalised.items():
            label.value = f"{result.weights[criterion]:.1%}"
        self.ranking.value = ranking_frame(result).to_html(classes="aa-ranking", escape=True)
        self.chart.value = _png(contribution_chart(result))

    def static_html(self) -> str:
        """The same view without a kernel: weights, ranking table and the chart as an embedded image.

        Returns
        -------
        str
            An HTML fragment; text from the case is escaped.
        """
        result = self.result()
        weights = pd.DataFrame({"Criterion": [slider.description for slider in self.sliders.values()],
                                "Relative weight": [slider.value for slider in self.sliders.values()],
                                "Normalised": [f"{result.weights[c]:.1%}" for c in self.sliders]},
                               index=pd.Index(list(self.sliders), name="ID"))
        image = base64.b64encode(_png(contribution_chart(result))).decode("ascii")
        return (f"<p><em>Weight explorer (static view; open the notebook in JupyterLab to move the weights). "
                f"Aggregation: {html.escape(result.aggregation)}.</em></p>"
                f"{weights.to_html(escape=True)}{ranking_frame(result).to_html(escape=True)}"
                f'<img alt="Fit score by criterion contribution" src="data:image/png;base64,{image}"/>')

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.static_html()
        return bundle
