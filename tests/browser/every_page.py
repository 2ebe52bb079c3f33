"""Run a script on every page of the site in the browser: the pages customers and signed-out
people see, then every staff page as an admin (the routes of `tests.cxm.page_walk`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from cxm.models import User
from cxm.roles import Role
from tests.cxm.page_walk import TOKEN, all_routes, world
from tests.factories import TEST_PASSWORD, UserFactory


def _is_page(page: Page, url: str) -> bool:
    """Open `url`; whether it is an HTML page that answered 200 (not an export or a refusal)."""
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return False  # an export, not a page
        raise
    if response is None or response.status != 200:
        return False
    return (response.headers.get("content-type") or "").startswith("text/html")


def problems_on_every_page(
    page: Page,
    site_url: str,
    folder: Path,
    *,
    script: str,
    arg: Any = None,
    username: str,
    language: str = "ko",
) -> list[str]:
    """`script` (a JavaScript function returning a list of lines) run on every page, each line
    prefixed with its page's URL; the staff pages as an admin who reads `language`."""
    admin: User = UserFactory(username=username, role=Role.ADMIN, language=language)
    urls = [url for url in all_routes(world(admin, folder)) if url != "/logout/"]
    found: list[str] = []

    def check(url: str) -> None:
        if _is_page(page, site_url + url):
            found.extend(f"{site_url}{url}: {line}" for line in page.evaluate(script, arg))

    for url in ["/login/", f"/s/{TOKEN}/", "/o/sweep/"]:
        check(url)
    page.goto(f"{site_url}/login/")
    page.get_by_label("사용자 이름").fill(admin.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{site_url}/")
    for url in urls:
        check(url)
    return found
