"""Every confidence interval is written one way: the bounds joined by "to" (Korean "~"), a
negative bound with the minus sign U+2212, a unit after each bound, the reader's locale."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from analysis.selectors.dashboards import Value
from analysis.templatetags.insight_format import interval, pct_interval
from cxm.intervals import DASH, MINUS, format_interval


def test_negative_bounds_carry_the_minus_sign_and_a_word_between() -> None:
    with translation.override("en"):
        assert format_interval(-0.314, -0.186, digits=2) == f"{MINUS}0.31 to {MINUS}0.19"
        assert format_interval(2.7, 3.1) == "2.7 to 3.1"
        assert format_interval(-1.25, 0.5, digits=1) == f"{MINUS}1.2 to 0.5"


def test_units_scale_rounding_and_missing_bounds() -> None:
    with translation.override("en"):
        assert format_interval(0.089, 0.145, unit="%", scale=100) == "8.9% to 14.5%"
        assert format_interval(-0.04, 0.2) == "0.0 to 0.2"  # no minus zero
        assert format_interval(1234.5, 2345.6, digits=0) == "1,234 to 2,346"
        assert format_interval(None, 3.0) == DASH
        assert format_interval(float("nan"), 3.0) == DASH


def test_every_analysis_page_helper_writes_the_same_form() -> None:
    estimate = SimpleNamespace(low=-0.31, high=-0.19)
    share = SimpleNamespace(low=0.753, high=0.822)
    with translation.override("en"):
        assert interval(estimate, 2) == f"{MINUS}0.31 to {MINUS}0.19"
        assert pct_interval(share, 1) == "75.3% to 82.2%"
        nps = Value("nps", 11.7, 8.9, 14.5, 200, "adjusted-wald")
        assert nps.interval_text == "8.9 to 14.5"
        negative = Value("nps", -3.0, -8.94, 2.5, 200, "adjusted-wald")
        assert negative.interval_text == f"{MINUS}8.9 to 2.5"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% load insight_format %}{{ e|interval:2 }}", f"{MINUS}0.31 to {MINUS}0.19"),
        ("{% load insight_format %}{{ p|pct_interval:1 }}", "75.3% to 82.2%"),
        ('{% load intervals %}{% ci -2.5 4 1 "%" %}', f"{MINUS}2.5% to 4.0%"),
        ("{% load intervals %}{% ci a b 0 as t %}[{{ t }}]", "[2 to 9]"),
    ],
)
def test_template_tags(source: str, expected: str) -> None:
    context = Context(
        {
            "e": SimpleNamespace(low=-0.31, high=-0.19),
            "p": SimpleNamespace(low=0.753, high=0.822),
            "a": 2.0,
            "b": 9.0,
        }
    )
    with translation.override("en"):
        assert Template(source).render(context) == expected


def test_korean_joins_the_bounds_with_a_tilde() -> None:
    with translation.override("ko"):
        assert format_interval(-0.314, -0.186, digits=2) == f"{MINUS}0.31 ~ {MINUS}0.19"
        assert format_interval(0.089, 0.145, unit="%", scale=100) == "8.9% ~ 14.5%"
