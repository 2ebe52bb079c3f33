"""The demo company's survey history: a year of invitations and about 15,000 responses.

The rows are generated in Python and written with `bulk_create` (the answer pages' service,
`record_response`, writes one response per transaction: far too slow for `make run`'s first
start). The field rules are `record_response`'s own helpers (`score_columns`, `answer_row`) and
`asked_questions`, so a demo response looks exactly like a submitted one.

The patterns the analysis dashboards should find:

- post-delivery CSAT falls with lateness (on time mostly 4-5, a day late lower, three days or
  more mostly 1-2), and the low scores say why ("늦게 도착했어요", comments about 배송 지연);
- one store (`DECLINING_STORE`) got clearly worse from the first day of last month (so last
  month, the latest complete one, is worse than the month before: the month-on-month change
  test flags it, and only it);
- relationship NPS: customers with a complaint in the 30 days before are more often detractors
  (each month's random sample also takes every customer who complained in the 30 days before the
  send, as a company checking on them would, so the group is large enough to see);
- after-service CES: the more contacts a service request took, the harder it felt;
- store revisit intent: morning buyers name waiting time and staff as the main reason, afternoon
  buyers stock and price;
- say-do: customers who will not order again within 60 days say "yes" to revisiting half as
  often and give lower NPS (a latent loyalty behind both), so "yes" sayers and promoters buy
  again more often than the others, and still some who said "yes" never ordered again (the
  say-do gap). Orders are generated first, independent of answers; heavy buyers complain more
  (complaints come with orders), which alone would make detractors look like better buyers.

Demo history counts as evaluated (`evaluated_at` = `submitted_at`), so trigger rules added later
do not open a flood of tasks for last year's answers.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from odata.demo import FLAGSHIP_STORE
from odata.models import (
    Customer,
    Delivery,
    Milestone,
    OperationalEvent,
    Order,
    ServiceRecord,
    Store,
    days_late,
)
from odata.services.milestones import mark_processed
from surveys.answering import asked_questions, missing_or_invalid
from surveys.demo import DEMO_SURVEYS
from surveys.models import Invitation, Survey
from surveys.services.contact_policy import contact_interval_days
from surveys.services.invitations import (
    MILESTONE_CONSUMER,
    daypart_of,
    milestone_send_after,
    out_of_quiet_window,
)
from surveys.tokens import new_token
from xdata.models import Answer, Response
from xdata.services.responses import answer_row, score_columns

if TYPE_CHECKING:
    from cxm.demo import Demo

# The store whose scores fall from the first day of last month (its dispatch and staff
# changed): the flagship, whose month of answers is large enough on any day of the month.
DECLINING_STORE = FLAGSHIP_STORE


def decline_start(now: datetime) -> datetime:
    """The first moment of last month (local time): the declining store's turn for the worse."""
    first_of_this = timezone.localtime(now).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return (first_of_this - timedelta(days=1)).replace(day=1)


BATCH = 2000

# Shares of the population that take part (the odata scale multiplies the population).
DELIVERY_INVITE_SHARE = 0.85
DELIVERY_ANSWER_RATE = 0.42
NPS_MONTHLY_SAMPLE = 1100  # times the scale
NPS_ANSWER_RATE = 0.36
SERVICE_INVITE_SHARE = 0.9
SERVICE_ANSWER_RATE = 0.5
STORE_QR_SHARE = 0.42

# CSAT 1..5 weights by whole days late (0, 1, 2, 3+).
CSAT_BY_LATENESS = (
    (2, 3, 10, 35, 50),
    (8, 17, 32, 30, 13),
    (22, 28, 28, 16, 6),
    (45, 32, 14, 6, 3),
)
# NPS 0..10 weights: everyone, and customers with a complaint in the 30 days before.
NPS_BASE = (1, 1, 2, 3, 4, 6, 8, 14, 21, 20, 20)
NPS_AFTER_COMPLAINT = (6, 6, 8, 10, 11, 12, 12, 11, 10, 7, 7)
# Customers who will not buy again within SAYDO_DAYS of answering are drifting away: they answer
# NPS more like this, and say "yes" to revisiting a store only SAYDO_YES_IF_LAPSING as often.
# A latent loyalty drives both what they say and what they do, so the say-do page finds that
# promoters and "yes" sayers buy again more often, while some who said yes never come back.
NPS_LAPSING = (4, 3, 5, 7, 9, 12, 13, 14, 13, 10, 10)
SAYDO_DAYS = 60
SAYDO_YES_IF_LAPSING = 0.5
# CES 1..7 weights by contacts (1, 2, 3, 4+): more contacts, more effort.
CES_BY_CONTACTS = (
    (1, 2, 4, 8, 20, 33, 32),
    (3, 6, 10, 20, 28, 20, 13),
    (10, 16, 22, 22, 16, 9, 5),
    (22, 26, 22, 14, 9, 5, 2),
)

COMMENTS: dict[str, dict[str, list[str]]] = {
    "late": {
        "ko": [
            "배송 지연이 너무 심했어요. 약속한 날짜보다 {days}일이나 늦게 받았습니다.",
            "배송이 늦어진다는 안내도 없었어요. 미리 알려 주셨으면 좋겠습니다.",
            "선물용이었는데 배송 지연 때문에 날짜를 놓쳤어요.",
            "배송 조회가 며칠째 그대로라 답답했습니다.",
            "늦게 도착해서 결국 다른 곳에서 다시 샀어요.",
        ],
        "en": [
            "The delivery was {days} day(s) late and nobody told me.",
            "Tracking did not move for days. Please warn customers about delays.",
        ],
    },
    "other_low": {
        "ko": [
            "상자가 찌그러져 와서 상품이 파손됐어요.",
            "주문한 색상과 다른 상품이 왔습니다.",
            "포장이 너무 허술했어요.",
            "기사님이 문 앞에 던지고 가셨어요.",
        ],
        "en": ["The box was crushed and the item damaged.", "I received the wrong colour."],
    },
    "declining": {
        "ko": [
            "요즘 이 매장 주문은 포장이 엉망이에요. 예전 같지 않네요.",
            "최근 들어 출고가 자꾸 늦고 상품 상태도 좋지 않습니다.",
            "전에는 만족했는데 최근 두 번 연속으로 문제가 있었어요.",
        ],
        "en": ["Orders from this store have been sloppy lately."],
    },
    "high": {
        "ko": [
            "빠르게 잘 받았습니다. 감사합니다.",
            "예정일보다 하루 일찍 와서 좋았어요.",
            "포장이 꼼꼼해서 만족합니다.",
        ],
        "en": ["Fast and well packed, thank you.", "Arrived a day early, great."],
    },
    "detractor": {
        "ko": [
            "A/S 문의를 여러 번 했는데 해결이 안 됐어요.",
            "상담원 연결이 너무 오래 걸립니다.",
            "배송 지연이 잦아서 추천하기 어렵습니다.",
            "가격에 비해 품질이 아쉬워요.",
            "환불 처리가 너무 느렸습니다.",
        ],
        "en": [
            "Customer service took far too long to resolve my complaint.",
            "Deliveries are often late.",
            "Quality is not worth the price.",
        ],
    },
    "promoter": {
        "ko": [
            "제품 품질이 좋고 매장 직원분들이 친절해요.",
            "배송이 빠르고 교환도 쉬웠어요.",
            "멤버십 혜택이 좋아서 자주 이용합니다.",
        ],
        "en": ["Great quality and friendly staff.", "Fast delivery and easy exchanges."],
    },
    "hard": {
        "ko": [
            "같은 내용을 상담원마다 다시 설명해야 했어요.",
            "전화 연결이 너무 오래 걸렸습니다.",
            "처리 상황을 알 수가 없어서 여러 번 문의했어요.",
            "매장과 고객센터 안내가 서로 달랐어요.",
        ],
        "en": ["I had to explain the same thing to every agent.", "Hard to reach anyone."],
    },
    "store_morning": {
        "ko": ["출근길에 빨리 살 수 있어서 좋아요.", "계산 줄이 짧아서 편했어요."],
        "en": ["Quick in and out before work."],
    },
    "store_afternoon": {
        "ko": [
            "찾는 사이즈가 없었어요.",
            "다른 곳보다 조금 비싼 것 같아요.",
            "상품 구색이 좋아요.",
        ],
        "en": ["The size I wanted was out of stock."],
    },
}


@dataclass
class _Context:
    """What one generated response knows besides its answers."""

    survey: Survey
    customer_id: int | None
    store_id: int | None
    order_id: int | None
    purchase_channel: str
    daypart: str
    language: str
    submitted_at: datetime


@dataclass
class _Planned:
    """An invitation to create (and maybe answer) once the contact policy let it through."""

    survey: Survey
    customer_id: int
    send_after: datetime
    created_at: datetime
    store_id: int | None
    order_id: int | None
    purchase_channel: str
    daypart: str
    event_id: int | None
    source: str
    answer: Callable[[str, datetime], dict[str, Any]]
    answer_rate: float


class _Writer:
    """Collects rows and writes them in batches, responses before their answers."""

    def __init__(self) -> None:
        self.invitations: list[Invitation] = []
        self.created_at: list[datetime] = []
        self.responses: list[Response] = []
        self.answers: list[Answer] = []
        self.event_ids: list[int] = []

    def respond(
        self, ctx: _Context, answers: dict[str, Any], *, invitation: Invitation | None, key: UUID
    ) -> None:
        version = ctx.survey.current_version
        assert version is not None  # noqa: S101  # the demo surveys are published
        questions: list[dict[str, Any]] = version.questions
        problems = missing_or_invalid(questions, answers)
        if problems:  # a bug in this module's answer generators, not bad input
            raise ValueError(f"demo answers for {ctx.survey.name} break {problems}")
        asked = asked_questions(questions, answers)
        response = Response(
            survey_id=ctx.survey.pk,
            version=version,
            invitation=invitation,
            submission_key=None if invitation is not None else key,
            customer_id=ctx.customer_id,
            touchpoint_id=ctx.survey.touchpoint_id,
            store_id=ctx.store_id,
            order_id=ctx.order_id,
            purchase_channel=ctx.purchase_channel,
            daypart=ctx.daypart,
            language=ctx.language,
            submitted_at=ctx.submitted_at,
            evaluated_at=ctx.submitted_at,
            **score_columns(asked, answers),
        )
        self.responses.append(response)
        self.answers.extend(answer_row(response, q, answers.get(q["key"])) for q in asked)

    def write(self) -> None:
        Invitation.objects.bulk_create(self.invitations, batch_size=BATCH)
        # `created_at` is auto_now_add (bulk_create stamps now): put the history back, in one
        # statement rather than one UPDATE per row.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE surveys_invitation AS i SET created_at = v.created_at "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, created_at) "
                "WHERE i.id = v.id",
                [[i.pk for i in self.invitations], self.created_at],
            )
        Response.objects.bulk_create(self.responses, batch_size=BATCH)
        # The largest table by far: COPY is several times faster than bulk_create's INSERTs.
        with connection.cursor() as cursor:
            columns = "response_id, question_key, number, text, selected"
            with cursor.cursor.copy(f"COPY xdata_answer ({columns}) FROM STDIN") as copy:
                for a in self.answers:
                    copy.write_row(
                        (a.response.pk, a.question_key, a.number, a.text, list(a.selected))
                    )
        # The milestones the history covered: the live sweep need not look at them again.
        mark_processed(consumer=MILESTONE_CONSUMER, event_ids=self.event_ids)


def _weighted(rng: random.Random, low: int, weights: tuple[int, ...]) -> int:
    return low + rng.choices(range(len(weights)), weights=weights)[0]


def _comment(rng: random.Random, pool: str, language: str, **values: Any) -> str:
    texts = COMMENTS[pool]["en" if language == "en" else "ko"]
    return rng.choice(texts).format(**values)


def _surveys() -> dict[str, Survey] | None:
    names = {template: name for _p, _d, _m, template, name, _s, _o in DEMO_SURVEYS}
    found = {
        s.name: s
        for s in Survey.objects.filter(
            name__in=names.values(), status=Survey.Status.PUBLISHED
        ).select_related("current_version", "touchpoint")
    }
    if not all(name in found for name in names.values()):
        return None
    return {template: found[name] for template, name in names.items()}


def seed_responses(demo: Demo) -> None:
    """Idempotent: skipped when any response exists (or the demo surveys are missing)."""
    if Response.objects.exists():
        demo.summary["responses"] = "kept"
        return
    surveys = _surveys()
    if surveys is None:
        demo.summary["responses"] = "no demo surveys"
        return
    rng = demo.rng
    now = timezone.now()
    declining = Store.objects.filter(external_id=DECLINING_STORE).values_list("pk", flat=True)
    seeder = _Seeder(rng=rng, now=now, declining_store=next(iter(declining), None))
    seeder.load()
    writer = _Writer()
    planned = [
        *seeder.plan_deliveries(surveys["delivery_csat"]),
        *seeder.plan_services(surveys["service_ces"]),
        *seeder.plan_relationship(surveys["relationship_nps"]),
    ]
    seeder.invite(planned, writer)
    seeder.store_visits(surveys["store_revisit"], writer)
    with transaction.atomic():
        writer.write()
    counts: dict[str, int] = defaultdict(int)
    for response in writer.responses:
        counts[str(response.survey_id)] += 1
    demo.summary.update(
        invitations=len(writer.invitations),
        responses=len(writer.responses),
        responses_by_survey={t: counts[str(s.pk)] for t, s in surveys.items()},
        declining_store=DECLINING_STORE,
    )


class _Seeder:
    """Reads the operational facts once and turns them into invitations and responses."""

    def __init__(self, *, rng: random.Random, now: datetime, declining_store: int | None):
        self.rng = rng
        self.now = now
        self.declining_store = declining_store
        self.decline_from = decline_start(now)
        self.customers: dict[int, tuple[str, bool]] = {}  # id: (language, can be invited)
        self.complaints: dict[int, list[datetime]] = defaultdict(list)
        self.order_times: dict[int, list[datetime]] = defaultdict(list)  # not cancelled, sorted
        self.passed_over: list[int] = []

    def load(self) -> None:
        for pk, language, consent, email in Customer.objects.values_list(
            "pk", "language", "survey_consent", "email"
        ).order_by("pk"):
            self.customers[pk] = ("en" if language == "en" else "ko", bool(consent and email))
        for customer_id, opened in (
            ServiceRecord.objects.filter(kind=ServiceRecord.Kind.COMPLAINT)
            .values_list("customer_id", "opened_at")
            .order_by("opened_at")
        ):
            self.complaints[customer_id].append(opened)
        for customer_id, placed in (
            Order.objects.exclude(status=Order.Status.CANCELLED)
            .values_list("customer_id", "placed_at")
            .order_by("placed_at")
        ):
            self.order_times[customer_id].append(placed)

    def _language(self, customer_id: int) -> str:
        return self.customers[customer_id][0]

    def _declined(self, store_id: int | None, moment: datetime) -> bool:
        return (
            store_id is not None
            and store_id == self.declining_store
            and (moment >= self.decline_from)
        )

    # -- Post-delivery CSAT ------------------------------------------------------------------

    def plan_deliveries(self, survey: Survey) -> list[_Planned]:
        events = dict(
            OperationalEvent.objects.filter(kind=Milestone.DELIVERY_DELIVERED).values_list(
                "delivery_id", "pk"
            )
        )
        rows = (
            Delivery.objects.filter(status=Delivery.Status.DELIVERED, delivered_at__isnull=False)
            .values_list(
                "pk",
                "promised_at",
                "delivered_at",
                "order_id",
                "order__customer_id",
                "order__store_id",
                "order__channel",
                "order__placed_at",
            )
            .order_by("pk")
        )
        planned = []
        handled: list[int | None] = []
        for pk, promised, delivered, order_id, customer_id, store_id, channel, placed in rows:
            assert delivered is not None  # noqa: S101  # filtered above; for the type checker
            send_after = milestone_send_after(occurred_at=delivered, survey=survey)
            if send_after > self.now:
                continue  # the live sweep invites for it
            if self.rng.random() > DELIVERY_INVITE_SHARE:
                handled.append(events.get(pk))  # passed over, like a suppressed milestone
                continue
            late = days_late(promised, delivered)
            planned.append(
                _Planned(
                    survey=survey,
                    customer_id=customer_id,
                    send_after=send_after,
                    created_at=delivered,
                    store_id=store_id,
                    order_id=order_id,
                    purchase_channel=channel,
                    daypart=daypart_of(placed),
                    event_id=events.get(pk),
                    source=Invitation.Source.MILESTONE,
                    answer=self._csat_answers(late, store_id),
                    answer_rate=DELIVERY_ANSWER_RATE,
                )
            )
        self.passed_over = [pk for pk in handled if pk is not None]
        return planned

    def _csat_answers(
        self, late: int, store_id: int | None
    ) -> Callable[[str, datetime], dict[str, Any]]:
        def answers(language: str, at: datetime) -> dict[str, Any]:
            rng = self.rng
            csat = _weighted(rng, 1, CSAT_BY_LATENESS[min(late, 3)])
            declined = self._declined(store_id, at)
            if declined and rng.random() < 0.9:
                csat = max(1, csat - rng.choice((1, 2, 2)))
            result: dict[str, Any] = {"csat": csat, "comment": None}
            if csat <= 2:
                if late:
                    wrong = ["late"] + (["courier"] if rng.random() < 0.15 else [])
                elif declined:
                    wrong = rng.sample(["damaged", "packaging", "wrong_item"], k=rng.randint(1, 2))
                else:
                    wrong = [rng.choice(["damaged", "wrong_item", "courier", "packaging", "other"])]
                order = ["late", "damaged", "wrong_item", "courier", "packaging", "other"]
                result["what_went_wrong"] = [v for v in order if v in wrong]
                if rng.random() < 0.65:
                    pool = "late" if late else "declining" if declined else "other_low"
                    result["comment"] = _comment(rng, pool, language, days=max(late, 1))
            elif csat == 5 and rng.random() < 0.15:
                result["comment"] = _comment(rng, "high", language)
            return result

        return answers

    # -- After-service CES -------------------------------------------------------------------

    def plan_services(self, survey: Survey) -> list[_Planned]:
        events = dict(
            OperationalEvent.objects.filter(kind=Milestone.SERVICE_CLOSED).values_list(
                "service_record_id", "pk"
            )
        )
        rows = (
            ServiceRecord.objects.filter(closed_at__isnull=False)
            .values_list(
                "pk",
                "customer_id",
                "order_id",
                "order__store_id",
                "order__channel",
                "order__placed_at",
                "contacts",
                "closed_at",
            )
            .order_by("pk")
        )
        planned = []
        for pk, customer_id, order_id, store_id, channel, placed, contacts, closed in rows:
            assert closed is not None  # noqa: S101  # filtered above; for the type checker
            send_after = out_of_quiet_window(closed + timedelta(hours=survey.send_delay_hours))
            if send_after > self.now or self.rng.random() > SERVICE_INVITE_SHARE:
                continue
            planned.append(
                _Planned(
                    survey=survey,
                    customer_id=customer_id,
                    send_after=send_after,
                    created_at=closed,
                    store_id=store_id,
                    order_id=order_id,
                    purchase_channel=channel or "",
                    daypart=daypart_of(placed) if placed is not None else "",
                    event_id=events.get(pk),
                    source=Invitation.Source.MILESTONE,
                    answer=self._ces_answers(contacts, store_id),
                    answer_rate=SERVICE_ANSWER_RATE,
                )
            )
        return planned

    def _ces_answers(
        self, contacts: int, store_id: int | None
    ) -> Callable[[str, datetime], dict[str, Any]]:
        def answers(language: str, at: datetime) -> dict[str, Any]:
            rng = self.rng
            ces = _weighted(rng, 1, CES_BY_CONTACTS[min(max(contacts, 1), 4) - 1])
            if self._declined(store_id, at) and rng.random() < 0.5:
                ces = max(1, ces - 1)
            p_yes = (0.2, 0.35, 0.55, 0.75, 0.88, 0.95, 0.97)[ces - 1]
            resolved = "yes" if rng.random() < p_yes else rng.choice(("no", "unsure"))
            result: dict[str, Any] = {"ces": ces, "resolved": resolved}
            if ces <= 3:
                hard = _comment(rng, "hard", language) if rng.random() < 0.6 else None
                result["what_was_hard"] = hard
            return result

        return answers

    # -- Relationship NPS --------------------------------------------------------------------

    def plan_relationship(self, survey: Survey) -> list[_Planned]:
        scale = max(1, round(len(self.customers) / 5000))
        home = dict(Customer.objects.values_list("pk", "home_store_id"))
        ids = sorted(self.customers)
        planned = []
        for months_ago in range(12, 0, -1):
            day = self.now - timedelta(days=30 * months_ago - self.rng.randint(0, 4))
            send_after = out_of_quiet_window(day.replace(hour=10, minute=0, second=0))
            sample = self.rng.sample(ids, k=min(len(ids), NPS_MONTHLY_SAMPLE * scale))
            sampled = set(sample)
            sample += [
                customer_id
                for customer_id in sorted(self.complaints)
                if customer_id not in sampled
                and customer_id in self.customers
                and self._complained_before(customer_id, send_after)
            ]
            for customer_id in sample:
                planned.append(
                    _Planned(
                        survey=survey,
                        customer_id=customer_id,
                        send_after=send_after,
                        created_at=send_after - timedelta(minutes=5),
                        store_id=home.get(customer_id),
                        order_id=None,
                        purchase_channel="",
                        daypart="",
                        event_id=None,
                        source=Invitation.Source.BULK,
                        answer=self._nps_answers(customer_id),
                        answer_rate=NPS_ANSWER_RATE,
                    )
                )
        return planned

    def _complained_before(self, customer_id: int, moment: datetime) -> bool:
        """Whether the customer opened a complaint in the 30 days before `moment`."""
        times = self.complaints.get(customer_id, [])
        return bisect.bisect_left(times, moment) > bisect.bisect_left(
            times, moment - timedelta(days=30)
        )

    def _buys_again(self, customer_id: int, moment: datetime) -> bool:
        """Whether the customer orders again within SAYDO_DAYS after `moment` (the demo's
        orders exist before its answers: what a customer says is drawn knowing what they do)."""
        times = self.order_times.get(customer_id, [])
        i = bisect.bisect_right(times, moment)
        return i < len(times) and times[i] <= moment + timedelta(days=SAYDO_DAYS)

    def _nps_answers(self, customer_id: int) -> Callable[[str, datetime], dict[str, Any]]:
        def answers(language: str, at: datetime) -> dict[str, Any]:
            rng = self.rng
            recent = self._complained_before(customer_id, at)
            table = NPS_BASE if self._buys_again(customer_id, at) else NPS_LAPSING
            nps = _weighted(rng, 0, NPS_AFTER_COMPLAINT if recent else table)
            result: dict[str, Any] = {"nps": nps}
            if nps <= 6:
                result["what_went_wrong"] = (
                    _comment(rng, "detractor", language) if rng.random() < 0.55 else None
                )
            elif nps >= 9:
                result["what_went_well"] = (
                    _comment(rng, "promoter", language) if rng.random() < 0.4 else None
                )
            areas = ["quality", "price", "delivery", "service", "store"]
            if rng.random() < 0.7:
                weights = [3, 3, 2, 5 if recent else 1, 2]
                picked = {rng.choices(areas, weights=weights)[0] for _ in range(rng.randint(1, 3))}
                result["areas"] = [a for a in areas if a in picked]
            else:
                result["areas"] = None
            return result

        return answers

    # -- Invitations, under the contact policy -----------------------------------------------

    def invite(self, planned: list[_Planned], writer: _Writer) -> None:
        """Create the planned invitations in time order, skipping customers without consent or
        e-mail and those invited within the survey's contact interval (as the policy does)."""
        last: dict[int, datetime] = {}
        writer.event_ids.extend(self.passed_over)
        planned.sort(key=lambda p: (p.send_after, p.survey.pk, p.customer_id))
        for plan in planned:
            if plan.event_id is not None:
                writer.event_ids.append(plan.event_id)
            language, reachable = self.customers[plan.customer_id]
            interval = timedelta(days=contact_interval_days(plan.survey))
            previous = last.get(plan.customer_id)
            if not reachable or (previous is not None and plan.send_after - previous < interval):
                continue
            last[plan.customer_id] = plan.send_after
            self._invitation(plan, language, writer)

    def _invitation(self, plan: _Planned, language: str, writer: _Writer) -> None:
        rng = self.rng
        survey = plan.survey
        sent_at = plan.send_after + timedelta(seconds=rng.randint(5, 600))
        expires_at = sent_at + timedelta(days=survey.expires_after_days)
        reminder_at = out_of_quiet_window(sent_at + timedelta(days=survey.reminder_after_days))
        answered_at = None
        if rng.random() < plan.answer_rate:
            # Most answer the same day; the rest after the reminder, within the link's life.
            if rng.random() < 0.75:
                answered_at = sent_at + timedelta(minutes=rng.randint(3, 12 * 60))
            else:
                answered_at = reminder_at + timedelta(minutes=rng.randint(3, 3 * 24 * 60))
            if answered_at >= expires_at or answered_at > self.now:
                answered_at = None
        reminded = reminder_at <= min(answered_at or expires_at, self.now, expires_at)
        if answered_at is not None:
            status = Invitation.Status.ANSWERED
        elif expires_at <= self.now:
            status = Invitation.Status.EXPIRED
        else:
            status = Invitation.Status.SENT
        invitation = Invitation(
            survey=survey,
            customer_id=plan.customer_id,
            token_hash=new_token()[1],  # the link token itself went out by e-mail, never stored
            status=status,
            source=plan.source,
            language=language,
            touchpoint_id=survey.touchpoint_id,
            store_id=plan.store_id,
            order_id=plan.order_id,
            purchase_channel=plan.purchase_channel,
            daypart=plan.daypart,
            operational_event_id=plan.event_id,
            send_after=plan.send_after,
            sent_at=sent_at,
            reminder_sent_at=reminder_at if reminded else None,
            reminder_token_hash=new_token()[1] if reminded else None,
            expires_at=expires_at,
            answered_at=answered_at,
        )
        writer.invitations.append(invitation)
        writer.created_at.append(min(plan.created_at, plan.send_after))
        if answered_at is None:
            return
        ctx = _Context(
            survey=survey,
            customer_id=plan.customer_id,
            store_id=plan.store_id,
            order_id=plan.order_id,
            purchase_channel=plan.purchase_channel,
            daypart=plan.daypart,
            language=language,
            submitted_at=answered_at,
        )
        writer.respond(
            ctx, plan.answer(language, answered_at), invitation=invitation, key=_uuid(rng)
        )

    # -- Store revisit intent (open link on the receipt) -------------------------------------

    def store_visits(self, survey: Survey, writer: _Writer) -> None:
        rng = self.rng
        rows = (
            Order.objects.filter(channel="store", status=Order.Status.COMPLETED)
            .values_list("pk", "customer_id", "store_id", "placed_at")
            .order_by("pk")
        )
        for pk, customer_id, store_id, placed in rows:
            if rng.random() > STORE_QR_SHARE:
                continue
            submitted = placed + timedelta(minutes=rng.randint(2, 90))
            if submitted > self.now:
                continue
            language = self._language(customer_id)
            daypart = daypart_of(placed)
            ctx = _Context(
                survey=survey,
                customer_id=customer_id,
                store_id=store_id,
                order_id=pk,
                purchase_channel="store",
                daypart=daypart,
                language=language,
                submitted_at=submitted,
            )
            answers = self._visit_answers(
                daypart, self._declined(store_id, submitted), language,
                returns=self._buys_again(customer_id, submitted),
            )  # fmt: skip
            writer.respond(ctx, answers, invitation=None, key=_uuid(rng))

    def _visit_answers(
        self, daypart: str, declined: bool, language: str, *, returns: bool = True
    ) -> dict[str, Any]:
        rng = self.rng
        rating = _weighted(rng, 1, (15, 20, 30, 25, 10) if declined else (2, 5, 15, 40, 38))
        p_yes = (0.1, 0.25, 0.55, 0.85, 0.95)[rating - 1] * (1 if returns else SAYDO_YES_IF_LAPSING)
        revisit = "yes" if rng.random() < p_yes else rng.choice(("no", "unsure", "unsure"))
        result: dict[str, Any] = {"visit_rating": rating, "revisit": revisit, "comment": None}
        if revisit != "yes":
            # What the morning rush and the afternoon browsers care about differs.
            weights = {
                "morning": (45, 25, 8, 7, 8, 7),
                "afternoon": (7, 10, 38, 32, 6, 7),
            }.get(daypart, (18, 20, 22, 20, 10, 10))
            if declined:
                weights = (30, 40, 10, 5, 10, 5)
            reasons = ("waiting", "staff", "stock", "price", "cleanliness", "other")
            result["main_reason"] = (
                rng.choices(reasons, weights=weights)[0] if rng.random() < 0.9 else None
            )
        if rng.random() < 0.12 and daypart in ("morning", "afternoon"):
            result["comment"] = _comment(rng, f"store_{daypart}", language)
        return result


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)
