from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from cxm.models import User
from cxm.roles import Role
from cxm.services import role_of

pytestmark = pytest.mark.django_db


def _run(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_seed_demo_creates_one_login_per_role_and_is_idempotent() -> None:
    first = _run("--seed", "3")
    second = _run("--seed", "3")
    assert first["users_created"] == 3
    assert second["users_created"] == 0
    assert User.objects.count() == 3
    logins = first["logins"]
    assert isinstance(logins, list)
    assert {login["role"] for login in logins} == {r.value for r in Role}
    for login in logins:
        user = User.objects.get(username=login["username"])
        assert role_of(user) == Role(login["role"])
        assert user.check_password(login["password"])


def test_if_empty_skips_a_database_with_users(agent: User) -> None:
    summary = _run("--if-empty")
    assert summary["skipped"] is True
    assert User.objects.count() == 1


def test_unknown_scale_is_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid choice"):
        call_command("seed_demo", "--scale", "huge")
