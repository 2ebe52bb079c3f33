"""Importing O-Data files: one service behind the upload page, the `bulk` job and the
`import_odata` command.

`start_import` looks at the file (format, encoding, header, fingerprint) and records an
`ImportRun`; `run_import` streams it through the pipeline. Strict mode writes all rows or none;
skip-invalid writes the good rows and reports the bad ones. Re-importing changes nothing that
did not change, and an identical file is recognised as already imported.
"""

from __future__ import annotations

import csv
import logging
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django_rq
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxm.csvsafe import safe_cell
from cxm.models import User
from odata.importing.messages import local_time
from odata.importing.pipeline import Outcome, Pipeline, StrictModeRejected
from odata.importing.reader import FileInfo, FileProblem, inspect_file
from odata.importing.required import ValueRefused, check_constants, missing_fields
from odata.importing.spec import REASONS, SPECS, accepted_words, match_headers
from odata.models import ImportMode, ImportRowError, ImportRun, MappingPreset

log = logging.getLogger(__name__)


def import_dir(run: ImportRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / run.code.hex


# File systems limit a name to 255 bytes; a Korean character takes three in UTF-8.
MAX_NAME_BYTES = 120


def _safe_name(name: str) -> str:
    base = re.sub(r"[^\w.\-가-힣]+", "_", Path(name).name or "upload")
    stem, dot, extension = base.rpartition(".")
    if not (dot and stem):
        stem, extension = base, ""
    suffix = f".{extension[:10]}" if extension else ""
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    # Cut by bytes; "ignore" drops a character the cut split.
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + suffix


def start_import(
    *,
    kind: str,
    source: Path,
    file_name: str,
    mode: str = ImportMode.STRICT,
    encoding: str = "auto",
    mapping: dict[str, str] | None = None,
    preset: MappingPreset | None = None,
    user: User | None = None,
    enqueue: bool = True,
    constants: dict[str, str] | None = None,
) -> ImportRun:
    """Record an import of the file at `source` (moved under MEDIA_ROOT) and, when its
    columns are understood, queue it (`enqueue`) or leave it queued for the caller to run.

    The returned run's status says what happened: rejected (a problem with the whole file,
    in `message`), duplicate (identical file imported before), needs_mapping (required
    columns not recognised), failed (the file could not be stored; `source` is removed), or
    queued. All or nothing: the run row is written once, in that state, after the file is in
    place, so no run waits for a file that is not there. `constants` (field -> value) give a
    required choice field the file has no column for one value for every row (the command's
    `--value`; the upload page asks for them in `set_mapping`). A value that field cannot take
    raises ValueRefused (its message in the active language) before anything is recorded; a
    value for a field a column of the file holds rejects the run.
    """
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}")
    run = ImportRun(
        kind=kind,
        mode=mode,
        file_name=file_name[:255],
        declared_encoding=encoding,
        created_by=user,
        file_sha256="",
        constants=check_constants(SPECS[kind], constants or {}),
    )
    target = import_dir(run) / _safe_name(file_name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), target)
        run.file_path = str(target)
        run.size_bytes = target.stat().st_size
        _inspect(run, target, preset=preset, mapping=mapping, enqueue=enqueue)
    except OSError:
        # Disk full, a read-only or missing media directory: the operator reads the log, the
        # user a failed run that says so.
        log.exception("could not store the import file", extra={"run": run.code.hex})
        shutil.rmtree(target.parent, ignore_errors=True)
        source.unlink(missing_ok=True)
        run.file_path = ""
        _set_message(run, ImportRun.Status.FAILED, "file_not_stored")
    try:
        with transaction.atomic():
            run.save(force_insert=True)
            if run.status == ImportRun.Status.QUEUED and enqueue:
                _enqueue(run)
    except BaseException:
        shutil.rmtree(target.parent, ignore_errors=True)
        raise
    return run


def _inspect(
    run: ImportRun,
    target: Path,
    *,
    preset: MappingPreset | None,
    mapping: dict[str, str] | None,
    enqueue: bool,
) -> None:
    """Set the run's state from a look at its file (not saved)."""
    try:
        info = inspect_file(target, declared_encoding=run.declared_encoding)
    except FileProblem as problem:
        _set_message(run, ImportRun.Status.REJECTED, problem.code, problem.params)
        return
    run.file_sha256, run.size_bytes, run.encoding = info.sha256, info.size, info.encoding or "xlsx"
    # Only a complete import counts: rows rejected before (e.g. "import customers first") may
    # be importable now.
    earlier = (
        ImportRun.objects.filter(
            kind=run.kind,
            file_sha256=info.sha256,
            status=ImportRun.Status.SUCCEEDED,
            rows_rejected=0,
        )
        .order_by("-finished_at")
        .first()
    )
    if earlier is not None:
        when = earlier.finished_at or earlier.created_at
        _set_message(
            run, ImportRun.Status.DUPLICATE, "already_imported", {"when": when.isoformat()}
        )
        return
    resolved = resolve_mapping(
        kind=run.kind, headers=info.headers, preset=preset, overrides=mapping
    )
    run.mapping = resolved
    spec = SPECS[run.kind]
    try:
        # The values themselves were checked before the run was recorded: what is left to
        # refuse is a value for a field that a column of this file holds.
        check_constants(spec, run.constants, mapping=resolved)
    except ValueRefused as refused:
        column = _column_of(resolved, refused.field)
        _set_message(
            run,
            ImportRun.Status.REJECTED,
            "value_for_a_column",
            {"field": refused.field, "column": column},
        )
        return
    missing = missing_fields(spec, headers=info.headers, mapping=resolved, constants=run.constants)
    if missing and enqueue:
        run.status = ImportRun.Status.NEEDS_MAPPING
    elif missing:
        _set_message(
            run,
            ImportRun.Status.REJECTED,
            "missing_columns",
            {"fields": missing.names, "without_column": sorted(missing.without_column)},
        )
    else:
        run.status = ImportRun.Status.QUEUED


def _column_of(mapping: dict[str, str], field_name: str) -> str:
    return next((header for header, name in mapping.items() if name == field_name), "")


def resolve_mapping(
    *,
    kind: str,
    headers: list[str],
    preset: MappingPreset | None = None,
    overrides: dict[str, str] | None = None,
) -> dict[str, str]:
    """header -> field: automatic matching, then the preset, then explicit choices."""
    spec = SPECS[kind]
    mapping = match_headers(spec, headers)
    names = {f.name for f in spec.fields}
    for chosen in ((preset.mapping if preset else {}), overrides or {}):
        for header, field_name in chosen.items():
            if header not in headers:
                continue
            # One column per field: a later choice moves the field to its column.
            mapping = {h: f for h, f in mapping.items() if f != field_name and h != header}
            if field_name in names:
                mapping[header] = field_name
    return mapping


def headers_of(run: ImportRun) -> list[str]:
    return inspect_file(
        Path(run.file_path), declared_encoding=run.declared_encoding, with_fingerprint=False
    ).headers


def set_mapping(
    *,
    run: ImportRun,
    mapping: dict[str, str],
    constants: dict[str, str] | None = None,
    save_as: str = "",
    user: User | None = None,
) -> ImportRun:
    """The user matched the columns by hand, and chose one value for every row for
    `constants` (field -> value) the file has no column for: queue the run (and keep the
    column choice as a preset; the values are this file's, not the preset's). A value that
    cannot be used raises ValueRefused (its message in the active language) and changes
    nothing."""
    constants = check_constants(SPECS[run.kind], constants or {}, mapping=mapping)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportRun.Status.NEEDS_MAPPING:
            return run
        run.mapping = mapping
        run.constants = constants
        run.status = ImportRun.Status.QUEUED
        run.save(update_fields=["mapping", "constants", "status"])
        if save_as:
            MappingPreset.objects.update_or_create(
                kind=run.kind, name=save_as, defaults={"mapping": mapping, "created_by": user}
            )
        _enqueue(run)
    return run


def _enqueue(run: ImportRun) -> None:
    run_id = run.pk
    transaction.on_commit(
        lambda: django_rq.get_queue("bulk").enqueue(
            "odata.jobs.run_import", run_id, job_timeout=3 * 3600
        )
    )


def _set_message(
    run: ImportRun, status: str, code: str, params: dict[str, Any] | None = None
) -> None:
    """A finished run's status and message (a code of odata.importing.messages); not saved."""
    run.status = status
    run.message_code = code
    run.message_params = params or {}
    run.finished_at = timezone.now()


class _ProgressWriter:
    """Progress goes through its own connection so readers see it while the import's
    transaction is still open."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.connection = connections.create_connection("default")
        self.last = 0.0

    def __call__(self, phase: str, percent: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and percent not in (0, 100):
            return
        self.last = now
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE odata_importrun SET phase = %s, progress = %s WHERE id = %s",
                [phase, max(0, min(100, percent)), self.run_id],
            )

    def close(self) -> None:
        self.connection.close()


def run_import(*, run_id: int) -> ImportRun | None:
    """Run a queued import to its end. Idempotent: only a queued run is claimed."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=timezone.now(), phase="reading", progress=0
    )
    if not claimed:
        return None
    run = ImportRun.objects.get(pk=run_id)
    progress = _ProgressWriter(run.pk)
    try:
        # The fingerprint was taken by start_import; only the header and encoding are needed.
        info: FileInfo = inspect_file(
            Path(run.file_path), declared_encoding=run.declared_encoding, with_fingerprint=False
        )
        pipeline = Pipeline(
            run_id=run.pk,
            spec=SPECS[run.kind],
            info=info,
            path=Path(run.file_path),
            mapping=run.mapping,
            strict=run.mode == ImportMode.STRICT,
            progress=progress,
            constants=run.constants,
        )
        outcome = pipeline.run()
    except FileProblem as problem:
        _record(run, Outcome(), ImportRun.Status.REJECTED, problem.code, problem.params)
    except ValueRefused as refused:
        # start_import and set_mapping checked the value; one stored before a rule changed
        # (or written around them) is refused here, before anything was written.
        log.warning("import refused a stored value", extra={"run": run.code.hex})
        _record(run, Outcome(), ImportRun.Status.REJECTED, refused.code, refused.params)
    except StrictModeRejected as rejected:
        _record(
            run,
            rejected.outcome,
            ImportRun.Status.REJECTED,
            "strict_rejected",
            {"count": rejected.outcome.rows_rejected},
        )
    except Exception:
        log.exception("import failed", extra={"run": run.code.hex})
        _record(run, Outcome(), ImportRun.Status.FAILED, "internal_error")
        raise
    else:
        status = ImportRun.Status.SUCCEEDED
        code = ""
        if outcome.rows_total == 0:
            status, code = ImportRun.Status.REJECTED, "no_data_rows"
        elif outcome.rows_ok == 0:
            status, code = ImportRun.Status.REJECTED, "no_row_imported"
        _record(run, outcome, status, code)
    finally:
        progress.close()
    if run.rows_rejected:
        write_errors_csv(run=run, language=settings.LANGUAGE_CODE)
    return run


def _record(
    run: ImportRun,
    outcome: Outcome,
    status: str,
    code: str,
    params: dict[str, Any] | None = None,
) -> None:
    run.rows_total = outcome.rows_total
    run.rows_done = outcome.rows_total
    run.rows_ok = outcome.rows_ok if status == ImportRun.Status.SUCCEEDED else 0
    run.rows_rejected = outcome.rows_rejected
    run.created, run.updated, run.unchanged = outcome.created, outcome.updated, outcome.unchanged
    run.status = status
    run.message_code = code
    run.message_params = params or {}
    run.phase = ""
    run.progress = 100
    run.finished_at = timezone.now()
    run.save()


def error_rows(*, run: ImportRun) -> Iterator[list[str]]:
    """The row-level error report, header first, in the active language, formula-safe."""
    yield [_("row"), _("column"), _("value"), _("reason")]
    for error in run.row_errors.order_by("line", "id").iterator(chunk_size=2000):
        yield [
            str(error.line),
            safe_cell(error.column),
            safe_cell(error.value),
            reason_text(error, kind=run.kind),
        ]


def reason_text(error: ImportRowError, *, kind: str) -> str:
    """The row error's reason in the active language; `kind` is the run's import kind."""
    if error.reason == "duplicate" and error.detail:
        return _("The same number is also on row %(row)s of this file.") % {"row": error.detail}
    if error.reason == "delivered_before_order" and error.detail:
        return _("The delivery date is before the order was placed (%(when)s).") % {
            "when": local_time(error.detail)
        }
    if error.reason == "invalid_choice" and kind in SPECS and error.detail:
        field = next((f for f in SPECS[kind].fields if f.name == error.detail), None)
        if field is not None and field.choices:
            words = accepted_words(field, translation.get_language() or "")
            return str(REASONS["invalid_choice_of"]) % {"values": ", ".join(words)}
    return str(REASONS.get(error.reason, error.reason))


def write_errors_csv(*, run: ImportRun, language: str) -> Path:
    """Write the error report next to the uploaded file (UTF-8 with BOM, for Excel)."""
    path = import_dir(run) / "errors.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with translation.override(language), path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        for row in error_rows(run=run):
            writer.writerow(row)
    return path


def import_summary(run: ImportRun) -> dict[str, Any]:
    errors = import_dir(run) / "errors.csv"
    return {
        "run": run.code.hex,
        "kind": run.kind,
        "status": run.status,
        # The code and its parameters do not depend on a language; `message` is the words.
        "message_code": run.message_code,
        "message_params": run.message_params,
        "message": run.message,
        "encoding": run.encoding,
        "rows_in": run.rows_total,
        "rows_ok": run.rows_ok,
        "rows_rejected": run.rows_rejected,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "errors_csv": str(errors) if errors.exists() else None,
        "seconds": round((run.finished_at - run.started_at).total_seconds(), 3)
        if run.finished_at and run.started_at
        else None,
    }


def first_errors(*, run: ImportRun, limit: int = 20) -> list[ImportRowError]:
    """The first row errors, each with `reason_text` in the active language."""
    errors = list(run.row_errors.order_by("line", "id")[:limit])
    for error in errors:
        error.reason_text = reason_text(error, kind=run.kind)  # type: ignore[attr-defined]
    return errors
