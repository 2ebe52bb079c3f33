from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import django_rq
import pytest
from django.db import connection
from django.test import Client

from cxm.models import User
from cxm.roles import Role
from surveys.services.answering import forget_open_surveys
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_queues_and_cache() -> None:
    """Each test starts with empty queues, no cached state and no lockouts in Redis, and no
    open-link survey kept from an earlier test's (rolled back) database."""
    django_rq.get_connection("default").flushdb()
    forget_open_surveys()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The production hasher is slow on purpose; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(username="admin1", role=Role.ADMIN)


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(username="manager1", role=Role.MANAGER)


@pytest.fixture
def agent(db: None) -> User:
    return UserFactory(username="agent1", role=Role.STAFF)


@pytest.fixture
def outsider(db: None) -> User:
    """Signed in, but holds no role."""
    return UserFactory(username="outsider1")


def subprocess_database_url() -> str:
    """DATABASE_URL pointed at the test database, for processes the tests start."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def with_language(user: User, language: str) -> User:
    """`user`, saved with `language` as the interface language."""
    user.language = language
    user.save(update_fields=["language"])
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
