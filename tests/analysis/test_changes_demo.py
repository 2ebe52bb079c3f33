"""The demo company: the store that got worse (xdata.demo.DECLINING_STORE) is flagged, the
other stores are not.

The demo's decline starts on the first day of last month and the change test compares the
latest complete month with the one before, so on any day the decline is all of one and none
of the other. The clock is fixed only to make the data reproducible.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from analysis.selectors import latest_segment_changes
from cxm.demo import seed_demo
from xdata.demo import DECLINING_STORE

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_declining_store_is_flagged_and_no_other_store_is() -> None:
    with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))):
        seed_demo(scale="small", seed=1)

    stores = latest_segment_changes(segment_kind="store")
    flagged = {(r.segment_key, r.metric, r.period) for r in stores if r.significant_drop}
    assert (DECLINING_STORE, "csat", "month") in flagged
    assert {key for key, _metric, _period in flagged} == {DECLINING_STORE}
    row = stores.get(segment_key=DECLINING_STORE, metric="csat", period="month")
    assert row.current_n >= 30 and row.previous_n >= 30
    assert row.current_low is not None and row.current_high is not None
