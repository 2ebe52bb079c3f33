"""Survey responses and feedback on the customer 360 timeline, merged with orders and paged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cxm.models import User
from odata.selectors import TIMELINE_SOURCES, customer_timeline
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory
from tests.xdata.test_explorer import T0, XSS, make_feedback, make_response, published

pytestmark = pytest.mark.django_db


def test_sources_are_registered_once() -> None:
    kinds = [source.kind for source in TIMELINE_SOURCES]
    assert kinds.count("response") == 1 and kinds.count("feedback") == 1
    from xdata.timeline import register_timeline_sources

    register_timeline_sources()
    assert [source.kind for source in TIMELINE_SOURCES] == kinds


def test_timeline_merges_responses_and_feedback_with_orders() -> None:
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, placed_at=T0 - timedelta(days=2))
    response = make_response(published(), at=T0 - timedelta(days=1), customer=customer)
    feedback = make_feedback(at=T0, customer=customer)
    make_response(at=T0, customer=CustomerFactory())  # someone else's
    timeline = customer_timeline(customer, now=T0)
    assert [e.subject for e in timeline.entries] == [feedback, response, order]


def test_timeline_pages_across_equal_times() -> None:
    customer = CustomerFactory()
    version = published()
    made = {make_response(version, at=T0, customer=customer).pk for _ in range(3)}
    made |= {make_feedback(at=T0, customer=customer).pk for _ in range(3)}
    seen = []
    before = None
    while True:
        page = customer_timeline(customer, before=before, limit=2, now=T0)
        seen += [(e.kind, e.subject.pk) for e in page.entries]
        if page.older is None:
            break
        before = page.older
    assert len(seen) == len(set(seen)) == 6
    assert {pk for _kind, pk in seen} == made


def test_360_page_shows_entries_linked_and_escaped(manager: User) -> None:
    customer = CustomerFactory()
    response = make_response(published(), nps=3, comment=XSS, customer=customer)
    feedback = make_feedback(text="포장이 " + XSS, channel="naver", rating=2, customer=customer)
    html = client_for(manager).get(f"/odata/customers/{customer.code}/").content.decode()
    assert f"/xdata/responses/{response.code}/" in html
    assert f"/xdata/feedback/{feedback.code}/" in html
    assert "NPS 3" in html and "★ 2" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
