"""Fixtures shared by the page sweeps (tests/cxm/page_walk.py)."""

from __future__ import annotations

import pytest

from cxm.models import User
from cxm.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def people(db: None) -> dict[str, User]:
    return {
        "staff": UserFactory(username="sweep-staff", role=Role.STAFF),
        "manager": UserFactory(username="sweep-manager", role=Role.MANAGER),
        "admin": UserFactory(username="sweep-admin", role=Role.ADMIN, language="en"),
    }
