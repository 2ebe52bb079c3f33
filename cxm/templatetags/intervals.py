"""``{% ci low high digits=1 unit="%" as text %}``: an interval between two bare bounds (tasks'
percentages, hours), written the one way `cxm.intervals` writes every interval. An estimate's
interval is `analysis.templatetags.insight_format`'s `interval` / `pct_interval`."""

from __future__ import annotations

from typing import Any

from django import template

from cxm.intervals import format_interval

register = template.Library()


@register.simple_tag(name="ci")
def ci_tag(low: Any, high: Any, digits: int = 1, unit: str = "", scale: float = 1.0) -> str:
    """The interval between two bare bounds, with `unit` after each."""
    return format_interval(low, high, digits=int(digits), unit=unit, scale=float(scale))
