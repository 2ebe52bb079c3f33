"""X-Data's JSON API, included at /api/v1/: feedback from other channels.

Authentication, body limits and error bodies are the events API's (`odata.views.api`), shared
through `read_json_request` and `rejected_response`. See docs/feedback-api.md.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path

from cxm.methods import api_view
from odata.services.events import EventRejected
from odata.views.api import read_json_request, rejected_response
from xdata.services.feedback import receive_feedback


@api_view("POST")
def feedback(request: HttpRequest) -> HttpResponse:
    parsed = read_json_request(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    token, payload = parsed
    try:
        outcome = receive_feedback(token=token, payload=payload)
    except EventRejected as rejected:
        return rejected_response(rejected)
    status = 201 if outcome.status == "created" else 200
    return JsonResponse(outcome.as_json(), status=status, json_dumps_params={"ensure_ascii": False})


urlpatterns: list[URLPattern] = [
    path("feedback/", feedback, name="api-feedback"),
]
