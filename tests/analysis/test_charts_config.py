"""Charts show no toolbar and can send nothing off the server: plotly's toolbar is English
only and offers to upload a chart to Plotly's cloud service."""

from __future__ import annotations

from analysis.charts import figure


def test_a_chart_has_no_toolbar_and_no_cloud_upload() -> None:
    config = figure([{"type": "bar", "x": [1], "y": [2]}], {})["config"]
    assert config["displayModeBar"] is False
    assert config["showSendToCloud"] is False
    assert config["showEditInChartStudio"] is False
    assert config["plotlyServerURL"] == ""
