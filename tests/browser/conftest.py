"""Playwright driving the system's Chromium (no browser download) against live_server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# Flags for a headless Chromium on a server without network: no background connections,
# no sandbox when running as root (CI runs as root in a container).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str:
    path = os.environ.get("CXM_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        pytest.fail("No Chromium found: set CXM_CHROMIUM or run the suite with `make test`.")
    return path


class LiveServer:
    """The app served by a thread, static files through WhiteNoise exactly as in production.

    pytest-django's own live_server puts Django's finder-based static handler in front, which
    cannot serve the hashed names of the manifest storage.
    """

    def __init__(self) -> None:
        self.thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app)
        self.thread.daemon = True
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        self.url = f"http://127.0.0.1:{self.thread.port}"

    def stop(self) -> None:
        self.thread.terminate()


@pytest.fixture(scope="session")
def live_site(django_db_blocker: Any) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():
        server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium_path(),
            headless=True,
            args=[*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])],
        )
        yield browser
        browser.close()
    # Subprocess tests must not inherit this.
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
