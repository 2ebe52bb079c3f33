"""QR codes of a survey's open link, drawn by segno: on the open-link page and as files to print.

Pure functions of the link: the same link always gives the same code, so a code is never stored;
when the open link changes (switched off and on again), the next page or download draws the new one.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno

# Level M restores a code with up to 15 % of it worn or smudged (a table sticker, a thermal
# receipt) while keeping a short link at a low version, so it stays easy to scan when small.
ERROR_CORRECTION = "m"
# On screen: 8 px per module, about 260 px for a short link, easy to scan off a monitor.
PAGE_SCALE = 8
# SVG is vector; 10 units per module gives print tools a sensible default size.
SVG_SCALE = 10
# PNG for print shops: 20 px per module at 300 dpi is about 7 cm wide for a typical link.
PNG_SCALE = 20
PNG_DPI = 300


def placed_link(open_url: str, *, store: str = "", channel: str = "") -> str:
    """The open link with `store=` and `channel=` for a code that hangs in one place."""
    params = [(name, value) for name, value in (("store", store), ("channel", channel)) if value]
    return f"{open_url}?{urlencode(params)}" if params else open_url


def qr_code(link: str) -> segno.QRCode:
    """The QR code (never a Micro QR code, which phone cameras do not read) of `link`."""
    return segno.make(link, error=ERROR_CORRECTION, micro=False)


def qr_page_image(link: str) -> str:
    """A data: URI of the SVG code of `link`, for an <img> on the open-link page."""
    return qr_code(link).svg_data_uri(scale=PAGE_SCALE)


def qr_svg(link: str) -> bytes:
    """The code of `link` as an SVG file to print."""
    out = io.BytesIO()
    qr_code(link).save(out, kind="svg", scale=SVG_SCALE)
    return out.getvalue()


def qr_png(link: str) -> bytes:
    """The code of `link` as a PNG file to print (300 dpi)."""
    out = io.BytesIO()
    qr_code(link).save(out, kind="png", scale=PNG_SCALE, dpi=PNG_DPI)
    return out.getvalue()
