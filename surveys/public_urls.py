"""Customer-facing survey pages at the site root: /s/<token>/, /o/<code>/ and friends."""

from __future__ import annotations

from surveys.views import public, unsubscribe

app_name = "survey-public"

urlpatterns = [*public.public_urlpatterns, *unsubscribe.public_urlpatterns]
