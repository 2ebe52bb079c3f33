"""The system status page lists the RQ workers registered in Redis with their state in the
reader's language."""

from __future__ import annotations

from collections.abc import Iterator

import django_rq
import pytest
from rq import Worker

from cxm.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered_worker() -> Iterator[Worker]:
    connection = django_rq.get_connection("default")
    worker = Worker([django_rq.get_queue("realtime")], connection=connection, name="status-test")
    worker.register_birth()
    worker.set_state("idle")
    yield worker
    worker.register_death()


def test_worker_state_is_translated(admin: User, registered_worker: Worker) -> None:
    korean = client_for(admin).get("/manage/system/").content.decode()
    assert "status-test" in korean
    assert "<td>대기 중</td>" in korean
    admin.language = "en"
    admin.save(update_fields=["language"])
    english = client_for(admin).get("/manage/system/").content.decode()
    assert "<td>idle</td>" in english
    registered_worker.set_state("busy")
    assert "<td>working</td>" in client_for(admin).get("/manage/system/").content.decode()
