"""One value for every row (an order's channel the file has no column for) is checked the
same way on the column matching page, by `import_odata --value` and by the import service:
only a field with fixed values takes one, the value must be one of them in any spelling the
column itself accepts (`매장` for `store`), and a refused value queues nothing and is never
dropped silently."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone, translation

from cxm.models import User
from odata import jobs
from odata.importing.required import ValueRefused
from odata.models import Customer, ImportRun, Order, Store
from odata.services.imports import set_mapping, start_import
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Every header is recognised; there is no channel column.
ORDERS_CSV = "주문번호,고객번호,매장코드,주문일시,결제금액\nO1,C1,S1,2024-03-01 10:00,12000\n"
COLUMNS = {"col_0": "external_id", "col_1": "customer", "col_2": "store",
           "col_3": "placed_at", "col_4": "amount"}  # fmt: skip
NOT_A_CHANNEL = "“fax” is not a channel. Choose one of: online, store, app, phone."


@pytest.fixture
def customer_and_store() -> None:
    Customer.objects.create(external_id="C1", name="고객", created_at=timezone.now())
    Store.objects.create(external_id="S1", name="강남점")


def _file(tmp_path: Path, text: str = ORDERS_CSV) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _columns_page(admin: User, language: str) -> tuple[Client, str]:
    admin.language = language
    admin.save(update_fields=["language"])
    client = client_for(admin)
    data = {"kind": "orders", "mode": "strict", "encoding": "auto"}
    data["file"] = SimpleUploadedFile("orders.csv", ORDERS_CSV.encode(), content_type="text/csv")  # type: ignore[assignment]
    response = client.post("/odata/imports/", data)
    assert response.status_code == 302
    return client, str(response["Location"])


def _nothing_queued() -> None:
    assert django_rq.get_queue("bulk").count == 0


def test_the_page_refuses_a_value_that_is_not_a_channel(admin: User) -> None:
    client, location = _columns_page(admin, "en")

    response = client.post(location, {**COLUMNS, "value_channel": "fax"})

    assert response.status_code == 400
    page = response.content.decode()
    assert NOT_A_CHANNEL in page
    assert "The file has no column for" not in page  # the value is wrong, not missing
    assert ImportRun.objects.get().status == ImportRun.Status.NEEDS_MAPPING
    _nothing_queued()


def test_the_page_refuses_in_korean(admin: User) -> None:
    client, location = _columns_page(admin, "ko")

    page = client.post(location, {**COLUMNS, "value_channel": "fax"}).content.decode()

    assert "“fax”은(는) 채널 값이 아닙니다." in page
    assert "온라인 (online)" in page


def test_the_page_takes_a_korean_spelling_as_the_column_would(
    admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    client, location = _columns_page(admin, "en")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(location, {**COLUMNS, "value_channel": "매장"})

    assert response.status_code == 302
    assert ImportRun.objects.get().constants == {"channel": "store"}


def test_the_command_refuses_a_value_with_the_same_words(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("import_odata", "orders", str(_file(tmp_path)), "--value", "channel=fax")

    assert NOT_A_CHANNEL in str(refused.value)
    assert "Use --value FIELD=VALUE with channel: online, store, app, phone." in str(refused.value)
    assert not ImportRun.objects.exists()
    _nothing_queued()


def test_the_command_line_prints_the_refusal_as_json(tmp_path: Path, capsys: Any) -> None:
    command = load_command_class(get_commands()["import_odata"], "import_odata")
    argv = ["manage.py", "import_odata", "orders", str(_file(tmp_path)), "--value", "amount=1"]

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(argv)

    assert exit_.value.code == 1
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == {
        "ok": False,
        "error": "--value 'amount=1': “amount” cannot take one value for every row. "
        "Use --value FIELD=VALUE with channel: online, store, app, phone.",
    }


def test_the_command_takes_a_korean_spelling(tmp_path: Path, customer_and_store: None) -> None:
    out = io.StringIO()
    call_command(
        "import_odata", "orders", str(_file(tmp_path)), "--value", "channel=매장", stdout=out
    )

    assert json.loads(out.getvalue().strip().splitlines()[-1])["created"] == 1
    assert ImportRun.objects.get().constants == {"channel": "store"}
    assert list(Order.objects.values_list("channel", flat=True)) == ["store"]


@pytest.mark.parametrize(
    ("constants", "message"),
    [
        ({"channel": "fax"}, NOT_A_CHANNEL),
        ({"amount": "1"}, "“amount” cannot take one value for every row."),
        ({"status": "placed"}, "“status” cannot take one value for every row."),
    ],
)
def test_the_service_refuses_before_recording_anything(
    tmp_path: Path, constants: dict[str, str], message: str
) -> None:
    source = _file(tmp_path)

    with pytest.raises(ValueRefused) as refused:
        start_import(kind="orders", source=source, file_name="orders.csv", constants=constants)

    assert refused.value.message == message
    assert source.exists()  # still the caller's
    assert not ImportRun.objects.exists()
    _nothing_queued()


def test_the_service_refuses_in_the_callers_language(tmp_path: Path) -> None:
    with translation.override("ko"), pytest.raises(ValueRefused) as refused:
        start_import(
            kind="orders",
            source=_file(tmp_path),
            file_name="orders.csv",
            constants={"channel": "fax"},
        )

    assert refused.value.message.startswith("“fax”은(는) 채널 값이 아닙니다.")


def test_set_mapping_refuses_and_queues_nothing(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    run = start_import(kind="orders", source=_file(tmp_path), file_name="orders.csv")
    assert run.status == ImportRun.Status.NEEDS_MAPPING
    mapping = {"주문번호": "external_id", "고객번호": "customer", "매장코드": "store",
               "주문일시": "placed_at", "결제금액": "amount"}  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueRefused):
        set_mapping(run=run, mapping=mapping, constants={"channel": "fax"})
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueRefused) as held:
        set_mapping(run=run, mapping=mapping, constants={"store": "S1"})

    assert held.value.message == "“store” cannot take one value for every row."
    run.refresh_from_db()
    assert (run.status, run.constants) == (ImportRun.Status.NEEDS_MAPPING, {})
    _nothing_queued()


def test_a_value_for_a_field_the_file_has_a_column_for_rejects_the_run(tmp_path: Path) -> None:
    text = "주문번호,고객번호,채널,주문일시,결제금액\nO1,C1,웹,2024-03-01,1000\n"
    out = io.StringIO()

    with pytest.raises(SystemExit):
        call_command(
            "import_odata", "orders", str(_file(tmp_path, text)), "--value", "channel=store",
            stdout=out, stderr=io.StringIO(),
        )  # fmt: skip

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["status"], summary["message_code"]) == ("rejected", "value_for_a_column")
    assert summary["message"] == (
        "The column “채널” already holds channel, so it cannot also take one value for every row."
    )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("constants", "code", "params", "message"),
    [
        (
            {"channel": "fax"},
            "not_a_value_of_the_field",
            {"value": "fax", "field": "channel"},
            "“fax” is not a channel. Choose one of: online, store, app, phone.",
        ),
        (
            {"store": "S1"},
            "no_value_for_every_row",
            {"field": "store"},
            "“store” cannot take one value for every row.",
        ),
        (
            {"channel": "store", "amount": "1"},
            "no_value_for_every_row",
            {"field": "amount"},
            "“amount” cannot take one value for every row.",
        ),
    ],
)
def test_the_run_rejects_a_stored_value_it_cannot_write_and_says_why(
    tmp_path: Path,
    customer_and_store: None,
    constants: dict[str, str],
    code: str,
    params: dict[str, str],
    message: str,
) -> None:
    run = start_import(
        kind="orders",
        source=_file(tmp_path),
        file_name="orders.csv",
        enqueue=False,
        constants={"channel": "store"},
    )
    ImportRun.objects.filter(pk=run.pk).update(constants=constants)

    jobs.run_import(run.pk)

    run.refresh_from_db()
    assert (run.status, run.message_code, run.message_params) == (
        ImportRun.Status.REJECTED,
        code,
        params,
    )
    assert run.message == message
    assert not Order.objects.exists()


def test_a_stored_value_for_a_field_the_mapping_holds_is_named_as_such(
    tmp_path: Path, customer_and_store: None
) -> None:
    run = start_import(
        kind="orders",
        source=_file(tmp_path),
        file_name="orders.csv",
        enqueue=False,
        constants={"channel": "store"},
    )
    mapping = {**run.mapping, "매장코드": "channel"}
    ImportRun.objects.filter(pk=run.pk).update(mapping=mapping)

    jobs.run_import(run.pk)

    run.refresh_from_db()
    assert (run.status, run.message_code, run.message_params) == (
        ImportRun.Status.REJECTED,
        "value_for_a_column",
        {"column": "매장코드", "field": "channel"},
    )
    with translation.override("en"):
        assert run.message == (
            "The column “매장코드” already holds channel, so it cannot also take one value "
            "for every row."
        )
