"""File sizes in words for pages and messages."""

from __future__ import annotations

import re

from django.template.defaultfilters import filesizeformat

# The one decimal filesizeformat always writes, when it is zero ("200.0 MB", "1,0 KB").
_ZERO_DECIMAL = re.compile(r"(\d)[.,]0(?!\d)")


def file_size(value: int) -> str:
    """The size in the active language, without a needless decimal: "200 MB", "1.5 MB"."""
    return _ZERO_DECIMAL.sub(r"\1", filesizeformat(value))
