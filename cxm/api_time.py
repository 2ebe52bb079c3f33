"""How every machine-facing JSON document writes an instant (the tasks API, webhooks, health).

ISO 8601 in the site's time zone (`TIME_ZONE`), whole seconds, with its UTC offset:
`2026-11-23T16:12:33+09:00`, as the OpenAPI document's examples and the documents cxm accepts
(events, feedback) write them. Seconds are cut, not rounded: a client that asks again with
`updated_since` set to the largest `updated_at` it saw gets that task again rather than missing
one changed in the same second.
"""

from __future__ import annotations

from datetime import datetime
from typing import overload

from django.utils import timezone


@overload
def api_instant(value: datetime) -> str: ...
@overload
def api_instant(value: None) -> None: ...
def api_instant(value: datetime | None) -> str | None:
    """`value` as the API writes it; None stays None (JSON null)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()
