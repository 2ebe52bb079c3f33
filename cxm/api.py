"""The API's OpenAPI document: each app describes its endpoints, the project merges them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from actions.api_schema import openapi_part as tasks_part
from cxm.methods import api_view
from odata.api_schema import openapi_document
from xdata.api_schema import openapi_part


def api_document() -> dict[str, Any]:
    document = openapi_document()
    document["info"]["title"] = "cxm API"
    document["info"]["description"] = (
        "Operational events from an ERP or CRM, feedback from other channels, and follow-up "
        "tasks for other systems to read. Each integration uses its own bearer token "
        "(created by an admin under /odata/integrations/)."
    )
    for part in (openapi_part(), tasks_part()):
        document["paths"].update(part["paths"])
        document["components"]["schemas"].update(part["schemas"])
    return document


@api_view("GET")
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(api_document(), json_dumps_params={"ensure_ascii": False})
