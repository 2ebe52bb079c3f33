"""Date axes carry no month names: plotly.js writes "Jan 2026" in English on the Korean page,
so ticks are numeric (2026-01, 11-03, 2026), and the heatmap's period labels are full dates on
the same axis instead of categories cut off at the bottom."""

from __future__ import annotations

from analysis.charts import heatmap, trend

NAME_FORMATS = ("%b", "%B", "%a", "%A", "%e")


def formats(axis: dict[str, object]) -> list[str]:
    stops = axis["tickformatstops"]
    assert isinstance(stops, list)
    return [stop["value"] for stop in stops] + [str(axis["hoverformat"])]


def test_the_trend_axis_has_numeric_date_ticks() -> None:
    figure = trend(
        x=["2025-08-04", "2025-08-11"],
        values=[10.0, 20.0],
        lows=[0.0, 5.0],
        highs=[20.0, 30.0],
        ns=[50, 60],
        y_title="NPS",
        n_label="n",
        interval_label="Interval",
    )
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "date"
    assert not any(name in f for f in formats(axis) for name in NAME_FORMATS)
    assert {stop["value"] for stop in axis["tickformatstops"]} == {"%m-%d", "%Y-%m", "%Y"}


def test_the_heatmap_has_a_date_axis_that_makes_room_for_its_labels() -> None:
    figure = heatmap(
        x=["2025-08", "2025-09"],
        y=["Store visit"],
        z=[[10.0, 20.0]],
        ns=[[40, 50]],
        lows=[[0.0, 5.0]],
        highs=[[20.0, 35.0]],
        n_label="n",
        interval_label="Interval",
        x_format="%Y-%m",
    )
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "date" and axis["automargin"] is True
    assert axis["hoverformat"] == "%Y-%m"
    assert not any(name in f for f in formats(axis) for name in NAME_FORMATS)
