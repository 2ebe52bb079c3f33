from __future__ import annotations

from django.urls import URLPattern, URLResolver

from actions.views import admin_plans, admin_rules, admin_taxonomy, admin_webhooks
from actions.views import board as board_views
from actions.views import outcomes as outcome_views
from actions.views import tasks as task_views

app_name = "actions"

urlpatterns: list[URLPattern | URLResolver] = [
    *admin_rules.urlpatterns,
    *admin_plans.urlpatterns,
    *admin_taxonomy.urlpatterns,
    *admin_webhooks.urlpatterns,
    *task_views.urlpatterns,
    *board_views.urlpatterns,
    *outcome_views.urlpatterns,
]
