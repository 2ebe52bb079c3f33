from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    """After the last app's post_migrate, when every app's permissions exist."""
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    from cxm.services import sync_role_permissions

    sync_role_permissions()


class CxmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cxm"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Permissions are created by auth's post_migrate handler, app by app; role groups are
        # synced once all of them exist (see _sync_roles).
        post_migrate.connect(_sync_roles, dispatch_uid="cxm.sync_roles")
        from cxm import checks  # noqa: F401 -- registers cxm's deployment checks
