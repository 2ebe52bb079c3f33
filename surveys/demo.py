"""The demo company's journey stages and surveys, built through the builder's services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from cxm.models import User
from odata.models import Milestone
from surveys.models import Survey, Touchpoint
from surveys.services.builder import (
    create_survey,
    create_touchpoint,
    publish_survey,
    update_survey_settings,
)

if TYPE_CHECKING:
    from cxm.demo import Demo

# touchpoint name, description, milestone, template, survey name, send on milestone, open link
DEMO_SURVEYS: tuple[tuple[str, str, str, str, str, bool, bool], ...] = (
    (
        "배송 완료",
        "주문한 상품이 고객에게 도착한 때",
        Milestone.DELIVERY_DELIVERED,
        "delivery_csat",
        "배송 만족도 (CSAT)",
        True,
        False,
    ),
    (
        "A/S 종료",
        "서비스 요청이 종료된 때",
        Milestone.SERVICE_CLOSED,
        "service_ces",
        "A/S 고객 노력 (CES)",
        False,
        False,
    ),
    (
        "매장 구매",
        "매장에서 구매를 마친 때, 영수증 QR 코드",
        Milestone.STORE_ORDER_COMPLETED,
        "store_revisit",
        "매장 재방문 의향",
        False,
        True,
    ),
    (
        "관계",
        "반기마다 묻는 브랜드 추천 의향",
        "",
        "relationship_nps",
        "관계 NPS",
        False,
        False,
    ),
)


def seed_surveys(demo: Demo) -> None:
    """Four touchpoints with a published survey each. Idempotent: skipped if surveys exist."""
    if Survey.objects.exists():
        demo.summary["surveys_created"] = 0
        return
    admin = User.objects.filter(username="admin").first()
    owner = User.objects.filter(username="manager").first()
    with transaction.atomic():
        for place, description, milestone, template, name, on_milestone, open_link in DEMO_SURVEYS:
            touchpoint = Touchpoint.objects.filter(name=place).first() or create_touchpoint(
                name=place, description=description, owner_user=owner, milestone=milestone
            )
            survey = create_survey(
                name=name, touchpoint=touchpoint, template=template, created_by=admin
            )
            update_survey_settings(
                survey=survey,
                name=name,
                touchpoint=touchpoint,
                send_on_milestone=on_milestone,
                send_delay_hours=24,
                reminder_after_days=3,
                expires_after_days=14,
                open_link=open_link,
            )
            publish_survey(survey=survey, by=admin)
    demo.summary["surveys_created"] = len(DEMO_SURVEYS)
