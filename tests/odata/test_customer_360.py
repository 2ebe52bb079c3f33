"""The customer 360 page: who may see it, contact masking, figures, timeline and its paging."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import factory
import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from cxm.models import User
from odata.models import Customer, Delivery, Order, Region, ServiceRecord, Store
from odata.selectors import (
    TimelineCursor,
    customer_figures,
    customer_timeline,
    delivery_alert,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=SEOUL)


# -- Factories (also used by the search and browser tests) -----------------------------------


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"수도권 {n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    external_id = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"강남점 {n}")
    region = factory.SubFactory(RegionFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"고객 {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"0109{n:07d}")
    segment = "VIP"
    created_at = factory.LazyFunction(timezone.now)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    external_id = factory.Sequence(lambda n: f"O{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    channel = "online"
    placed_at = factory.LazyFunction(timezone.now)
    amount = Decimal("10000")
    status = Order.Status.COMPLETED


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    external_id = factory.Sequence(lambda n: f"D{n:06d}")
    order = factory.SubFactory(OrderFactory)
    promised_at = factory.LazyAttribute(lambda d: d.order.placed_at + timedelta(days=2))
    status = Delivery.Status.PENDING


class ServiceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRecord

    external_id = factory.Sequence(lambda n: f"V{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    kind = ServiceRecord.Kind.COMPLAINT
    opened_at = factory.LazyFunction(timezone.now)
    contacts = 1


def english(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return client_for(user)


def url(customer: Customer) -> str:
    return f"/odata/customers/{customer.code}/"


@pytest.fixture
def minji(db: None) -> Customer:
    store = StoreFactory(name="강남점", region=RegionFactory(name="서울"))
    return CustomerFactory(
        name="김민지",
        external_id="C-1001",
        email="minji.kim@example.com",
        phone="01012345678",
        home_store=store,
        survey_consent=True,
        created_at=datetime(2021, 3, 2, 9, 0, tzinfo=SEOUL),
    )


# -- Access ----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(minji: Customer) -> None:
    response = Client().get(url(minji))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_user_without_a_role_is_refused_even_for_an_unknown_customer(
    outsider: User, minji: Customer
) -> None:
    client = client_for(outsider)
    assert client.get(url(minji)).status_code == 403
    assert client.get(f"/odata/customers/{uuid4()}/").status_code == 403
    assert client.get("/odata/customers/").status_code == 403


def test_unknown_customer_is_not_found(agent: User) -> None:
    assert client_for(agent).get(f"/odata/customers/{uuid4()}/").status_code == 404


def test_staff_see_contact_details_partly_hidden_and_never_whole(
    agent: User, minji: Customer
) -> None:
    response = english(agent).get(url(minji))
    html = response.content.decode()
    assert response.status_code == 200
    assert "m***@example.com" in html
    assert "010-****-5678" in html
    assert "partly hidden" in html
    for whole in ("minji.kim", "01012345678", "010-1234-5678"):
        assert whole not in html


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_managers_and_admins_see_contact_details_whole(
    persona: str, minji: Customer, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    html = english(user).get(url(minji)).content.decode()
    assert "minji.kim@example.com" in html
    assert "010-1234-5678" in html
    assert "***" not in html
    assert "partly hidden" not in html


def test_profile_shows_who_the_customer_is(manager: User, minji: Customer) -> None:
    html = english(manager).get(url(minji)).content.decode()
    for text in ("김민지", "C-1001", "VIP", "Korean", "강남점", "서울", "March 2, 2021"):
        assert text in html
    assert re.search(r"Survey consent</dt><dd>Yes</dd>", html)


# -- Figures ---------------------------------------------------------------------------------


@pytest.fixture
def history(minji: Customer) -> Customer:
    """Orders and service records around the 12-month window ending at NOW (2025-06-15)."""

    def order(day: datetime, amount: str, status: str, currency: str = "KRW") -> None:
        OrderFactory(
            customer=minji, placed_at=day, amount=Decimal(amount), status=status, currency=currency
        )

    order(datetime(2025, 5, 1, tzinfo=SEOUL), "12000", Order.Status.COMPLETED)
    order(datetime(2024, 8, 1, tzinfo=SEOUL), "30000", Order.Status.PLACED)
    order(datetime(2024, 3, 1, tzinfo=SEOUL), "50000", Order.Status.COMPLETED)  # > 12 months
    order(datetime(2025, 1, 10, tzinfo=SEOUL), "20000", Order.Status.RETURNED)
    order(datetime(2025, 2, 1, tzinfo=SEOUL), "7000", Order.Status.CANCELLED)
    order(datetime(2025, 3, 1, tzinfo=SEOUL), "100", Order.Status.COMPLETED, currency="USD")
    for day, contacts in (
        (datetime(2025, 4, 1, tzinfo=SEOUL), 3),
        (datetime(2024, 9, 1, tzinfo=SEOUL), 2),
    ):
        ServiceRecordFactory(customer=minji, opened_at=day, contacts=contacts)
    ServiceRecordFactory(customer=minji, opened_at=datetime(2024, 1, 1, tzinfo=SEOUL), contacts=5)
    # Someone else's history counts for nobody here.
    other = CustomerFactory()
    OrderFactory(customer=other, placed_at=datetime(2025, 5, 2, tzinfo=SEOUL), amount=999999)
    ServiceRecordFactory(customer=other, opened_at=datetime(2025, 5, 2, tzinfo=SEOUL), contacts=9)
    return minji


def test_figures_match_hand_computed_values(history: Customer) -> None:
    figures = customer_figures(history, now=NOW)
    assert figures.since == datetime(2024, 6, 15, 12, 0, tzinfo=SEOUL)
    assert figures.order_count == 5  # all but the cancelled one
    assert figures.revenue_lifetime == Decimal("92000")  # 12,000 + 30,000 + 50,000
    assert figures.revenue_12m == Decimal("42000")  # 12,000 + 30,000
    assert figures.last_order is not None
    assert figures.last_order.placed_at == datetime(2025, 5, 1, tzinfo=SEOUL)
    assert figures.service_records_12m == 2
    assert figures.service_contacts_12m == 5  # 3 + 2; the 2024-01 record is older
    assert figures.contact_cost == Decimal("8000")
    assert figures.cost_to_serve_12m == Decimal("40000")
    assert figures.returned_orders_12m == 1
    assert figures.returned_amount_12m == Decimal("20000")


def test_cost_to_serve_uses_the_configured_cost_per_contact(history: Customer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_SERVICE_CONTACT_COST_KRW = 5000
    figures = customer_figures(history, now=NOW)
    assert figures.cost_to_serve_12m == Decimal("25000")


def test_customer_without_history_has_zero_figures(minji: Customer) -> None:
    figures = customer_figures(minji, now=NOW)
    assert (figures.order_count, figures.revenue_12m, figures.revenue_lifetime) == (0, 0, 0)
    assert figures.last_order is None
    assert (figures.service_contacts_12m, figures.cost_to_serve_12m) == (0, 0)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_page_shows_figures_as_won_and_explains_them(
    language: str, manager: User, history: Customer
) -> None:
    User.objects.filter(pk=manager.pk).update(language=language)
    with time_machine.travel(NOW, tick=False):
        html = client_for(manager).get(url(history)).content.decode()
    assert f'<html lang="{language}">' in html
    for amount in ("₩42,000", "₩92,000", "₩40,000", "₩20,000", "₩8,000"):
        assert amount in html
    assert '<details class="explain">' in html


# -- Timeline --------------------------------------------------------------------------------


def test_late_deliveries_say_how_late() -> None:
    promised = datetime(2025, 6, 10, 18, 0, tzinfo=SEOUL)

    def alert(delivered: datetime | None) -> str:
        with translation.override("en"):
            return delivery_alert(Delivery(promised_at=promised, delivered_at=delivered), now=NOW)

    assert alert(promised - timedelta(hours=3)) == ""
    assert alert(promised) == ""
    assert alert(promised + timedelta(hours=1)) == "Delivered 1 day late"
    assert alert(promised + timedelta(days=2)) == "Delivered 2 days late"
    # Still out on 15 June 12:00, promised 10 June 18:00: 4 days 18 hours → 5 days.
    assert alert(None) == "Not delivered, 5 days past the promised date"
    assert delivery_alert(Delivery(promised_at=NOW + timedelta(days=1)), now=NOW) == ""


def test_timeline_marks_late_deliveries(manager: User, minji: Customer) -> None:
    on_time = OrderFactory(customer=minji, placed_at=NOW - timedelta(days=20))
    DeliveryFactory(
        order=on_time,
        external_id="D-ON-TIME",
        promised_at=NOW - timedelta(days=17),
        delivered_at=NOW - timedelta(days=18),
        status=Delivery.Status.DELIVERED,
    )
    late = OrderFactory(customer=minji, placed_at=NOW - timedelta(days=10))
    DeliveryFactory(
        order=late,
        external_id="D-LATE",
        promised_at=NOW - timedelta(days=8),
        delivered_at=NOW - timedelta(days=6),
        status=Delivery.Status.DELIVERED,
    )
    stuck = OrderFactory(customer=minji, placed_at=NOW - timedelta(days=5))
    DeliveryFactory(
        order=stuck, external_id="D-STUCK", promised_at=NOW - timedelta(days=3), status="shipped"
    )
    with time_machine.travel(NOW, tick=False):
        html = english(manager).get(url(minji)).content.decode()
    items = re.findall(r'<li class="entry entry-delivery( is-late)?">(.*?)</li>', html, re.S)
    by_number = {re.search(r"Delivery (D-[A-Z-]+)", body)[1]: (late, body) for late, body in items}  # type: ignore[index]
    assert by_number["D-ON-TIME"][0] == ""
    assert "late" not in by_number["D-ON-TIME"][1]
    assert by_number["D-LATE"][0] == " is-late"
    assert "Delivered 2 days late" in by_number["D-LATE"][1]
    assert by_number["D-STUCK"][0] == " is-late"
    assert "Not delivered, 3 days past the promised date" in by_number["D-STUCK"][1]


def test_timeline_is_newest_first_across_orders_deliveries_and_service(minji: Customer) -> None:
    order = OrderFactory(customer=minji, external_id="O-1", placed_at=NOW - timedelta(days=9))
    DeliveryFactory(
        order=order,
        external_id="D-1",
        promised_at=NOW - timedelta(days=7),
        delivered_at=NOW - timedelta(days=8),
    )
    ServiceRecordFactory(customer=minji, external_id="V-1", opened_at=NOW - timedelta(days=2))
    ServiceRecordFactory(customer=minji, external_id="V-0", opened_at=NOW - timedelta(days=30))
    timeline = customer_timeline(minji, now=NOW)
    assert [(e.kind, e.key) for e in timeline.entries] == [
        ("service", "V-1"),
        ("delivery", "D-1"),  # at its delivery, not its promise
        ("order", "O-1"),
        ("service", "V-0"),
    ]
    assert timeline.older is None


@pytest.fixture
def long_history(minji: Customer) -> Customer:
    """47 entries, many sharing a timestamp within and across kinds (a daily import)."""
    day = datetime(2025, 1, 1, tzinfo=SEOUL)
    for i in range(15):
        at = day + timedelta(days=i // 3)  # three orders per day at the same moment
        order = OrderFactory(customer=minji, external_id=f"O-{i:02d}", placed_at=at)
        DeliveryFactory(order=order, external_id=f"D-{i:02d}", promised_at=at)  # undelivered
        ServiceRecordFactory(customer=minji, external_id=f"V-{i:02d}", opened_at=at)
    OrderFactory(customer=minji, external_id="O-99", placed_at=day - timedelta(days=100))
    ServiceRecordFactory(customer=minji, external_id="V-98", opened_at=day - timedelta(days=99))
    return minji


def test_show_older_pages_by_keyset_without_gaps_or_repeats(long_history: Customer) -> None:
    everything = customer_timeline(long_history, limit=1000, now=NOW).entries
    assert len(everything) == 47
    keys = [(e.at, e.kind, e.key) for e in everything]
    assert keys == sorted(keys, reverse=True)

    seen: list[tuple[str, str]] = []
    before = None
    pages = 0
    while True:
        page = customer_timeline(long_history, before=before, limit=4, now=NOW)
        seen += [(e.kind, e.key) for e in page.entries]
        pages += 1
        if page.older is None:
            break
        # Through the URL form, as the "show older" link carries it.
        before = TimelineCursor.decode(page.older.encode())
    assert seen == [(e.kind, e.key) for e in everything]
    assert pages == 12  # ceil(47 / 4)


def test_show_older_link_continues_where_the_page_stopped(
    manager: User, long_history: Customer
) -> None:
    client = english(manager)
    first = client.get(url(long_history)).content.decode()
    assert first.count('<li class="entry ') == 20
    link = re.search(r'<li class="older"><a href="([^"#]+)#timeline"', first)
    assert link is not None
    older_url = link[1].replace("&amp;", "&")
    assert "before=" in older_url and "offset" not in older_url and "page=" not in older_url

    second = client.get(older_url).content.decode()
    assert "Back to the newest" in second
    assert second.count('<li class="entry ') == 20

    # With htmx the same link returns only the next entries and the next link, to append.
    fragment = client.get(older_url, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body
    assert body.count('<li class="entry ') == 20
    assert 'class="older"' in body
    assert fragment["Vary"].count("HX-Request") == 1

    def numbers(html: str) -> list[str]:
        return re.findall(r"(?:Order|Delivery) ([ODV]-\d\d)|Complaint (V-\d\d)", html)

    assert not set(numbers(first)) & set(numbers(second))


def test_malformed_cursor_shows_the_newest_entries(manager: User, long_history: Customer) -> None:
    html = english(manager).get(url(long_history) + "?before=yesterday").content.decode()
    assert html.count('<li class="entry ') == 20
    assert "Back to the newest" not in html


def test_page_query_count_does_not_grow_with_the_history(
    manager: User, minji: Customer, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(manager)

    def add_orders(count: int) -> None:
        for _ in range(count):
            order = OrderFactory(customer=minji, store=StoreFactory())
            DeliveryFactory(order=order)
            ServiceRecordFactory(customer=minji, order=order)

    add_orders(2)
    client.get(url(minji))  # warm the session and permission caches alike for both counts
    # session, user, role groups, permissions (2), customer, 3 figures, 5 timeline sources
    # (orders, deliveries, service records; xdata's survey responses and feedback)
    with django_assert_num_queries(14):
        assert client.get(url(minji)).status_code == 200
    add_orders(30)
    with django_assert_num_queries(14):
        assert client.get(url(minji)).status_code == 200
