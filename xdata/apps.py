from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XDataConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xdata"
    verbose_name = _("Experience data")

    def ready(self) -> None:
        from xdata.timeline import register_timeline_sources

        register_timeline_sources()
