from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from actions.access import visible_tasks
from actions.models import FollowUpTask
from cxm.demo import DEMO_PASSWORD
from cxm.models import User
from cxm.roles import Role
from cxm.services import role_of

pytestmark = pytest.mark.django_db


def _run(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_if_empty_skips_a_database_with_users(agent: User) -> None:
    summary = _run("--if-empty")
    assert summary["skipped"] is True
    assert User.objects.count() == 1


def test_unknown_scale_is_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice"):
        call_command("seed_demo", "--scale", "huge")


def test_seed_demo_loads_the_demo_company_once() -> None:
    """One login per role, then a year of O-Data through the import service; a second run
    changes nothing. (One test: seeding takes seconds.)"""
    from django.db.models import F

    from odata.models import (
        Customer,
        Delivery,
        ImportRun,
        OperationalEvent,
        Order,
        Region,
        ServiceRecord,
        Store,
    )

    first = _run("--seed", "3")
    assert first["users_created"] == 3
    logins = first["logins"]
    assert isinstance(logins, list)
    assert {login["role"] for login in logins} == {r.value for r in Role}
    for login in logins:
        user = User.objects.get(username=login["username"])
        assert role_of(user) == Role(login["role"])
        assert user.check_password(login["password"])

    assert Region.objects.count() == 3
    assert Store.objects.count() == 12
    # Store managers sign in with the demo password and, as Staff, see their own store's
    # tasks only; the Manager role reviews every store's.
    managers = User.objects.filter(managed_stores__isnull=False).distinct()
    assert managers.count() == 12
    for store_manager in managers:
        assert role_of(store_manager) == Role.STAFF
        assert store_manager.check_password(DEMO_PASSWORD)
    store01 = User.objects.get(username="store01")
    theirs = visible_tasks(store01)
    assert theirs.exists()
    assert not theirs.exclude(Q(store__manager=store01) | Q(owner=store01)).exists()
    assert theirs.count() < FollowUpTask.objects.count()
    assert Customer.objects.count() == 5000
    # The closed-loop demo adds follow-up purchases ("OF…") of customers it recovered.
    assert Order.objects.exclude(external_id__startswith="OF").count() == 40000
    assert set(ImportRun.objects.values_list("status", flat=True)) == {"succeeded"}
    late = Delivery.objects.filter(delivered_at__gt=F("promised_at")).count()
    delivered = Delivery.objects.exclude(delivered_at=None).count()
    assert 0.03 < late / delivered < 0.3
    # Lateness is uneven: some carriers are slower than others.
    rates = []
    for carrier in Delivery.objects.values_list("carrier", flat=True).distinct():
        mine = Delivery.objects.filter(carrier=carrier).exclude(delivered_at=None)
        rates.append(mine.filter(delivered_at__gt=F("promised_at")).count() / mine.count())
    assert max(rates) > 2 * min(rates)
    assert ServiceRecord.objects.count() > 1000
    assert OperationalEvent.objects.filter(kind="delivery.delivered").count() == delivered

    second = _run("--seed", "3")
    assert (second["users_created"], second["odata"]) == (0, "kept")
    # The closed-loop demo adds follow-up purchases ("OF…") of customers it recovered.
    assert Order.objects.exclude(external_id__startswith="OF").count() == 40000
    assert ImportRun.objects.count() == 5
