"""The outcomes page writes its counts with thousands separators, as every other page does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import FollowUpTask, TaskStatus
from cxm.models import User
from tests.actions.test_outcomes_helpers import make_rule
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_counts_of_a_thousand_and_more_have_separators(manager: User) -> None:
    rule = make_rule(name="불만 고객")
    closed = timezone.now() - timedelta(days=3)
    FollowUpTask.objects.bulk_create(
        FollowUpTask(
            rule=rule,
            rule_version=rule.version,
            plan=rule.plan,
            subject_key=f"segment:t:{i}",
            title="후속 조치",
            status=TaskStatus.CLOSED,
            owner=rule.plan.fallback_owner,
            sla_hours=8,
            due_at=closed,
            created_at=closed - timedelta(hours=2),
            resolved_at=closed,
            closed_at=closed,
        )
        for i in range(1311)
    )
    manager.language = "en"
    manager.save(update_fields=["language"])
    page = client_for(manager).get(reverse("actions:outcomes")).content.decode()
    assert "of 1,311 closed tasks" in page
    assert '<span class="value">1,311</span>' in page
