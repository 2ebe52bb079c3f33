"""The import page: upload, match columns, watch the progress, read the errors, history."""

from __future__ import annotations

import csv
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from cxm.methods import allow_methods
from cxm.models import User
from cxm.sizes import file_size
from odata.forms import MappingForm, UploadForm
from odata.importing.messages import MESSAGES
from odata.importing.reader import FileProblem
from odata.importing.required import ValueRefused
from odata.models import ImportRun
from odata.selectors_imports import access_import_run, import_history
from odata.services.imports import error_rows, first_errors, headers_of, set_mapping, start_import
from odata.uploads import SizeLimitUploadHandler

log = logging.getLogger(__name__)


def _too_large(request: HttpRequest) -> HttpResponse:
    problem = _(
        "The file is larger than %(limit)s. Split it into smaller files and import each."
    ) % {"limit": file_size(settings.CXM_IMPORT_MAX_BYTES)}
    return _page(request, UploadForm(), status=413, problem=problem)


def _page(
    request: HttpRequest, form: UploadForm, *, status: int = 200, problem: str = ""
) -> HttpResponse:
    page = Paginator(import_history(), 25).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "problem": problem,
        "limit": file_size(settings.CXM_IMPORT_MAX_BYTES),
    }
    return render(request, "odata/imports.html", context, status=status)


def _to_disk(upload: UploadedFile) -> Path:
    """The uploaded file as a path on disk the import service can take over."""
    with tempfile.NamedTemporaryFile(delete=False, prefix="cxm-upload-") as handle:
        target = Path(handle.name)
    try:
        if isinstance(upload, TemporaryUploadedFile):
            shutil.copyfile(upload.temporary_file_path(), target)
        else:
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
    except OSError:
        target.unlink(missing_ok=True)
        raise
    return target


@csrf_exempt  # checked by csrf_protect below, once the size guard is in place
@login_required
@permission_required("odata.import_odata", raise_exception=True)
@allow_methods("GET", "POST")
def imports(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, UploadForm())
    limit = settings.CXM_IMPORT_MAX_BYTES
    # Refuse by the declared size before Django reads the body; the handler stops the rest.
    # Upload handlers must be set before anything (CSRF checking included) reads the body.
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        return _too_large(request)
    guard = SizeLimitUploadHandler(request, limit)
    request.upload_handlers.insert(0, guard)  # type: ignore[union-attr]  # a list until read
    return _upload(request, guard)


@csrf_protect
def _upload(request: HttpRequest, guard: SizeLimitUploadHandler) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if guard.exceeded:
        return _too_large(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    user: User = request.user  # type: ignore[assignment]
    data = form.cleaned_data
    try:
        source = _to_disk(data["file"])
    except OSError:  # no room for the copy: nothing recorded yet
        log.exception("could not store an uploaded import file")
        return _page(request, form, status=503, problem=str(MESSAGES["file_not_stored"]))
    run = start_import(
        kind=data["kind"],
        source=source,
        file_name=data["file"].name,
        mode=data["mode"],
        encoding=data["encoding"],
        preset=data["preset"],
        user=user,
    )
    if run.status == ImportRun.Status.NEEDS_MAPPING:
        return redirect("odata:import-mapping", code=run.code)
    return redirect("odata:import-detail", code=run.code)


@login_required
@allow_methods("GET")
def import_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    run = access_import_run(request.user, code)  # type: ignore[arg-type]
    context = {"run": run, "errors": first_errors(run=run), "working": _working(run)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "odata/_import_status.html", context)
    return render(request, "odata/import_detail.html", context)


def _working(run: ImportRun) -> bool:
    return run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)


@login_required
@allow_methods("GET", "POST")
def import_mapping(request: HttpRequest, code: UUID) -> HttpResponse:
    run = access_import_run(request.user, code, write=request.method == "POST")  # type: ignore[arg-type]
    if run.status != ImportRun.Status.NEEDS_MAPPING:
        return redirect("odata:import-detail", code=run.code)
    try:
        headers = headers_of(run)
    except FileProblem:  # the stored file is gone or changed: start over
        return redirect("odata:imports")
    form = MappingForm(
        request.POST or None, kind=run.kind, headers=headers, initial_mapping=run.mapping
    )
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "odata/import_mapping.html", {"run": run, "form": form}, status=400
            )
        try:
            set_mapping(
                run=run,
                mapping=form.cleaned_data["mapping"],
                constants=form.cleaned_data["constants"],
                save_as=form.cleaned_data["save_as"].strip(),
                user=request.user,  # type: ignore[arg-type]
            )
        except ValueRefused as refused:
            # The form checks the values as the service does; should they ever disagree, the
            # page says what was refused rather than failing.
            field = f"value_{refused.field}"
            form.add_error(field if field in form.fields else None, refused.message)
            return render(
                request, "odata/import_mapping.html", {"run": run, "form": form}, status=400
            )
        return redirect("odata:import-detail", code=run.code)
    return render(request, "odata/import_mapping.html", {"run": run, "form": form})


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@allow_methods("GET")
def import_errors_csv(request: HttpRequest, code: UUID) -> StreamingHttpResponse:
    run = access_import_run(request.user, code)  # type: ignore[arg-type]
    writer = csv.writer(_Echo())
    language = translation.get_language()

    def lines() -> Iterator[str]:
        # The body is produced after the view returns: keep the reader's language.
        with translation.override(language):
            yield "\ufeff"  # BOM: Excel then reads the UTF-8 (Korean) text correctly
            for row in error_rows(run=run):
                yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-errors-{run.code.hex[:8]}.csv"'
    return response


urlpatterns = [
    path("imports/", imports, name="imports"),
    path("imports/<uuid:code>/", import_detail, name="import-detail"),
    path("imports/<uuid:code>/columns/", import_mapping, name="import-mapping"),
    path("imports/<uuid:code>/errors.csv", import_errors_csv, name="import-errors"),
]
