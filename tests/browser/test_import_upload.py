"""An admin uploads a customer file, watches the progress reach 100% while a real worker
imports it, and opens the error report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cxm.models import User
from odata.models import Customer, Store
from tests.browser.conftest import screenshot
from tests.conftest import subprocess_database_url
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _customers_file(tmp_path: Path) -> Path:
    lines = ["고객번호,이름,이메일,휴대폰,주매장,수신동의,가입일"]
    for n in range(1, 2001):
        email = f"customer{n}@example.com" if n % 500 else "not-an-address"
        lines.append(f"C{n:05d},고객{n},{email},010-1234-{n:04d},S001,Y,2024.01.05")
    path = tmp_path / "고객목록.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp949")
    return path


def test_admin_uploads_watches_progress_and_opens_the_error_report(
    page: Page,
    live_site,
    admin: User,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    Store.objects.create(external_id="S001", name="강남점")
    page.goto(f"{live_site.url}/login/")
    page.get_by_label("사용자 이름").fill(admin.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Manage").click()
    nav.get_by_role("link", name="Import data").click()
    page.get_by_label("What the file holds").select_option("customers")
    page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(str(_customers_file(tmp_path)))
    page.get_by_label("Skip invalid rows").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Waiting for a worker…")).to_be_visible()

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "--burst", "bulk"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": subprocess_database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        expect(page.locator("progress")).to_have_attribute("value", "100", timeout=60_000)
    finally:
        worker.wait(timeout=60)
    expect(page.get_by_text("1,996 of 2,000 rows imported.")).to_be_visible()
    expect(page.get_by_role("cell", name="not-an-address").first).to_be_visible()
    screenshot(page, "import-finished-en")
    assert Customer.objects.count() == 1996

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    report = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "row,column,value,reason"
    assert "501,이메일,not-an-address,Not an e-mail address." in report
    assert len(report.splitlines()) == 5
