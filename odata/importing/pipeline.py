"""The import pipeline: file on disk → COPY into an unlogged staging table → typed and
validated with set-based SQL → written by external id in one transaction.

Memory stays flat as files grow: the CSV bytes stream from disk into COPY in 1 MB chunks and
every later step is a SQL statement over the staging tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from psycopg import errors as pg_errors
from psycopg import sql

from odata.importing.reader import (
    PG_ENCODING,
    FileInfo,
    FileProblem,
    refuse_uncached_formulas,
    xlsx_rows,
)
from odata.importing.required import check_constants
from odata.importing.spec import FALSE_WORDS, TRUE_WORDS, Field, KindSpec, ref_reason
from odata.services.milestones import record_milestones

log = logging.getLogger(__name__)

COPY_CHUNK = 1024 * 1024
WRITE_BATCH = 100_000
MAX_STORED_ERRORS = 100_000
ANALYZE_AFTER_ROWS = 1_000

Progress = Callable[[str, int], None]  # (phase, percent)

# What COPY raises for a malformed file (ragged rows, bytes invalid in the declared encoding).
COPY_FILE_ERRORS = (
    pg_errors.BadCopyFileFormat,
    pg_errors.CharacterNotInRepertoire,
    pg_errors.UntranslatableCharacter,
    pg_errors.InvalidTextRepresentation,
    # A row wider than a table row can be (8 KB once each value is stored apart).
    pg_errors.ProgramLimitExceeded,
)


@dataclass
class Outcome:
    rows_total: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class StrictModeRejected(Exception):
    """Strict mode and some rows are bad: nothing was written."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("rows rejected")
        self.outcome = outcome


def _id(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def _lit(value: object) -> sql.Literal:
    return sql.Literal(value)


class Pipeline:
    """One run of the pipeline over one file. Call `run()` once."""

    def __init__(
        self,
        *,
        run_id: int,
        spec: KindSpec,
        info: FileInfo,
        path: Path,
        mapping: dict[str, str],
        strict: bool,
        progress: Progress,
        constants: dict[str, str] | None = None,
    ) -> None:
        self.run_id = run_id
        self.spec = spec
        self.info = info
        self.path = path
        self.strict = strict
        self.progress = progress
        # field name -> staging column (c1…cN, in the file's column order)
        self.columns = {f"c{i + 1}": header for i, header in enumerate(info.headers)}
        by_header = {header: f"c{i + 1}" for i, header in enumerate(info.headers)}
        self.fields: dict[str, tuple[Field, str, str]] = {}
        for header, field_name in mapping.items():
            if header in by_header:
                self.fields[field_name] = (spec.field(field_name), by_header[header], header)
        # Fields without a column that take one value for every row, checked by start_import
        # or set_mapping: a value that slipped past them raises ValueRefused (the run fails
        # and says so) rather than being left out, so the literal written is a stored value.
        self.constants = check_constants(
            spec,
            constants or {},
            mapping={header: name for name, (_f, _c, header) in self.fields.items()},
        )
        self._checks_delivery_after_order = {"order", "delivered_at"} <= self.fields.keys()
        self.stage = f"import_stage_{run_id}"
        self.typed = f"import_typed_{run_id}"

    # -- steps ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        try:
            self._create_stage()
            self._copy()
            outcome = Outcome(rows_total=self._count(self.stage))
            self.progress("checking", 0)
            self._type_and_validate()
            outcome.rows_rejected = self._store_errors()
            outcome.rows_ok = outcome.rows_total - outcome.rows_rejected
            if self.strict and outcome.rows_rejected:
                raise StrictModeRejected(outcome)
            self._write(outcome)
            return outcome
        finally:
            self._drop()

    def _execute(self, query: sql.Composable) -> int:
        with connection.cursor() as cursor:
            cursor.execute(query.as_string(cursor.connection))
            return cursor.rowcount

    def _count(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {}").format(_id(table)).as_string(cursor.connection)
            )
            return int(cursor.fetchone()[0])

    def _create_stage(self) -> None:
        # Unlogged: the staging rows are scratch; skipping the WAL makes COPY much faster.
        columns = sql.SQL(", ").join(sql.SQL("{} text").format(_id(c)) for c in self.columns)
        self._execute(
            sql.SQL(
                "CREATE UNLOGGED TABLE {} ("
                # The spreadsheet row: header is row 1; COPY assigns these in file order.
                "line bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2), {})"
            ).format(_id(self.stage), columns)
        )

    def _copy(self) -> None:
        column_list = sql.SQL(", ").join(_id(c) for c in self.columns)
        self.progress("reading", 0)
        with connection.cursor() as cursor:
            raw = cursor.connection.cursor()
            if self.info.format == "xlsx":
                self._refuse_uncached_formulas()
                # The sheet's row numbers, not COPY's count: blank rows are skipped.
                statement = sql.SQL("COPY {} (line, {}) FROM STDIN").format(
                    _id(self.stage), column_list
                )
                width = len(self.columns)
                try:
                    with raw.copy(statement) as copy:
                        for n, (line, row) in enumerate(xlsx_rows(self.path, width), start=1):
                            copy.write_row([line, *row])
                            if n % 50_000 == 0:
                                self.progress("reading", 0)
                except pg_errors.ProgramLimitExceeded as error:
                    raise FileProblem("row_too_wide") from error
                return
            statement = sql.SQL(
                "COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER {}, ENCODING {})"
            ).format(
                _id(self.stage),
                column_list,
                _lit(self.info.delimiter),
                _lit(PG_ENCODING[self.info.encoding]),
            )
            # Blank lines at the end (common in exported files) would be rows to COPY.
            end, line_break = content_end(self.path, self.info.size)
            try:
                self._copy_csv(raw, statement, end, line_break, one_style=False)
            except pg_errors.BadCopyFileFormat:
                # COPY takes the line-break style of the first line for the whole file, so a
                # file with rows appended by another tool (CRLF, then LF, or the reverse) fails
                # there. Only then is it read again with every CRLF turned into LF: a file in
                # one style streams untouched, as converting each chunk would cost time.
                self._execute(
                    sql.SQL("ALTER TABLE {} ALTER COLUMN line RESTART WITH 2").format(
                        _id(self.stage)
                    )
                )
                try:
                    self._copy_csv(raw, statement, end, b"\n", one_style=True)
                except COPY_FILE_ERRORS as error:
                    raise _copy_problem(error, self.info) from error
            except COPY_FILE_ERRORS as error:
                raise _copy_problem(error, self.info) from error

    def _copy_csv(
        self,
        raw: Any,
        statement: sql.Composable,
        end: int,
        line_break: bytes,
        *,
        one_style: bool,
    ) -> None:
        """COPY the file's first `end` bytes, then `line_break`; `one_style` sends each CRLF
        as LF. In a savepoint, so a failed COPY can be followed by another."""
        size = max(self.info.size, 1)
        remaining = end
        done = 0
        held = b""  # a CR at the end of a chunk, whose LF may start the next one
        with transaction.atomic(), raw.copy(statement) as copy, self.path.open("rb") as handle:
            while remaining > 0 and (chunk := handle.read(min(COPY_CHUNK, remaining))):
                remaining -= len(chunk)
                done += len(chunk)
                if one_style:
                    chunk = (held + chunk).replace(b"\r\n", b"\n")
                    held = b"\r" if chunk.endswith(b"\r") and remaining > 0 else b""
                    chunk = chunk[: len(chunk) - len(held)]
                copy.write(chunk)
                if done % (8 * COPY_CHUNK) < COPY_CHUNK:
                    self.progress("reading", min(99, done * 100 // size))
            # COPY wants one line-break style throughout.
            copy.write(line_break)

    def _refuse_uncached_formulas(self) -> None:
        read = {int(column[1:]): header for _field, column, header in self.fields.values()}
        refuse_uncached_formulas(self.path, read)

    def _typed_expression(self, field: Field, raw: sql.Composable) -> sql.Composable:
        cell = sql.SQL("NULLIF(btrim({}), '')").format(raw)
        if field.type == "text":
            return cell
        if field.type == "email":
            return sql.SQL("lower({})").format(cell)
        if field.type == "phone":
            digits = sql.SQL("regexp_replace({}, '\\D', '', 'g')").format(raw)
            return sql.SQL("CASE WHEN length({d}) BETWEEN 8 AND 15 THEN {d} END").format(d=digits)
        if field.type == "int":
            return sql.SQL("CASE WHEN btrim({r}) ~ '^\\d{{1,9}}$' THEN btrim({r})::int END").format(
                r=raw
            )
        if field.type == "amount":
            return sql.SQL("cxm_parse_amount({})").format(raw)
        if field.type == "timestamp":
            return sql.SQL("cxm_parse_timestamptz({}, {})").format(raw, _lit(settings.TIME_ZONE))
        if field.type == "bool":
            word = sql.SQL("lower(btrim({}))").format(raw)
            return sql.SQL(
                "CASE WHEN {w} = '' THEN NULL WHEN {w} IN ({t}) THEN true "
                "WHEN {w} IN ({f}) THEN false END"
            ).format(
                w=word,
                t=sql.SQL(", ").join(_lit(v) for v in TRUE_WORDS),
                f=sql.SQL(", ").join(_lit(v) for v in FALSE_WORDS if v),
            )
        if field.type == "choice":
            cases = sql.SQL(" ").join(
                sql.SQL("WHEN {} THEN {}").format(_lit(k), _lit(v))
                for k, v in field.choices.items()
            )
            return sql.SQL("CASE lower(btrim({})) {} END").format(raw, cases)
        raise ValueError(field.type)

    def _type_and_validate(self) -> None:
        """Build the typed table: every cell typed once, each row's list of errors beside it."""
        typed: list[sql.Composable] = [sql.SQL("r.line")]
        joins: list[sql.Composable] = []
        errors: list[sql.Composable] = []

        def error(condition: sql.Composable, field_name: str, reason: str) -> None:
            errors.append(
                sql.SQL("CASE WHEN {} THEN {} END").format(
                    condition, _lit(f"{field_name}:{reason}")
                )
            )

        for name, (field, column, _header) in self.fields.items():
            raw = sql.SQL("r.{}").format(_id(column))
            typed.append(sql.SQL("{} AS {}").format(raw, _id(f"raw_{name}")))
            # The checks read the typed row `s`, so each cell is typed once, not once per check.
            value = sql.SQL("s.{}").format(_id(name))
            present = sql.SQL("NULLIF(btrim(s.{}), '') IS NOT NULL").format(_id(f"raw_{name}"))
            if field.type == "ref":
                alias = _id(f"j_{name}")
                if field.ref_table == "cxm_user":
                    on = sql.SQL("lower({a}.email) = lower(btrim({r})) AND {a}.email <> ''").format(
                        a=alias, r=raw
                    )
                else:
                    on = sql.SQL("{}.external_id = NULLIF(btrim({}), '')").format(alias, raw)
                joins.append(
                    sql.SQL("LEFT JOIN {} {} ON {}").format(_id(field.ref_table), alias, on)
                )
                typed.append(sql.SQL("{}.id AS {}").format(alias, _id(name)))
                error(
                    sql.SQL("{} AND {} IS NULL").format(present, value),
                    name,
                    ref_reason(field.ref_table),
                )
            else:
                typed.append(
                    sql.SQL("{} AS {}").format(self._typed_expression(field, raw), _id(name))
                )
                reason = {"text": "", "email": "invalid_email", "phone": "invalid_phone",
                          "int": "invalid_number", "amount": "invalid_amount",
                          "timestamp": "invalid_date", "bool": "invalid_bool",
                          "choice": "invalid_choice"}[field.type]  # fmt: skip
                if reason:
                    error(sql.SQL("{} AND {} IS NULL").format(present, value), name, reason)
                if field.type == "email":
                    error(
                        sql.SQL(
                            "{t} IS NOT NULL AND {t} !~ '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'"
                        ).format(t=value),
                        name,
                        "invalid_email",
                    )
                if field.type == "amount":
                    error(sql.SQL("{} < 0").format(value), name, "invalid_amount")
                if field.max_length:
                    error(
                        sql.SQL("length({}) > {}").format(value, _lit(field.max_length)),
                        name,
                        "too_long",
                    )
            if field.required:
                error(sql.SQL("NOT {}").format(present), name, "required")
        if self._checks_delivery_after_order:
            # A delivery cannot arrive before its order was placed (an inverted or mistyped
            # date); the order's time goes into the report.
            typed.append(sql.SQL("j_order.placed_at AS order_placed_at"))
            error(
                sql.SQL("s.delivered_at < s.order_placed_at"),
                "delivered_at",
                "delivered_before_order",
            )

        with transaction.atomic():
            # Typing is CPU-bound function calls: JIT compilation costs seconds per process
            # and saves nothing here. More memory keeps hash joins and sorts off disk.
            self._execute(sql.SQL("SET LOCAL jit = off"))
            self._execute(sql.SQL("SET LOCAL work_mem = '64MB'"))
            # OFFSET 0 keeps the planner from merging the inner SELECT into the outer one,
            # which would copy each typing expression into every check that reads it.
            self._execute(
                sql.SQL(
                    "CREATE UNLOGGED TABLE {typed} AS SELECT s.*, NULL::bigint AS first_line, "
                    "array_remove(ARRAY[{errors}]::text[], NULL) AS errs "
                    "FROM (SELECT {columns} FROM {stage} r {joins} OFFSET 0) s"
                ).format(
                    typed=_id(self.typed),
                    errors=sql.SQL(", ").join(errors),
                    columns=sql.SQL(", ").join(typed),
                    stage=_id(self.stage),
                    joins=sql.SQL(" ").join(joins),
                )
            )
            # The first row with an external id wins; later rows with the same id are errors.
            # A separate statement over the typed ids: inside the one above, a window or a
            # grouped join would sort the wide rows or run once per parallel worker.
            self._execute(
                sql.SQL(
                    "UPDATE {typed} t SET first_line = d.first_line, "
                    "errs = array_append(t.errs, 'external_id:duplicate') "
                    "FROM (SELECT external_id, min(line) AS first_line FROM {typed} "
                    "WHERE external_id IS NOT NULL GROUP BY external_id HAVING count(*) > 1) d "
                    "WHERE t.external_id = d.external_id AND t.line > d.first_line"
                ).format(typed=_id(self.typed))
            )
            self._execute(sql.SQL("CREATE INDEX ON {} (line)").format(_id(self.typed)))
            self._execute(sql.SQL("ANALYZE {}").format(_id(self.typed)))

    def _store_errors(self) -> int:
        """Write each bad cell as a row error; return the number of bad rows."""
        headers = sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(_lit(name), _lit(header))
            for name, (_f, _c, header) in self.fields.items()
        )
        values = sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN t.{}").format(_lit(name), _id(f"raw_{name}"))
            for name in self.fields
        )
        self._execute(
            sql.SQL(
                'INSERT INTO odata_importrowerror (run_id, line, "column", value, reason, detail) '
                "SELECT {run}, t.line, coalesce(CASE f {headers} END, ''), "
                "left(coalesce(CASE f {values} END, ''), 500), reason, "
                "CASE WHEN reason = 'duplicate' THEN t.first_line::text {placed} "
                # The field, so the report can list the values it accepts.
                "WHEN reason = 'invalid_choice' THEN f ELSE '' END "
                "FROM {typed} t, LATERAL (SELECT split_part(e, ':', 1) AS f, "
                "split_part(e, ':', 2) AS reason FROM unnest(t.errs) e) x "
                "WHERE cardinality(t.errs) > 0 ORDER BY t.line LIMIT {limit}"
            ).format(
                run=_lit(self.run_id),
                headers=headers,
                values=values,
                typed=_id(self.typed),
                limit=_lit(MAX_STORED_ERRORS),
                placed=sql.SQL(
                    "WHEN reason = 'delivered_before_order' "
                    "THEN to_json(t.order_placed_at) #>> '{}'"
                    if self._checks_delivery_after_order
                    else ""
                ),
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE cardinality(errs) > 0")
                .format(_id(self.typed))
                .as_string(cursor.connection)
            )
            return int(cursor.fetchone()[0])

    # -- writing -------------------------------------------------------------------------

    def _targets(self) -> list[tuple[str, sql.Composable]]:
        """(target column, value expression over the typed row `t`) for the file's fields."""
        targets: list[tuple[str, sql.Composable]] = []
        for name, (field, _column, _header) in self.fields.items():
            if name == "region":
                targets.append(
                    ("region_id", sql.SQL("(SELECT id FROM odata_region WHERE code = t.region)"))
                )
            elif field.type == "ref":
                targets.append((f"{name}_id", sql.SQL("t.{}").format(_id(name))))
            elif name == "status" and self.spec.kind == "deliveries":
                targets.append((name, sql.SQL("t.status")))
            else:
                targets.append((name, sql.SQL("t.{}").format(_id(name))))
        for name, value in self.constants.items():
            targets.append((name, _lit(value)))
        if (
            self.spec.kind == "deliveries"
            and "status" not in self.fields
            and "delivered_at" in self.fields
        ):
            # A delivered date without a status column means the delivery arrived.
            targets.append(
                ("status", sql.SQL("CASE WHEN t.delivered_at IS NOT NULL THEN 'delivered' END"))
            )
        if self.spec.kind == "customers":
            targets.append(("updated_at", sql.SQL("now()")))
        return targets

    def _write(self, outcome: Outcome) -> None:
        table = _id(self.spec.table)
        targets = [(col, expr) for col, expr in self._targets() if col != "external_id"]
        first, last = self._line_range()
        with transaction.atomic():
            # Only rows that existed before this import can be updated (the ids written are
            # unique within the file), so into an empty table every row is new: skip the
            # UPDATE passes, which would join each batch against the rows inserted so far.
            updatable = self._has_rows(table)
            if "region" in self.fields:
                self._execute(
                    sql.SQL(
                        "INSERT INTO odata_region (code, name) SELECT DISTINCT t.region, t.region "
                        "FROM {} t WHERE cardinality(t.errs) = 0 AND t.region IS NOT NULL "
                        "ON CONFLICT (code) DO NOTHING"
                    ).format(_id(self.typed))
                )
            # The foreign keys' per-row checks cost more than the rows themselves (each queues
            # a trigger that looks the referenced row up again at COMMIT). The references were
            # resolved set-based when the file was typed; where allowed, lock them set-based
            # too and write without the row triggers (`_lock_references`); the milestone rows
            # as well, their subjects locked by `record_milestones`.
            bulk_checked = self._lock_references()
            if bulk_checked:
                replication_role = self._setting("session_replication_role")
                self._execute(sql.SQL("SET LOCAL session_replication_role = replica"))
            # Batches only so the progress bar moves; the transaction makes them one write.
            # `errs = '{}'`, not `cardinality(errs) = 0`: the column's statistics tell the
            # planner how many rows pass. Guessing 0.5% made it probe customers' trigram index
            # row by row (minutes for 30k rows) instead of hash-joining.
            for start in range(first, last + 1, WRITE_BATCH):
                window = sql.SQL("t.line BETWEEN {} AND {} AND t.errs = '{{}}'").format(
                    _lit(start), _lit(start + WRITE_BATCH - 1)
                )
                if updatable:
                    outcome.updated += self._update(table, targets, window)
                    outcome.created += self._insert(table, targets, window)
                else:
                    outcome.created += self._insert_new(table, targets, window)
                done = min(last, start + WRITE_BATCH - 1) - first + 1
                self.progress("writing", done * 100 // max(1, last - first + 1))
            if outcome.created + outcome.updated > ANALYZE_AFTER_ROWS:
                # A table that just grew a lot has stale statistics; the milestone query
                # below (and later imports' joins) would plan nested loops over "1 row" and
                # take minutes instead of a second.
                self._execute(sql.SQL("ANALYZE {}").format(table))
            if self.spec.milestone:
                record_milestones(
                    kind=self.spec.milestone, external_ids_table=self.typed, lock=bulk_checked
                )
            if bulk_checked:
                self._execute(
                    sql.SQL("SET LOCAL session_replication_role = {}").format(
                        _lit(replication_role)
                    )
                )
        outcome.unchanged = outcome.rows_ok - outcome.created - outcome.updated

    def _lock_references(self) -> bool:
        """Lock, one statement per referenced table, every row the rows about to be written
        refer to, as the foreign-key triggers would one row at a time (FOR KEY SHARE, held to
        COMMIT, so none of them can be deleted or re-keyed before this import commits).

        True when the row triggers may then be skipped: this connection may switch them off
        and every referenced row is still there. False leaves them on: a row deleted since
        the file was typed then fails the import at COMMIT, as it always would.
        """
        written = [self.spec.table]
        if self.spec.milestone:
            written.append("odata_operationalevent")
        if not may_skip_row_triggers(*written):
            return False
        references: list[tuple[str, str, sql.Composable]] = [
            (field.ref_table, "id", sql.SQL("t.{}").format(_id(name)))
            for name, (field, _column, _header) in self.fields.items()
            if field.type == "ref"
        ]
        if "region" in self.fields:  # region_id is looked up by code when written
            references.append(("odata_region", "code", sql.SQL("t.region")))
        for table, key, value in references:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL(
                        "WITH wanted AS (SELECT DISTINCT {value} AS k FROM {typed} t "
                        "WHERE t.errs = '{{}}' AND {value} IS NOT NULL), "
                        "locked AS (SELECT 1 FROM {table} x WHERE x.{key} IN "
                        "(SELECT k FROM wanted) FOR KEY SHARE OF x) "
                        "SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM locked)"
                    )
                    .format(value=value, typed=_id(self.typed), table=_id(table), key=_id(key))
                    .as_string(cursor.connection)
                )
                wanted, locked = cursor.fetchone()
            if locked != wanted:
                log.warning("a row referred to by import %s was deleted meanwhile", self.run_id)
                return False
        return True

    def _setting(self, name: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s)", [name])
            return str(cursor.fetchone()[0])

    def _has_rows(self, table: sql.Identifier) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {})")
                .format(table)
                .as_string(cursor.connection)
            )
            return bool(cursor.fetchone()[0])

    def _line_range(self) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SELECT coalesce(min(line), 2), coalesce(max(line), 1) FROM {}")
                .format(_id(self.typed))
                .as_string(cursor.connection)
            )
            low, high = cursor.fetchone()
            return int(low), int(high)

    def _update(
        self,
        table: sql.Identifier,
        targets: list[tuple[str, sql.Composable]],
        window: sql.Composable,
    ) -> int:
        """Existing rows whose values differ; an empty optional cell keeps the stored value."""
        new_values = [
            (col, sql.SQL("coalesce({}, d.{})").format(expr, _id(col))) for col, expr in targets
        ]
        compared = [(col, value) for col, value in new_values if col != "updated_at"]
        if not compared:  # e.g. a file of customer numbers only: nothing to change
            return 0
        return self._execute(
            sql.SQL(
                "UPDATE {table} d SET {sets} FROM {typed} t WHERE d.external_id = t.external_id "
                "AND {window} AND ({old}) IS DISTINCT FROM ({new})"
            ).format(
                table=table,
                sets=sql.SQL(", ").join(
                    sql.SQL("{} = {}").format(_id(c), v) for c, v in new_values
                ),
                typed=_id(self.typed),
                window=window,
                old=sql.SQL(", ").join(sql.SQL("d.{}").format(_id(c)) for c, _v in compared),
                new=sql.SQL(", ").join(v for _c, v in compared),
            )
        )

    def _insert_new(
        self,
        table: sql.Identifier,
        targets: list[tuple[str, sql.Composable]],
        window: sql.Composable,
    ) -> int:
        """Into a table that was empty when this import began writing every row is new: a
        plain INSERT, without ON CONFLICT's probe of the unique index before each row. A row
        another writer added meanwhile (the events API, another import) makes it fail; the
        batch is then written again with ON CONFLICT, which leaves that row as it is."""
        try:
            with transaction.atomic():
                return self._insert(table, targets, window, skip_existing=False)
        except IntegrityError as error:
            if not isinstance(error.__cause__, pg_errors.UniqueViolation):
                raise
            return self._insert(table, targets, window)

    def _insert(
        self,
        table: sql.Identifier,
        targets: list[tuple[str, sql.Composable]],
        window: sql.Composable,
        *,
        skip_existing: bool = True,
    ) -> int:
        columns: list[str] = ["external_id"]
        values: list[sql.Composable] = [sql.SQL("t.external_id")]
        defaults = dict(self.spec.insert_defaults)
        for col, expr in targets:
            columns.append(col)
            default = defaults.pop(col, None)
            values.append(
                sql.SQL("coalesce({}, {})").format(expr, sql.SQL(default)) if default else expr
            )
        for col, default in defaults.items():
            columns.append(col)
            values.append(sql.SQL(default))
        # ON CONFLICT skips rows that exist (updated or unchanged above, or just inserted by a
        # concurrent import: "unchanged" here) by a unique-index probe per row. No NOT EXISTS
        # join: over a table whose statistics say empty, the planner made it a nested loop
        # that rescanned every row this statement had inserted so far (minutes per batch).
        on_conflict = "ON CONFLICT (external_id) DO NOTHING" if skip_existing else ""
        return self._execute(
            sql.SQL(
                "INSERT INTO {table} ({cols}) SELECT {vals} FROM {typed} t WHERE {window} {tail}"
            ).format(
                tail=sql.SQL(on_conflict),
                table=table,
                cols=sql.SQL(", ").join(_id(c) for c in columns),
                vals=sql.SQL(", ").join(values),
                typed=_id(self.typed),
                window=window,
            )
        )

    def _drop(self) -> None:
        for table in (self.typed, self.stage):
            try:
                self._execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_id(table)))
            except Exception:  # the connection may be broken already; the tables are scratch
                log.warning("could not drop %s", table)


def may_skip_row_triggers(*tables: str) -> bool:
    """Whether this connection may write into `tables` with their row triggers off
    (`session_replication_role = replica`, as pg_restore does): its role may set that parameter
    (a superuser, or on PostgreSQL 15+ a role granted `SET ON PARAMETER
    session_replication_role`), and the tables have no triggers or rules of their own, which
    would be skipped too. Only their foreign keys' triggers are meant to be skipped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger "
            "WHERE tgrelid = ANY (%s::regclass[]) AND NOT tgisinternal) "
            "OR EXISTS (SELECT 1 FROM pg_rewrite "
            "WHERE ev_class = ANY (%s::regclass[]) AND rulename <> '_RETURN'), "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "current_setting('server_version_num')::int",
            [list(tables), list(tables)],
        )
        own_triggers, superuser, version = cursor.fetchone()
        if own_triggers:
            return False
        if superuser:
            return True
        if version < 150000:
            return False
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


def content_end(path: Path, size: int) -> tuple[int, bytes]:
    """The byte offset where the file's last non-blank line ends (trailing blank lines and
    whitespace-only lines excluded), and the file's line break. Line breaks are ASCII in
    UTF-8 and CP949 alike."""
    with path.open("rb") as handle:
        first = handle.readline()
        start = max(0, size - 64 * 1024)
        handle.seek(start)
        tail = handle.read()
    line_break = b"\r\n" if first.endswith(b"\r\n") else b"\n"
    kept = tail
    while True:
        stripped = kept.rstrip(b"\r\n")
        last_break = stripped.rfind(b"\n")
        last_line = stripped[last_break + 1 :]
        if last_line.strip(b" \t") or last_break < 0:
            kept = stripped
            break
        kept = stripped[: last_break + 1]
    return start + len(kept), line_break


def _copy_problem(error: Exception, info: FileInfo) -> FileProblem:
    diag = getattr(error, "diag", None)
    detail = str((diag and diag.context) or "")
    line = ""
    if "line " in detail:
        line = detail.split("line ", 1)[1].split(",", 1)[0].split(":", 1)[0].strip()
    row = line or "?"
    if isinstance(error, pg_errors.BadCopyFileFormat):
        return FileProblem("ragged_row", row=row)
    if isinstance(error, pg_errors.ProgramLimitExceeded):
        return FileProblem("row_too_wide")
    name = "CP949" if info.encoding == "cp949" else "UTF-8"
    return FileProblem("invalid_text_row", row=row, encoding=name)
