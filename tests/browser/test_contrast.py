"""Every page's text is readable: the contrast of each visible piece of text with what is behind it
meets WCAG 2.1 AA (4.5:1, or 3:1 for large text), measured in Chromium on the computed colours,
for every staff page as an admin and for the pages customers and signed-out people see."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.every_page import problems_on_every_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Returns one line per piece of text below the threshold. The background is the first opaque
# one among the element and its ancestors, with translucent ones blended over it; text over an
# image or a gradient is left out (its background has no single colour). Disabled controls are
# exempt (WCAG 1.4.3), and so is text no one sees (clipped screen-reader text, hidden parts).
LOW_CONTRAST = r"""
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== "none") return null;
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (el.closest("svg, script, style, noscript, template, option")) continue;
    if (el.closest(":disabled, [aria-disabled=true]")) continue;
    const rect = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (rect.width <= 1 || rect.height <= 1 || s.visibility !== "visible") continue;
    if (el.closest("[hidden], details:not([open]) > :not(summary)")) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (opacity === 0) continue;
    const back = background(el);
    if (!back) continue;
    const fg = parse(s.color);
    const text = over({...fg, a: fg.a * opacity}, back);
    const [hi, lo] = [lum(text), lum(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio < needed - 0.005) {
      const where = `<${el.tagName.toLowerCase()} class="${el.className}">`;
      const what = JSON.stringify(node.textContent.trim().slice(0, 40));
      const behind = [back.r, back.g, back.b].map(Math.round).join(", ");
      found.push(`${ratio.toFixed(2)} < ${needed}: ${where} ${what} ${s.color} on rgb(${behind})`);
    }
  }
  return found;
}
"""


def test_every_page_has_text_that_stands_out_from_its_background(
    page: Page,
    live_site,
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    problems = problems_on_every_page(
        page, live_site.url, tmp_path, script=LOW_CONTRAST, username="contrast-admin", language="en"
    )
    assert not problems, "\n".join(problems)
