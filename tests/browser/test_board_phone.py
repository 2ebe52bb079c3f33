"""On a phone (375 px) the board's reassign button stays on screen while the manager scrolls
down the task cards and ticks the last one, and the bar counts the ticked tasks; until a task is
ticked the bar keeps to one row."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from cxm.models import User
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_closed_loop import _signed_in
from tests.conftest import with_language
from tests.factories import FollowUpTaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_reassign_button_is_on_screen_at_the_last_card(
    browser: Browser,
    live_site,  # type: ignore[no-untyped-def]
    manager: User,
) -> None:
    FollowUpTaskFactory.create_batch(20)
    context = _signed_in(
        browser, live_site, with_language(manager, "en"), viewport={"width": 375, "height": 667}
    )
    page = context.new_page()
    page.goto(f"{live_site.url}/actions/board/")

    boxes = page.locator('#board-list input[name="tasks"]')
    expect(boxes).to_have_count(20)
    # Nothing ticked: the bar is one row (count and button); the owner fields come with a tick.
    owner = page.get_by_label("New owner", exact=True)
    expect(owner).to_be_hidden()
    idle = page.locator(".bulk-bar-sticky").bounding_box()
    boxes.first.check()
    expect(owner).to_be_visible()
    ticked = page.locator(".bulk-bar-sticky").bounding_box()
    assert idle is not None and ticked is not None
    assert idle["height"] < 0.2 * 667 and idle["height"] < ticked["height"] - 40, (idle, ticked)
    last = boxes.last
    last.scroll_into_view_if_needed()
    last.check()

    button = page.get_by_role("button", name="Reassign the selected tasks")
    expect(button).to_be_in_viewport()
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    # The ticked box is not hidden under the bar.
    box = last.bounding_box()
    bar = page.locator(".bulk-bar-sticky").bounding_box()
    assert box is not None and bar is not None and box["y"] + box["height"] <= bar["y"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "board-phone-bulk-bar.png"))  # the viewport, bar and all
    context.close()
