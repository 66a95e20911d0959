"""Charts for the meeting packet: Altair specs rendered to PNG offline with vl-convert.

The same Vega-Lite spec can be shown on screen with vega-embed (``chart.to_dict()``); in the
packet it is a PNG embedded as a data URI, so the HTML and the PDF need no network.
"""

from __future__ import annotations

import base64

import pandas as pd

DEPARTMENT_COLORS = {"police": "#3b5b92", "fire": "#c0392b", "code_enforcement": "#e67e22", "public_works": "#27ae60",
                     "customer_service": "#8e44ad", "finance": "#7f8c8d", "permits": "#16a085", "other": "#95a5a6"}


def _png(chart, scale: float = 1.5) -> str:
    import vl_convert as vlc

    png = vlc.vegalite_to_png(chart.to_json(), scale=scale)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def monthly_chart(monthly: pd.DataFrame, title: str, width: int = 260, height: int = 90):
    """Stacked bars: counted records per month by department (``month``, ``department``, ``n``)."""
    import altair as alt

    depts = sorted(monthly["department"].unique()) if len(monthly) else []
    color = alt.Color("department:N", title=None,
                      scale=alt.Scale(domain=depts, range=[DEPARTMENT_COLORS.get(d, "#95a5a6") for d in depts]))
    return (alt.Chart(monthly, title=alt.Title(title, fontSize=10))
            .mark_bar()
            .encode(x=alt.X("month:T", title=None, timeUnit="yearmonth", axis=alt.Axis(format="%b %y", labelFontSize=7)),
                    y=alt.Y("n:Q", title="records", axis=alt.Axis(labelFontSize=7, titleFontSize=8)),
                    color=color)
            .properties(width=width, height=height)
            .configure_legend(labelFontSize=7, symbolSize=40)
            .configure_view(stroke=None))


def scores_chart(items: pd.DataFrame, width: int = 440):
    """Horizontal bars: each agenda location's score, coloured by why it is on the agenda."""
    import altair as alt

    h = max(60, 14 * len(items))
    return (alt.Chart(items, title=alt.Title("Scores of the agenda's locations", fontSize=11))
            .mark_bar()
            .encode(y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=7, labelLimit=220)),
                    x=alt.X("score:Q", title="score (points)"),
                    color=alt.Color("reason:N", title="on the agenda because"))
            .properties(width=width, height=h)
            .configure_legend(labelFontSize=8))


def monthly_png(monthly: pd.DataFrame, title: str) -> str | None:
    return _png(monthly_chart(monthly, title)) if len(monthly) else None


def scores_png(items: pd.DataFrame) -> str | None:
    return _png(scores_chart(items)) if len(items) else None
