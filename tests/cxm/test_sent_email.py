"""Under `make run` e-mails are kept and admins read them, links clickable, text escaped."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMultiAlternatives

from cxm.mail import StoredEmailBackend
from cxm.models import StoredEmail, User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _keep(subject: str, text: str, html: str = "") -> StoredEmail:
    message = EmailMultiAlternatives(subject, text, "cxm@example.com", ["to@example.com"])
    if html:
        message.attach_alternative(html, "text/html")
    assert StoredEmailBackend().send_messages([message]) == 1
    return StoredEmail.objects.get(subject=subject)


def test_store_backend_keeps_text_and_html() -> None:
    kept = _keep("Hello", "text part", "<p>html part</p>")
    assert (kept.to, kept.body_text, kept.body_html) == (
        ["to@example.com"],
        "text part",
        "<p>html part</p>",
    )


def test_admin_sees_the_list_and_opens_a_message_with_clickable_links(admin: User) -> None:
    kept = _keep("Survey for you", "Answer here: https://cx.example.com/s/abc/ <script>x</script>")
    client = client_for(admin)
    listing = client.get("/manage/sent-email/").content.decode()
    assert f"/manage/sent-email/{kept.code}/" in listing
    detail = client.get(f"/manage/sent-email/{kept.code}/").content.decode()
    assert '<a href="https://cx.example.com/s/abc/"' in detail
    assert "<script>x</script>" not in detail
    assert "&lt;script&gt;" in detail


def test_html_part_is_shown_in_a_sandbox(admin: User) -> None:
    kept = _keep("Styled", "plain", '<p onclick="steal()">hi</p>')
    detail = client_for(admin).get(f"/manage/sent-email/{kept.code}/").content.decode()
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in detail
    assert 'srcdoc="&lt;p onclick=&quot;steal()&quot;&gt;hi&lt;/p&gt;"' in detail


def test_sent_email_pages_are_for_admins_only(manager: User, admin: User) -> None:
    kept = _keep("Private", "x")
    assert client_for(manager).get("/manage/sent-email/").status_code == 403
    assert client_for(manager).get(f"/manage/sent-email/{kept.code}/").status_code == 403


def test_list_page_query_count_does_not_grow_with_messages(
    admin: User, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(30):
        _keep(f"m{n}", "x")
    client = client_for(admin)
    with django_assert_max_num_queries(8):
        assert client.get("/manage/sent-email/").status_code == 200
