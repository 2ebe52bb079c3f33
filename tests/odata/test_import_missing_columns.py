"""A file without a column for a required field: the column matching page says so, offers
one value for every row where the field takes a few fixed values, and a way back."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from cxm.models import User
from odata.jobs import run_import
from odata.models import Customer, ImportRun, Order, Store
from tests.conftest import client_for
from tests.odata.imports.test_import_job_and_command import _command

pytestmark = pytest.mark.django_db

# Every header is recognised; there is no channel column.
ORDERS_CSV = (
    "주문번호,고객번호,매장코드,주문일시,결제금액\n"
    "O1,C1,S1,2024-03-01 10:00,12000\n"
    "O2,C1,S1,2024-03-02 11:30,8000\n"
).encode()


def _upload(client: Client, content: bytes, *, kind: str = "orders") -> str:
    data = {"kind": kind, "mode": "strict", "encoding": "auto"}
    data["file"] = SimpleUploadedFile("orders.csv", content, content_type="text/csv")  # type: ignore[assignment]
    response = client.post("/odata/imports/", data)
    assert response.status_code == 302
    return str(response["Location"])


@pytest.fixture
def english_admin(admin: User) -> User:
    admin.language = "en"
    admin.save(update_fields=["language"])
    return admin


@pytest.fixture
def customer_and_store() -> None:
    Customer.objects.create(external_id="C1", name="고객", created_at=timezone.now())
    Store.objects.create(external_id="S1", name="강남점")


def test_page_says_the_file_has_no_column_and_offers_a_way_back(english_admin: User) -> None:
    client = client_for(english_admin)
    location = _upload(client, ORDERS_CSV)
    run = ImportRun.objects.get()
    assert location == f"/odata/imports/{run.code}/columns/"
    page = client.get(location).content.decode()
    assert "were not recognised" not in page
    assert (
        "Every column of orders.csv was recognised, but the file has no column for: channel."
        in page
    )
    assert "add the column to the file and upload it again" in page
    assert 'href="/odata/imports/"' in page and "Upload another file" in page
    # The fixed values of the channel, one for every row.
    assert "Use one value for every row" in page
    for value in ("online", "store", "app", "phone"):
        assert f'value="{value}"' in page


def test_submitting_without_a_value_tells_what_is_missing(english_admin: User) -> None:
    client = client_for(english_admin)
    location = _upload(client, ORDERS_CSV)
    columns = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
               "col_3": "placed_at", "col_4": "amount"}  # fmt: skip
    response = client.post(location, columns)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file has no column for: channel. Choose one value for every row" in page
    assert "Choose a column for" not in page
    assert ImportRun.objects.get().status == ImportRun.Status.NEEDS_MAPPING


def test_one_value_for_every_row_is_imported(
    admin: User, customer_and_store: None, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    location = _upload(client, ORDERS_CSV)
    columns = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
               "col_3": "placed_at", "col_4": "amount"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(location, {**columns, "value_channel": "store", "save_as": "POS"})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/odata/imports/{run.code}/"
    assert (run.status, run.constants) == (ImportRun.Status.QUEUED, {"channel": "store"})
    run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert sorted(Order.objects.values_list("external_id", "channel")) == [
        ("O1", "store"),
        ("O2", "store"),
    ]


def test_a_value_that_is_not_a_channel_is_refused(admin: User) -> None:
    client = client_for(admin)
    location = _upload(client, ORDERS_CSV)
    columns = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
               "col_3": "placed_at", "col_4": "amount"}  # fmt: skip
    response = client.post(location, {**columns, "value_channel": "fax"})
    assert response.status_code == 400
    assert ImportRun.objects.get().status == ImportRun.Status.NEEDS_MAPPING


def test_a_column_and_a_value_for_the_same_field_are_refused(english_admin: User) -> None:
    content = "주문번호,고객번호,매장코드,주문일시,결제금액,경로\nO1,C1,S1,2024-03-01,1000,웹\n"
    client = client_for(english_admin)
    location = _upload(client, content.encode())
    columns = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
               "col_3": "placed_at", "col_4": "amount", "col_5": "channel"}  # fmt: skip
    response = client.post(location, {**columns, "value_channel": "app"})
    assert response.status_code == 400
    assert "“경로” already holds this field." in response.content.decode()


def test_a_missing_field_without_fixed_values_asks_for_a_new_file(english_admin: User) -> None:
    content = "주문번호,고객번호,채널,결제금액\nO1,C1,웹,1000\n".encode()
    client = client_for(english_admin)
    location = _upload(client, content)
    page = client.get(location).content.decode()
    assert "the file has no column for: placed at." in page
    assert "Add the column to the file and upload it again." in page
    assert "Use one value for every row" not in page
    columns = {"col_0": "external_id", "col_1": "customer", "col_2": "channel", "col_3": "amount"}
    response = client.post(location, columns)
    assert response.status_code == 400
    assert (
        "The file has no column for: placed at. Add the column to the file and upload it again."
        in response.content.decode()
    )


def test_korean_page_names_the_missing_column(admin: User) -> None:
    admin.language = "ko"
    admin.save(update_fields=["language"])
    client = client_for(admin)
    page = client.get(_upload(client, ORDERS_CSV)).content.decode()
    assert "일부 열을 알아보지 못했습니다" not in page
    assert "파일에 다음 항목의 열이 없습니다: 채널" in page or "열이 없습니다: 채널." in page


def test_the_command_takes_one_value_for_every_row(
    tmp_path: Path, customer_and_store: None
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS_CSV)
    refused, summary = _command("orders", str(path))
    assert refused == 1 and summary["message_code"] == "missing_columns"
    code, summary = _command("orders", str(path), "--value", "channel=store")
    assert code == 0 and summary["created"] == 2
    assert set(Order.objects.values_list("channel", flat=True)) == {"store"}
    assert ImportRun.objects.filter(constants={"channel": "store"}).count() == 1


def test_the_command_names_the_values_it_takes(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS_CSV)
    for bad in ("channel=shop", "amount=1", "channel"):
        with pytest.raises(CommandError) as refused:
            _command("orders", str(path), "--value", bad)
        assert "channel: online, store, app, phone" in str(refused.value)
    assert not ImportRun.objects.exists()
