"""CSV cells that spreadsheet programs will not run as formulas (CSV injection)."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text; one starting like a formula gets a leading apostrophe.

    Excel and LibreOffice treat the apostrophe as "this is text" and do not show it.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
