"""Long category labels and axis titles are broken into lines at word boundaries, and the
axes grow their margins to fit them, so a chart on a phone does not cut them."""

from __future__ import annotations

from analysis.charts import LABEL_WIDTH, intervals, wrap


def test_wrap_breaks_at_word_boundaries_within_the_width() -> None:
    text = "Service contacts in the 30 days before: 2+ contacts minus 0-1"
    wrapped = wrap(text)
    lines = wrapped.split("<br>")
    assert len(lines) > 1
    assert all(len(line) <= LABEL_WIDTH for line in lines)
    assert " ".join(lines) == text


def test_wrap_keeps_short_text_and_long_words_whole() -> None:
    assert wrap("강남점") == "강남점"
    assert wrap("x" * 30 + " y") == "x" * 30 + "<br>y"


def test_interval_chart_wraps_labels_and_grows_its_margins() -> None:
    label = "A store with a very long name in the north district"
    fig = intervals(
        labels=[label],
        values=[1.0],
        lows=[0.5],
        highs=[1.5],
        shrunk=[0.9],
        ns=[40],
        x_title="Difference of the mean score against the other stores",
        n_label="n",
        interval_label="95%",
        shrunk_label="shrunk",
    )
    assert fig["data"][0]["y"] == [wrap(label)]
    assert "<br>" in fig["data"][0]["y"][0]
    assert "<br>" in fig["layout"]["xaxis"]["title"]["text"]
    assert fig["layout"]["yaxis"]["automargin"] is True
    assert fig["layout"]["xaxis"]["automargin"] is True
    assert fig["layout"]["xaxis"]["nticks"] == 6
