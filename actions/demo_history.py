"""The demo's follow-up history: a year of triggers turned into tasks, holdouts and outcomes.

Generated in Python and written with `bulk_create`; see `actions.demo` for what it contains and
why. The simulation mirrors `actions.services.tasks.fire` (one open task per rule and customer,
repeat triggers add to it, a control customer stays one for 90 days) and the sweep (reminders
and escalations at 80 %, 100 % and 200 % of the SLA on the business calendar).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from actions.calendar import add_business_hours, business_hours_between
from actions.models import (
    ActionPlan,
    Escalation,
    FollowUpTask,
    Holdout,
    OperationalFiring,
    Priority,
    RootCause,
    RoundRobinCursor,
    Severity,
    TaskEvent,
    TaskStatus,
    TriggerRule,
)
from actions.services.outcomes import csat_on_nps_scale
from actions.services.tasks import SEVERITY_PRIORITY, high_value_threshold
from cxm.models import User
from cxm.roles import Role
from odata.models import Customer, Delivery, Milestone, OperationalEvent, Order
from odata.services.milestones import mark_processed, record_milestones
from surveys.answering import asked_questions
from surveys.models import Invitation, Survey
from surveys.services.invitations import MILESTONE_CONSUMER, out_of_quiet_window
from surveys.tokens import new_token
from xdata.models import Answer, Response
from xdata.services.responses import answer_row, score_columns

BATCH = 2000
HISTORY_DAYS = 365
LATE_HISTORY_DAYS = 120
LATE_MIN_DAYS = 2
DETRACTOR_HOLDOUT = 10
HOLDOUT_STICKY = timedelta(days=90)
# Tasks worked on this recently before the demo is seeded may be waiting on the customer now.
RECENT_WORK = timedelta(days=7)
# Revenue in the 12 months before a CSAT 1-2 answer that makes the customer a VIP for the rule:
# about the top tenth of the demo's customers by 12-month revenue.
VIP_REVENUE_KRW = 700_000
# Share of treated customers (closed tasks) without a purchase in the 30 days after the close who
# come back within those 30 days because of the follow-up: the demo's "true" effect.
TREATED_RETURN_SHARE = 0.4
RECOVERY_SURVEY_SHARE = 0.7
RECOVERY_ANSWER_RATE = 0.4
# NPS 0..10 weights of recovery-survey answers: a customer who got a call back feels better.
RECOVERY_NPS = (2, 2, 3, 4, 5, 7, 9, 14, 18, 18, 18)
DELIVERY_TEAM = "배송 고객지원팀"

# Root-cause weights per rule, in the order of `actions.demo.ROOT_CAUSES`.
CAUSE_WEIGHTS = {
    "detractor": (25, 10, 22, 10, 15, 6, 12),
    "late": (85, 4, 1, 2, 0, 6, 2),
    "vip": (45, 25, 8, 6, 4, 6, 6),
}
RESOLUTIONS = {
    "late_delivery": [
        "고객님께 배송 지연을 사과드리고 배송비를 환불해 드렸습니다.",
        "택배사에 확인해 다음 날 도착을 약속드렸고, 5,000원 쿠폰을 드렸습니다.",
        "재발송 처리 후 도착까지 직접 안내했습니다.",
    ],
    "damage": [
        "파손 상품을 회수하고 새 상품으로 교환 발송했습니다.",
        "사진 확인 후 전액 환불 처리했습니다.",
    ],
    "staff": [
        "해당 직원과 면담했고 고객님께 점장이 직접 사과드렸습니다.",
        "응대 교육을 다시 진행하기로 하고 고객님께 결과를 안내했습니다.",
    ],
    "stock": [
        "원하신 사이즈를 다른 매장에서 확보해 택배로 보내 드렸습니다.",
        "입고 예정일을 안내하고 입고 시 연락드리기로 했습니다.",
    ],
    "price": [
        "현재 진행 중인 할인 혜택과 멤버십 적립을 안내했습니다.",
        "가격 정책을 설명드리고 다음 구매에 쓸 쿠폰을 드렸습니다.",
    ],
    "system": [
        "결제 오류로 중복 결제된 금액을 환불했습니다.",
        "앱 오류를 IT팀에 전달했고 주문을 수동으로 처리했습니다.",
    ],
    "other": [
        "고객님 의견을 듣고 관련 부서에 전달했습니다.",
        "통화로 불편 사항을 확인하고 안내를 마쳤습니다.",
    ],
}
COMMENTS = [
    "고객님과 통화했습니다. 내일 다시 연락드리기로 했습니다.",
    "부재중이라 문자 남겼습니다.",
    "주문 이력 확인 중입니다.",
    "택배사에 배송 상황 문의했습니다.",
    "고객님이 교환을 원하셔서 재고 확인 중입니다.",
    "점장님 확인 부탁드립니다.",
]
WAITING_NOTES = [
    "고객님 회신 기다리는 중",
    "교환 상품 수령 후 연락 주시기로 함",
    "부재중, 문자 발송",
]


@dataclass
class Setup:
    admin: User
    manager: User
    team: list[User]
    causes: list[RootCause]
    recovery: Survey
    plans: dict[str, ActionPlan]
    rules: dict[str, TriggerRule]
    managers: dict[int, User]  # store id -> the store's manager


# -- The history -----------------------------------------------------------------------------------


@dataclass
class _Life:
    """One task's simulated life; times after `now` have not happened (None)."""

    status: str
    due: datetime
    first: datetime | None = None
    paused: datetime | None = None
    waited: tuple[datetime, datetime] | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    reopened: datetime | None = None
    first_resolved: datetime | None = None
    first_close: datetime | None = None
    episode_start: datetime | None = None


@dataclass
class _Planned:
    rule: str
    subject: str
    at: datetime
    customer_id: int | None
    store_id: int | None
    owner: User
    title: str
    facts: dict[str, Any]
    response_id: int | None = None
    baseline: int | None = None
    revenue: Decimal = Decimal(0)
    retriggers: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    life: _Life | None = None
    alternative: _Life | None = None  # the life without the reopen, if a newer task cancels it
    pk: int | None = None


def _open_at(plan: _Planned, moment: datetime) -> bool:
    life = plan.life
    assert life is not None  # noqa: S101  # lives are simulated when planned
    if moment < plan.at:
        return False
    if life.reopened is None:
        return life.resolved is None or moment < life.resolved
    if life.first_resolved is not None and moment < life.first_resolved:
        return True
    return moment >= life.reopened and (life.resolved is None or moment < life.resolved)


class History:
    def __init__(self, *, rng: random.Random, now: datetime, setup: Setup) -> None:
        self.rng = rng
        self.now = now
        self.setup = setup
        self.tasks: list[_Planned] = []
        self.holdouts: list[Holdout] = []
        self.firings: list[OperationalFiring] = []
        self.last: dict[tuple[str, str], _Planned] = {}
        self.last_holdout: dict[tuple[str, str], datetime] = {}
        self.names: dict[int, str] = {}
        self.planted_orders = 0
        self._team_turn = 0
        self._worked_lately = 0  # tasks worked on in the week before the demo is seeded
        self.bosses = dict(User.objects.values_list("pk", "reports_to__username"))
        self.admins = sorted(
            User.objects.filter(groups__name=Role.ADMIN.value, is_active=True).values_list(
                "username", flat=True
            )
        )

    # -- triggers ---------------------------------------------------------------------------

    def _customers(self, ids: set[int]) -> None:
        missing = ids - set(self.names)
        for pk, name, external_id in Customer.objects.filter(pk__in=missing).values_list(
            "pk", "name", "external_id"
        ):
            self.names[pk] = name or external_id

    def _trigger(self, planned: _Planned, *, holdout_percent: int = 0) -> None:
        """What `fire` does with a trigger: add to the open task of the subject, keep it as a
        control, or open a task."""
        key = (planned.rule, planned.subject)
        previous = self.last.get(key)
        if previous is not None and _open_at(previous, planned.at):
            previous.retriggers.append((planned.at, planned.facts))
            return
        held = self.last_holdout.get(key)
        if held is not None and planned.at - held < HOLDOUT_STICKY:
            return
        if holdout_percent and self.rng.random() < holdout_percent / 100:
            self.last_holdout[key] = planned.at
            self.holdouts.append(
                Holdout(
                    rule=self.setup.rules[planned.rule],
                    subject_key=planned.subject,
                    customer_id=planned.customer_id,
                    response_id=planned.response_id,
                    triggered_at=planned.at,
                    trigger_day=timezone.localdate(planned.at),
                    trigger=planned.facts,
                    baseline_score=planned.baseline,
                )
            )
            return
        reopened = previous.life.reopened if previous and previous.life else None
        if previous is not None and reopened is not None and reopened > planned.at:
            # The older task would be reopened after this one opened: that reopen never
            # happened (a newer task for the customer was being worked).
            previous.life = previous.alternative or previous.life
        sla = self.setup.plans[planned.rule].sla_hours
        planned.life, planned.alternative = self._live(planned.at, sla)
        self.last[key] = planned
        self.tasks.append(planned)

    def detractors(self) -> None:
        since = self.now - timedelta(days=HISTORY_DAYS)
        rows = list(
            Response.objects.filter(nps__lte=6, customer__isnull=False, submitted_at__gte=since)
            .order_by("submitted_at", "pk")
            .values_list("pk", "code", "customer_id", "store_id", "submitted_at", "nps")
        )
        self._customers({r[2] for r in rows})
        rule = self.setup.rules["detractor"]
        survey = "관계 NPS"
        for pk, code, customer_id, store_id, at, nps in rows:
            at = at + timedelta(seconds=self.rng.randint(20, 180))
            self._trigger(
                _Planned(
                    rule="detractor",
                    subject=f"customer:{customer_id}",
                    at=at,
                    customer_id=customer_id,
                    store_id=store_id,
                    owner=self.setup.managers.get(store_id or 0, self.setup.manager),
                    title=f"{rule.name} · {self.names[customer_id]}",
                    facts={"response": str(code), "survey": survey, "nps": nps},
                    response_id=pk,
                    baseline=nps,
                ),
                holdout_percent=rule.holdout_percent,
            )

    def vips(self) -> None:
        since = self.now - timedelta(days=HISTORY_DAYS)
        rows = list(
            Response.objects.filter(csat__lte=2, customer__isnull=False, submitted_at__gte=since)
            .order_by("submitted_at", "pk")
            .values_list(
                "pk", "code", "customer_id", "store_id", "submitted_at", "csat", "survey__name"
            )
        )
        revenue = _revenue_before([(r[2], r[4]) for r in rows])
        rule = self.setup.rules["vip"]
        chosen = [(r, revenue[i]) for i, r in enumerate(rows) if revenue[i] >= VIP_REVENUE_KRW]
        self._customers({r[2] for r, _v in chosen})
        for (pk, code, customer_id, store_id, at, csat, survey), spent in chosen:
            self._trigger(
                _Planned(
                    rule="vip",
                    subject=f"customer:{customer_id}",
                    at=at + timedelta(seconds=self.rng.randint(20, 180)),
                    customer_id=customer_id,
                    store_id=store_id,
                    owner=self.setup.manager,
                    title=f"{rule.name} · {self.names[customer_id]}",
                    facts={
                        "response": str(code),
                        "survey": survey,
                        "csat": csat,
                        "revenue_12m": int(spent),
                    },
                    response_id=pk,
                    baseline=csat_on_nps_scale(csat) if csat is not None else None,
                    revenue=spent,
                )
            )

    def late_deliveries(self) -> None:
        days = timedelta(days=LATE_MIN_DAYS)
        since = self.now - timedelta(days=LATE_HISTORY_DAYS)
        rows = []
        for pk, customer_id, store_id, promised, delivered in (
            Delivery.objects.filter(promised_at__gte=since - days)
            .exclude(status__in=[Delivery.Status.FAILED, Delivery.Status.RETURNED])
            .values_list(
                "pk",
                "order__customer_id",
                "order__store_id",
                "promised_at",
                "delivered_at",
            )
        ):
            crossed = promised + days
            if crossed < since or crossed > self.now or (delivered and delivered < crossed):
                continue
            # The operational sweep runs every five minutes.
            at = crossed + timedelta(seconds=self.rng.randint(10, 300))
            if at > self.now:
                continue
            rows.append((at, pk, customer_id, store_id, promised))
        rows.sort()
        self._customers({r[2] for r in rows})
        rule = self.setup.rules["late"]
        for at, pk, customer_id, store_id, promised in rows:
            fact = f"delivery:{pk}"
            self.firings.append(OperationalFiring(rule=rule, fact_key=fact, fired_at=at))
            late = (at - promised).total_seconds() / 86400
            self._trigger(
                _Planned(
                    rule="late",
                    subject=f"customer:{customer_id}",
                    at=at,
                    customer_id=customer_id,
                    store_id=store_id,
                    owner=self._next_in_team(),
                    title=f"{rule.name} · {self.names[customer_id]}",
                    facts={"fact": fact, "days_late": int(-(-late // 1))},
                )
            )

    def _next_in_team(self) -> User:
        team = self.setup.team or [self.setup.manager]
        owner = team[self._team_turn % len(team)]
        self._team_turn += 1
        return owner

    # -- lives ------------------------------------------------------------------------------

    def _live(self, created: datetime, sla: int) -> tuple[_Life, _Life | None]:
        """The task's life, and the life it has if its reopen is cancelled (or None)."""
        rng, now = self.rng, self.now
        due = add_business_hours(created, sla)
        # Some start late; work takes from a fraction of the SLA to about two SLAs.
        late = rng.random() < 0.15
        start = rng.uniform(0.7, 1.3) if late else rng.uniform(0.05, 0.6)
        work = rng.uniform(0.4, 1.6) if late else rng.uniform(0.2, 0.8)
        first = add_business_hours(created, start * sla)
        resolved = add_business_hours(created, (start + work) * sla)
        waited = None
        if rng.random() < 0.15:
            pause = first + (resolved - first) * 0.4
            back = pause + timedelta(hours=rng.uniform(20, 96))
            waited = (pause, back)
            resolved += back - pause
        if waited is None and first <= now < resolved + RECENT_WORK:
            # Work going on now or finished in the last week: every fourth such task (the 2nd,
            # 6th, ...) has been waiting on the customer since shortly before now (or before it
            # was to be resolved), so the demo has waiting tasks whatever the day and hour it
            # is seeded, holidays included. The durations are a draw of its own (seeded by the
            # task's creation), which leaves the shared stream, and so the rest of the demo,
            # unchanged.
            self._worked_lately += 1
            if self._worked_lately % 4 == 2:
                own = random.Random(created.timestamp())  # noqa: S311  # demo data
                pause = max(first, min(now, resolved) - timedelta(hours=own.uniform(1, 24)))
                back = now + timedelta(hours=own.uniform(20, 96))
                waited = (pause, back)
                resolved += back - pause
        # The manager reviews and closes resolved tasks within a few days.
        closed = resolved + timedelta(hours=rng.uniform(4, 120))
        if rng.random() < 0.03:  # nobody got to it: overdue, escalated
            resolved = closed = now + timedelta(days=1000)
            if rng.random() < 0.5:
                first = resolved
        life = self._state(created, due, first, waited, resolved, closed)
        if life.status == TaskStatus.CLOSED and rng.random() < 0.05:
            reopened = closed + timedelta(hours=rng.uniform(20, 96))
            if reopened <= now:
                return self._reopen(life, reopened, sla), life
        return life, None

    def _state(
        self,
        created: datetime,
        due: datetime,
        first: datetime,
        waited: tuple[datetime, datetime] | None,
        resolved: datetime,
        closed: datetime,
    ) -> _Life:
        now = self.now
        if first > now:
            return _Life(TaskStatus.NEW, due, episode_start=created)
        if waited is not None and waited[0] <= now < waited[1]:
            return _Life(
                TaskStatus.WAITING, due, first=first, paused=waited[0], episode_start=created
            )
        if waited is not None and waited[1] <= now:
            due = _resumed_due(due, *waited)
        if resolved > now:
            return _Life(
                TaskStatus.IN_PROGRESS, due, first=first, waited=waited, episode_start=created
            )
        status = TaskStatus.RESOLVED if closed > now else TaskStatus.CLOSED
        return _Life(
            status,
            due,
            first=first,
            waited=waited,
            resolved=resolved,
            closed=closed if status == TaskStatus.CLOSED else None,
            episode_start=created,
        )

    def _reopen(self, life: _Life, reopened: datetime, sla: int) -> _Life:
        rng = self.rng
        due = add_business_hours(reopened, sla)
        resolved = add_business_hours(reopened, rng.uniform(0.2, 0.9) * sla)
        closed = resolved + timedelta(hours=rng.uniform(2, 48))
        again = self._state(reopened, due, reopened, None, resolved, closed)
        status = TaskStatus.IN_PROGRESS if again.status == TaskStatus.NEW else again.status
        return replace(
            again,
            status=status,
            first=life.first,
            waited=life.waited,
            reopened=reopened,
            first_resolved=life.resolved,
            first_close=life.closed,
            episode_start=reopened,
        )

    # -- writing ----------------------------------------------------------------------------

    def write(self) -> None:
        setup = self.setup
        revenue = _revenue_before(
            [(p.customer_id, p.at) for p in self.tasks if p.customer_id is not None]
        )
        spent = iter(revenue)
        tasks = []
        for planned in self.tasks:
            if planned.customer_id is not None:
                planned.revenue = next(spent)
            tasks.append(self._task(planned))
        FollowUpTask.objects.bulk_create(tasks, batch_size=BATCH)
        for planned, task in zip(self.tasks, tasks, strict=True):
            planned.pk = task.pk
        events: list[TaskEvent] = []
        escalations: list[Escalation] = []
        for planned, task in zip(self.tasks, tasks, strict=True):
            self._story(planned, task, events, escalations)
        invitations, responses, answers, sent = self._recovery_surveys(tasks, events)
        TaskEvent.objects.bulk_create(events, batch_size=BATCH)
        Escalation.objects.bulk_create(escalations, batch_size=BATCH)
        Holdout.objects.bulk_create(self.holdouts, batch_size=BATCH)
        OperationalFiring.objects.bulk_create(self.firings, batch_size=BATCH)
        Invitation.objects.bulk_create(invitations, batch_size=BATCH)
        _set_times(
            "surveys_invitation",
            "created_at",
            [(i.pk, t) for i, t in zip(invitations, sent, strict=True)],
        )
        Response.objects.bulk_create(responses, batch_size=BATCH)
        Answer.objects.bulk_create(answers, batch_size=BATCH)
        last_change: dict[int, datetime] = {}
        for event in events:
            last_change[event.task_id] = max(event.at, last_change.get(event.task_id, event.at))
        _set_times("actions_followuptask", "updated_at", list(last_change.items()))
        if setup.team:
            RoundRobinCursor.objects.update_or_create(
                team=Group.objects.get(name=DELIVERY_TEAM),
                defaults={"last_user_id": setup.team[(self._team_turn - 1) % len(setup.team)].pk},
            )
        self._plant_returns(tasks)

    def _task(self, planned: _Planned) -> FollowUpTask:
        life = planned.life
        assert life is not None  # noqa: S101  # simulated when planned
        plan = self.setup.plans[planned.rule]
        rule = self.setup.rules[planned.rule]
        priority = int(SEVERITY_PRIORITY[Severity(plan.severity)])
        if planned.revenue >= high_value_threshold():
            priority = max(int(Priority.URGENT), priority - 1)
        done = life.status in (TaskStatus.RESOLVED, TaskStatus.CLOSED)
        # A reopened task keeps the root cause it was first resolved with.
        resolved_once = done or life.reopened is not None
        ticked = len(plan.checklist) if done else 0
        if life.status in (TaskStatus.IN_PROGRESS, TaskStatus.WAITING):
            ticked = self.rng.randint(0, len(plan.checklist) - 1)
        cause = None
        note = ""
        if resolved_once:
            cause = self.rng.choices(self.setup.causes, weights=CAUSE_WEIGHTS[planned.rule])[0]
            note = self.rng.choice(RESOLUTIONS[cause.key])
        return FollowUpTask(
            rule=rule,
            rule_version=rule.version,
            plan=plan,
            subject_key=planned.subject,
            title=planned.title[:300],
            customer_id=planned.customer_id,
            store_id=planned.store_id,
            response_id=planned.response_id,
            trigger=planned.facts,
            trigger_count=1 + len(planned.retriggers),
            status=life.status,
            owner=planned.owner,
            priority=priority,
            severity=plan.severity,
            sla_hours=plan.sla_hours,
            due_at=life.due,
            paused_at=life.paused,
            checklist=[
                {"text": str(step), "done": i < ticked} for i, step in enumerate(plan.checklist)
            ],
            root_cause=cause,
            resolution_note=note,
            created_at=planned.at,
            notified_at=planned.at + timedelta(seconds=30),
            first_action_at=life.first,
            resolved_at=life.resolved,
            closed_at=life.closed,
            baseline_score=planned.baseline,
        )

    def _story(
        self,
        planned: _Planned,
        task: FollowUpTask,
        events: list[TaskEvent],
        escalations: list[Escalation],
    ) -> None:
        """The task's activity log, in the shape the services write it."""
        life = planned.life
        assert life is not None  # noqa: S101  # simulated when planned
        rng, owner = self.rng, task.owner

        def log(kind: str, at: datetime, actor: User | None, text: str = "", **data: Any) -> None:
            events.append(
                TaskEvent(task_id=task.pk, kind=kind, actor=actor, at=at, text=text, data=data)
            )

        def status(at: datetime, old: str, new: str, text: str = "") -> None:
            log(TaskEvent.Kind.STATUS, at, owner, text, old=old, new=new)

        log(
            TaskEvent.Kind.CREATED,
            planned.at,
            None,
            facts=planned.facts,
            owner=owner.get_username(),
        )
        for at, facts in planned.retriggers:
            log(TaskEvent.Kind.RETRIGGERED, at, None, facts=facts)
        if life.first is not None:
            status(life.first, TaskStatus.NEW, TaskStatus.IN_PROGRESS)
            if rng.random() < 0.35:
                log(
                    TaskEvent.Kind.COMMENT,
                    life.first + timedelta(minutes=20),
                    owner,
                    rng.choice(COMMENTS),
                )
        if life.waited is not None:
            pause, back = life.waited
            status(pause, TaskStatus.IN_PROGRESS, TaskStatus.WAITING, rng.choice(WAITING_NOTES))
            if back <= self.now:
                status(back, TaskStatus.WAITING, TaskStatus.IN_PROGRESS)
        elif life.paused is not None:
            status(
                life.paused, TaskStatus.IN_PROGRESS, TaskStatus.WAITING, rng.choice(WAITING_NOTES)
            )
        ticked = [i for i, item in enumerate(task.checklist) if item["done"]]
        if ticked and life.first is not None:
            end = life.first_close or life.resolved or life.paused or self.now
            step = (end - life.first) / (len(ticked) + 1)
            for n, index in enumerate(ticked, start=1):
                log(
                    TaskEvent.Kind.CHECKLIST,
                    life.first + step * n,
                    owner,
                    task.checklist[index]["text"],
                    index=index,
                    done=True,
                )
        self._escalations(planned, task, log, escalations)
        if life.reopened is not None and life.first_close and life.first_resolved:
            status(
                life.first_resolved,
                TaskStatus.IN_PROGRESS,
                TaskStatus.RESOLVED,
                task.resolution_note,
            )
            status(life.first_close, TaskStatus.RESOLVED, TaskStatus.CLOSED)
            log(
                TaskEvent.Kind.STATUS,
                life.reopened,
                self.setup.manager,
                "고객님이 다시 연락 주셨습니다. 같은 문제가 반복되었습니다.",
                old=TaskStatus.CLOSED,
                new=TaskStatus.IN_PROGRESS,
            )
        if life.resolved is not None:
            status(life.resolved, TaskStatus.IN_PROGRESS, TaskStatus.RESOLVED, task.resolution_note)
        if life.closed is not None:
            status(life.closed, TaskStatus.RESOLVED, TaskStatus.CLOSED)

    def _escalations(
        self, planned: _Planned, task: FollowUpTask, log: Any, escalations: list[Escalation]
    ) -> None:
        """Reminder at 80 % of the SLA, breach at `due_at`, admins at `due_at` plus the SLA
        again (business hours), each once, for the current episode, while the SLA clock ran
        (as `actions.services.sweep` does; a wait on the customer moves the later points)."""
        life = planned.life
        assert life is not None  # noqa: S101  # simulated when planned
        start = life.episode_start or planned.at
        end = life.resolved or life.paused or self.now
        sla = task.sla_hours

        def shifted(moment: datetime) -> datetime:
            if life.waited is not None and moment > life.waited[0]:
                return _resumed_due(moment, *life.waited)
            return moment

        steps = (
            (Escalation.Level.REMINDER, shifted(add_business_hours(start, 0.8 * sla))),
            (Escalation.Level.BREACH, life.due),
            (Escalation.Level.ADMINS, add_business_hours(life.due, sla)),
        )
        boss = self.bosses.get(task.owner_id) or self.setup.manager.get_username()
        for level, at in steps:
            if at >= end or at > self.now:
                continue
            escalations.append(Escalation(task_id=task.pk, level=level, at=at))
            if level == Escalation.Level.REMINDER:
                log(TaskEvent.Kind.REMINDED, at, None, level=int(level), to=[task.owner.username])
            else:
                to = self.admins if level == Escalation.Level.ADMINS else [boss]
                log(TaskEvent.Kind.ESCALATED, at, None, level=int(level), to=to)

    def _recovery_surveys(
        self, tasks: list[FollowUpTask], events: list[TaskEvent]
    ) -> tuple[list[Invitation], list[Response], list[Answer], list[datetime]]:
        """Most closers send the recovery survey; some customers answer it."""
        survey = self.setup.recovery
        version = survey.current_version
        assert version is not None  # noqa: S101  # published in the setup
        reachable = dict(
            Customer.objects.filter(
                pk__in={t.customer_id for t in tasks if t.customer_id is not None}
            ).values_list("pk", "survey_consent")
        )
        emails = set(
            Customer.objects.filter(pk__in=list(reachable))
            .exclude(email="")
            .values_list("pk", flat=True)
        )
        languages = dict(
            Customer.objects.filter(pk__in=list(reachable)).values_list("pk", "language")
        )
        invitations: list[Invitation] = []
        created: list[datetime] = []
        responses: list[Response] = []
        answers: list[Answer] = []
        rng = self.rng
        for task in tasks:
            if (
                task.closed_at is None
                or task.customer_id is None
                or task.plan.recovery_survey_id is None
                or rng.random() > RECOVERY_SURVEY_SHARE
            ):
                continue
            if not (reachable.get(task.customer_id) and task.customer_id in emails):
                reason = "no_consent" if not reachable.get(task.customer_id) else "no_email"
                events.append(
                    TaskEvent(
                        task_id=task.pk,
                        kind=TaskEvent.Kind.NOTIFIED,
                        actor=task.owner,
                        at=task.closed_at,
                        data={"recovery_survey": "suppressed", "reason": reason},
                    )
                )
                continue
            send = out_of_quiet_window(task.closed_at)
            sent = send + timedelta(seconds=rng.randint(5, 120))
            expires = sent + timedelta(days=survey.expires_after_days)
            answered = None
            if rng.random() < RECOVERY_ANSWER_RATE:
                answered = sent + timedelta(hours=rng.uniform(1, 96))
                if answered > self.now:
                    answered = None
            language = "en" if languages.get(task.customer_id) == "en" else "ko"
            status = (
                Invitation.Status.ANSWERED
                if answered is not None
                else Invitation.Status.EXPIRED
                if expires <= self.now
                else Invitation.Status.SENT
            )
            if sent > self.now:
                continue
            invitation = Invitation(
                survey=survey,
                customer_id=task.customer_id,
                token_hash=new_token()[1],
                status=status,
                source=Invitation.Source.MANUAL,
                language=language,
                touchpoint_id=survey.touchpoint_id,
                store_id=task.store_id,
                send_after=send,
                sent_at=sent,
                expires_at=expires,
                answered_at=answered,
                created_by=task.owner,
            )
            invitations.append(invitation)
            created.append(task.closed_at)
            events.append(
                TaskEvent(
                    task_id=task.pk,
                    kind=TaskEvent.Kind.NOTIFIED,
                    actor=task.owner,
                    at=task.closed_at,
                    data={"recovery_survey": "invited", "survey": str(survey.code)},
                )
            )
            if answered is None:
                continue
            nps = rng.choices(range(11), weights=RECOVERY_NPS)[0]
            given: dict[str, Any] = {"nps": nps, "areas": None}
            if nps <= 6:
                given["what_went_wrong"] = None
            elif nps >= 9:
                given["what_went_well"] = (
                    "연락 주셔서 감사했습니다. 문제를 빨리 해결해 주셨어요."
                    if language == "ko"
                    else "Thank you for calling me back."
                )
            asked = asked_questions(version.questions, given)
            response = Response(
                survey=survey,
                version=version,
                invitation=invitation,
                customer_id=task.customer_id,
                touchpoint_id=survey.touchpoint_id,
                store_id=task.store_id,
                language=language,
                submitted_at=answered,
                evaluated_at=answered,
                **score_columns(asked, given),
            )
            responses.append(response)
            answers.extend(answer_row(response, q, given.get(q["key"])) for q in asked)
        return invitations, responses, answers, created

    def _plant_returns(self, tasks: list[FollowUpTask]) -> None:
        """Some treated customers who would not have bought again within 30 days of the close
        do, because someone called them: a store purchase at their home store."""
        closed = [t for t in tasks if t.closed_at is not None and t.customer_id is not None]
        if not closed:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.i FROM unnest(%s::int[], %s::bigint[], %s::timestamptz[]) "
                "AS v(i, customer_id, at) WHERE NOT EXISTS (SELECT 1 FROM odata_order o "
                "WHERE o.customer_id = v.customer_id AND o.placed_at > v.at "
                "AND o.placed_at <= v.at + interval '30 days' AND o.status <> 'cancelled')",
                [
                    list(range(len(closed))),
                    [t.customer_id for t in closed],
                    [t.closed_at for t in closed],
                ],
            )
            quiet = [closed[i] for (i,) in cursor.fetchall()]
        homes = dict(
            Customer.objects.filter(pk__in={t.customer_id for t in quiet}).values_list(
                "pk", "home_store_id"
            )
        )
        orders = []
        for task in quiet:
            if self.rng.random() >= TREATED_RETURN_SHARE:
                continue
            assert task.closed_at is not None  # noqa: S101  # filtered above
            placed = task.closed_at + timedelta(days=self.rng.uniform(1, 27))
            if placed > self.now:
                continue
            placed = timezone.localtime(placed).replace(hour=self.rng.choice([11, 13, 15, 18, 19]))
            if placed > self.now:
                continue
            orders.append(
                Order(
                    external_id=f"OF{task.pk:07d}",
                    customer_id=task.customer_id,
                    store_id=homes.get(task.customer_id) or task.store_id,
                    channel="store",
                    placed_at=placed,
                    amount=Decimal(round(self.rng.lognormvariate(10.6, 0.6), -2)),
                    item_count=self.rng.randint(1, 4),
                    status=Order.Status.COMPLETED,
                )
            )
        Order.objects.bulk_create(orders, batch_size=BATCH)
        self.planted_orders = len(orders)
        # Completed store orders open the store-visit stage like imported ones do; the history
        # is past, so the invitation sweep is told it has seen them.
        record_milestones(kind=Milestone.STORE_ORDER_COMPLETED)
        seen = OperationalEvent.objects.filter(
            kind=Milestone.STORE_ORDER_COMPLETED, order__in=[o.pk for o in orders]
        ).values_list("pk", flat=True)
        mark_processed(consumer=MILESTONE_CONSUMER, event_ids=list(seen))


# -- helpers --------------------------------------------------------------------------------------


def _resumed_due(due: datetime, pause: datetime, back: datetime) -> datetime:
    """As `resume_task`: the SLA time left at the pause, counted again from the resume."""
    if due <= pause:
        return due + (back - pause)
    return add_business_hours(back, business_hours_between(pause, due))


def _revenue_before(pairs: list[tuple[int | None, datetime]]) -> list[Decimal]:
    """Each customer's order revenue in the 365 days up to the moment (as the rule's
    `revenue_12m` and the priority rule count it), in one query."""
    if not pairs:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.i, COALESCE(SUM(o.amount), 0) "
            "FROM unnest(%s::int[], %s::bigint[], %s::timestamptz[]) AS v(i, customer_id, at) "
            "LEFT JOIN odata_order o ON o.customer_id = v.customer_id "
            "AND o.placed_at >= v.at - interval '365 days' AND o.placed_at <= v.at "
            "AND o.status NOT IN ('cancelled', 'returned') "
            "GROUP BY v.i ORDER BY v.i",
            [list(range(len(pairs))), [c for c, _a in pairs], [a for _c, a in pairs]],
        )
        return [Decimal(total) for _i, total in cursor.fetchall()]


def _set_times(table: str, column: str, rows: list[tuple[int | None, datetime]]) -> None:
    """Put back times that `auto_now(_add)` stamped as now, in one statement."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {column} = v.at "  # noqa: S608  # fixed names, not input
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE t.id = v.id",
            [[pk for pk, _t in rows], [at for _pk, at in rows]],
        )


__all__ = ["History", "Setup"]
