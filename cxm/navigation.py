"""The staff shell's navigation: each entry is shown to users holding its permission.

Apps append their entries when their pages land; the order here is the order on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    permission: str | None  # None: every signed-in staff member
    section: str  # "work" (daily pages) or "manage" (settings and administration)


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), None, "work"),
    NavItem("xdata:responses", _("Responses"), "xdata.view_responses", "work"),
    NavItem("odata:customers", _("Customers"), "odata.view_customer", "work"),
    NavItem("analysis:overview", _("Analysis"), "analysis.view_dashboards", "work"),
    NavItem("actions:my-tasks", _("My tasks"), "actions.work_tasks", "work"),
    NavItem("actions:board", _("Follow-up board"), "actions.review_tasks", "work"),
    NavItem("actions:outcomes", _("Outcomes"), "actions.review_tasks", "work"),
    NavItem("surveys:surveys", _("Surveys"), "surveys.manage_surveys", "manage"),
    NavItem("surveys:touchpoints", _("Touchpoints"), "surveys.manage_surveys", "manage"),
    NavItem("surveys:invitations", _("Invitations"), "surveys.manage_surveys", "manage"),
    NavItem("odata:imports", _("Import data"), "odata.import_odata", "manage"),
    NavItem("odata:tokens", _("Integrations"), "odata.manage_integrations", "manage"),
    NavItem("actions:rules", _("Trigger rules"), "actions.manage_rules", "manage"),
    NavItem("actions:plans", _("Action plans"), "actions.manage_rules", "manage"),
    NavItem("actions:root-causes", _("Root causes"), "actions.manage_rules", "manage"),
    NavItem("actions:webhooks", _("Webhooks"), "actions.manage_rules", "manage"),
    NavItem("cxm:users", _("Users and roles"), "cxm.manage_users", "manage"),
    NavItem("cxm:sent-email", _("Sent e-mail"), "cxm.view_sent_email", "manage"),
    NavItem("cxm:system-status", _("System status"), "cxm.view_system_status", "manage"),
)
