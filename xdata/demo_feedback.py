"""The demo company's feedback from other channels: a year of reviews, social posts and
call-centre notes (about 2,500 rows at the small scale), with the survey history's patterns.

- Store reviews (`naver_review`, `kakao_review`, `google_review`, rated 1-5, tied to a store)
  of visits to a store: some name the buyer and the order, the rest are anonymous. Morning
  visitors write about waiting and staff, afternoon visitors about stock and price, and the
  declining store (`xdata.demo.DECLINING_STORE`) gets clearly worse reviews from the first day
  of last month.
- Online-order reviews (`naver_review`, as on a Naver store page): rated by how late the
  delivery was; late deliveries are reviewed more often, and with delivery complaints. The
  declining store's orders are rated lower from the same day as its visits.
- Social posts (`instagram`, no rating): Korean and English, some about a store.
- Call-centre notes (`call_centre`, no rating): one for a share of complaints and returns, on
  the customer and order of the service record, worded from its facts (how late, how many
  contacts).

Mostly Korean, English from customers whose language is English (and some tourists' Google
reviews). Rows are written with `bulk_create` and count as evaluated (`evaluated_at` =
`occurred_at`), as the demo responses do, so rules added later open no tasks for them.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from odata.demo import SCALE
from odata.models import Customer, Delivery, Order, ServiceRecord, Store, days_late
from surveys.services.invitations import daypart_of
from xdata.demo import DECLINING_STORE, decline_start
from xdata.models import Feedback

if TYPE_CHECKING:
    from cxm.demo import Demo

BATCH = 2000

NAVER = "naver_review"
KAKAO = "kakao_review"
GOOGLE = "google_review"
INSTAGRAM = "instagram"
CALL_CENTRE = "call_centre"
REVIEW_CHANNELS = (NAVER, KAKAO, GOOGLE)
# Where a store visit is reviewed: Naver Place first, as in Korea.
REVIEW_SITES = ((NAVER, 60), (KAKAO, 25), (GOOGLE, 15))

# Shares of the operational rows that get feedback (the odata scale multiplies the rows).
STORE_REVIEW_SHARE = 0.06
DECLINED_REVIEW_SHARE = 0.12  # unhappy visitors of the declining store write more
NAMED_REVIEW_SHARE = 0.6  # reviews written by a member, so the order is known
ONLINE_REVIEW_SHARE = 0.025
LATE_REVIEW_SHARE = 0.15
INSTAGRAM_PER_MONTH = 20  # times the scale
CALL_NOTE_SHARE = 0.25
TEXTLESS_SHARE = 0.15  # stars only

# Stars 1..5 weights.
VISIT_STARS = (3, 5, 14, 38, 40)
DECLINED_STARS = (30, 30, 22, 13, 5)
# By whole days late (0, 1, 2, 3+).
DELIVERY_STARS = (
    (2, 3, 8, 32, 55),
    (10, 18, 30, 28, 14),
    (25, 30, 25, 14, 6),
    (50, 30, 12, 5, 3),
)

# Review texts: (daypart or theme, tone) -> language -> texts.
REVIEWS: dict[tuple[str, str], dict[str, list[str]]] = {
    ("morning", "low"): {
        "ko": [
            "아침에 계산 줄이 너무 길어요. 출근길에 들렀다가 지각할 뻔했어요.",
            "계산대에 직원이 한 명뿐이라 한참 기다렸어요.",
            "오픈 시간인데 직원분이 불친절했어요.",
            "아침에는 대기 시간이 너무 길어요.",
        ],
        "en": ["The morning queue at the till was far too long.", "Only one cashier at 9am."],
    },
    ("morning", "high"): {
        "ko": [
            "출근길에 빨리 살 수 있어서 좋아요.",
            "아침 일찍 가도 직원분들이 친절해요.",
            "계산이 빨라서 편했어요.",
        ],
        "en": ["Quick in and out before work, friendly staff."],
    },
    ("afternoon", "low"): {
        "ko": [
            "재고가 없어서 헛걸음했어요.",
            "찾는 사이즈가 없었어요. 재고 확인이라도 되면 좋겠어요.",
            "다른 곳보다 가격이 비싸요.",
            "할인 행사 상품이 벌써 품절이었어요.",
        ],
        "en": ["The size I wanted was out of stock.", "Prices are higher than elsewhere."],
    },
    ("afternoon", "high"): {
        "ko": ["상품 구색이 좋아요.", "할인 행사가 많아서 좋아요.", "재고가 넉넉해서 좋았어요."],
        "en": ["Good selection and nice offers."],
    },
    ("any", "low"): {
        "ko": [
            "직원분이 불친절했어요.",
            "매장이 좀 지저분했어요.",
            "주차하기가 너무 불편해요.",
            "교환하러 갔는데 안내가 제대로 안 됐어요.",
        ],
        "en": ["Staff were unhelpful.", "The store was messy."],
    },
    ("any", "mid"): {
        "ko": ["무난해요.", "그냥 그랬어요. 가격은 괜찮아요.", "보통이에요. 사람이 많았어요."],
        "en": ["It was okay.", "Average visit, quite crowded."],
    },
    ("any", "high"): {
        "ko": [
            "직원분들이 친절해요.",
            "매장이 깨끗하고 넓어요.",
            "제품 품질이 좋아요. 또 올게요.",
            "친절하게 설명해 주셔서 좋았어요.",
        ],
        "en": ["Friendly staff and a clean store.", "Great quality, will come back."],
    },
    ("declining", "low"): {
        "ko": [
            "요즘 이 매장 너무 별로예요. 예전 같지 않네요.",
            "직원분들이 바뀐 뒤로 응대가 불친절해요.",
            "계산 대기도 길고 매장 정리가 하나도 안 돼 있어요.",
            "최근에 갈 때마다 실망이에요. 직원이 부족한 것 같아요.",
        ],
        "en": ["This store has gone downhill lately, long waits and rude staff."],
    },
    ("late", "low"): {
        "ko": [
            "배송이 너무 늦었어요.",
            "배송이 {days}일이나 늦게 왔어요.",
            "배송 지연 안내가 없었어요. 미리 알려 주세요.",
            "선물용이었는데 배송이 늦어서 날짜를 놓쳤어요.",
        ],
        "en": ["Delivery was {days} day(s) late.", "Late delivery and no update."],
    },
    ("declining_order", "low"): {
        "ko": [
            "요즘 이 매장 주문은 포장이 엉망이에요. 예전 같지 않네요.",
            "최근 들어 출고가 늦고 상품 상태도 좋지 않아요.",
        ],
        "en": ["Orders from this store have been sloppy lately."],
    },
    ("delivered", "low"): {
        "ko": ["상품이 파손돼서 왔어요.", "포장이 너무 허술했어요.", "주문한 색상과 달라요."],
        "en": ["The item arrived damaged.", "Wrong colour was sent."],
    },
    ("delivered", "mid"): {
        "ko": ["배송은 괜찮았는데 포장이 아쉬워요.", "상품은 사진과 비슷해요."],
        "en": ["Okay, packaging could be better."],
    },
    ("delivered", "high"): {
        "ko": [
            "배송이 빨라요.",
            "포장이 꼼꼼해요.",
            "예정일보다 일찍 와서 좋았어요.",
            "사이즈가 딱 맞아요. 재구매 의사 있어요.",
            "가격 대비 품질이 좋아요.",
        ],
        "en": ["Fast delivery, well packed.", "Arrived a day early."],
    },
}
REVIEWS[("lunch", "low")] = REVIEWS[("evening", "low")] = REVIEWS[("any", "low")]
REVIEWS[("lunch", "high")] = REVIEWS[("evening", "high")] = REVIEWS[("any", "high")]

POSTS: dict[str, dict[str, list[str]]] = {
    "store": {
        "ko": [
            "{store} 다녀왔어요. 직원분들이 친절해요 👍",
            "{store} 신상 구경 완료! 구색이 좋아요",
            "{store} 재고가 없어서 헛걸음했어요 😢",
            "{store} 계산 줄이 너무 길어요…",
        ],
        "en": ["Visited {store} today, lovely staff!", "{store} was out of my size again."],
    },
    "declining": {
        "ko": ["{store} 요즘 왜 이래요? 응대가 너무 별로예요", "{store} 갈 때마다 실망이에요"],
        "en": ["{store} has really gone downhill lately."],
    },
    "general": {
        "ko": [
            "온라인 주문했는데 배송이 너무 늦어요. 벌써 며칠째…",
            "이번 시즌 제품 품질이 좋아요 #데일리룩",
            "멤버십 쿠폰 받아서 득템했어요",
            "배송 빠르고 포장도 예뻐요 📦",
        ],
        "en": ["Loving the new season collection!", "Still waiting for my delivery…"],
    },
}

CALL_NOTES: dict[str, dict[str, list[str]]] = {
    "late": {
        "ko": [
            "배송 지연 항의. 예정일보다 {days}일 늦게 도착. 사과 후 처리 안내.",
            "배송 조회가 멈춰 있다는 문의. 택배사 확인 결과 {days}일 지연, 고객 불만 큼.",
        ],
        "en": ["Customer complained: delivery {days} day(s) late. Apologised."],
    },
    "complaint": {
        "ko": [
            "매장 직원 응대에 대한 불만 접수. 점장에게 전달.",
            "상품 불량 문의. 교환 절차 안내.",
            "환불이 늦다는 항의. 처리 일정 안내.",
        ],
        "en": ["Complaint about staff at the store, passed to the manager."],
    },
    "return": {
        "ko": ["반품 요청. 사이즈가 맞지 않음. 회수 접수.", "반품 요청. 상품 파손으로 회수 예정."],
        "en": ["Return requested: wrong size. Pick-up booked."],
    },
    "repeat": {
        "ko": ["같은 건으로 {contacts}번째 연락. 이전 상담 내용이 전달되지 않아 불만."],
        "en": ["Contact number {contacts} about the same issue, customer frustrated."],
    },
}


def _tone(stars: int) -> str:
    return "low" if stars <= 2 else "high" if stars >= 4 else "mid"


def _stars(rng: random.Random, weights: tuple[int, ...]) -> int:
    return 1 + rng.choices(range(5), weights=weights)[0]


def _pick(rng: random.Random, pool: dict[str, list[str]], language: str, **values: object) -> str:
    return rng.choice(pool[language]).format(**values)


@dataclass
class _Feedback:
    rng: random.Random
    now: datetime
    declining_store: int | None
    decline_from: datetime
    languages: dict[int, str]
    rows: list[Feedback]

    def declined(self, store_id: int | None, moment: datetime) -> bool:
        return (
            store_id is not None
            and store_id == self.declining_store
            and (moment >= self.decline_from)
        )

    def add(self, **fields: Any) -> None:
        self.rows.append(Feedback(evaluated_at=fields["occurred_at"], **fields))

    def store_reviews(self) -> None:
        rng = self.rng
        rows = (
            Order.objects.filter(channel="store", status=Order.Status.COMPLETED)
            .values_list("pk", "customer_id", "store_id", "placed_at")
            .order_by("pk")
        )
        for n, (pk, customer_id, store_id, placed) in enumerate(rows, start=1):
            written = placed + timedelta(minutes=rng.randint(20, 48 * 60))
            declined = self.declined(store_id, placed)
            share = DECLINED_REVIEW_SHARE if declined else STORE_REVIEW_SHARE
            if rng.random() > share or written > self.now:
                continue
            channel = rng.choices(
                [c for c, _w in REVIEW_SITES], weights=[w for _c, w in REVIEW_SITES]
            )[0]
            named = rng.random() < NAMED_REVIEW_SHARE
            language = self.languages.get(customer_id, "ko")
            if channel == GOOGLE and rng.random() < 0.25:
                language = "en"  # visitors from abroad review on Google
            stars = _stars(rng, DECLINED_STARS if declined else VISIT_STARS)
            tone = _tone(stars)
            theme = "declining" if declined and tone == "low" else daypart_of(placed)
            pool = REVIEWS.get((theme, tone)) or REVIEWS[("any", tone)]
            text = "" if rng.random() < TEXTLESS_SHARE else _pick(rng, pool, language)
            self.add(
                channel=channel,
                external_id=f"{channel[:2].upper()}-S{n:07d}",
                customer_id=customer_id if named else None,
                order_id=pk if named else None,
                store_id=store_id,
                rating=stars,
                text=text,
                occurred_at=written,
                language=language if text else "",
            )

    def online_reviews(self) -> None:
        rng = self.rng
        rows = (
            Delivery.objects.filter(status=Delivery.Status.DELIVERED, delivered_at__isnull=False)
            .values_list(
                "pk", "promised_at", "delivered_at", "order_id", "order__customer_id",
                "order__store_id",
            )
            .order_by("pk")
        )  # fmt: skip
        for pk, promised, delivered, order_id, customer_id, store_id in rows:
            assert delivered is not None  # noqa: S101  # filtered above; for the type checker
            late = days_late(promised, delivered)
            written = delivered + timedelta(minutes=rng.randint(60, 5 * 24 * 60))
            if rng.random() > (LATE_REVIEW_SHARE if late else ONLINE_REVIEW_SHARE):
                continue
            if written > self.now:
                continue
            language = self.languages.get(customer_id, "ko")
            stars = _stars(rng, DELIVERY_STARS[min(late, 3)])
            declined = self.declined(store_id, delivered)
            if declined and rng.random() < 0.9:  # as the store's delivery CSAT falls
                stars = max(1, stars - rng.choice((1, 2, 2)))
            tone = _tone(stars)
            # A late parcel's unhappy and lukewarm reviewers write about the delay.
            pool = REVIEWS[("late", "low") if late and tone != "high" else ("delivered", tone)]
            if declined and not late and tone == "low":
                pool = REVIEWS[("declining_order", "low")]
            text = "" if rng.random() < TEXTLESS_SHARE else _pick(rng, pool, language, days=late)
            self.add(
                channel=NAVER,
                external_id=f"NA-D{pk:07d}",
                customer_id=customer_id,
                order_id=order_id,
                store_id=store_id,
                rating=stars,
                text=text,
                occurred_at=written,
                language=language if text else "",
            )

    def social_posts(self, scale: int) -> None:
        rng = self.rng
        stores = list(Store.objects.values_list("pk", "name").order_by("pk"))
        for n in range(1, 12 * INSTAGRAM_PER_MONTH * scale + 1):
            day = timezone.localtime(self.now) - timedelta(days=rng.randint(0, 364))
            at = day.replace(hour=rng.randint(8, 23), minute=rng.randint(0, 59), microsecond=0)
            if at > self.now:
                at -= timedelta(days=1)
            language = "en" if rng.random() < 0.3 else "ko"
            store_id, store_name = rng.choice(stores) if stores else (None, "")
            if store_id is None or rng.random() < 0.4:
                store_id, text = None, _pick(rng, POSTS["general"], language)
            elif self.declined(store_id, at) and rng.random() < 0.7:
                text = _pick(rng, POSTS["declining"], language, store=store_name)
            else:
                text = _pick(rng, POSTS["store"], language, store=store_name)
            self.add(
                channel=INSTAGRAM,
                external_id=f"IG-{n:07d}",
                store_id=store_id,
                rating=None,
                text=text,
                occurred_at=at,
                language=language,
            )

    def call_notes(self) -> None:
        rng = self.rng
        late_by_order = {
            order_id: days_late(promised, delivered)
            for order_id, promised, delivered in Delivery.objects.filter(
                delivered_at__gt=F("promised_at")
            ).values_list("order_id", "promised_at", "delivered_at")
            if delivered is not None  # filtered above; for the type checker
        }
        rows = (
            ServiceRecord.objects.filter(
                kind__in=(ServiceRecord.Kind.COMPLAINT, ServiceRecord.Kind.RETURN)
            )
            .values_list(
                "external_id", "customer_id", "order_id", "order__store_id", "kind",
                "opened_at", "contacts",
            )
            .order_by("pk")
        )  # fmt: skip
        for external_id, customer_id, order_id, store_id, kind, opened, contacts in rows:
            if rng.random() > CALL_NOTE_SHARE:
                continue
            language = self.languages.get(customer_id, "ko")
            late = late_by_order.get(order_id, 0)
            if contacts >= 3 and rng.random() < 0.5:
                text = _pick(rng, CALL_NOTES["repeat"], language, contacts=contacts)
            elif late:
                text = _pick(rng, CALL_NOTES["late"], language, days=late)
            else:
                text = _pick(rng, CALL_NOTES[str(kind)], language)
            self.add(
                channel=CALL_CENTRE,
                external_id=f"CC-{external_id}",
                customer_id=customer_id,
                order_id=order_id,
                store_id=store_id,
                rating=None,
                text=text,
                occurred_at=opened + timedelta(minutes=rng.randint(2, 30)),
                language=language,
            )


def seed_feedback(demo: Demo) -> None:
    """Idempotent: skipped when any feedback exists (or there are no demo customers)."""
    if Feedback.objects.exists():
        demo.summary["feedback"] = "kept"
        return
    if not Customer.objects.exists():
        demo.summary["feedback"] = "no demo customers"
        return
    now = timezone.now()
    declining = Store.objects.filter(external_id=DECLINING_STORE).values_list("pk", flat=True)
    seeder = _Feedback(
        rng=demo.rng,
        now=now,
        declining_store=next(iter(declining), None),
        decline_from=decline_start(now),
        languages={
            pk: "en" if language == "en" else "ko"
            for pk, language in Customer.objects.values_list("pk", "language")
        },
        rows=[],
    )
    seeder.store_reviews()
    seeder.online_reviews()
    seeder.social_posts(SCALE[demo.scale])
    seeder.call_notes()
    with transaction.atomic():
        Feedback.objects.bulk_create(seeder.rows, batch_size=BATCH)
        # `received_at` is auto_now_add (bulk_create stamps now): the history arrived when
        # it was written.
        Feedback.objects.update(received_at=F("occurred_at"))
    demo.summary.update(
        feedback=len(seeder.rows),
        feedback_by_channel=dict(sorted(Counter(row.channel for row in seeder.rows).items())),
    )
