"""Formatting for the insight pages: an `analysis.stats.Estimate` (or a plain number) as text
with its interval, in the reader's locale; a dash where there is no value (n = 0, or too few
answers for an interval)."""

from __future__ import annotations

import math
from typing import Any

from django import template

from cxm.intervals import DASH, format_interval, format_number

register = template.Library()


@register.filter
def num(value: Any, digits: int = 2) -> str:
    """An estimate's value (or a number) with `digits` decimals."""
    return format_number(getattr(value, "value", value), int(digits))


@register.filter
def interval(estimate: Any, digits: int = 2) -> str:
    """The interval of an estimate or comparison, written as `cxm.intervals` writes every
    interval ("2.7 to 3.1", negative bounds with the minus sign U+2212)."""
    return format_interval(estimate.low, estimate.high, digits=int(digits))


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """A proportion (an estimate's value or a number in 0..1) as a percentage."""
    text = format_number(getattr(value, "value", value), int(digits), 100.0)
    return DASH if text == DASH else f"{text}%"


@register.filter
def pct_interval(estimate: Any, digits: int = 1) -> str:
    """A proportion's interval in percent ("8.9% to 14.5%")."""
    return format_interval(estimate.low, estimate.high, digits=int(digits), unit="%", scale=100.0)


@register.filter
def pvalue(value: Any) -> str:
    """p or q: "< 0.001" below that, else three decimals."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return DASH
    if not math.isfinite(number):
        return DASH
    return "< 0.001" if number < 0.001 else format_number(number, 3)
