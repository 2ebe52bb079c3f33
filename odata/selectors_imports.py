"""Reads for the import pages, and the access function for import runs."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from cxm.models import User
from odata.models import ImportRun


def access_import_run(actor: User, code: UUID, *, write: bool = False) -> ImportRun:
    """The run `code` for holders of `odata.import_odata`; 403 otherwise, 404 if unknown."""
    if not actor.has_perm("odata.import_odata"):
        raise PermissionDenied
    run = ImportRun.objects.select_related("created_by").filter(code=code).first()
    if run is None:
        raise Http404
    return run


def import_history() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("created_by").order_by("-created_at", "-id")
