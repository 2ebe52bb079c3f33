"""The three staff roles and what each may do.

A role is a Django group. Each app adds the permission codenames its pages need to the sets
below; `sync_role_permissions` (run after every migrate) makes the groups match them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "Admin", _("Admin")
    MANAGER = "Manager", _("Manager")
    STAFF = "Staff", _("Staff")


# "app_label.codename" per role. Admins can do everything a manager can, managers everything
# staff can; the sets are written out in full so a reader sees each role at a glance.
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            "actions.manage_rules",
            "analysis.run_analysis",
            "analysis.view_dashboards",
            "actions.review_tasks",
            "actions.work_tasks",
            "cxm.manage_users",
            "cxm.view_sent_email",
            "cxm.view_system_status",
            "odata.view_customer",
            "odata.view_customer_contact",
            "odata.import_odata",
            "odata.manage_integrations",
            "surveys.manage_surveys",
            "xdata.view_responses",
        }
    ),
    Role.MANAGER: frozenset(
        {
            "actions.review_tasks",
            "analysis.run_analysis",
            "analysis.view_dashboards",
            "actions.work_tasks",
            "cxm.view_system_status",
            "odata.view_customer",
            "odata.view_customer_contact",
            "xdata.view_responses",
        }
    ),
    Role.STAFF: frozenset(
        {
            "actions.work_tasks",
            "analysis.view_dashboards",
            "odata.view_customer",
            "xdata.view_responses",
        }
    ),
}
