"""Builders shared by the invitation, sending, reminder and unsubscribe test modules."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from django.core import mail

from odata.models import Customer, Milestone, OperationalEvent, Order, Store
from surveys.models import Invitation, Survey, SurveyVersion, Touchpoint
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory

SEOUL = ZoneInfo("Asia/Seoul")
QUESTIONS: list[dict[str, Any]] = [
    {"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}}
]
_subjects = count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment in March 2025, Seoul time."""
    return datetime(2025, month, day, hour, minute, tzinfo=SEOUL)


def make_survey(
    *,
    name: str = "배송 만족도",
    milestone: str = "",
    interval: int | None = None,
    send_on_milestone: bool = False,
    delay_hours: int = 24,
    status: str = Survey.Status.PUBLISHED,
) -> Survey:
    touchpoint = Touchpoint.objects.create(
        name=f"{name} 단계", milestone=milestone, contact_interval_days=interval
    )
    survey = Survey.objects.create(
        touchpoint=touchpoint,
        name=name,
        status=status,
        draft=QUESTIONS,
        send_on_milestone=send_on_milestone,
        send_delay_hours=delay_hours,
    )
    version = SurveyVersion.objects.create(survey=survey, number=1, questions=QUESTIONS)
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return survey


def make_customer(**fields: Any) -> Customer:
    fields.setdefault("survey_consent", True)
    customer: Customer = CustomerFactory(**fields)
    return customer


def make_store(**fields: Any) -> Store:
    store: Store = StoreFactory(**fields)
    return store


def make_order(customer: Customer, **fields: Any) -> Order:
    order: Order = OrderFactory(customer=customer, **fields)
    return order


def make_event(
    customer: Customer,
    occurred_at: datetime,
    *,
    kind: str = Milestone.DELIVERY_DELIVERED,
    order: Order | None = None,
    store: Store | None = None,
) -> OperationalEvent:
    return OperationalEvent.objects.create(
        kind=kind,
        subject_key=f"test:{next(_subjects)}",
        customer=customer,
        order=order,
        store=store,
        occurred_at=occurred_at,
    )


def token_from_last_email() -> str:
    """The token in the survey link of the last e-mail sent."""
    body = str(mail.outbox[-1].body)
    start = body.index("/s/") + 3
    return body[start : body.index("/", start)]


def invitation_columns(invitation: Invitation) -> list[str]:
    """Every stored value of the invitation's row, as text."""
    row = Invitation.objects.filter(pk=invitation.pk).values().get()
    return [str(value) for value in row.values()]
