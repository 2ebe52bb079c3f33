"""The column matching page shows a value the import service refuses as an error on the page
(400), never as a server error, should the page's own check ever let it through."""

from __future__ import annotations

from typing import Any

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cxm.models import User
from odata import forms
from odata.models import ImportRun
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ORDERS_CSV = "주문번호,고객번호,매장코드,주문일시,결제금액\nO1,C1,S1,2024-03-01 10:00,12000\n"
COLUMNS = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
           "col_3": "placed_at", "col_4": "amount"}  # fmt: skip


@pytest.fixture
def client(admin: User) -> Client:
    admin.language = "en"
    admin.save(update_fields=["language"])
    return client_for(admin)


def _columns_page(client: Client) -> str:
    data: dict[str, Any] = {"kind": "orders", "mode": "strict", "encoding": "auto"}
    data["file"] = SimpleUploadedFile("orders.csv", ORDERS_CSV.encode(), content_type="text/csv")
    response = client.post("/odata/imports/", data)
    assert response.status_code == 302
    return str(response["Location"])


def test_a_value_the_service_refuses_is_shown_on_the_page(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = _columns_page(client)
    # A page check that takes any value as given: the service still checks it.
    monkeypatch.setattr(forms, "check_constants", lambda _spec, constants, **_kw: dict(constants))

    response = client.post(location, {**COLUMNS, "value_channel": "fax"})

    assert response.status_code == 400
    assert "“fax” is not a channel. Choose one of:" in response.content.decode()
    run = ImportRun.objects.get()
    assert (run.status, run.constants) == (ImportRun.Status.NEEDS_MAPPING, {})
    assert django_rq.get_queue("bulk").count == 0
