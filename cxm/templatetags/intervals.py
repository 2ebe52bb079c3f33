"""Template tags writing a confidence interval the one way `cxm.intervals` does:
``{{ estimate|ci:2 }}`` for an object with `low` and `high`, ``{{ estimate|ci_pct:1 }}`` for a
proportion in 0..1 shown in %, and ``{% ci low high digits=1 unit="%" as text %}`` for bare
bounds (tasks' percentages, hours)."""

from __future__ import annotations

from typing import Any

from django import template

from cxm.intervals import format_interval

register = template.Library()


@register.filter(name="ci")
def ci_filter(estimate: Any, digits: int = 2) -> str:
    """The interval of an estimate or comparison (anything with `low` and `high`)."""
    return format_interval(
        getattr(estimate, "low", None), getattr(estimate, "high", None), digits=int(digits)
    )


@register.filter
def ci_pct(estimate: Any, digits: int = 1) -> str:
    """The interval of a proportion (bounds in 0..1) in percent."""
    return format_interval(
        getattr(estimate, "low", None), getattr(estimate, "high", None),
        digits=int(digits), unit="%", scale=100.0,
    )  # fmt: skip


@register.simple_tag(name="ci")
def ci_tag(low: Any, high: Any, digits: int = 1, unit: str = "", scale: float = 1.0) -> str:
    """The interval between two bare bounds, with `unit` after each."""
    return format_interval(low, high, digits=int(digits), unit=unit, scale=float(scale))
