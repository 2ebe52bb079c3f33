from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ODataConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "odata"
    verbose_name = _("Operational data")
