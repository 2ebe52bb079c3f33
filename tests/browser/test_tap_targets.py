"""Every control can be tapped on a phone: at 375 px, each link, button and field is at least
24 by 24 CSS px, or is one of WCAG 2.2's exceptions to 2.5.8 (Target Size, Minimum): a link
within a sentence, a control whose size the browser sets (check boxes, radio buttons), or an
undersized target with room around it (a 24 px circle on its centre touches no other target
and no other such circle). Checked in Chromium for every staff page as an admin and for the
pages customers and signed-out people see."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.every_page import problems_on_every_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN = 24

# One line per target that is too small and not excepted.
SMALL_TARGETS = r"""
(min) => {
  const selector = "a[href], button, select, textarea, summary, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])";
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && s.visibility === "visible"
      && !el.closest("[hidden], details:not([open]) > :not(summary)")
      // Clipped away and hidden from assistive technology (the answer page's Enter button).
      && !(el.closest("[aria-hidden=true]") && s.clip === "rect(0px, 0px, 0px, 0px)");
  };
  const targets = [...document.querySelectorAll(selector)].filter(visible);
  // A link inside a sentence: inline, in a block whose text is more than the link's.
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) {
      block = block.parentElement;
    }
    if (!block) return false;
    const own = el.textContent.trim().length;
    return block.textContent.replace(/\s+/g, " ").trim().length > own + 10;
  };
  const boxes = targets.map((el) => el.getBoundingClientRect());
  const small = targets.map((el, i) =>
    (boxes[i].width < min - 0.5 || boxes[i].height < min - 0.5) && !inSentence(el));
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const distanceToBox = ([x, y], r) => {
    const dx = Math.max(r.left - x, 0, x - r.right);
    const dy = Math.max(r.top - y, 0, y - r.bottom);
    return Math.hypot(dx, dy);
  };
  const found = [];
  targets.forEach((el, i) => {
    if (!small[i]) return;
    const c = centre(boxes[i]);
    const crowded = targets.some((other, j) => {
      if (j === i || other.contains(el) || el.contains(other)) return false;
      if (distanceToBox(c, boxes[j]) < min / 2) return true;
      if (!small[j]) return false;
      const [x, y] = centre(boxes[j]);
      return Math.hypot(c[0] - x, c[1] - y) < min;
    });
    if (crowded) {
      const r = boxes[i];
      const name = (el.textContent || el.getAttribute("aria-label") || el.name || "").trim();
      found.push(`<${el.tagName.toLowerCase()} class="${el.className}"> `
        + `${JSON.stringify(name.slice(0, 30))} ${r.width.toFixed(0)}x${r.height.toFixed(0)}`);
    }
  });
  return found;
}
"""


def test_every_control_is_large_enough_to_tap_on_a_phone(
    page: Page,
    live_site,
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    page.set_viewport_size({"width": 375, "height": 667})
    problems = problems_on_every_page(
        page, live_site.url, tmp_path, script=SMALL_TARGETS, arg=MIN, username="tap-admin"
    )
    assert not problems, f"{len(problems)} targets:\n" + "\n".join(problems)
