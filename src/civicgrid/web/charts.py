"""Charts: Altair specs shown by vega-embed on screen and exported as PNG/SVG with vl-convert.

The browser bundles Vega-Lite 6.4 (vendored, the version Altair 6 writes), and exports are rendered by
vl-convert with the same Vega-Lite version: what is exported is what was on screen.
Helpers keep the charts plain and legible on a projector (large labels, colour-blind-safe palette,
numbers in tooltips).
"""

from __future__ import annotations

import copy

import altair as alt
import pandas as pd

#: the Vega-Lite schema of the vendored runtime (static/vendor/vega-lite.min.js 6.4.1) and of Altair 6's specs
VL_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
#: Vega-Lite version vl-convert renders exports with (the vendored runtime's minor version)
VL_CONVERT_VERSION = "6.4"
EXPORT_WIDTH = 760

CONFIG = {
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelLimit": 260},
    "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "bottom", "columns": 3, "labelLimit": 240},
    "title": {"fontSize": 16, "anchor": "start"},
    "range": {"category": {"scheme": "tableau10"}},
    "view": {"stroke": None},
    "background": "white",
}


def finish(chart: alt.TopLevelMixin, height: int = 280, description: str | None = None) -> dict:
    """The chart as a Vega-Lite 6 dict, full width of its container, with the shared config."""
    spec = chart.properties(width="container", height=height).to_dict()
    spec["$schema"] = VL_SCHEMA
    spec["config"] = {**CONFIG, **spec.get("config", {})}
    if description:
        spec["description"] = description  # read by screen readers (aria) in vega-embed
    spec.pop("usermeta", None)
    return spec


def line(df: pd.DataFrame, x: str, y: str, color: str | None = None, *, x_title: str = "", y_title: str = "",
         temporal: bool = True, height: int = 280, description: str | None = None) -> dict | None:
    """A line chart (one line per ``color`` value); None for an empty frame."""
    if df is None or df.empty:
        return None
    enc = {"x": alt.X(f"{x}:{'T' if temporal else 'O'}", title=x_title or None),
           "y": alt.Y(f"{y}:Q", title=y_title or None),
           "tooltip": [c for c in (x, color, y) if c]}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    return finish(alt.Chart(df).mark_line(point=len(df) < 80).encode(**enc), height, description)


def bars(df: pd.DataFrame, category: str, value: str, *, value_title: str = "", color: str | None = None,
         horizontal: bool = True, height: int | None = None, sort: bool = True,
         description: str | None = None) -> dict | None:
    """A bar chart, horizontal by default (long labels stay readable); None for an empty frame."""
    if df is None or df.empty:
        return None
    cat = alt.Y if horizontal else alt.X
    val = alt.X if horizontal else alt.Y
    enc = {("y" if horizontal else "x"): cat(f"{category}:N", title=None, sort="-x" if sort and horizontal else None),
           ("x" if horizontal else "y"): val(f"{value}:Q", title=value_title or None),
           "tooltip": [c for c in (category, color, value) if c]}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    h = height or (max(120, 26 * df[category].nunique()) if horizontal else 280)
    return finish(alt.Chart(df).mark_bar().encode(**enc), h, description)


def band_line(df: pd.DataFrame, x: str, y: str, lo: str, hi: str, color: str, *, y_title: str = "",
              height: int = 300, description: str | None = None) -> dict | None:
    """Forecast lines with an interval band per series; None for an empty frame."""
    if df is None or df.empty:
        return None
    base = alt.Chart(df).encode(x=alt.X(f"{x}:T", title=None), color=alt.Color(f"{color}:N", title=None))
    band = base.mark_area(opacity=0.18).encode(y=alt.Y(f"{lo}:Q", title=y_title or None), y2=f"{hi}:Q")
    ln = base.mark_line(point=True).encode(y=f"{y}:Q", tooltip=[x, color, y, lo, hi])
    return finish(alt.layer(band, ln), height, description)


def for_export(spec: dict) -> dict:
    """A copy with a fixed width (``container`` has no meaning outside a page)."""
    out = copy.deepcopy(spec)

    def fix(node):
        if isinstance(node, dict):
            if node.get("width") == "container":
                node["width"] = EXPORT_WIDTH
            for v in node.values():
                fix(v)
        elif isinstance(node, list):
            for v in node:
                fix(v)
    fix(out)
    return out


def render(spec: dict, fmt: str) -> bytes:
    """PNG (2× scale) or SVG bytes of a spec, rendered offline by vl-convert."""
    import vl_convert as vlc

    spec = for_export(spec)
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2, vl_version=VL_CONVERT_VERSION)
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec, vl_version=VL_CONVERT_VERSION).encode("utf-8")
    raise ValueError(f"unknown chart format {fmt!r}; use png or svg")
