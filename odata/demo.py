"""The demo company's operational data, brought in through the import service like a real
company's ERP exports: 3 regions, 12 stores with their managers, customers, a year of orders
with deliveries (some late, more so for some stores and carriers) and service records."""

from __future__ import annotations

import csv
import math
import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cxm.demo import DEMO_PASSWORD
from cxm.models import User
from cxm.roles import Role
from odata.models import Customer, ImportRun
from odata.services.imports import run_import, start_import

if TYPE_CHECKING:
    from cxm.demo import Demo

SCALE = {"small": 1, "medium": 5, "large": 25}
REGIONS = {"서울": 5, "경기": 4, "부산": 3}
STORE_NAMES = [
    "강남점",
    "잠실점",
    "홍대점",
    "여의도점",
    "종로점",
    "수원점",
    "분당점",
    "일산점",
    "인천점",
    "해운대점",
    "서면점",
    "광안리점",
]
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = [
    "민준",
    "서연",
    "도윤",
    "지우",
    "하준",
    "서윤",
    "시우",
    "하은",
    "주원",
    "지민",
    "예준",
    "수아",
    "지호",
    "다은",
    "건우",
    "채원",
    "우진",
    "지유",
    "현우",
    "유나",
]
SEGMENTS = [("VIP", 0.05), ("골드", 0.15), ("실버", 0.30), ("일반", 0.50)]
CARRIERS = {"CJ대한통운": 0.06, "한진택배": 0.12, "롯데택배": 0.20, "우체국택배": 0.08}
CHANNELS = [("매장", 0.45), ("온라인", 0.35), ("앱", 0.15), ("전화", 0.05)]
SERVICE_KINDS = [("문의", 0.45), ("불만", 0.25), ("반품", 0.2), ("수리", 0.1)]


@dataclass
class _Store:
    code: str
    name: str
    region: str
    manager_email: str
    late_factor: float


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return str(rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0])


def _write(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(kind: str, path: Path) -> ImportRun:
    run = start_import(kind=kind, source=path, file_name=path.name, enqueue=False)
    if run.status == ImportRun.Status.QUEUED:
        run_import(run_id=run.pk)
        run.refresh_from_db()
    if run.status != ImportRun.Status.SUCCEEDED:
        raise RuntimeError(f"demo import of {kind} failed: {run.status} {run.message}")
    return run


# The busiest store: twice the customers of any other, so even a short month of its answers is
# enough for the change tests (the survey demo makes it the store that declines).
FLAGSHIP_STORE = "S003"


def _stores(demo: Demo) -> list[_Store]:
    from cxm.services import create_user

    stores: list[_Store] = []
    names = iter(STORE_NAMES)
    number = 0
    for region, count in REGIONS.items():
        for _ in range(count):
            number += 1
            code = f"S{number:03d}"
            email = f"store{number:02d}@demo.cxm.example"
            if not User.objects.filter(username=f"store{number:02d}").exists():
                create_user(
                    username=f"store{number:02d}",
                    email=email,
                    name=f"{demo.rng.choice(SURNAMES)}{demo.rng.choice(GIVEN)} 점장",
                    # Staff, not Manager: a store manager works the tasks of their own store
                    # (`visible_tasks`); the Manager role reviews every store's.
                    role=Role.STAFF,
                    language="ko",
                    password=DEMO_PASSWORD,
                    send_invitation=False,
                )
            # A few stores work with slower partners or have busier dispatch.
            late_factor = demo.rng.choice([0.6, 0.8, 1.0, 1.0, 1.3, 2.0])
            stores.append(_Store(code, next(names), region, email, late_factor))
    return stores


def seed_odata(demo: Demo) -> None:
    """Idempotent: a database that has customers keeps them."""
    if Customer.objects.exists():
        demo.summary["odata"] = "kept"
        return
    rng = demo.rng
    # Registration dates that must move before a customer's first order are drawn from a side
    # generator seeded from the demo's state, so the main sequence (and every pattern the later
    # steps plant with it) stays as it was.
    side = random.Random(hash(rng.getstate()[1]))  # noqa: S311  # reproducible demo data
    scale = SCALE[demo.scale]
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now().astimezone(tz).replace(microsecond=0)
    folder = Path(tempfile.mkdtemp(prefix="cxm-demo-"))

    stores = _stores(demo)
    _import(
        "stores",
        _write(
            folder / "매장.csv",
            ["매장코드", "매장명", "지역", "점장이메일"],
            [[s.code, s.name, s.region, s.manager_email] for s in stores],
        ),
    )

    # The flagship store is home to twice as many customers as the others.
    home_stores = [*stores, *(s for s in stores if s.code == FLAGSHIP_STORE)]
    n_customers = 5000 * scale
    customers = []
    for n in range(1, n_customers + 1):
        store = rng.choice(home_stores)
        joined = now - timedelta(days=rng.randint(30, 3 * 365), minutes=rng.randint(0, 1440))
        customers.append(
            [
                f"C{n:06d}",
                f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                f"customer{n}@demo.cxm.example",
                f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "en" if rng.random() < 0.08 else "ko",
                _pick(rng, SEGMENTS),
                store.code,
                "Y" if rng.random() < 0.8 else "N",
                joined.strftime("%Y-%m-%d %H:%M"),
            ]
        )

    # Some customers buy often, most rarely: a skewed choice of buyer per order.
    weights = [1 / math.sqrt(i + 1) for i in range(n_customers)]
    home = {row[0]: row[6] for row in customers}
    orders, deliveries, services = [], [], []
    n_orders = 40_000 * scale
    buyers = rng.choices([row[0] for row in customers], weights=weights, k=n_orders)
    store_by_code = {s.code: s for s in stores}
    for n, customer_id in enumerate(buyers, start=1):
        placed = now - timedelta(days=rng.uniform(0, 365))
        # The hour of day follows shopping patterns (lunch and evening peaks).
        placed = placed.replace(
            hour=rng.choice([9, 10, 11, 12, 12, 13, 14, 15, 17, 18, 19, 19, 20, 20, 21]),
            minute=rng.randint(0, 59),
        )
        if placed > now:
            placed -= timedelta(days=1)
        channel = _pick(rng, CHANNELS)
        store_code = home[customer_id] if rng.random() < 0.8 else rng.choice(stores).code
        amount = round(rng.lognormvariate(10.6, 0.6), -2)
        roll = rng.random()
        status = "취소" if roll < 0.03 else "반품" if roll < 0.05 else "완료"
        order_id = f"O{n:07d}"
        orders.append(
            [
                order_id,
                customer_id,
                store_code,
                channel,
                placed.strftime("%Y-%m-%d %H:%M"),
                f"₩{int(amount):,}",
                rng.randint(1, 5),
                status,
            ]
        )
        late_days = 0
        if channel != "매장" and status != "취소":
            carrier = rng.choice(list(CARRIERS))
            promised = (placed + timedelta(days=2)).replace(hour=21, minute=0)
            p_late = CARRIERS[carrier] * store_by_code[store_code].late_factor
            if promised > now:
                delivered = ""
            elif rng.random() < p_late:
                late_days = rng.choice([1, 1, 1, 2, 2, 3, 4, 6, 9])
                # A late parcel due to arrive after today is still in transit: a few of those
                # days past their promise are what the late-delivery rule acts on.
                arrived = promised + timedelta(days=late_days, hours=-rng.randint(1, 10))
                delivered = "" if arrived > now else arrived.strftime("%Y-%m-%d %H:%M")
            else:
                delivered = (promised - timedelta(hours=rng.randint(2, 40))).strftime(
                    "%Y-%m-%d %H:%M"
                )
            delivery_status = "배송완료" if delivered else "배송중"
            if not delivered:
                # Not delivered yet (the promise is ahead, or a late parcel is still on its
                # way): the order is placed, not completed; a return of a parcel that never
                # arrived is one sent back to the store.
                if status == "완료":
                    status = "주문"
                    orders[-1][7] = status
                elif status == "반품":
                    delivery_status = "반송"
            deliveries.append(
                [
                    f"D{n:07d}",
                    order_id,
                    promised.strftime("%Y-%m-%d %H:%M"),
                    delivered,
                    delivery_status,
                    carrier,
                ]
            )
        # Late deliveries and returns bring customers to the service desk more often.
        p_service = 0.05 + (0.35 if late_days >= 2 else 0) + (0.5 if status == "반품" else 0)
        if rng.random() < p_service:
            kind = (
                "반품"
                if status == "반품"
                else ("불만" if late_days >= 2 else _pick(rng, SERVICE_KINDS))
            )
            opened = placed + timedelta(days=rng.uniform(1, 6) + late_days)
            if opened > now:
                continue
            closed = opened + timedelta(hours=rng.randint(1, 120))
            services.append(
                [
                    f"A{n:07d}",
                    customer_id,
                    order_id,
                    kind,
                    opened.strftime("%Y-%m-%d %H:%M"),
                    "" if closed > now else closed.strftime("%Y-%m-%d %H:%M"),
                    rng.choice([1, 1, 1, 2, 2, 3, 4]),
                    ""
                    if closed > now
                    else rng.choice(["환불 처리", "교환 발송", "안내 완료", "쿠폰 지급"]),
                    rng.choice(["전화", "채팅", "매장", "이메일"]),
                ]
            )

    # A customer registers on or before their first order: who joined after it gets a
    # registration date up to a month before it instead.
    first_order: dict[str, str] = {}
    for order in orders:
        customer_id, placed_text = str(order[1]), str(order[4])
        if placed_text < first_order.get(customer_id, "9999"):
            first_order[customer_id] = placed_text
    for row in customers:
        first = first_order.get(str(row[0]))
        if first is not None and str(row[8]) > first:
            first_at = datetime.strptime(first, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
            moved = first_at - timedelta(minutes=side.randint(10, 30 * 24 * 60))
            row[8] = moved.strftime("%Y-%m-%d %H:%M")
    _import(
        "customers",
        _write(
            folder / "고객.csv",
            [
                "고객번호",
                "이름",
                "이메일",
                "휴대폰",
                "언어",
                "고객등급",
                "주매장",
                "수신동의",
                "가입일시",
            ],
            customers,
        ),
    )

    _import(
        "orders",
        _write(
            folder / "주문.csv",
            [
                "주문번호",
                "고객번호",
                "매장코드",
                "주문채널",
                "주문일시",
                "결제금액",
                "수량",
                "주문상태",
            ],
            orders,
        ),
    )
    _import(
        "deliveries",
        _write(
            folder / "배송.csv",
            ["배송번호", "주문번호", "배송예정일", "배송완료일", "배송상태", "택배사"],
            deliveries,
        ),
    )
    _import(
        "service_records",
        _write(
            folder / "AS접수.csv",
            [
                "접수번호",
                "고객번호",
                "주문번호",
                "유형",
                "접수일시",
                "처리완료일",
                "상담횟수",
                "처리내용",
                "접수채널",
            ],
            services,
        ),
    )
    demo.summary.update(
        stores=len(stores),
        customers=len(customers),
        orders=len(orders),
        deliveries=len(deliveries),
        service_records=len(services),
    )
