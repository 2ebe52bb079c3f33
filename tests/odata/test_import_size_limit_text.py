"""The import page states its size limit as people write it: 200 MB, not 200.0 MB."""

from __future__ import annotations

import pytest

from cxm.models import User
from cxm.sizes import file_size
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "ko"])
def test_import_page_shows_the_limit_without_a_needless_decimal(
    admin: User, settings, language: str
) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_IMPORT_MAX_BYTES = 200 * 1024 * 1024
    admin.language = language
    admin.save(update_fields=["language"])
    page = client_for(admin).get("/odata/imports/").content.decode()
    assert "200\xa0MB" in page
    assert "200.0" not in page


def test_sizes_keep_a_decimal_that_says_something(settings) -> None:  # type: ignore[no-untyped-def]
    assert file_size(1024 * 1024) == "1\xa0MB"
    assert file_size(1536 * 1024) == "1.5\xa0MB"
    assert file_size(10 * 1024) == "10\xa0KB"
