"""The demo company loaded by `seed_demo`.

Each app adds a step that creates its part through the same services users go through. Steps
are idempotent: running the command twice leaves the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string

from cxm.models import Language, User
from cxm.roles import Role

DEMO_PASSWORD = "cxm-demo"  # noqa: S105  # published demo login, printed by `make run`

SCALES = ("small", "medium", "large")


@dataclass
class Demo:
    scale: str
    rng: random.Random
    summary: dict[str, Any] = field(default_factory=dict)


# username, name, role, language
DEMO_USERS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin", "김관리", Role.ADMIN, Language.KOREAN),
    ("manager", "이매니저", Role.MANAGER, Language.KOREAN),
    ("staff", "박직원", Role.STAFF, Language.KOREAN),
)


def demo_logins() -> list[dict[str, str]]:
    return [
        {"role": role.value, "username": username, "password": DEMO_PASSWORD}
        for username, _name, role, _language in DEMO_USERS
    ]


def seed_users(demo: Demo) -> None:
    from cxm.services import create_user, set_user_role

    created = 0
    for username, name, role, language in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            create_user(
                username=username,
                email=f"{username}@demo.cxm.example",
                name=name,
                role=role,
                language=language,
                password=DEMO_PASSWORD,
                send_invitation=False,
            )
            created += 1
        else:
            set_user_role(user=user, role=role)
    demo.summary["users_created"] = created


# In order; each app appends its step (a dotted path, imported when the command runs).
DEMO_STEPS: list[str] = [
    "cxm.demo.seed_users",
    "odata.demo.seed_odata",
    "surveys.demo.seed_surveys",
    "xdata.demo.seed_responses",
    "xdata.demo_feedback.seed_feedback",
    "analysis.demo.run_demo_analysis",
    # After the analysis run: its aggregate rule is evaluated against the run's segments.
    "actions.demo.seed_actions",
]


def seed_demo(*, scale: str = "small", seed: int = 1) -> dict[str, Any]:
    """Load the demo company. Idempotent; returns counts and the demo logins."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    demo = Demo(scale=scale, rng=random.Random(seed))  # noqa: S311  # reproducible demo data, not secrets
    for path in DEMO_STEPS:
        step: Callable[[Demo], None] = import_string(path)
        step(demo)
    return {"scale": scale, "seed": seed, **demo.summary, "logins": demo_logins()}


def database_is_empty() -> bool:
    return not User.objects.exists()
