"""An import checks its rows' references set-based: where the database role may, the rows are
written with their foreign keys' per-row triggers off, after one statement per referenced table
has locked every referenced row. Without that right, or when the table has triggers of its
own, the per-row triggers stay on. Either way no row refers to a missing one.

Into a table that was empty when the import began writing, the rows are inserted without
ON CONFLICT; a row another writer adds meanwhile sends its batch through ON CONFLICT again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext

from odata.importing import pipeline
from odata.importing.pipeline import may_skip_row_triggers
from odata.models import Customer, ImportMode, ImportRun, OperationalEvent, Order, Store
from odata.services.imports import run_import, start_import
from tests.odata.imports.files import csv_bytes

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ROWS = 120


@pytest.fixture
def references(db: None) -> None:
    Customer.objects.create(external_id="C1", created_at=T0)
    Customer.objects.create(external_id="C2", created_at=T0)
    Store.objects.create(external_id="S1", name="강남점")


def _file(tmp_path: Path, rows: list[list[str]]) -> Path:
    source = tmp_path / f"upload-{uuid.uuid4().hex}.csv"
    source.write_bytes(csv_bytes(rows))
    return source


def _orders_file(tmp_path: Path, *, completed_in_store: bool = False) -> Path:
    """ROWS orders of C1 and C2; completed store orders each make a milestone row."""
    channel, status = ("매장", "완료") if completed_in_store else ("온라인", "주문")
    rows = [["주문번호", "고객번호", "매장코드", "주문채널", "주문일시", "결제금액", "주문상태"]]
    rows += [
        [f"O{i}", f"C{1 + i % 2}", "S1", channel, "2024-03-01 10:00", "12,000", status]
        for i in range(ROWS)
    ]
    return _file(tmp_path, rows)


def _import(source: Path, kind: str = "orders") -> ImportRun:
    run = start_import(
        kind=kind, source=source, file_name=source.name, mode=ImportMode.STRICT, enqueue=False
    )
    assert run.status == ImportRun.Status.QUEUED, run.message
    run_import(run_id=run.pk)
    run.refresh_from_db()
    return run


def _key_lookups(index: str = "odata_customer_pkey") -> int:
    """Index scans of a primary key in this transaction so far: each per-row foreign-key
    check of a row referring to that table is one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_numscans(%s::regclass)", [index])
        return int(cursor.fetchone()[0])


def _lookups_of_an_import(tmp_path: Path, index: str = "odata_customer_pkey", **file: Any) -> int:
    """The import runs inside the test's transaction, so its deferred foreign-key checks are
    still pending: SET CONSTRAINTS ALL IMMEDIATE runs them now."""
    before = _key_lookups(index)
    run = _import(_orders_file(tmp_path, **file))
    assert (run.status, run.created) == (ImportRun.Status.SUCCEEDED, ROWS), run.message
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return _key_lookups(index) - before


@pytest.fixture
def plain_role(db: None) -> Iterator[str]:
    """A role that may do all the import does, but is no superuser; the test's connection
    acts as it. Created in the test's transaction, so it is gone afterwards."""
    name = f"cxm_importer_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOSUPERUSER")
        cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {name}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {name}")
        cursor.execute(f"SET ROLE {name}")
    yield name
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_a_superuser_writes_the_rows_without_a_check_per_row(
    references: None, tmp_path: Path
) -> None:
    assert may_skip_row_triggers("odata_order")

    lookups = _lookups_of_an_import(tmp_path)

    assert lookups < 10  # one locking statement, not one lookup per order
    assert Order.objects.filter(customer__external_id="C2").count() == ROWS // 2


def test_without_the_right_each_row_is_checked_by_its_trigger(
    references: None, plain_role: str, tmp_path: Path
) -> None:
    assert not may_skip_row_triggers("odata_order")

    lookups = _lookups_of_an_import(tmp_path)

    assert lookups >= ROWS


def test_a_role_granted_the_parameter_writes_without_a_check_per_row(
    references: None, plain_role: str, tmp_path: Path
) -> None:
    if connection.pg_version < 150000:
        pytest.skip("GRANT SET ON PARAMETER needs PostgreSQL 15")
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {plain_role}")
        cursor.execute(f"SET ROLE {plain_role}")
    assert may_skip_row_triggers("odata_order")

    assert _lookups_of_an_import(tmp_path) < 10


@pytest.mark.parametrize("index", ["odata_customer_pkey", "odata_order_pkey"])
def test_milestone_rows_are_written_without_a_check_per_row(
    references: None, tmp_path: Path, index: str
) -> None:
    lookups = _lookups_of_an_import(tmp_path, index, completed_in_store=True)

    assert OperationalEvent.objects.count() == ROWS  # each refers to a customer and an order
    assert lookups < 10


def test_a_rule_of_the_milestones_table_keeps_every_row_trigger_on(
    references: None, tmp_path: Path
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE RULE no_op AS ON INSERT TO odata_operationalevent WHERE false DO NOTHING"
        )
    assert may_skip_row_triggers("odata_order")
    assert not may_skip_row_triggers("odata_order", "odata_operationalevent")

    lookups = _lookups_of_an_import(tmp_path, completed_in_store=True)

    assert lookups >= 2 * ROWS  # each order and each milestone row checked its customer


def test_a_trigger_of_the_tables_own_keeps_every_row_trigger_on(
    references: None, tmp_path: Path
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE seen_orders (external_id text)")
        cursor.execute(
            "CREATE FUNCTION pg_temp.note_order() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO seen_orders VALUES (NEW.external_id); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER note_order AFTER INSERT ON odata_order "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.note_order()"
        )
    assert not may_skip_row_triggers("odata_order")

    lookups = _lookups_of_an_import(tmp_path)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM seen_orders")
        assert cursor.fetchone()[0] == ROWS  # the table's own trigger saw every row
    assert lookups >= ROWS


@pytest.mark.django_db(transaction=True)
def test_a_customer_deleted_after_the_file_was_checked_fails_the_import(
    references: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is typed and checked in one transaction and written in the next; a customer
    deleted in between is not locked, so the row triggers stay on and refuse the rows."""
    store_errors = pipeline.Pipeline._store_errors

    def delete_a_customer_then_store_errors(self: pipeline.Pipeline) -> int:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:  # autocommit: deleted for everyone at once
                cursor.execute("DELETE FROM odata_customer WHERE external_id = 'C2'")
        finally:
            other.close()
        return store_errors(self)

    monkeypatch.setattr(pipeline.Pipeline, "_store_errors", delete_a_customer_then_store_errors)
    source = _orders_file(tmp_path)

    with pytest.raises(IntegrityError):
        _import(source)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert Order.objects.count() == 0
    assert not Customer.objects.filter(external_id="C2").exists()


@pytest.fixture
def committed_order(transactional_db: None) -> Order:
    customer = Customer.objects.create(external_id="C1", created_at=T0)
    store = Store.objects.create(external_id="S1", name="강남점")
    return Order.objects.create(
        external_id="O1",
        customer=customer,
        store=store,
        channel="store",
        status="completed",
        placed_at=datetime(2024, 3, 1, 1, tzinfo=UTC),
        amount=12000,
    )


def _lockable_by_another_session(order: Order) -> bool:
    """Whether another session could change the order now (FOR NO KEY UPDATE, as an UPDATE
    of its status or customer would lock it; the row triggers' FOR KEY SHARE allows that)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM odata_order WHERE id = %s FOR NO KEY UPDATE NOWAIT", [order.pk]
            )
        return True
    except OperationalError:  # lock_not_available
        return False
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        # The order as it is: unchanged, so not written, but its milestone is new.
        (
            "orders",
            [
                [
                    "주문번호",
                    "고객번호",
                    "매장코드",
                    "주문채널",
                    "주문일시",
                    "결제금액",
                    "주문상태",
                ],
                ["O1", "C1", "S1", "매장", "2024-03-01 10:00", "12,000", "완료"],
            ],
        ),
        # A delivered delivery: its milestone takes the customer and store from its order.
        (
            "deliveries",
            [
                ["배송번호", "주문번호", "배송예정일", "배송완료일"],
                ["D1", "O1", "2024-03-03", "2024-03-02 15:00"],
            ],
        ),
        # A closed service record: its milestone takes the store from the order it names.
        (
            "service_records",
            [
                ["접수번호", "고객번호", "주문번호", "유형", "접수일시", "종료일시"],
                ["SR1", "C1", "O1", "불만", "2024-03-02 10:00", "2024-03-03 11:00"],
            ],
        ),
    ],
)
def test_the_order_a_milestone_reads_is_locked_until_the_import_commits(
    committed_order: Order,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    rows: list[list[str]],
) -> None:
    """Written without row triggers, a milestone row's references are only safe while the
    order they were read from cannot change or go."""
    seen: list[bool] = []
    record_milestones = pipeline.record_milestones

    def record_then_probe(**kwargs: Any) -> int:
        recorded = record_milestones(**kwargs)
        seen.append(_lockable_by_another_session(committed_order))
        return recorded

    monkeypatch.setattr(pipeline, "record_milestones", record_then_probe)

    run = _import(_file(tmp_path, rows), kind)

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert seen == [False]
    assert OperationalEvent.objects.get().order == committed_order
    assert _lockable_by_another_session(committed_order)  # released at COMMIT


def _order_inserts(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('INSERT INTO "odata_order"')
    ]


def test_into_an_empty_table_the_rows_are_inserted_without_a_conflict_probe(
    references: None, tmp_path: Path
) -> None:
    with CaptureQueriesContext(connection) as captured:
        run = _import(_orders_file(tmp_path))

    assert (run.status, run.created) == (ImportRun.Status.SUCCEEDED, ROWS)
    inserts = _order_inserts(captured)
    assert inserts and not any("ON CONFLICT" in q for q in inserts)


@pytest.mark.django_db(transaction=True)
def test_a_row_another_writer_adds_meanwhile_is_left_as_it_is(
    references: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table was empty when the import looked; the events API adds O5 before the rows
    are written. The batch is written again with ON CONFLICT: O5 stays the API's."""
    lock_references = pipeline.Pipeline._lock_references

    def lock_then_another_writer_adds_o5(self: pipeline.Pipeline) -> bool:
        locked = lock_references(self)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:  # autocommit: committed at once
                cursor.execute(
                    "INSERT INTO odata_order (external_id, customer_id, channel, placed_at, "
                    "amount, currency, item_count, status) SELECT 'O5', id, 'app', now(), 1, "
                    "'KRW', 1, 'placed' FROM odata_customer WHERE external_id = 'C1'"
                )
        finally:
            other.close()
        return locked

    monkeypatch.setattr(pipeline.Pipeline, "_lock_references", lock_then_another_writer_adds_o5)

    with CaptureQueriesContext(connection) as captured:
        run = _import(_orders_file(tmp_path))

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert (run.created, run.unchanged) == (ROWS - 1, 1)
    assert Order.objects.count() == ROWS
    assert Order.objects.get(external_id="O5").channel == "app"
    inserts = _order_inserts(captured)
    assert "ON CONFLICT" not in inserts[0] and "ON CONFLICT" in inserts[1]
