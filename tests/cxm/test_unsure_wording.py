""" "Don't know" reads one way to customers ("잘 모르겠어요") and one way to staff ("잘 모르겠음"),
and the say-do labels read naturally in Korean."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from actions.conditions import INTENT_CHOICES
from analysis.selectors.insights import SAID_LABELS
from surveys.questions import INTENT_LABELS, TYPE_LABELS

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def test_customers_read_one_form_and_staff_another() -> None:
    with translation.override("ko"):
        assert str(INTENT_LABELS["unsure"]) == "잘 모르겠어요"
        assert str(dict(INTENT_CHOICES)["unsure"]) == "잘 모르겠음"
        assert str(TYPE_LABELS["intent"]) == "예 / 아니요 / 잘 모르겠음"


def test_say_do_labels_name_the_answer_then_say_response() -> None:
    with translation.override("ko"):
        labels = [str(SAID_LABELS[said]) for said in ("yes", "unsure", "no")]
    assert labels == ["'예' 응답", "'잘 모르겠음' 응답", "'아니요' 응답"]


def test_no_korean_text_uses_a_third_form() -> None:
    msgstrs = [
        line for line in CATALOGUE.read_text("utf-8").splitlines() if line.startswith("msgstr")
    ]
    assert not [line for line in msgstrs if "모르겠다" in line]
