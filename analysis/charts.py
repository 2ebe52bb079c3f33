"""Plotly figures as plain dicts, built on the server and drawn by plotly.js in the browser.

Figures are dicts in plotly's JSON schema (no `plotly.graph_objects` validation on the request
path: it costs more than the page's queries). Every figure carries n and the interval in its
hover text. Templates embed a figure with `{{ figure|json_script:"id" }}` next to a
`<div class="chart" data-figure="id">`; `analysis/charts.js` draws it. Each chart on a page
has a table with the same numbers beside or under it, so nothing depends on JavaScript.

The colours and font follow `cxm/static/cxm/cxm.css`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

INK = "#1b1f24"
MUTED = "#5a6472"
LINE = "#d9dee5"
BRAND = "#1f5fbf"
BAND = "rgba(31, 95, 191, 0.15)"
DOWN = "#b42318"
UP = "#1e7a3c"
FONT = 'system-ui, -apple-system, "Segoe UI", "Apple SD Gothic Neo", "Noto Sans KR", sans-serif'
# A diverging scale for the heatmap: low red, middle pale, high blue.
HEAT_SCALE = [[0.0, "#b42318"], [0.5, "#f5f7fa"], [1.0, "#1f5fbf"]]

# Date axes without month names: plotly.js writes "Jan 2026" in English whatever the page's
# language (its locale bundles would come from a CDN, and no request leaves the server), so
# ticks are numeric, ISO-like and coarser as the spacing grows (d3 time formats).
DATE_TICKS = [
    {"dtickrange": [None, "M1"], "value": "%m-%d"},
    {"dtickrange": ["M1", "M12"], "value": "%Y-%m"},
    {"dtickrange": ["M12", None], "value": "%Y"},
]


def date_axis(hover_format: str = "%Y-%m-%d") -> dict[str, Any]:
    """A date x axis with locale-neutral ticks; `hover_format` is how %{x} reads on hover."""
    return {
        "type": "date",
        "tickformatstops": DATE_TICKS,
        "hoverformat": hover_format,
        "automargin": True,
    }


# No toolbar: its buttons are English only, sit inside the chart's role="img", and one of them
# offers to upload the chart (store names and scores) to Plotly's cloud service. Every page
# has its CSV download instead; nothing is ever sent off the server.
CONFIG = {
    "displaylogo": False,
    "displayModeBar": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "responsive": True,
}


def clean(value: Any) -> Any:
    """nan/inf become None (JSON has no NaN; plotly draws a gap), recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


# Category labels and axis titles are broken into lines of at most this many characters, so a
# chart on a 375 px phone keeps its text inside its box: plotly's automargin can only grow a
# margin up to the chart's own width, and cuts a long one-line label at the left edge.
LABEL_WIDTH = 22
TITLE_WIDTH = 30


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """`text` with `<br>` between words so that no line is longer than `width` characters
    (a single longer word keeps its own line). Plotly draws `<br>` as a line break."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def line_count(text: str) -> int:
    return text.count("<br>") + 1


def layout(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "font": {"family": FONT, "color": INK, "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": {"gridcolor": LINE, "linecolor": LINE, "zeroline": False},
        "yaxis": {"gridcolor": LINE, "linecolor": LINE, "zeroline": False},
        "showlegend": False,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def figure(data: list[dict[str, Any]], fig_layout: dict[str, Any]) -> dict[str, Any]:
    return clean({"data": data, "layout": fig_layout, "config": CONFIG})


def padded(scale: tuple[float, float], share: float = 0.04) -> list[float]:
    """An axis range over a metric's whole scale, a little wider so that points and interval
    ends on the scale's ends are drawn whole."""
    low, high = scale
    pad = (high - low) * share
    return [low - pad, high + pad]


def has_points(values: Sequence[float | None]) -> bool:
    """Whether a chart of these values would draw anything (a finite value somewhere)."""
    return any(v is not None and math.isfinite(v) for v in values)


def is_sparse(n: int, min_n: int) -> bool:
    """A period with answers, but fewer than `min_n`: drawn apart from the line. A period
    without answers has no point at all."""
    return 0 < n < min_n


def trend(
    *,
    x: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    ns: Sequence[int],
    y_title: str,
    n_label: str,
    interval_label: str,
    value_format: str = ".1f",
    min_n: int = 0,
    line_label: str = "",
    sparse_label: str = "",
    x_format: str = "%Y-%m-%d",
    y_range: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A line with its 95 % interval as a band; hover shows value, interval and n. With
    `y_range` (the metric's scale) the y axis spans it, not just the data.

    Periods with fewer than `min_n` answers are not part of the line or the band (a gap
    instead): they are hollow markers with their own interval as an error bar, named in the
    legend, so one or two answers do not swing the line as if they were a real movement.
    """
    solid = [not is_sparse(n, min_n) for n in ns]

    def only(keep: bool, series: Sequence[float | None]) -> list[float | None]:
        return [v if s == keep else None for v, s in zip(series, solid, strict=True)]

    custom = [[n, lo, hi] for n, lo, hi in zip(ns, lows, highs, strict=True)]
    hover = (
        f"%{{x}}<br>%{{y:{value_format}}}<br>{interval_label}: "
        f"%{{customdata[1]:{value_format}}} - %{{customdata[2]:{value_format}}}"
        f"<br>{n_label} = %{{customdata[0]:,}}<extra></extra>"
    )
    sparse_values = only(False, values)
    plus = [
        None if v is None or h is None else h - v for v, h in zip(sparse_values, highs, strict=True)
    ]
    minus = [
        None if v is None or lo is None else v - lo
        for v, lo in zip(sparse_values, lows, strict=True)
    ]
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": list(x), "y": only(True, highs), "mode": "lines",
         "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False},
        {"type": "scatter", "x": list(x), "y": only(True, lows), "mode": "lines",
         "line": {"width": 0}, "fill": "tonexty", "fillcolor": BAND, "hoverinfo": "skip",
         "showlegend": False},
        {"type": "scatter", "x": list(x), "y": only(True, values), "mode": "lines+markers",
         "line": {"color": BRAND, "width": 2}, "marker": {"size": 6, "color": BRAND},
         "customdata": custom, "hovertemplate": hover, "connectgaps": False,
         "name": line_label, "showlegend": bool(line_label) and not all(solid)},
    ]  # fmt: skip
    if not all(solid):
        data.append(
            {"type": "scatter", "x": list(x), "y": sparse_values, "mode": "markers",
             "marker": {"symbol": "circle-open", "size": 8, "color": MUTED},
             "error_y": {"type": "data", "array": plus, "arrayminus": minus,
                         "color": LINE, "thickness": 1, "width": 3},
             "customdata": custom, "hovertemplate": hover, "name": sparse_label}
        )  # fmt: skip
    y_axis: dict[str, Any] = {"title": {"text": y_title}}
    if y_range is not None:
        y_axis["range"] = padded(y_range)
    return figure(
        data,
        layout(
            yaxis=y_axis,
            xaxis=date_axis(x_format),
            height=340,
            showlegend=not all(solid),
            legend={"orientation": "h", "y": -0.2},
            margin={"b": 64},
        ),
    )


def heatmap(
    *,
    x: Sequence[str],
    y: Sequence[str],
    z: Sequence[Sequence[float | None]],
    ns: Sequence[Sequence[int]],
    lows: Sequence[Sequence[float | None]],
    highs: Sequence[Sequence[float | None]],
    n_label: str,
    interval_label: str,
    value_format: str = ".1f",
    x_format: str = "%Y-%m-%d",
    z_range: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Rows (e.g. touchpoints) x columns (periods, on a date axis); empty cells stay blank.

    With `z_range` (the metric's scale) the colours span the whole scale, centred on its
    middle (0 for NPS): otherwise plotly stretches them over the data's own min..max, and a
    single cell of NPS -100 would be painted the neutral middle colour."""
    custom = [
        [[n, lo, hi] for n, lo, hi in zip(n_row, lo_row, hi_row, strict=True)]
        for n_row, lo_row, hi_row in zip(ns, lows, highs, strict=True)
    ]
    hover = (
        f"%{{y}} · %{{x}}<br>%{{z:{value_format}}}<br>{interval_label}: "
        f"%{{customdata[1]:{value_format}}} - %{{customdata[2]:{value_format}}}"
        f"<br>{n_label} = %{{customdata[0]:,}}<extra></extra>"
    )
    colour_range: dict[str, Any] = {}
    if z_range is not None:
        low, high = z_range
        colour_range = {"zauto": False, "zmin": low, "zmax": high, "zmid": (low + high) / 2}
    data = [
        {
            "type": "heatmap",
            "x": list(x),
            "y": list(y),
            "z": [list(row) for row in z],
            "customdata": custom,
            "hovertemplate": hover,
            "colorscale": HEAT_SCALE,
            "xgap": 2,
            "ygap": 2,
            "colorbar": {"thickness": 12, "outlinewidth": 0},
            **colour_range,
        }
    ]
    height = max(200, 60 + 44 * len(y))
    return figure(
        data,
        layout(
            height=height,
            margin={"l": 140},
            xaxis=date_axis(x_format),
            yaxis={"automargin": True},
        ),
    )


def intervals(
    *,
    labels: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    shrunk: Sequence[float | None],
    ns: Sequence[int],
    x_title: str,
    n_label: str,
    interval_label: str,
    shrunk_label: str,
    value_format: str = ".1f",
) -> dict[str, Any]:
    """One row per segment: the observed value with its interval, and the shrunk estimate."""
    error_plus = [
        None if v is None or h is None else h - v for v, h in zip(values, highs, strict=True)
    ]
    error_minus = [
        None if v is None or lo is None else v - lo for v, lo in zip(values, lows, strict=True)
    ]
    custom = [[n, lo, hi] for n, lo, hi in zip(ns, lows, highs, strict=True)]
    hover = (
        f"%{{y}}<br>%{{x:{value_format}}}<br>{interval_label}: "
        f"%{{customdata[1]:{value_format}}} - %{{customdata[2]:{value_format}}}"
        f"<br>{n_label} = %{{customdata[0]:,}}<extra></extra>"
    )
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "markers", "x": list(values), "y": list(labels),
         "marker": {"color": BRAND, "size": 8},
         "error_x": {"type": "data", "array": error_plus, "arrayminus": error_minus,
                     "color": BRAND, "thickness": 1.5, "width": 0},
         "customdata": custom, "hovertemplate": hover, "name": x_title},
        {"type": "scatter", "mode": "markers", "x": list(shrunk), "y": list(labels),
         "marker": {"symbol": "diamond-open", "color": INK, "size": 9},
         "hovertemplate": f"%{{y}}<br>{shrunk_label}: %{{x:{value_format}}}<extra></extra>",
         "name": shrunk_label},
    ]  # fmt: skip
    wrapped = [wrap(label) for label in labels]
    height = max(220, 70 + sum(max(26, 16 * line_count(w)) for w in wrapped))
    for trace in data:
        trace["y"] = wrapped
    return figure(
        data,
        layout(
            height=height,
            showlegend=True,
            legend={"orientation": "h", "y": -0.15 if len(labels) < 12 else -0.05},
            margin={"l": 16},
            xaxis={"title": {"text": wrap(x_title, TITLE_WIDTH)}, "automargin": True, "nticks": 6},
            yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        ),
    )
