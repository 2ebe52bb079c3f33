"""Journey milestones: delivered deliveries, closed service records and completed store orders
become `OperationalEvent` rows exactly once (unique per kind and subject), whether they came
from a file import or the events API. Consumers mark what they processed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from psycopg import sql

from odata.models import Milestone, OperationalEvent, OperationalEventReceipt

# Each milestone: (kind, subject table alias for the restriction, SELECT … FROM … WHERE …).
_SOURCES: dict[str, tuple[str, str]] = {
    Milestone.DELIVERY_DELIVERED: (
        "d",
        """
        SELECT %(kind)s, 'delivery:' || d.id, o.customer_id, o.id, d.id, NULL::bigint,
               o.store_id, d.delivered_at, now()
          FROM odata_delivery d JOIN odata_order o ON o.id = d.order_id
         WHERE d.status = 'delivered' AND d.delivered_at IS NOT NULL
        """,
    ),
    Milestone.SERVICE_CLOSED: (
        "s",
        """
        SELECT %(kind)s, 'service:' || s.id, s.customer_id, s.order_id, NULL::bigint, s.id,
               o.store_id, s.closed_at, now()
          FROM odata_servicerecord s LEFT JOIN odata_order o ON o.id = s.order_id
         WHERE s.closed_at IS NOT NULL
        """,
    ),
    Milestone.STORE_ORDER_COMPLETED: (
        "o",
        """
        SELECT %(kind)s, 'order:' || o.id, o.customer_id, o.id, NULL::bigint, NULL::bigint,
               o.store_id, o.placed_at, now()
          FROM odata_order o
         WHERE o.channel = 'store' AND o.status = 'completed'
        """,
    ),
}

# The columns each source SELECT yields, in order (an operational event's row).
_COLUMNS = sql.SQL(
    "kind, subject_key, customer_id, order_id, delivery_id, service_record_id, store_id, "
    "occurred_at, recorded_at"
)


def record_milestones(
    *, kind: str, external_ids_table: str | None = None, lock: bool = False
) -> int:
    """Record the milestones of `kind` that are not recorded yet; returns how many were new.

    Set-based and idempotent (ON CONFLICT DO NOTHING on the unique kind + subject). With
    `external_ids_table` (a table with an `external_id` column, e.g. an import's staging
    table) only those subjects are considered, so a re-import does not rescan everything.

    With `lock`, the rows the new milestones' references are read from (the subject, and the
    order a delivery or service record names) are locked FOR SHARE until COMMIT: none of them,
    nor anything they refer to, can change or go before then, so the caller may write with the
    row triggers off.
    """
    alias, select = _SOURCES[kind]
    source: sql.Composable = sql.SQL(select)
    if external_ids_table is not None:
        source += sql.SQL(" AND {alias}.external_id IN (SELECT external_id FROM {table})").format(
            alias=sql.Identifier(alias), table=sql.Identifier(external_ids_table)
        )
    params = {"kind": str(kind)}
    with connection.cursor() as cursor:
        if lock and alias != "o":
            # The order a delivery or service record names (its store goes into the row).
            cursor.execute(
                (
                    sql.SQL("SELECT count(*) FROM (SELECT 1 FROM odata_order o WHERE o.id IN ")
                    + sql.SQL("(SELECT order_id FROM (")
                    + source
                    + sql.SQL(") AS source ({})) FOR SHARE OF o) locked").format(_COLUMNS)
                ).as_string(cursor.connection),
                params,
            )
        query = sql.SQL("INSERT INTO odata_operationalevent ({}) ").format(_COLUMNS) + source
        if lock:  # the subject
            query += sql.SQL(" FOR SHARE OF {}").format(sql.Identifier(alias))
        query += sql.SQL(" ON CONFLICT (kind, subject_key) DO NOTHING")
        cursor.execute(query.as_string(cursor.connection), params)
        return cursor.rowcount


def record_milestone_for(
    *, kind: str, subject_id: int, occurred_at: datetime | None = None
) -> bool:
    """Record the milestone of `kind` for one subject (a delivery, service record or order by
    primary key) if its row qualifies and it is not recorded yet; returns whether it was new.

    The same SELECT as `record_milestones`, so a subject imported from a file and posted to the
    events API yields one milestone (ON CONFLICT DO NOTHING on the unique kind + subject).
    `occurred_at` overrides the time taken from the row, for facts the row does not keep (an
    order's completion time). Call it in the transaction that wrote the subject.
    """
    alias, select = _SOURCES[kind]
    query = (
        sql.SQL(
            "INSERT INTO odata_operationalevent ({}) "
            "SELECT kind, subject_key, customer_id, order_id, delivery_id, service_record_id, "
            "store_id, COALESCE(%(occurred_at)s::timestamptz, occurred_at), recorded_at FROM ("
        ).format(_COLUMNS)
        + sql.SQL(select)
        + sql.SQL(" AND {alias}.id = %(subject_id)s").format(alias=sql.Identifier(alias))
        + sql.SQL(") AS source ({}) ON CONFLICT (kind, subject_key) DO NOTHING").format(_COLUMNS)
    )
    params: dict[str, str | int | datetime | None] = {
        "kind": str(kind),
        "subject_id": subject_id,
        "occurred_at": occurred_at,
    }
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(cursor.connection), params)
        return cursor.rowcount == 1


def unprocessed_events(
    *, consumer: str, kinds: Iterable[str], limit: int = 500
) -> list[OperationalEvent]:
    """Oldest milestones of `kinds` that `consumer` has not marked processed."""
    return list(
        OperationalEvent.objects.filter(kind__in=list(kinds))
        .exclude(receipts__consumer=consumer)
        .order_by("occurred_at", "id")[:limit]
    )


def mark_processed(*, consumer: str, event_ids: Iterable[int]) -> None:
    """Idempotent: marking twice keeps one receipt."""
    OperationalEventReceipt.objects.bulk_create(
        [OperationalEventReceipt(event_id=pk, consumer=consumer) for pk in event_ids],
        ignore_conflicts=True,
    )
