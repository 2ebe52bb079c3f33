"""The column matching page and its check say the same thing about a missing required field:
a column recognised as another field and then set to "not imported" does not make a field
the file has no column for into one to choose a column for."""

from __future__ import annotations

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cxm.models import User
from odata.models import ImportRun
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Every header is recognised; there is no channel column.
ORDERS_CSV = "주문번호,고객번호,매장코드,주문일시,결제금액\nO1,C1,S1,2024-03-01 10:00,12000\n"
RECOGNISED = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
              "col_3": "placed_at", "col_4": "amount"}  # fmt: skip
NO_CHANNEL_COLUMN = (
    "The file has no column for: channel. Choose one value for every row, "
    "or add the column to the file and upload it again."
)


@pytest.fixture
def client(admin: User) -> Client:
    admin.language = "en"
    admin.save(update_fields=["language"])
    return client_for(admin)


def _columns_page(client: Client, content: str) -> str:
    data = {"kind": "orders", "mode": "strict", "encoding": "auto"}
    data["file"] = SimpleUploadedFile("orders.csv", content.encode(), content_type="text/csv")  # type: ignore[assignment]
    response = client.post("/odata/imports/", data)
    assert response.status_code == 302
    return str(response["Location"])


def _refusal(client: Client, location: str, data: dict[str, str]) -> str:
    response = client.post(location, data)
    assert response.status_code == 400
    assert ImportRun.objects.get().status == ImportRun.Status.NEEDS_MAPPING
    assert django_rq.get_queue("bulk").count == 0
    return response.content.decode()


def test_an_ignored_optional_column_leaves_the_page_and_its_check_agreeing(client: Client) -> None:
    location = _columns_page(client, ORDERS_CSV)
    intro = client.get(location).content.decode()
    assert "the file has no column for: channel." in intro

    page = _refusal(client, location, {**RECOGNISED, "col_2": ""})

    assert NO_CHANNEL_COLUMN in page
    assert "Choose a column for" not in page


def test_an_ignored_required_column_is_to_be_chosen_and_the_absent_one_still_has_none(
    client: Client,
) -> None:
    location = _columns_page(client, ORDERS_CSV)

    page = _refusal(client, location, {**RECOGNISED, "col_4": ""})

    assert "Choose a column for: amount." in page
    assert NO_CHANNEL_COLUMN in page
    assert "Choose a column for: channel" not in page


def test_a_column_not_recognised_may_hold_the_field_or_one_value_is_chosen(
    client: Client,
) -> None:
    location = _columns_page(
        client, "주문번호,고객번호,주문일시,결제금액,경로\nO1,C1,2024-03-01,1,웹\n"
    )
    intro = client.get(location).content.decode()
    assert "Some columns of orders.csv were not recognised." in intro
    assert "but the file has no column for" not in intro

    page = _refusal(client, location, {"col_0": "external_id", "col_1": "customer",
                                       "col_2": "placed_at", "col_3": "amount"})  # fmt: skip

    assert "Choose a column or one value for every row for: channel." in page
    assert "The file has no column for" not in page


def test_a_recognised_column_set_to_not_imported_offers_one_value_and_takes_it(
    client: Client,
) -> None:
    # 채널 is recognised as the channel; 금액X is not recognised, so the page is shown.
    location = _columns_page(
        client, "주문번호,고객번호,주문일시,금액X,채널\nO1,C1,2024-03-01,1,매장\n"
    )
    intro = client.get(location).content.decode()
    assert 'name="value_channel"' not in intro  # the channel has its column

    columns = {"col_0": "external_id", "col_1": "customer", "col_2": "placed_at",
               "col_3": "amount", "col_4": ""}  # fmt: skip
    page = _refusal(client, location, columns)

    assert "Choose a column or one value for every row for: channel." in page
    assert 'name="value_channel"' in page  # the page offers what it asks for

    response = client.post(location, {**columns, "value_channel": "store"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.QUEUED
    assert run.constants == {"channel": "store"}
