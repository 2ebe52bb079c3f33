"""Reads for O-Data pages: customer access, search, the customer 360 figures and timeline."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Collate, Upper
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cxm.models import User
from odata.masking import Contact, contact_for, may_see_contact
from odata.models import Customer, Delivery, Order

SEARCH_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 20
# pg_trgm finds no trigram inside a LIKE '%xy%' pattern shorter than three characters, so
# such a search would read the whole index; shorter queries match more narrowly instead.
MIN_CONTAINS_LENGTH = 3
DEFAULT_CONTACT_COST_KRW = 8000

_NON_DIGITS = re.compile(r"\D+")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-().]+")


def access_customer(user: User, code: UUID) -> Customer:
    """The customer `code` with home store and region; 403 without `odata.view_customer`
    (checked first, so an outsider cannot probe which codes exist), 404 if unknown."""
    if not user.has_perm("odata.view_customer"):
        raise PermissionDenied
    customer = Customer.objects.select_related("home_store__region").filter(code=code).first()
    if customer is None:
        raise Http404
    return customer


# -- Search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    contact: Contact
    exact: bool  # the query is this customer's number


@dataclass(frozen=True)
class CustomerSearch:
    query: str
    rows: list[CustomerRow]
    next_after: UUID | None  # pass as `after` for the next page; None on the last page
    short: bool  # too short to look inside e-mail addresses, phone numbers and names


def phone_digits(query: str) -> str:
    """The digits of a phone-like query as stored (`+82 10-1234-5678` → `01012345678`); empty
    when the query is not phone-like (a customer number such as `C-0012` is not)."""
    query = query.strip()
    if not _PHONE_LIKE.fullmatch(query):
        return ""
    digits = _NON_DIGITS.sub("", query)
    if query.startswith("+82"):
        digits = "0" + digits[2:]
    return digits


def customer_search_page(user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """A customer search page's context from its query string (`q`, and `after` for the next
    page): the result (contacts masked unless `user` may see them), the query and the next
    page's link. For every page that lets staff find a customer."""
    query = params.get("q", "").strip()[:100]
    try:
        after = UUID(params.get("after", "")) if params.get("after") else None
    except ValueError:
        after = None
    result = search_customers(query=query, after=after, reveal_contact=may_see_contact(user))
    next_url = ""
    if result.next_after is not None:
        more = {"q": query} if query else {}
        next_url = "?" + urlencode({**more, "after": str(result.next_after)})
    return {"result": result, "q": query, "next_url": next_url}


def search_customers(
    *,
    query: str,
    reveal_contact: bool,
    after: UUID | None = None,
    limit: int = SEARCH_PAGE_SIZE,
) -> CustomerSearch:
    """Customers matching `query` in name, e-mail, phone or customer number, newest first.

    An exact customer number comes first (first page only). Pages are keyset on the id,
    newest first; `after` is the code of the last row shown, so no integer id is in a URL.
    An empty query lists the most recently added customers ("customer since" comes from the
    source system and has no index; the id follows the order customers arrived in).
    """
    query = query.strip()
    exact: list[Customer] = []
    if query and after is None:
        exact = list(
            Customer.objects.select_related("home_store").filter(
                external_id__in={query, query.upper()}
            )
        )
    matches = matching_customers(query, by_contact_part=reveal_contact)
    rows: list[Customer] = []
    more = False
    if matches is not None:
        room = limit - len(exact)
        if query:
            # The exact match was shown first on page one; keep it off every page after.
            matches = matches.exclude(external_id__in={query, query.upper()})
        if after is not None:
            # Keyset: rows older than the one shown last, found by its code (unique index).
            matches = matches.filter(
                id__lt=Subquery(Customer.objects.filter(code=after).values("id")[:1])
            )
        fetched = list(matches.select_related("home_store").order_by("-id")[: room + 1])
        rows, more = fetched[:room], len(fetched) > room
    return CustomerSearch(
        query=query,
        rows=[
            CustomerRow(
                customer=c,
                contact=contact_for(email=c.email, phone=c.phone, reveal=reveal_contact),
                exact=c in exact,
            )
            for c in [*exact, *rows]
        ],
        next_after=rows[-1].code if more and rows else None,
        short=0 < len(query) < MIN_CONTAINS_LENGTH,
    )


def matching_customers(query: str, *, by_contact_part: bool) -> QuerySet[Customer] | None:
    """Customers whose name, e-mail, phone or number contains `query`, unordered; every
    customer for an empty query; None when the query is too short to search (one character).

    Without `by_contact_part` (a viewer who sees contact details partly hidden) an e-mail
    address or phone number matches only whole: otherwise searching digit by digit would
    reveal what the masking hides.

    Each condition is written to hit a trigram index (see `Customer.Meta.indexes`):
    `UPPER(name) LIKE '%Q%'` is spelt out to match the index on `Upper(name)` whatever
    `icontains` compiles to, and `icontains` on external_id (`UPPER(external_id)`) has none.
    """
    if not query:
        return Customer.objects.all()
    needle = query.upper()
    condition = Q()
    if len(query) >= MIN_CONTAINS_LENGTH:
        # `contains` escapes % and _ in the needle. The customer number is matched as typed
        # and upper-cased (numbers are usually upper case), so the plain trigram index on
        # external_id serves both; UPPER(external_id) would need an index of its own.
        email = Q(upper_email__contains=needle) if by_contact_part else Q(upper_email=needle)
        condition = Q(upper_name__contains=needle) | email
        for variant in dict.fromkeys((query, needle)):
            condition |= Q(external_id__contains=variant)
    elif len(query) == MIN_CONTAINS_LENGTH - 1:
        # Two Hangul syllables are a family or given name (민지 in 김민지). A pattern anchored
        # at one end still yields a padded trigram, so the index serves these; '%민지%' would
        # make PostgreSQL read the whole index.
        condition = Q(upper_name__startswith=needle) | Q(upper_name__endswith=needle)
    digits = phone_digits(query)
    if len(digits) >= MIN_CONTAINS_LENGTH:
        condition |= Q(phone__contains=digits) if by_contact_part else Q(phone=digits)
    if not condition:
        return None
    return Customer.objects.alias(upper_name=Upper("name"), upper_email=Upper("email")).filter(
        condition
    )


# -- Figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFigures:
    since: datetime  # start of the "last 12 months" window
    order_count: int  # every order but the cancelled ones
    cancelled_orders: int  # not counted in order_count, though the timeline lists them
    revenue_12m: Decimal
    revenue_lifetime: Decimal
    last_order: Order | None
    service_records_12m: int
    service_contacts_12m: int
    contact_cost: Decimal
    cost_to_serve_12m: Decimal
    returned_orders_12m: int
    returned_amount_12m: Decimal


def year_before(moment: datetime) -> datetime:
    """The same calendar day a year earlier (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def contact_cost() -> Decimal:
    """What one service contact costs, in KRW (setting `CXM_SERVICE_CONTACT_COST_KRW`)."""
    value = getattr(settings, "CXM_SERVICE_CONTACT_COST_KRW", DEFAULT_CONTACT_COST_KRW)
    return Decimal(str(value))


# Orders that earned money: placed or completed, in KRW (cancelled and returned ones did not).
EARNING = Q(status__in=[Order.Status.PLACED, Order.Status.COMPLETED], currency="KRW")


def revenue_12m(customer_id: int, *, at: datetime) -> Decimal:
    """The customer's revenue in the 12 months before `at`, counted as on the customer 360
    page (trigger rules and task priorities read the same figure)."""
    total: Decimal = Order.objects.filter(
        EARNING, customer_id=customer_id, placed_at__gte=year_before(at), placed_at__lte=at
    ).aggregate(total=Sum("amount", default=Decimal("0")))["total"]
    return total


def customer_figures(customer: Customer, *, now: datetime | None = None) -> CustomerFigures:
    """Orders, revenue and cost-to-serve of one customer, in three queries.

    Orders count every order except cancelled ones. Revenue sums KRW orders placed or
    completed (cancelled and returned orders earned nothing). Cost-to-serve for the last 12
    months is service contacts times the cost of one contact. Returned orders are shown beside it
    but not added: their refund already keeps them out of revenue, and their handling cost is
    in the service contacts they caused.
    """
    now = now or timezone.now()
    since = year_before(now)
    returned = Q(status=Order.Status.RETURNED, placed_at__gte=since)
    zero = Decimal("0")
    orders = customer.orders.aggregate(
        order_count=Count("id", filter=~Q(status=Order.Status.CANCELLED)),
        cancelled_orders=Count("id", filter=Q(status=Order.Status.CANCELLED)),
        revenue_lifetime=Sum("amount", filter=EARNING, default=zero),
        revenue_12m=Sum("amount", filter=EARNING & Q(placed_at__gte=since), default=zero),
        returned_orders=Count("id", filter=returned),
        returned_amount=Sum("amount", filter=returned & Q(currency="KRW"), default=zero),
    )
    last_order = customer.orders.select_related("store").order_by("-placed_at", "-id").first()
    service = customer.service_records.filter(opened_at__gte=since).aggregate(
        records=Count("id"), contacts=Sum("contacts", default=0)
    )
    cost = contact_cost()
    return CustomerFigures(
        since=since,
        order_count=orders["order_count"],
        cancelled_orders=orders["cancelled_orders"],
        revenue_12m=orders["revenue_12m"],
        revenue_lifetime=orders["revenue_lifetime"],
        last_order=last_order,
        service_records_12m=service["records"],
        service_contacts_12m=service["contacts"],
        contact_cost=cost,
        cost_to_serve_12m=service["contacts"] * cost,
        returned_orders_12m=orders["returned_orders"],
        returned_amount_12m=orders["returned_amount"],
    )


# -- Timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # the source's kind; also breaks ties between sources at the same time
    key: str  # unique within the kind (an external id); breaks ties within a source
    template: str  # the partial that renders this entry, given `entry`
    subject: Any  # the row shown: an Order, a Delivery, a ServiceRecord, …
    alert: str = ""  # a short warning shown with the entry ("3 days late"), translated


@dataclass(frozen=True)
class TimelineCursor:
    """Where the previous page stopped: entries strictly older in (at, kind, key) order."""

    at: datetime
    kind: str
    key: str

    def encode(self) -> str:
        return f"{self.at.isoformat()}|{self.kind}|{self.key}"

    @classmethod
    def decode(cls, token: str) -> TimelineCursor | None:
        """The cursor in `token`, or None when it is missing or malformed."""
        parts = token.split("|", 2)
        if len(parts) != 3 or not all(parts):
            return None
        try:
            at = datetime.fromisoformat(parts[0])
        except ValueError:
            return None
        if timezone.is_naive(at):
            return None
        return cls(at=at, kind=parts[1], key=parts[2])

    def older_than(self, *, kind: str, at: str, key: str) -> Q:
        """Rows of source `kind` after this cursor in newest-first order; `at` and `key` name
        the source's time and key fields (the key compared bytewise, see `_KEY_COLLATION`)."""
        if kind < self.kind:
            return Q(**{f"{at}__lte": self.at})
        if kind > self.kind:
            return Q(**{f"{at}__lt": self.at})
        return Q(**{f"{at}__lt": self.at}) | Q(**{at: self.at, f"{key}__lt": self.key})


# Python sorts strings by code point, which is the byte order of UTF-8: the "C" collation
# makes PostgreSQL order and compare keys the same way whatever the database's locale, so the
# merged pages and the keyset conditions agree.
_KEY_COLLATION = "C"


@dataclass(frozen=True)
class TimelineSource:
    """One kind of event on the customer timeline.

    `entries(customer, before=, limit=, now=)` returns at most `limit` entries strictly older
    than `before` (use `before.older_than(...)`), newest first, in one query.
    """

    kind: str
    entries: Callable[..., list[TimelineEntry]]


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    older: TimelineCursor | None  # where "show older" continues; None when nothing is older


def _order_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    orders = customer.orders.select_related("store").alias(
        timeline_key=Collate("external_id", _KEY_COLLATION)
    )
    if before is not None:
        orders = orders.filter(before.older_than(kind="order", at="placed_at", key="timeline_key"))
    return [
        TimelineEntry(
            at=order.placed_at,
            kind="order",
            key=order.external_id,
            template="odata/_customer_timeline_order.html",
            subject=order,
        )
        for order in orders.order_by("-placed_at", "-timeline_key")[:limit]
    ]


def delivery_alert(delivery: Delivery, *, now: datetime) -> str:
    """ "2 days late" for a delivery after its promise; "not delivered, 3 days past the promised
    date" for one still undelivered past it; empty otherwise. Days are whole days, rounded up
    (a delivery one hour late is one day late), as `Delivery.days_late` counts them."""
    if delivery.delivered_at is not None:
        days = delivery.days_late
        if days == 0:
            return ""
        if days == 1:
            return _("Delivered 1 day late")
        return _("Delivered %(days)s days late") % {"days": days}
    if delivery.promised_at >= now:
        return ""
    days = math.ceil((now - delivery.promised_at) / timedelta(days=1))
    if days == 1:
        return _("Not delivered, 1 day past the promised date")
    return _("Not delivered, %(days)s days past the promised date") % {"days": days}


def _delivery_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    # A delivery sits on the timeline when it arrived, or, while it has not, when its order
    # was placed (a delivery records no time of its own for being sent). Never at its promise:
    # that may lie in the future and would put a parcel in transit above everything that has
    # happened since. The entry tells the promise in words instead.
    deliveries = (
        Delivery.objects.filter(order__customer=customer)
        .select_related("order")
        .annotate(timeline_at=Coalesce("delivered_at", "order__placed_at"))
        .alias(timeline_key=Collate("external_id", _KEY_COLLATION))
    )
    if before is not None:
        deliveries = deliveries.filter(
            before.older_than(kind="delivery", at="timeline_at", key="timeline_key")
        )
    return [
        TimelineEntry(
            at=delivery.timeline_at,
            kind="delivery",
            key=delivery.external_id,
            template="odata/_customer_timeline_delivery.html",
            subject=delivery,
            alert=delivery_alert(delivery, now=now),
        )
        for delivery in deliveries.order_by("-timeline_at", "-timeline_key")[:limit]
    ]


def _service_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    records = customer.service_records.select_related("order").alias(
        timeline_key=Collate("external_id", _KEY_COLLATION)
    )
    if before is not None:
        records = records.filter(
            before.older_than(kind="service", at="opened_at", key="timeline_key")
        )
    return [
        TimelineEntry(
            at=record.opened_at,
            kind="service",
            key=record.external_id,
            template="odata/_customer_timeline_service.html",
            subject=record,
        )
        for record in records.order_by("-opened_at", "-timeline_key")[:limit]
    ]


# The seam for later issues: survey responses, feedback and follow-up tasks join the timeline
# by appending a TimelineSource here from their app's `AppConfig.ready()` (apps to the right
# of odata may import it; odata must not import them), each with its own entry partial.
TIMELINE_SOURCES: list[TimelineSource] = [
    TimelineSource(kind="order", entries=_order_entries),
    TimelineSource(kind="delivery", entries=_delivery_entries),
    TimelineSource(kind="service", entries=_service_entries),
]


def customer_timeline(
    customer: Customer,
    *,
    before: TimelineCursor | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
    now: datetime | None = None,
    sources: Sequence[TimelineSource] | None = None,
) -> Timeline:
    """The newest `limit` entries older than `before` from every source, newest first.

    One query per source, each reading at most `limit + 1` rows by keyset (never OFFSET), so
    the cost does not grow with the customer's history.
    """
    now = now or timezone.now()
    entries: list[TimelineEntry] = []
    for source in TIMELINE_SOURCES if sources is None else sources:
        entries.extend(source.entries(customer, before=before, limit=limit + 1, now=now))
    entries.sort(key=lambda e: (e.at, e.kind, e.key), reverse=True)
    shown = entries[:limit]
    older = None
    if len(entries) > limit:
        last = shown[-1]
        older = TimelineCursor(at=last.at, kind=last.kind, key=last.key)
    return Timeline(entries=shown, older=older)


# -- The page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer360:
    customer: Customer
    contact: Contact
    figures: CustomerFigures
    timeline: Timeline
    language: str  # the customer's language by name, in the reader's language
    older_page: bool = field(default=False)  # the timeline starts below the newest entries


def customer_360(
    customer: Customer, *, reveal_contact: bool, before: TimelineCursor | None = None
) -> Customer360:
    now = timezone.now()
    return Customer360(
        customer=customer,
        contact=contact_for(email=customer.email, phone=customer.phone, reveal=reveal_contact),
        figures=customer_figures(customer, now=now),
        timeline=customer_timeline(customer, before=before, now=now),
        language=str(dict(settings.LANGUAGES).get(customer.language, customer.language)),
        older_page=before is not None,
    )
