"""Customer search: by name (Korean too), e-mail, phone or number, exact number first, keyset
pages, masked contact for staff, and SQL that the trigram indexes can serve."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client

from cxm.models import User
from odata.models import Customer
from odata.selectors import matching_customers, phone_digits, search_customers
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory, english

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None) -> dict[str, Customer]:
    """A few customers whose fields do not overlap, so each search has one right answer."""
    return {
        "minji": CustomerFactory(
            name="김민지", email="minji.kim@example.com", phone="01012345678", external_id="C-1001"
        ),
        "seojun": CustomerFactory(
            name="이서준", email="sj.lee@mail.test", phone="01098761111", external_id="C-1002"
        ),
        "anna": CustomerFactory(
            name="Anna Park", email="anna@park.test", phone="0212340000", external_id="X-77"
        ),
    }


def names(query: str, *, after: object = None) -> list[str]:
    result = search_customers(query=query, reveal_contact=True, after=after)  # type: ignore[arg-type]
    return [row.customer.name for row in result.rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("김민지", ["김민지"]),  # a whole Korean name
        ("서준", ["이서준"]),  # two syllables: the given name, at the end
        ("이서", ["이서준"]),  # two syllables at the start
        ("anna p", ["Anna Park"]),  # any case, with a space
        ("MINJI.KIM@", ["김민지"]),  # part of an e-mail, any case
        ("mail.test", ["이서준"]),
        ("010-1234-5678", ["김민지"]),  # phone as people write it
        ("+82 10 9876 1111", ["이서준"]),  # international form
        ("5678", ["김민지"]),  # the last digits
        ("02-1234", ["Anna Park"]),
        ("C-1002", ["이서준"]),  # customer number
        ("x-77", ["Anna Park"]),  # customer number typed in lower case
        ("nobody", []),
    ],
)
def test_search_finds_customers_by_each_field(
    people: dict[str, Customer], query: str, expected: list[str]
) -> None:
    assert names(query) == expected


def test_exact_customer_number_comes_first(db: None) -> None:
    exact = CustomerFactory(external_id="C-100", name="정확히")
    # Newer customers whose numbers contain the query would otherwise come first.
    CustomerFactory(external_id="C-1000", name="나중1")
    CustomerFactory(external_id="C-1001", name="나중2")
    result = search_customers(query="c-100", reveal_contact=False)
    assert [row.customer.name for row in result.rows] == ["정확히", "나중2", "나중1"]
    assert [row.exact for row in result.rows] == [True, False, False]
    assert result.rows[0].customer == exact


def test_short_searches_match_narrowly_so_an_index_serves_them(db: None) -> None:
    CustomerFactory(name="김민지", external_id="K")
    CustomerFactory(name="김서연", external_id="C-2")
    CustomerFactory(name="박민지영", external_id="C-3")
    result = search_customers(query="김", reveal_contact=False)
    assert result.rows == []
    assert result.short
    assert names("K") == ["김민지"]  # one character: a whole customer number only
    # Two characters: names that begin or end with them, not the middle of a name.
    assert names("민지") == ["김민지"]
    assert search_customers(query="민지", reveal_contact=False).short
    assert names("민지영") == ["박민지영"]


def test_like_wildcards_in_the_query_are_taken_literally(people: dict[str, Customer]) -> None:
    CustomerFactory(name="100% 만족", email="a_b@example.com")
    assert names("00%") == ["100% 만족"]
    assert names("a_b") == ["100% 만족"]


def test_empty_search_lists_the_newest_customers(people: dict[str, Customer]) -> None:
    assert names("") == ["Anna Park", "이서준", "김민지"]


def test_pages_continue_by_keyset_with_no_repeats(db: None) -> None:
    made = [CustomerFactory(name=f"홍길동 {i:02d}", external_id=f"H-{i:03d}") for i in range(62)]
    made.append(CustomerFactory(name="홍길동 정확", external_id="홍길동"))  # the exact number
    first = search_customers(query="홍길동", reveal_contact=False)
    assert len(first.rows) == 50
    assert first.rows[0].customer.external_id == "홍길동"
    assert first.next_after is not None
    second = search_customers(query="홍길동", reveal_contact=False, after=first.next_after)
    assert second.next_after is None
    seen = [r.customer.pk for r in [*first.rows, *second.rows]]
    assert len(seen) == len(set(seen)) == 63
    assert [r.customer.pk for r in second.rows] == sorted(
        (r.customer.pk for r in second.rows), reverse=True
    )


def test_unknown_page_cursor_shows_nothing_rather_than_everything(
    people: dict[str, Customer],
) -> None:
    assert names("", after=uuid4()) == []


def test_phone_digits_are_read_only_from_phone_like_queries() -> None:
    assert phone_digits("010-1234-5678") == "01012345678"
    assert phone_digits("(02) 123 4567") == "021234567"
    assert phone_digits("+82 10-1234-5678") == "01012345678"
    assert phone_digits("C-1001") == ""
    assert phone_digits("김민지") == ""


@pytest.mark.parametrize(
    ("query", "by_contact_part", "index"),
    [
        ("김민지", True, "customer_name_trgm"),
        ("example.com", True, "customer_email_trgm"),
        ("010-1234", True, "customer_phone_trgm"),
        ("C-10", True, "customer_extid_trgm"),
        ("민지", True, "customer_name_trgm"),
        # Whole values only, for viewers who see contact details partly hidden.
        ("minji.kim@example.com", False, "customer_email_trgm"),
        ("010-1234-5678", False, "customer_phone_trgm"),
    ],
)
def test_search_conditions_can_use_the_trigram_indexes(
    people: dict[str, Customer], query: str, by_contact_part: bool, index: str
) -> None:
    matches = matching_customers(query, by_contact_part=by_contact_part)
    assert matches is not None
    with connection.cursor() as cursor:
        # Tiny tables are read whole; forbid that to see whether an index could serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matches.explain()
    assert index in plan
    assert "Seq Scan" not in plan


# -- The page --------------------------------------------------------------------------------


def test_page_refuses_visitors_without_the_customer_permission(outsider: User) -> None:
    assert client_for(outsider).get("/odata/customers/?q=김").status_code == 403
    response = Client().get("/odata/customers/")
    assert response.status_code == 302


def test_staff_see_results_with_masked_contact_details(
    agent: User, people: dict[str, Customer]
) -> None:
    html = english(agent).get("/odata/customers/", {"q": "김민지"}).content.decode()
    assert "김민지" in html
    assert f'href="/odata/customers/{people["minji"].code}/"' in html
    assert "m***@example.com" in html and "010-****-5678" in html
    assert "minji.kim" not in html and "01012345678" not in html and "1234-5678" not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("010-1234-5678", True),  # the whole number, as the customer says it
        ("+82 10 1234 5678", True),
        ("MINJI.KIM@EXAMPLE.COM", True),  # the whole address, any case
        ("1234-5678", False),  # part of the number: searching digit by digit would unmask it
        ("12345678", False),
        ("minji.kim@", False),  # part of the address
        ("example.com", False),
        ("김민지", True),  # names and customer numbers still match in part
        ("C-100", True),
    ],
)
def test_staff_find_customers_by_whole_contact_details_only(
    people: dict[str, Customer], query: str, found: bool
) -> None:
    result = search_customers(query=query, reveal_contact=False)
    assert (people["minji"] in [row.customer for row in result.rows]) is found
    # A viewer who sees contact details whole finds them by any part.
    result = search_customers(query=query, reveal_contact=True)
    assert people["minji"] in [row.customer for row in result.rows]


def test_managers_see_results_with_whole_contact_details(
    manager: User, people: dict[str, Customer]
) -> None:
    html = english(manager).get("/odata/customers/", {"q": "김민지"}).content.decode()
    assert "minji.kim@example.com" in html and "010-1234-5678" in html


def test_page_works_without_javascript_and_links_the_next_page(manager: User) -> None:
    for i in range(52):
        CustomerFactory(name=f"박지성 {i}", home_store=StoreFactory())
    html = english(manager).get("/odata/customers/", {"q": "박지성"}).content.decode()
    assert '<form class="filters search" method="get" action="/odata/customers/"' in html
    assert html.count("/odata/customers/") >= 50
    link = re.search(r'<a href="(\?q=[^"]+)">Next</a>', html)
    assert link is not None
    nxt = english(manager).get("/odata/customers/" + link[1].replace("&amp;", "&"))
    assert nxt.content.decode().count('<td data-label="Name">') == 2


def test_htmx_search_returns_only_the_results(manager: User, people: dict[str, Customer]) -> None:
    response = client_for(manager).get(
        "/odata/customers/", {"q": "김민지"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "<form" not in body
    assert "김민지" in body and "이서준" not in body
    assert "HX-Request" in response["Vary"]
    restore = client_for(manager).get(
        "/odata/customers/",
        {"q": "김민지"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_search_page_query_count_is_fixed(manager: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_for(manager)

    def add(count: int) -> None:
        for _ in range(count):
            CustomerFactory(name="최유나", home_store=StoreFactory())

    add(2)
    client.get("/odata/customers/?q=최유나")
    # session, user, permissions (2), exact number, matches, role group
    with django_assert_num_queries(7):
        client.get("/odata/customers/?q=최유나")
    add(60)
    with django_assert_num_queries(7):
        client.get("/odata/customers/?q=최유나")
