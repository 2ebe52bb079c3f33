"""Sending invitations: the sweep queues realtime jobs, each e-mail goes out once, in the
customer's language, with a link whose token is stored nowhere."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
import time_machine
from django.core import mail
from django.db import connection

from odata.models import Customer, Milestone
from surveys.jobs import send_invitation
from surveys.models import Invitation, Suppression, Survey
from surveys.services.invitations import sweep_invitations
from surveys.tokens import hash_token
from tests.surveys.test_invitations_helpers import (
    at,
    invitation_columns,
    make_customer,
    make_event,
    make_store,
    make_survey,
    token_from_last_email,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_BASE_URL = "https://cx.example.com"


def _scheduled(customer: Customer | None = None, *, language: str = "ko") -> Invitation:
    """A milestone invitation due at 10:00 on 4 March."""
    survey = Survey.objects.filter(name="배송 만족도").first() or make_survey(
        milestone=Milestone.DELIVERY_DELIVERED, send_on_milestone=True, delay_hours=24
    )
    store = make_store(name="강남점")
    customer = customer or make_customer(language=language, name="김민지")
    make_event(customer, at(3, 10), store=store)
    with time_machine.travel(at(3, 10, 1), tick=False):
        sweep_invitations()
    return Invitation.objects.get(survey=survey, customer=customer)


def test_the_sweep_queues_one_realtime_job_per_due_invitation(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    invitation = _scheduled()
    queue = django_rq.get_queue("realtime")
    with (
        time_machine.travel(at(4, 9, 59), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_invitations()["sends_queued"] == 0
    assert queue.count == 0
    with (
        time_machine.travel(at(4, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_invitations()["sends_queued"] == 1
        sweep_invitations()  # the job still waits: not queued again
    assert [(job.func_name, job.args) for job in queue.jobs] == [
        ("surveys.jobs.send_invitation", (invitation.pk,))
    ]


def test_the_send_job_sends_once_when_called_twice() -> None:
    invitation = _scheduled()
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
        send_invitation(invitation.pk)
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    assert invitation.sent_at == at(4, 10, 1)
    assert invitation.expires_at == at(4, 10, 1) + timedelta(days=14)


def test_nothing_goes_out_before_send_after() -> None:
    invitation = _scheduled()
    with time_machine.travel(at(4, 9, 30), tick=False):
        send_invitation(invitation.pk)
    assert mail.outbox == []
    assert Invitation.objects.get().status == "scheduled"


def test_korean_e_mail_with_link_store_and_unsubscribe() -> None:
    invitation = _scheduled(language="ko")
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    message = mail.outbox[0]
    token = token_from_last_email()
    assert message.to == [invitation.customer.email]
    # A delivery is not a store visit: the subject names the survey, the body thanks the store.
    assert "배송 만족도" in message.subject and "방문" not in message.subject
    assert "강남점" in message.body
    assert "김민지" in message.body
    assert f"https://cx.example.com/s/{token}/" in message.body
    assert f"https://cx.example.com/u/{token}/" in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert f'href="https://cx.example.com/s/{token}/"' in html
    assert f'href="https://cx.example.com/u/{token}/"' in html
    assert "강남점" in html
    # Rendered in Korean (the wording itself is translated once the catalogue is merged).
    assert "2025년 3월 18일" in message.body


def test_english_e_mail() -> None:
    invitation = _scheduled(language="en")
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    message = mail.outbox[0]
    assert message.subject == "Tell us how we did: 배송 만족도"  # a delivery, not a visit
    assert "Hello 김민지," in message.body
    assert "No more surveys from us:" in message.body
    assert "The link works until March 18, 2025." in message.body
    assert "Answer the survey" in message.alternatives[0][0]  # type: ignore[attr-defined]


def test_the_token_is_stored_nowhere_only_its_hash() -> None:
    invitation = _scheduled()
    placeholder = invitation.token_hash
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    token = token_from_last_email()
    assert len(token) >= 43
    invitation.refresh_from_db()
    assert invitation.token_hash == hash_token(token) != placeholder
    assert not any(token in value for value in invitation_columns(invitation))
    # Nor anywhere else in the database: look through every text column of every table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        columns = cursor.fetchall()
        for table, column in columns:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608 - names from the catalogue
                [f"%{token}%"],
            )
            assert cursor.fetchone()[0] == 0, (table, column)


def test_each_invitation_gets_its_own_token() -> None:
    first = _scheduled()
    second = _scheduled(make_customer(name="이서준"))
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(first.pk)
        send_invitation(second.pk)
    bodies = [str(message.body) for message in mail.outbox]
    assert len(bodies) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.token_hash != second.token_hash


def test_a_customer_who_withdrew_consent_meanwhile_is_not_e_mailed() -> None:
    invitation = _scheduled()
    Customer.objects.filter(pk=invitation.customer_id).update(survey_consent=False)
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert Suppression.objects.get().reason == "no_consent"


def test_the_sweep_sends_nothing_in_the_quiet_window(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    invitation = _scheduled()
    Invitation.objects.filter(pk=invitation.pk).update(send_after=at(3, 12))
    with (
        time_machine.travel(at(3, 22), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sweep_invitations()["sends_queued"] == 0
        send_invitation(invitation.pk)
    assert mail.outbox == []
    assert django_rq.get_queue("realtime").count == 0


def test_the_sweep_expires_old_links() -> None:
    invitation = _scheduled()
    with time_machine.travel(at(4, 10, 1), tick=False):
        send_invitation(invitation.pk)
    with time_machine.travel(at(18, 10, 0), tick=False):
        assert sweep_invitations()["expired"] == 0
    with time_machine.travel(at(18, 10, 2), tick=False):
        assert sweep_invitations()["expired"] == 1
    assert Invitation.objects.get().status == "expired"


def test_a_failed_e_mail_leaves_the_invitation_scheduled(monkeypatch: pytest.MonkeyPatch) -> None:
    invitation = _scheduled()

    def broken(**kwargs: object) -> None:
        raise OSError("SMTP down")

    monkeypatch.setattr("surveys.services.invitations.send_templated_email", broken)
    with time_machine.travel(at(4, 10, 1), tick=False), pytest.raises(OSError):
        send_invitation(invitation.pk)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sent_at) == ("scheduled", None)
    assert invitation.token_hash.startswith("pending:")
