from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from cxm.navigation import NAVIGATION
from cxm.services import role_of


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation and role for the staff shell; nothing for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in NAVIGATION:
        if item.permission is not None and not user.has_perm(item.permission):
            continue
        url = reverse(item.url_name)
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": item.label, "section": item.section, "current": current})
    role = role_of(user)
    return {
        "nav_work": [i for i in items if i["section"] == "work"],
        "nav_manage": [i for i in items if i["section"] == "manage"],
        "user_role": role.label if role else "",
    }
