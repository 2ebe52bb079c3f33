"""Builders shared by the sending, webhook, sweep, reconciler and reliability test modules."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from actions.calendar import add_business_hours
from actions.models import ActionPlan, FollowUpTask, TaskStatus, WebhookEndpoint
from cxm.models import User
from odata.models import Customer, Store
from tests.factories import ActionPlanFactory, TriggerRuleFactory, UserFactory

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(
    2025, 3, 5, 10, 0, tzinfo=SEOUL
)  # a Wednesday, in business hours (3 March 2025 was a holiday)
_subjects = count(1)


def make_plan(**fields: Any) -> ActionPlan:
    plan: ActionPlan = ActionPlanFactory(**fields)
    return plan


def make_open_task(
    *,
    plan: ActionPlan | None = None,
    owner: User | None = None,
    created_at: datetime = T0,
    status: str = TaskStatus.NEW,
    customer: Customer | None = None,
    store: Store | None = None,
    **fields: Any,
) -> FollowUpTask:
    """An open task as `fire` would leave it, due `plan.sla_hours` business hours later."""
    plan = plan or make_plan()
    rule = TriggerRuleFactory(plan=plan, is_enabled=True)
    owner = owner or plan.owner or UserFactory()
    fields.setdefault("due_at", add_business_hours(created_at, plan.sla_hours))
    return FollowUpTask.objects.create(
        rule=rule,
        rule_version=rule.version,
        plan=plan,
        subject_key=f"customer:{customer.pk}" if customer else f"customer:t{next(_subjects)}",
        title=fields.pop("title", "불만 고객 연락 & 사과"),
        customer=customer,
        store=store,
        status=status,
        owner=owner,
        sla_hours=plan.sla_hours,
        created_at=created_at,
        checklist=[{"text": str(step), "done": False} for step in plan.checklist],
        **fields,
    )


# -- a webhook receiver on the loopback interface --------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A fake CRM: answers each POST with the next status of `statuses` (the last one repeats)
    and checks the signature with the endpoint's secret, as a real receiver should."""

    secret: str
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    port: int = 0
    # Set to hold requests (a hung receiver) until released.
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    # TCP connections accepted, whether or not a request followed.
    connections: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/cxm"


@contextmanager
def webhook_receiver(
    secret: str,
    statuses: list[int] | None = None,
    *,
    port: int = 0,
    tls: ssl.SSLContext | None = None,
) -> Iterator[Receiver]:
    """Serve on `port` (0: any free one) until the block ends; with `tls`, HTTPS only, with
    that server context (its certificate)."""
    receiver = Receiver(secret=secret, statuses=list(statuses or [200]))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            given = self.headers.get("X-Cxm-Signature", "")
            receiver.received.append(
                Received(dict(self.headers), body, hmac.compare_digest(expected, given))
            )
            receiver.arrived.set()
            if receiver.hold is not None:
                receiver.hold.wait(timeout=60)
            status = (
                receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
            )
            self.send_response(status)
            self.send_header("Content-Length", "2")
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    class Server(ThreadingHTTPServer):
        def get_request(self) -> tuple[socket.socket, Any]:
            connection, address = self.socket.accept()
            receiver.connections += 1
            if tls is None:
                return connection, address
            connection.settimeout(10)
            # A handshake the client breaks off (a certificate it does not trust) raises an
            # OSError here, which the server takes as a request that never came.
            return tls.wrap_socket(connection, server_side=True), address

    server = Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (a receiver that is down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def endpoint_for(plan: ActionPlan, url: str, **fields: Any) -> WebhookEndpoint:
    from tests.factories import WebhookEndpointFactory

    endpoint: WebhookEndpoint = WebhookEndpointFactory(url=url, **fields)
    plan.webhooks.add(endpoint)
    return endpoint
