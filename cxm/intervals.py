"""One way to write a confidence interval, on every page: "{minus}0.31 to {minus}0.19" in
English and "{minus}0.31 ~ {minus}0.19" in Korean, where {minus} is the minus sign U+2212.

A hyphen or a dash between the bounds ("8.9 - 14.5", "-0.31 - -0.19") reads as a minus
sign once a bound is negative, and brackets ("[75.3, 82.2]") read as a list. So the bounds
are joined by a word (to, ~), and a negative bound carries the real minus sign (U+2212), never
the hyphen. Numbers are in the reader's locale; a unit ("%", " h") follows each bound.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

MINUS = "\u2212"
DASH = "\u2013"  # shown where there is no interval (too few answers)


def format_number(value: Any, digits: int = 1, scale: float = 1.0) -> str:
    """`value` times `scale` with `digits` decimals in the reader's locale, a negative number
    with U+2212; DASH for None, text or a non-finite number."""
    try:
        number = float(value) * scale
    except (TypeError, ValueError):
        return DASH
    if not math.isfinite(number):
        return DASH
    rounded = round(number, digits)
    if rounded == 0:
        rounded = 0.0  # never a minus zero
    text = number_format(abs(rounded), decimal_pos=digits, use_l10n=True, force_grouping=True)
    return f"{MINUS}{text}" if rounded < 0 else text


def format_interval(
    low: Any, high: Any, *, digits: int = 1, unit: str = "", scale: float = 1.0
) -> str:
    """The interval from `low` to `high`: "2.7 to 3.1", "8.9% to 14.5%", a negative
    bound with U+2212
    (Korean "2.7 ~ 3.1"); DASH when either bound is missing."""
    low_text, high_text = format_number(low, digits, scale), format_number(high, digits, scale)
    if DASH in (low_text, high_text):
        return DASH
    # Translators: a confidence interval from its lower to its upper bound; Korean "%(low)s ~
    # %(high)s". The bounds may be negative (with a minus sign), so no dash between them.
    return gettext("%(low)s to %(high)s") % {"low": low_text + unit, "high": high_text + unit}
