from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actions"
    verbose_name = _("Closed loop")

    def ready(self) -> None:
        # A customer with an open follow-up task is sent no new survey (surveys' contact
        # policy asks; it may not import this app, so the answer is registered here).
        from actions.services.tasks import customers_with_open_task
        from surveys.services.contact_policy import register_open_followup_source

        register_open_followup_source(customers_with_open_task)
