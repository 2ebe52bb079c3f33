"""Sending surveys: to a segment (bulk), to one customer, the invitation list with revoking,
and the contact-policy log (suppressions). Admins only (`surveys.manage_surveys`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxm.methods import allow_methods
from cxm.models import User
from odata.models import Customer, Order, Store
from odata.selectors import access_customer, customer_search_page
from surveys.models import Invitation, Suppression, Survey
from surveys.services.contact_policy import (
    IntervalHold,
    interval_holds,
    last_invitation,
    reason_at_send,
    suppression_log,
)
from surveys.services.invitations import (
    access_invitation,
    access_survey_for_invitations,
    bulk_preview,
    invitation_list,
    invite_customer,
    published_surveys,
    request_bulk_invitations,
    revoke_invitation,
)

PAGE_SIZE = 50
MANAGE = "surveys.manage_surveys"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# -- Forms (validate and convert only) ------------------------------------------------------------


class AudienceForm(forms.Form):
    segment = forms.ChoiceField(label=gettext_lazy("Segment"), required=False)
    store = forms.ModelChoiceField(
        label=gettext_lazy("Home store"),
        queryset=Store.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All stores"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        segments = (
            Customer.objects.exclude(segment="")
            .order_by("segment")
            .values_list("segment", flat=True)
            .distinct()
        )
        self.fields["segment"].choices = [("", _("All segments"))] + [(s, s) for s in segments]  # type: ignore[attr-defined]


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Order) -> str:
        placed = formats.date_format(timezone.localtime(obj.placed_at), "SHORT_DATETIME_FORMAT")
        store = obj.store.name if obj.store is not None else obj.get_channel_display()
        return f"{obj.external_id} · {placed} · {store}"


# The orders offered on the manual invitation form: the customer's latest ones.
RECENT_ORDERS = 20


class ManualInviteForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=gettext_lazy("Survey"),
        queryset=published_surveys(),
        to_field_name="code",
        empty_label=gettext_lazy("Choose a survey"),
        error_messages={
            "required": gettext_lazy("Choose a survey."),
            "invalid_choice": gettext_lazy("Choose a published survey."),
        },
    )
    order = OrderChoiceField(
        label=gettext_lazy("About the order"),
        queryset=Order.objects.none(),
        to_field_name="external_id",
        required=False,
        empty_label=gettext_lazy("No particular order (credited to the home store)"),
        help_text=gettext_lazy(
            "The answer is credited to the order's store, with its channel and time of day."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the customer's orders.")},
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recent = customer.orders.order_by("-placed_at", "-id").values_list("pk", flat=True)
        field: Any = self.fields["order"]
        field.queryset = (
            Order.objects.filter(pk__in=list(recent[:RECENT_ORDERS]))
            .select_related("store")
            .order_by("-placed_at", "-id")
        )


class SuppressionFilterForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", gettext_lazy("All reasons")), *Suppression.Reason.choices],
        required=False,
    )
    survey = forms.ModelChoiceField(
        label=gettext_lazy("Survey"),
        queryset=Survey.objects.select_related("touchpoint"),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All surveys"),
    )


class InvitationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All statuses")), *Invitation.Status.choices],
        required=False,
    )
    survey = forms.ModelChoiceField(
        label=gettext_lazy("Survey"),
        queryset=Survey.objects.select_related("touchpoint"),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All surveys"),
    )


# -- Bulk -----------------------------------------------------------------------------------------


@login_required
@allow_methods("GET", "POST")
def bulk_invite(request: HttpRequest, code: UUID) -> HttpResponse:
    survey = access_survey_for_invitations(_user(request), code)
    form = AudienceForm(request.POST if request.method == "POST" else request.GET)
    published = survey.status == Survey.Status.PUBLISHED
    if not form.is_valid() or (request.method == "POST" and not published):
        context = {"survey": survey, "form": form, "preview": None, "published": published}
        return render(request, "surveys/invitations/bulk.html", context, status=400)
    segment, store = form.cleaned_data["segment"], form.cleaned_data["store"]
    if request.method == "POST":
        request_bulk_invitations(survey=survey, segment=segment, store=store, by=_user(request))
        messages.success(
            request,
            _("The invitations are being created. They go out within minutes (from 9:00)."),
        )
        return redirect(reverse("surveys:invitations") + f"?survey={survey.code}")
    preview = bulk_preview(survey=survey, segment=segment, store=store, now=timezone.now())
    context = {"survey": survey, "form": form, "preview": preview, "published": published}
    return render(request, "surveys/invitations/bulk.html", context)


# -- One customer ---------------------------------------------------------------------------------


@login_required
@permission_required(MANAGE, raise_exception=True)
@allow_methods("GET", "POST")
def invitation_new(request: HttpRequest) -> HttpResponse:
    """Send a survey to the customer named by `?customer=<code>` (from the customer 360).

    Without `?customer=` (a bookmarked or typed address) the page offers the customer search;
    its results link back here with the customer chosen."""
    if not request.GET.get("customer"):
        if request.method == "POST":
            raise Http404  # nobody to send to
        return _choose_customer(request)
    customer = access_customer(_user(request), _uuid_or_404(request.GET.get("customer", "")))
    form = ManualInviteForm(request.POST or None, customer=customer)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        # The rules that hold for every survey are told before the admin picks one; the
        # contact interval depends on the survey's touchpoint and is told after sending.
        held = reason_at_send(customer)
        held_reason = Suppression.Reason(held).label if held is not None else None
        surveys = list(form.fields["survey"].queryset)  # type: ignore[attr-defined]
        interval_notice, all_held = _interval_notice(customer, surveys)
        context = {
            "customer": customer,
            "form": form,
            "held_reason": held_reason,
            "interval_notice": interval_notice,
            "all_held": all_held,
        }
        return render(request, "surveys/invitations/new.html", context, status=status)
    survey = form.cleaned_data["survey"]
    outcome = invite_customer(
        customer=customer, survey=survey, by=_user(request), order=form.cleaned_data["order"]
    )
    if outcome.invitation is not None:
        messages.success(request, _("“%(survey)s” is on its way.") % {"survey": survey.name})
    elif outcome.suppression is not None:
        messages.warning(request, _refusal(customer, survey, outcome.suppression))
    return redirect("odata:customer-detail", code=customer.code)


def _date(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def _hold_values(hold: IntervalHold) -> dict[str, object]:
    return {
        "survey": hold.last_survey,
        "date": _date(hold.invited_at),
        "days": hold.interval_days,
        "from": _date(hold.free_from),
    }


def _interval_notice(customer: Customer, surveys: list[Survey]) -> tuple[str, bool]:
    """What the contact interval holds back before the admin picks a survey: the notice ("" if
    nothing) and whether it holds every survey offered."""
    holds = interval_holds(last=last_invitation(customer), surveys=surveys, now=timezone.now())
    if not holds:
        return "", False
    if len(holds) == len(surveys):
        first = min(holds.values(), key=lambda hold: hold.free_from)
        notice = _(
            "Last invited: %(survey)s, %(date)s — under the %(days)d-day contact interval, "
            "surveys can be sent again from %(from)s."
        )
        return notice % _hold_values(first), True
    held = ", ".join(
        _("“%(survey)s” (from %(date)s)")
        % {"survey": survey.name, "date": _date(holds[survey.pk].free_from)}
        for survey in surveys
        if survey.pk in holds
    )
    notice = _(
        "Last invited: %(survey)s, %(date)s — under the contact interval these surveys cannot "
        "be sent yet: %(held)s."
    )
    any_hold = next(iter(holds.values()))
    return notice % {**_hold_values(any_hold), "held": held}, False


def _refusal(customer: Customer, survey: Survey, suppression: Suppression) -> str:
    """Why the invitation was not made; for the contact interval, which invitation and when."""
    if suppression.reason == Suppression.Reason.RECENTLY_INVITED:
        # The suppression was just recorded under the same rule, so the hold is there.
        holds = interval_holds(
            last=last_invitation(customer), surveys=[survey], now=suppression.created_at
        )
        if survey.pk in holds:
            message = _(
                "Not sent. Last invited: %(survey)s, %(date)s — under the %(days)d-day contact "
                "interval, “%(this)s” can be sent from %(from)s."
            )
            return message % {**_hold_values(holds[survey.pk]), "this": survey.name}
    return _("Not sent: %(reason)s.") % {"reason": suppression.get_reason_display()}


def _choose_customer(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm("odata.view_customer"):
        raise PermissionDenied
    return render(
        request, "surveys/invitations/choose_customer.html", customer_search_page(user, request.GET)
    )


def _uuid_or_404(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Http404 from None


# -- Invitations and revoking ---------------------------------------------------------------------


@allow_methods("GET")
@login_required
@permission_required(MANAGE, raise_exception=True)
def invitations(request: HttpRequest) -> HttpResponse:
    form = InvitationFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = invitation_list(status=filters.get("status", ""), survey=filters.get("survey"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "surveys/invitations/list.html", {"form": form, "page": page})


@allow_methods("POST")
@login_required
def invitation_revoke(request: HttpRequest, code: UUID) -> HttpResponse:
    invitation = access_invitation(_user(request), code)
    if revoke_invitation(invitation=invitation):
        messages.success(request, _("The invitation is revoked: its link no longer works."))
    else:
        messages.info(request, _("This invitation was already answered, expired or revoked."))
    return redirect(reverse("surveys:invitations") + f"?survey={invitation.survey.code}")


# -- Suppressions ---------------------------------------------------------------------------------


@allow_methods("GET")
@login_required
@permission_required(MANAGE, raise_exception=True)
def suppressions(request: HttpRequest) -> HttpResponse:
    form = SuppressionFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = suppression_log(reason=filters.get("reason", ""), survey=filters.get("survey"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "surveys/invitations/suppressions.html", {"form": form, "page": page})


urlpatterns: list[URLPattern] = [
    path("invitations/", invitations, name="invitations"),
    path("invitations/new/", invitation_new, name="invitation-new"),
    path("invitations/<uuid:code>/revoke/", invitation_revoke, name="invitation-revoke"),
    path("suppressions/", suppressions, name="suppressions"),
    path("<uuid:code>/invite/", bulk_invite, name="bulk-invite"),
]
