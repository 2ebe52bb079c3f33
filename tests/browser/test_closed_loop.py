"""The closed loop in a browser: a detractor answers a survey link, a real RQ worker evaluates
the response and opens a task for the plan's named owner, whose inbox (open on a phone) shows
it without a reload; the owner works the checklist, picks a root cause and resolves; the
manager's board, open in another window, updates on its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect

from actions.models import FollowUpTask, TaskStatus
from cxm.models import User
from cxm.roles import Role
from tests.browser.conftest import screenshot
from tests.conftest import subprocess_database_url
from tests.factories import ActionPlanFactory, RootCauseFactory, TriggerRuleFactory, UserFactory
from tests.odata.test_customer_360 import CustomerFactory
from tests.surveys.test_answer_pages import QUESTIONS, TOKEN, make_invitation, make_survey

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
# The task appears once the worker has evaluated the response; the lists poll every second.
APPEAR_MS = 45_000


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[str]]:
    """A real `rqworker` on the realtime queue, pointed at the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "EMAIL_URL": "store:",
        "LOG_FORMAT": "text",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "realtime"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _signed_in(browser: Browser, live_site: Any, user: User, **options: Any) -> BrowserContext:
    """A browser context with `user`'s session (the sign-in form has its own browser test)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(locale="en-US", **options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_site.url,
            }
        ]
    )
    context.set_default_timeout(30_000)
    return context


@pytest.fixture
def patient_expect() -> Iterator[None]:
    # The machine running the suite may be busy (a worker, the live server and Chromium share
    # it): give assertions on swapped-in content longer than Playwright's default 5 s.
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def test_detractor_to_resolved_task_live(
    browser: Browser,
    live_site: Any,
    worker: subprocess.Popen[str],
    settings: Any,
    patient_expect: None,
) -> None:
    settings.CXM_TASKS_POLL_SECONDS = 1
    owner = UserFactory(username="store-lead", name="Park Jihoon", role=Role.STAFF, language="en")
    boss = UserFactory(
        username="area-manager", name="Lee Seoyeon", role=Role.MANAGER, language="en"
    )
    RootCauseFactory(key="late-delivery", label_en="Late delivery", label_ko="배송 지연")
    plan = ActionPlanFactory(
        title="Call the detractor back",
        routing="user",
        owner=owner,
        checklist=["Call the customer", "Offer a remedy"],
        instructions="Call within the SLA, listen, apologise, offer a remedy.",
        notify_email=False,
    )
    rule = TriggerRuleFactory(name="Detractor follow-up", plan=plan, is_enabled=True)
    customer = CustomerFactory(name="Kim Minji")
    make_invitation(make_survey(QUESTIONS), customer=customer, language="en")

    # The owner's inbox on a phone, the manager's board on a desk: both open before the answer.
    phone = _signed_in(
        browser,
        live_site,
        owner,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    desk = _signed_in(browser, live_site, boss, viewport={"width": 1280, "height": 800})
    inbox, board = phone.new_page(), desk.new_page()
    inbox.goto(f"{live_site.url}/actions/tasks/")
    expect(inbox.get_by_text("Nothing here. New tasks appear on their own.")).to_be_visible()
    board.goto(f"{live_site.url}/actions/board/")
    expect(board.locator('[data-figure="open"]')).to_have_text("0")

    # The customer answers badly on their own phone.
    customer_context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    answer = customer_context.new_page()
    answer.set_default_timeout(30_000)
    answer.goto(f"{live_site.url}/s/{TOKEN}/")
    answer.get_by_role("radio", name="2", exact=True).check()
    answer.get_by_role("button", name="Next").click()
    answer.get_by_label("What went wrong?").fill("The parcel came a week late.")
    answer.get_by_role("group", name="How satisfied were you?").get_by_role(
        "radio", name="1", exact=True
    ).check()
    answer.get_by_role("button", name="Next").click()
    answer.get_by_role("radio", name="No", exact=True).check()
    answer.get_by_role("button", name="Send answers").click()
    expect(answer.get_by_role("heading", name="Thank you, we have your answer")).to_be_visible()
    customer_context.close()

    # The worker evaluates the response; the inbox shows the task without a reload.
    card = inbox.locator(".task-card", has_text="Kim Minji")
    expect(card).to_be_visible(timeout=APPEAR_MS)
    assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
    expect(card).to_contain_text("Detractor follow-up")
    assert inbox.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(inbox, "my-tasks-phone")
    task = FollowUpTask.objects.get(rule=rule)
    assert task.owner == owner and task.customer == customer and task.status == TaskStatus.NEW
    expect(board.locator('[data-figure="open"]')).to_have_text("1", timeout=APPEAR_MS)

    # The owner opens it, works the checklist (in place, htmx) and resolves.
    card.get_by_role("link").click()
    expect(inbox.get_by_role("heading", level=1)).to_have_text(task.title)
    expect(inbox.get_by_text("The parcel came a week late.").first).to_be_visible()
    for step in ("Call the customer", "Offer a remedy"):
        inbox.get_by_role("button", name=step).click()
        expect(inbox.get_by_role("button", name=step)).to_have_attribute("aria-pressed", "true")
    screenshot(inbox, "task-page-phone")
    inbox.get_by_label("Root cause").select_option(label="Late delivery")
    inbox.get_by_label("Resolution note").fill("Apologised and refunded the shipping fee.")
    inbox.get_by_role("button", name="Resolve", exact=True).click()
    expect(inbox.locator(".badge-status")).to_have_text("Resolved")
    task.refresh_from_db()
    assert task.status == TaskStatus.RESOLVED and task.root_cause is not None
    assert [item["done"] for item in task.checklist] == [True, True]

    # The manager's board, never reloaded, shows the work done.
    expect(board.locator('[data-figure="open"]')).to_have_text("0", timeout=APPEAR_MS)
    expect(board.locator('[data-figure="compliance"]')).to_have_text("100%")
    expect(board.get_by_text("No task matches.")).to_be_visible()  # the open list, refreshed
    screenshot(board, "follow-up-board-desktop")
    phone.close()
    desk.close()
