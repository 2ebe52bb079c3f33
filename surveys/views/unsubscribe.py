from __future__ import annotations

from django.urls import URLPattern

# Customer-facing pages, mounted at the site root (no login).
public_urlpatterns: list[URLPattern] = []
urlpatterns: list[URLPattern] = []
