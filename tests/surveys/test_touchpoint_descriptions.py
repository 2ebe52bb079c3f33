"""The demo touchpoints are described in Korean without internal English codes; the milestone
that opens each stage is shown by its translated label."""

from __future__ import annotations

import random
import re

import pytest

from cxm.demo import Demo
from cxm.models import User
from surveys.demo import seed_surveys
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CODE_IN_PARENTHESES = re.compile(r"\([a-z ]+\)")


def test_the_touchpoint_list_in_korean_shows_no_internal_codes(admin: User) -> None:
    seed_surveys(Demo(scale="small", rng=random.Random(1)))  # noqa: S311  # demo data
    html = client_for(admin).get("/surveys/touchpoints/").content.decode()
    assert not CODE_IN_PARENTHESES.findall(html)
    for label in ("배송 완료", "서비스 처리 완료", "매장 주문 완료"):
        assert label in html
