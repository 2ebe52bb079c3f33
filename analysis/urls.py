"""Analysis URLs. Each page module lists its own `urlpatterns`; the insight pages (drivers,
say-do gap, value x experience, text themes) add theirs here under the names
`drivers`, `say-do`, `value-experience` and `themes` (the dashboard's sub-navigation shows a
page once its name resolves)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from analysis.views import insights, overview, runs, segments

app_name = "analysis"

urlpatterns: list[URLPattern | URLResolver] = [
    *overview.urlpatterns,
    *segments.urlpatterns,
    *runs.urlpatterns,
    *insights.urlpatterns,
]
