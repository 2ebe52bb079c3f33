"""The open-link page shows the link's QR code and offers it as SVG and PNG files to print.

Each image is checked to be segno's rendering of exactly the expected link, and the PNG is read
back with zbar's decoder (zbarimg, installed by `make test` as root) where it is on PATH.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
from html import unescape
from pathlib import Path

import pytest
import segno

from cxm.models import User
from surveys.models import Survey
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.surveys.test_answer_open_link import SHORT
from tests.surveys.test_answer_pages import make_survey
from tests.surveys.test_builder_surveys import _english, _settings

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _code(link: str) -> segno.QRCode:
    return segno.make(link, error="m", micro=False)


def _svg(link: str) -> bytes:
    out = io.BytesIO()
    _code(link).save(out, kind="svg", scale=10)
    return out.getvalue()


def _png(link: str) -> bytes:
    out = io.BytesIO()
    _code(link).save(out, kind="png", scale=20, dpi=300)
    return out.getvalue()


def _page(survey: Survey, query: str = "") -> str:
    return f"/surveys/{survey.code}/open-link/{query}"


def _image(html: str) -> tuple[str, str]:
    """(src, alt) of the QR code image on the open-link page."""
    found = re.search(r'<img id="open-link-qr" src="([^"]+)" alt="([^"]+)">', html)
    assert found
    return unescape(found.group(1)), unescape(found.group(2))


def _download_links(html: str) -> tuple[str, str]:
    svg = re.search(r'<a id="qr-download-svg" href="([^"]+)"', html)
    png = re.search(r'<a id="qr-download-png" href="([^"]+)"', html)
    assert svg and png
    return unescape(svg.group(1)), unescape(png.group(1))


def test_the_page_shows_the_code_of_the_open_link_with_alt_text(admin: User) -> None:
    survey = make_survey(SHORT, open_code="R1")
    response = client_for(_english(admin)).get(_page(survey))
    html = response.content.decode()
    assert response.status_code == 200
    src, alt = _image(html)
    assert src == _code("http://testserver/o/R1/").svg_data_uri(scale=8)
    assert alt == "QR code that opens the survey “매장 만족도”: http://testserver/o/R1/"
    # Big enough to scan off a screen: 8 px per module.
    width, _height = _code("http://testserver/o/R1/").symbol_size(scale=8)
    assert width >= 250
    assert _download_links(html) == (
        f"/surveys/{survey.code}/open-link/qr.svg",
        f"/surveys/{survey.code}/open-link/qr.png",
    )
    # The copy button is hidden until the script shows it, so the page works without it.
    assert 'data-copy="#open-link-url"' in html
    assert "cxm/copy-link" in html


def test_the_svg_download_is_the_code_of_the_link_as_an_attachment(admin: User) -> None:
    survey = make_survey(SHORT, open_code="R1")
    response = client_for(admin).get(f"/surveys/{survey.code}/open-link/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%EB%A7%A4%EC%9E%A5-%EB%A7%8C%EC%A1%B1%EB%8F%84-qr.svg"
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content == _svg("http://testserver/o/R1/")
    assert response.content.startswith(b"<?xml")


def test_the_png_download_is_a_print_sized_png_of_the_link(admin: User) -> None:
    survey = make_survey(SHORT, open_code="R1")
    survey.name = "Table card"
    survey.save(update_fields=["name"])
    response = client_for(admin).get(f"/surveys/{survey.code}/open-link/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="table-card-qr.png"'
    assert "no-store" in response["Cache-Control"]
    body = response.content
    assert body.startswith(PNG_SIGNATURE)
    assert body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    modules, _ = _code("http://testserver/o/R1/").symbol_size(scale=1)
    assert width == height == modules * 20
    assert width >= 600  # 5 cm or more at 300 dpi
    assert body == _png("http://testserver/o/R1/")


def test_a_code_for_one_store_and_channel_carries_them_in_the_link(admin: User) -> None:
    survey = make_survey(SHORT, open_code="R1")
    StoreFactory(external_id="S-001", name="강남점")
    client = client_for(_english(admin))
    html = client.get(_page(survey, "?store=S-001&channel=qr_table")).content.decode()
    link = "http://testserver/o/R1/?store=S-001&channel=qr_table"
    src, alt = _image(html)
    assert src == _code(link).svg_data_uri(scale=8)
    assert alt.endswith(link)
    svg_url, png_url = _download_links(html)
    assert svg_url == f"/surveys/{survey.code}/open-link/qr.svg?store=S-001&channel=qr_table"
    svg = client.get(svg_url)
    assert svg.content == _svg(link)
    assert svg["Content-Disposition"].endswith("-s-001-qr_table-qr.svg")
    assert client.get(png_url).content == _png(link)


def test_a_bad_channel_is_refused_and_the_page_offers_no_code_until_it_is_fixed(
    admin: User,
) -> None:
    survey = make_survey(SHORT, open_code="R1")
    client = client_for(_english(admin))
    response = client.get(_page(survey, "?channel=not+a+word"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Use at most 16 letters, digits, _ or -, such as qr_table." in html
    assert 'id="open-link-qr"' not in html
    assert 'id="qr-download-svg"' not in html and 'id="qr-download-png"' not in html
    assert "No code is shown while the store or channel above is wrong" in html
    unknown = client.get(_page(survey, "?store=NOPE")).content.decode()
    assert 'id="open-link-qr"' not in unknown and 'id="qr-download-png"' not in unknown
    cleared = client.get(_page(survey, "?store=&channel=")).content.decode()
    assert _image(cleared)[0] == _code("http://testserver/o/R1/").svg_data_uri(scale=8)
    assert _download_links(cleared)[0] == f"/surveys/{survey.code}/open-link/qr.svg"
    download = client.get(f"/surveys/{survey.code}/open-link/qr.svg?channel=not+a+word")
    assert download.status_code == 400
    assert download["Content-Type"] == "text/html; charset=utf-8"
    assert "Use at most 16 letters, digits, _ or -, such as qr_table." in download.content.decode()
    unknown_store = client.get(f"/surveys/{survey.code}/open-link/qr.png?store=NOPE")
    assert unknown_store.status_code == 400


def test_staff_without_survey_rights_and_visitors_get_no_code(
    manager: User, outsider: User
) -> None:
    survey = make_survey(SHORT, open_code="R1")
    for kind in ("svg", "png"):
        url = f"/surveys/{survey.code}/open-link/qr.{kind}"
        assert client_for(manager).get(url).status_code == 403
        assert client_for(outsider).get(url).status_code == 403
        anonymous = client_for(manager)
        anonymous.logout()
        assert anonymous.get(url).status_code == 302  # to the sign-in page
    assert client_for(manager).get(_page(survey)).status_code == 403


def test_a_survey_without_an_open_link_has_no_code(admin: User) -> None:
    survey = make_survey(SHORT)
    client = client_for(_english(admin))
    html = client.get(_page(survey)).content.decode()
    assert 'id="open-link-qr"' not in html
    assert client.get(f"/surveys/{survey.code}/open-link/qr.svg").status_code == 404
    assert client.get(f"/surveys/{survey.code}/open-link/qr.png").status_code == 404
    assert client.post(f"/surveys/{survey.code}/open-link/qr.svg").status_code == 405


def test_the_code_follows_the_link_when_it_is_switched_off_and_on_again(admin: User) -> None:
    survey = make_survey(SHORT, open_code="R1")
    client = client_for(admin)
    old = "http://testserver/o/R1/"
    assert client.get(f"/surveys/{survey.code}/open-link/qr.svg").content == _svg(old)

    settings_url = f"/surveys/{survey.code}/settings/"
    switched_off = _settings(survey, open_link="", send_on_milestone="")
    assert client.post(settings_url, switched_off).status_code == 302
    assert client.get(f"/surveys/{survey.code}/open-link/qr.svg").status_code == 404
    switched_on = _settings(survey, open_link="on", send_on_milestone="")
    assert client.post(settings_url, switched_on).status_code == 302
    survey.refresh_from_db()
    assert survey.open_code and survey.open_code != "R1"

    new = f"http://testserver/o/{survey.open_code}/"
    html = client.get(_page(survey)).content.decode()
    assert _image(html)[0] == _code(new).svg_data_uri(scale=8)
    svg = client.get(f"/surveys/{survey.code}/open-link/qr.svg")
    assert svg.content == _svg(new)
    assert svg.content != _svg(old)
    assert "no-store" in svg["Cache-Control"]
    assert client.get(f"/surveys/{survey.code}/open-link/qr.png").content == _png(new)


def test_issuing_a_new_signing_secret_keeps_the_code(admin: User) -> None:
    survey = make_survey(SHORT, open_code="R1")
    client = client_for(admin)
    before = client.get(f"/surveys/{survey.code}/open-link/qr.png").content
    assert client.post(f"/surveys/{survey.code}/open-link/rotate/").status_code == 302
    survey.refresh_from_db()
    assert survey.open_link_secret
    assert client.get(f"/surveys/{survey.code}/open-link/qr.png").content == before


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbarimg (zbar-tools)")
def test_the_printed_png_decodes_back_to_the_link(admin: User, tmp_path: Path) -> None:
    survey = make_survey(SHORT, open_code="R1")
    StoreFactory(external_id="S-001", name="강남점")
    client = client_for(admin)
    for query, link in (
        ("", "http://testserver/o/R1/"),
        ("?store=S-001&channel=qr_table", "http://testserver/o/R1/?store=S-001&channel=qr_table"),
    ):
        png = tmp_path / "code.png"
        png.write_bytes(client.get(f"/surveys/{survey.code}/open-link/qr.png{query}").content)
        decoded = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(png)],  # noqa: S607 -- zbarimg from PATH
            capture_output=True,
            text=True,
            check=True,
        )
        assert decoded.stdout.strip() == link
