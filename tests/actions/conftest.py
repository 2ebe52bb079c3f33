from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest

# The tests' webhook receivers listen on this machine's loopback, which webhooks may reach
# only when the deployment allows it (actions/webhook_guard.py).
LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def webhooks_may_reach_loopback(settings: Any) -> None:
    settings.CXM_WEBHOOK_ALLOWED_NETWORKS = [ip_network(LOOPBACK)]
