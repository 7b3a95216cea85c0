"""The interactive weight explorer: move a criterion's weight, see the ranking change.

One slider per criterion (relative weights, with the normalised weights shown beside them), a selector for
the aggregation method, and a ranking table and contribution chart that update as the controls move. What a
move changed (the top candidate, who moved up or down, whose recommendation changed) is said right under the
controls, so it shows without scrolling; the ranking table keeps every name on one line and the chart keeps
its aspect ratio. Every number comes from :func:`alliance_analytics.partner_fit`. Displayed in a report
without a kernel, the explorer shows a static version of the same view (weights, ranking table, chart).
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
from alliance_analytics.core.formatting import candidate_label, format_number, format_share, join_words, reader_table
from alliance_analytics.fit.aggregation import AGGREGATION_METHODS
from alliance_analytics.fit.analysis import PartnerFitResult, partner_fit
from alliance_analytics.notebook.display import reader_html


def ranking_frame(result: PartnerFitResult) -> pd.DataFrame:
    """The ranking shown by the explorer: rank, candidate, fit score and recommendation, best first.

    Parameters
    ----------
    result : PartnerFitResult
        A partner-fit analysis.

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate id (``ID``), every cell text: rank, name, fit score (two decimals), recommendation.
    """
    table = result.candidates.sort_values(["rank", "name"])
    return reader_table(pd.DataFrame({"Rank": table["rank"], "Candidate": table["name"], "Fit score": table["fit_score"],
                                      "Recommendation": table["recommendation"]}),
                        {"Rank": "count", "Fit score": "score"}, index_name="ID")


def ranking_html(result: PartnerFitResult) -> str:
    """The explorer's ranking table as HTML (class ``aa-ranking``), every name on one line.

    Parameters
    ----------
    result : PartnerFitResult
        A partner-fit analysis.

    Returns
    -------
    str
        The escaped table, in a block that does not wrap its text.
    """
    table = reader_html(ranking_frame(result)).replace('class="dataframe"', 'class="dataframe aa-ranking"', 1)
    return f'<div style="white-space: nowrap; line-height: 1.3">{table}</div>'


def ranking_changes(before: PartnerFitResult, after: PartnerFitResult, most: int = 5) -> list[str]:
    """What changed between two rankings, in plain sentences, most important first.

    Parameters
    ----------
    before, after : PartnerFitResult
        The analysis before and after a move of the controls.
    most : int
        Most candidates named among those that moved (the largest moves; the rest are counted).

    Returns
    -------
    list of str
        The top candidate (kept or taken over), the candidates that moved with their old and new rank, and the
        recommendations that changed; one sentence saying nothing moved when the ranking is the same.
    """
    old, new = before.candidates, after.candidates
    label = {candidate: candidate_label(candidate, name) for candidate, name in new["name"].items()}
    top_before, top_after = old["rank"].idxmin(), new["rank"].idxmin()
    lines = [f"Top unchanged: {label[top_after]}." if top_before == top_after else
             f"New top: {label[top_after]}, ahead of {label[top_before]}."]
    shift = (old["rank"] - new["rank"]).reindex(new.index)
    moved = shift[shift != 0]
    if moved.empty:
        lines.append("No candidate changed rank.")
    else:
        largest = moved.abs().sort_values(ascending=False, kind="stable").index[:most]
        ordered = new.loc[largest].sort_values("rank").index
        lines.append("Moved: " + "; ".join(f"{label[c]} {'up' if moved[c] > 0 else 'down'} "
                                           f"{int(old.at[c, 'rank'])} → {int(new.at[c, 'rank'])}"
                                           for c in ordered)
                     + (f"; and {len(moved) - len(ordered)} more." if len(moved) > len(ordered) else "."))
    turned = new.index[old["recommendation"].reindex(new.index) != new["recommendation"]]
    if len(turned):
        lines.append("Recommendation now: " + join_words(
            f"{label[c]} {new.at[c, 'recommendation']} (was {old.at[c, 'recommendation']})" for c in turned) + ".")
    return lines


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
        self.changes = widgets.HTML(layout=widgets.Layout(min_width="300px", max_width="560px", margin="0 0 0 12px"))
        self.ranking = widgets.HTML(layout=widgets.Layout(flex="0 0 auto", margin="0 16px 0 0"))
        self.chart = widgets.Image(format="png", layout=widgets.Layout(
            width="640px", max_width="100%", height="auto", object_fit="contain", align_self="flex-start",
            flex="0 0 auto"))
        controls = widgets.VBox([*(widgets.HBox([self.sliders[c], self.normalised[c]]) for c in case.criterion_ids),
                                 self.method], layout=widgets.Layout(flex="0 0 auto"))
        wrapping = {"display": "flex", "flex_flow": "row wrap", "align_items": "flex-start", "width": "100%"}
        self.widget = widgets.VBox([widgets.Box([controls, self.changes], layout=widgets.Layout(**wrapping)),
                                    widgets.Box([self.ranking, self.chart], layout=widgets.Layout(**wrapping))])
        self._shown: PartnerFitResult = start
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
        """Recompute the ranking, normalised weights, change summary and chart from the controls.

        Parameters
        ----------
        change : dict, optional
            The widgets' change notice (``owner``, ``old``, ``new``); ``None`` when the explorer starts.
        """
        result = self.result()
        for criterion, label in self.normalised.items():
            label.value = format_share(result.weights[criterion], 1)
        if change is None:
            top = result.candidates["rank"].idxmin()
            lines = ["Move a slider or change the aggregation: what changes is said here.",
                     f"Top: {candidate_label(top, result.candidates.at[top, 'name'])}."]
            heading = "Ranking now"
        else:
            owner = change["owner"]
            values = [change["old"], change["new"]]
            moved = [format_number(value, 1) if isinstance(value, float) else str(value) for value in values]
            heading = f"{owner.description}: {moved[0]} → {moved[1]}"
            lines = ranking_changes(self._shown, result)
        self.changes.value = (f'<div class="aa-change" style="line-height: 1.4; white-space: normal">'
                              f"<strong>{html.escape(heading)}</strong>"
                              + "".join(f"<div>{html.escape(line)}</div>" for line in lines) + "</div>")
        self.ranking.value = ranking_html(result)
        self.chart.value = _png(contribution_chart(result))
        self._shown = result

    def static_html(self) -> str:
        """The same view without a kernel: weights, ranking table and the chart as an embedded image.

        Returns
        -------
        str
            An HTML fragment; text from the case is escaped.
        """
        result = self.result()
        weights = reader_table(pd.DataFrame({"Criterion": [slider.description for slider in self.sliders.values()],
                                             "Relative weight": [slider.value for slider in self.sliders.values()],
                                             "Normalised": [result.weights[c] for c in self.sliders]}),
                               {"Relative weight": "number", "Normalised": "fine share"})
        image = base64.b64encode(_png(contribution_chart(result))).decode("ascii")
        return (f"<p><em>Weight explorer (static view; open the notebook in JupyterLab to move the weights). "
                f"Aggregation: {html.escape(result.aggregation)}.</em></p>"
                f"{weights.to_html(escape=True, index=False)}{reader_html(ranking_frame(result))}"
                f'<img alt="Fit score by criterion contribution" style="max-width: 100%; height: auto" '
                f'src="data:image/png;base64,{image}"/>')

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = self.static_html()
        return bundle
