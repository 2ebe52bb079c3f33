"""The demo company's closed loop: root causes, action plans, five enabled rules and a year of
follow-up history with outcomes.

Setup goes through the services admins use (`actions.services.rules`, the survey builder). The
history is generated in Python and written with `bulk_create`, as `xdata.demo` does for
responses (opening a task through `fire` takes a dozen queries and queues e-mails; a year of
tasks that way would make `make run`'s first start slow and mail every store manager).
It follows the rules' own logic on the demo data:

- *불만 고객 후속 연락* (NPS 0-6, 10 % holdout) for every detractor answer of the last year,
  routed to the store's manager; a repeat trigger while the task is open adds to it, a customer
  kept as a control stays one for 90 days (as `fire` does);
- *배송 지연 선제 연락* for every delivery that became two days late in the last 120 days,
  round-robin in the delivery touchpoint's team (each fact recorded as fired, so the live
  sweep does not fire it again);
- *VIP 저평가* for CSAT 1-2 answers of customers with at least `VIP_REVENUE_KRW` of orders in the
  12 months before the answer, to the named manager;
- *매장 NPS 유의미한 하락* and *매장 CSAT 3.5 미만* (aggregate) are evaluated for
  real against the latest analysis run.

Each task lives a simulated life on the SLA calendar (first action, an occasional wait on the
customer, resolution with a root cause, closing, a few reopened, some left overdue and
escalated); what happened before now is its state. Closing sends the recovery survey in most
cases, and some customers answer it. Following up works in this company: some treated
customers who would not have come back place an order after the call (`TREATED_RETURN_SHARE`),
which the holdout comparison on the outcomes page then shows. The outcomes themselves are
computed by the real sweep (`judge_outcomes`) from the resulting O-Data and X-Data.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from actions.demo_history import (
    DELIVERY_TEAM,
    DETRACTOR_HOLDOUT,
    HISTORY_DAYS,
    LATE_MIN_DAYS,
    VIP_REVENUE_KRW,
    History,
    Setup,
)
from actions.models import (
    ActionPlan,
    FollowUpTask,
    Holdout,
    Severity,
    TriggerRule,
    TriggerRuleVersion,
)
from actions.services.aggregate import evaluate_aggregate_rules
from actions.services.outcomes import judge_outcomes
from actions.services.rules import create_plan, create_root_cause, create_rule
from analysis.selectors import latest_finished_run
from cxm.demo import DEMO_PASSWORD
from cxm.models import User
from cxm.roles import Role
from odata.models import Store
from surveys.models import Touchpoint
from surveys.services.builder import (
    create_survey,
    create_touchpoint,
    publish_survey,
    update_survey_settings,
    update_touchpoint,
)
from xdata.models import Response

if TYPE_CHECKING:
    from cxm.demo import Demo

DELIVERY_TOUCHPOINT = "배송 완료"
RECOVERY_TOUCHPOINT = "사후 관리"
RECOVERY_SURVEY = "회복 확인 설문"
ROOT_CAUSES = (
    ("late_delivery", "배송 지연", "Late delivery"),
    ("damage", "파손", "Damaged item"),
    ("staff", "직원 응대", "Staff behaviour"),
    ("stock", "재고", "Out of stock"),
    ("price", "가격", "Price"),
    ("system", "시스템 오류", "System error"),
    ("other", "기타", "Other"),
)


def seed_actions(demo: Demo) -> None:
    """Idempotent: skipped when trigger rules exist (or without the demo's people and data)."""
    if TriggerRule.objects.exists() or FollowUpTask.objects.exists():
        demo.summary["actions"] = "kept"
        return
    admin = User.objects.filter(username="admin").first()
    manager = User.objects.filter(username="manager").first()
    if admin is None or manager is None or not Response.objects.exists():
        demo.summary["actions"] = "no demo data"
        return
    now = timezone.now()
    with transaction.atomic():
        setup = _set_up(demo, admin=admin, manager=manager, now=now)
        history = History(rng=demo.rng, now=now, setup=setup)
        history.detractors()
        history.vips()
        history.late_deliveries()
        history.write()
    judged: dict[str, int] = defaultdict(int)
    while True:  # the sweep takes one batch per call; the demo wants the whole year judged
        counts = judge_outcomes(now=now)
        if not any(counts.values()):
            break
        for key, value in counts.items():
            judged[key] += value
    run = latest_finished_run()
    segment_tasks = evaluate_aggregate_rules(run_id=run.pk) if run is not None else 0
    statuses = dict(
        FollowUpTask.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    demo.summary["actions"] = {
        "rules": len(setup.rules),
        "tasks": sum(statuses.values()),
        "tasks_by_status": statuses,
        "holdouts": Holdout.objects.count(),
        "segment_tasks": segment_tasks,
        "judged_tasks": judged["tasks_judged"],
        "judged_holdouts": judged["holdouts_judged"],
        "planted_returns": history.planted_orders,
    }


# -- Setup ----------------------------------------------------------------------------------------


def _set_up(demo: Demo, *, admin: User, manager: User, now: datetime) -> Setup:
    from cxm.services import create_user

    # Escalations at breach go to the owner's manager: store managers and staff report to the
    # demo manager, the manager to the admin.
    User.objects.filter(username__regex=r"^store\d+$").update(reports_to=manager)
    User.objects.filter(username="staff").update(reports_to=manager)
    User.objects.filter(pk=manager.pk).update(reports_to=admin)

    team = Group.objects.get_or_create(name=DELIVERY_TEAM)[0]
    members = list(User.objects.filter(username="staff"))
    for username, name in (("cs01", "정하늘"), ("cs02", "윤서진")):
        user = User.objects.filter(username=username).first() or create_user(
            username=username,
            email=f"{username}@demo.cxm.example",
            name=name,
            role=Role.STAFF,
            language="ko",
            password=DEMO_PASSWORD,
            send_invitation=False,
        )
        members.append(user)
    User.objects.filter(pk__in=[m.pk for m in members]).update(reports_to=manager)
    for member in members:
        member.groups.add(team)
    delivery = Touchpoint.objects.filter(name=DELIVERY_TOUCHPOINT).first()
    if delivery is not None:
        update_touchpoint(
            touchpoint=delivery,
            name=delivery.name,
            description=delivery.description,
            owner_team=team,
            owner_user=delivery.owner_user,
            milestone=delivery.milestone,
            contact_interval_days=delivery.contact_interval_days,
            is_active=delivery.is_active,
        )

    causes = [create_root_cause(key=key, label_ko=ko, label_en=en) for key, ko, en in ROOT_CAUSES]

    # The recovery survey's stage asks right after a follow-up: its contact interval is 0 days,
    # or the invitation that triggered the task would hold it back for a month.
    recovery_stage = create_touchpoint(
        name=RECOVERY_TOUCHPOINT,
        description="후속 조치를 마친 고객에게 회복 여부를 묻는 단계",
        owner_user=manager,
        contact_interval_days=0,
    )
    recovery = create_survey(
        name=RECOVERY_SURVEY,
        touchpoint=recovery_stage,
        template="relationship_nps",
        created_by=admin,
    )
    update_survey_settings(
        survey=recovery,
        name=RECOVERY_SURVEY,
        touchpoint=recovery_stage,
        send_on_milestone=False,
        send_delay_hours=0,
        reminder_after_days=3,
        expires_after_days=7,
        open_link=False,
    )
    publish_survey(survey=recovery, by=admin)

    plans = {
        "detractor": create_plan(
            title="불만 고객 후속 전화",
            instructions=(
                "추천 의향이 낮은 고객(NPS 0-6)에게 매장 점장이 직접 전화합니다. 먼저 고객의 "
                "응답과 최근 주문·배송·A/S 이력을 확인하고, 통화에서는 변명보다 경청과 사과를 "
                "먼저 하세요. 해결 방안은 고객이 고르게 하고, 약속한 것은 반드시 지킵니다."
            ),
            checklist=[
                "고객 응답과 최근 주문·배송·A/S 이력 확인",
                "고객에게 전화해 경청하고 사과",
                "원인 파악 후 해결 방안 제안 (교환·환불·쿠폰)",
                "약속한 조치 실행 및 결과 안내",
                "원인 코드와 처리 내용 기록",
            ],
            routing=ActionPlan.Routing.STORE_MANAGER,
            fallback_owner=manager,
            sla_hours=8,
            severity=Severity.HIGH,
            recovery_survey=recovery,
        ),
        "late": create_plan(
            title="배송 지연 선제 연락",
            instructions=(
                "배송이 약속보다 이틀 이상 늦어진 고객에게, 고객이 문의하기 전에 먼저 "
                "연락합니다. 택배사 조회로 현재 위치와 예상 도착일을 확인한 뒤 안내하세요."
            ),
            checklist=[
                "배송 상태와 택배사 조회",
                "고객에게 먼저 연락해 지연 사과 및 예상 도착일 안내",
                "필요하면 재발송 또는 배송비 환불 처리",
                "처리 결과 기록",
            ],
            routing=ActionPlan.Routing.TOUCHPOINT_TEAM,
            fallback_owner=manager,
            sla_hours=4,
            severity=Severity.MEDIUM,
        ),
        "vip": create_plan(
            title="VIP 저평가 에스컬레이션",
            instructions=(
                "최근 12개월 구매가 많은 고객이 만족도 1-2점을 주었습니다. 담당 매니저가 "
                "2시간 안에 직접 연락하고, 보상안과 후속 통화 일정을 정합니다."
            ),
            checklist=[
                "고객 등급과 최근 12개월 구매 확인",
                "담당 매니저가 직접 연락",
                "보상안 결정 (상품권·우선 배송 등)",
                "후속 통화 일정 잡기",
                "원인 코드와 합의 내용 기록",
            ],
            routing=ActionPlan.Routing.NAMED_USER,
            owner=manager,
            fallback_owner=admin,
            sla_hours=4,
            severity=Severity.CRITICAL,
            recovery_survey=recovery,
        ),
        "segment": create_plan(
            title="매장 점수 하락 점검",
            instructions=(
                "매장의 NPS가 지난달보다 유의미하게 떨어졌거나 CSAT가 기준 아래입니다. "
                "최근 불만 응답과 코멘트를 살펴 원인을 찾고, 개선 계획을 세워 보고합니다."
            ),
            checklist=[
                "최근 불만 응답과 코멘트 검토",
                "직원 회의에서 원인 공유",
                "개선 조치 계획 수립 및 보고",
            ],
            routing=ActionPlan.Routing.STORE_MANAGER,
            fallback_owner=manager,
            sla_hours=24,
            severity=Severity.MEDIUM,
        ),
    }
    rules = {
        "detractor": create_rule(
            by=admin,
            name="불만 고객(NPS 0-6) 후속 연락",
            kind=TriggerRule.Kind.RESPONSE,
            plan=plans["detractor"],
            definition={
                "match": "all",
                "conditions": [{"field": "nps", "op": "lte", "value": 6}],
            },
            holdout_percent=DETRACTOR_HOLDOUT,
            is_enabled=True,
        ),
        "late": create_rule(
            by=admin,
            name="배송 2일 이상 지연 선제 연락",
            kind=TriggerRule.Kind.OPERATIONAL,
            plan=plans["late"],
            definition={"event": "delivery_late", "min_days": LATE_MIN_DAYS},
            touchpoint=delivery,
            is_enabled=True,
        ),
        "vip": create_rule(
            by=admin,
            name="VIP 저평가 (CSAT 1-2, 12개월 구매 70만 원 이상)",
            kind=TriggerRule.Kind.RESPONSE,
            plan=plans["vip"],
            definition={
                "match": "all",
                "conditions": [
                    {"field": "csat", "op": "lte", "value": 2},
                    {"field": "revenue_12m", "op": "gte", "value": VIP_REVENUE_KRW},
                ],
            },
            is_enabled=True,
        ),
        "segment": create_rule(
            by=admin,
            name="매장 NPS 유의미한 하락",
            kind=TriggerRule.Kind.AGGREGATE,
            plan=plans["segment"],
            definition={
                "metric": "nps",
                "segment_kind": "store",
                "below": None,
                "min_n": 30,
                "significant_drop": True,
            },
            is_enabled=True,
        ),
        # A store's month rarely has the 30 NPS answers the drop test needs at the small
        # scale; CSAT (the delivery survey's answers and the store-visit survey's ratings)
        # has them, and the declining store falls below 3.5.
        "segment_csat": create_rule(
            by=admin,
            name="매장 CSAT 3.5 미만",
            kind=TriggerRule.Kind.AGGREGATE,
            plan=plans["segment"],
            definition={
                "metric": "csat",
                "segment_kind": "store",
                "below": 3.5,
                "min_n": 30,
                "significant_drop": False,
            },
            is_enabled=True,
        ),
    }
    # The rules have been on for a year (their history below starts then).
    since = now - timedelta(days=HISTORY_DAYS + 1)
    TriggerRule.objects.filter(pk__in=[r.pk for r in rules.values()]).update(created_at=since)
    TriggerRuleVersion.objects.filter(rule__in=list(rules.values())).update(changed_at=since)
    managers = {
        s.pk: s.manager
        for s in Store.objects.select_related("manager").filter(manager__is_active=True)
        if s.manager is not None
    }
    members_by_id = sorted(members, key=lambda u: u.pk)
    return Setup(admin, manager, members_by_id, causes, recovery, plans, rules, managers)
