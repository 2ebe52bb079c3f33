"""The starting points an admin can build a survey from.

Each template is a ready question list in Korean and English (the `surveys.questions` schema),
with display conditions where a follow-up only makes sense for some answers: "what went
wrong?" only after a low score. The builder copies the list into a new survey's draft; after
that the template and the survey have nothing to do with each other.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Question = dict[str, Any]


def _q(
    key: str,
    kind: str,
    ko: str,
    en: str,
    *,
    required: bool = True,
    options: list[tuple[str, str, str]] | None = None,
    show_if: dict[str, Any] | None = None,
) -> Question:
    return {
        "key": key,
        "type": kind,
        "required": required,
        "text": {"ko": ko, "en": en},
        "options": [{"value": v, "text": {"ko": k, "en": e}} for v, k, e in options or []],
        "show_if": show_if,
    }


@dataclass(frozen=True)
class SurveyTemplate:
    key: str
    label: str | Promise
    description: str | Promise
    questions: tuple[Question, ...]

    def question_list(self) -> list[Question]:
        """A fresh, deep copy: editing a survey's draft never changes the template."""
        return copy.deepcopy(list(self.questions))


RELATIONSHIP_NPS = SurveyTemplate(
    key="relationship_nps",
    label=_("Relationship NPS"),
    description=_("Twice a year: would customers recommend us, and why."),
    questions=(
        _q(
            "nps",
            "nps",
            "저희 브랜드를 친구나 동료에게 추천할 가능성은 얼마나 되십니까?",
            "How likely are you to recommend us to a friend or colleague?",
        ),
        _q(
            "what_went_wrong",
            "long_text",
            "아쉬웠던 점은 무엇인가요? 무엇을 먼저 개선하면 좋을까요?",
            "What went wrong? What should we improve first?",
            required=False,
            show_if={"question": "nps", "op": "lte", "value": 6},
        ),
        _q(
            "what_went_well",
            "long_text",
            "가장 마음에 드신 점은 무엇인가요?",
            "What do you like most about us?",
            required=False,
            show_if={"question": "nps", "op": "gte", "value": 9},
        ),
        _q(
            "areas",
            "multiple",
            "다음 중 가장 중요하게 생각하시는 것을 모두 골라 주세요.",
            "Which of these matter most to you? Choose all that apply.",
            required=False,
            options=[
                ("quality", "제품 품질", "Product quality"),
                ("price", "가격", "Price"),
                ("delivery", "배송", "Delivery"),
                ("service", "고객 서비스", "Customer service"),
                ("store", "매장 경험", "Store experience"),
            ],
        ),
    ),
)

DELIVERY_CSAT = SurveyTemplate(
    key="delivery_csat",
    label=_("Post-delivery CSAT"),
    description=_("A day after delivery: how satisfied was the customer, what went wrong."),
    questions=(
        _q(
            "csat",
            "csat",
            "이번 주문의 배송에 얼마나 만족하셨나요?",
            "How satisfied are you with the delivery of your order?",
        ),
        _q(
            "what_went_wrong",
            "multiple",
            "어떤 점이 불편하셨나요? 해당하는 것을 모두 골라 주세요.",
            "What went wrong? Choose all that apply.",
            options=[
                ("late", "늦게 도착했어요", "It arrived late"),
                ("damaged", "상품이 파손됐어요", "The item was damaged"),
                ("wrong_item", "다른 상품이 왔어요", "I got the wrong item"),
                ("courier", "배송 기사님이 불친절했어요", "The courier was unfriendly"),
                ("packaging", "포장이 부실했어요", "Poor packaging"),
                ("other", "기타", "Something else"),
            ],
            show_if={"question": "csat", "op": "lte", "value": 2},
        ),
        _q(
            "comment",
            "long_text",
            "더 하고 싶은 말씀이 있으신가요?",
            "Is there anything else you would like to tell us?",
            required=False,
        ),
    ),
)

SERVICE_CES = SurveyTemplate(
    key="service_ces",
    label=_("After-service CES"),
    description=_("When a service request closes: how easy was it, and was it solved."),
    questions=(
        _q(
            "ces",
            "ces",
            "이번 문의를 해결하는 과정이 쉬웠다는 데 얼마나 동의하시나요?",
            "How much do you agree: we made it easy to handle my request.",
        ),
        # A choice, not an intent question: intent answers feed the say-do gap (will the
        # customer buy again?), which "was it solved" is not.
        _q(
            "resolved",
            "single",
            "문의하신 문제가 해결되었나요?",
            "Was your issue resolved?",
            options=[
                ("yes", "네, 해결되었습니다", "Yes"),
                ("no", "아니요", "No"),
                ("unsure", "일부만 해결되었습니다", "Partly"),
            ],
        ),
        _q(
            "what_was_hard",
            "long_text",
            "어떤 점이 어려우셨나요?",
            "What made it difficult?",
            required=False,
            show_if={"question": "ces", "op": "lte", "value": 3},
        ),
    ),
)

STORE_REVISIT = SurveyTemplate(
    key="store_revisit",
    label=_("Store revisit intent"),
    description=_("After a store purchase (QR code on the receipt): will they come back."),
    questions=(
        _q(
            "visit_rating",
            "rating",
            "오늘 매장 방문은 어떠셨나요?",
            "How was your visit to the store today?",
        ),
        _q(
            "revisit",
            "intent",
            "이 매장을 다시 방문하실 생각이 있으신가요?",
            "Will you visit this store again?",
        ),
        _q(
            "main_reason",
            "single",
            "가장 큰 이유는 무엇인가요?",
            "What is the main reason?",
            required=False,
            options=[
                ("waiting", "대기 시간", "Waiting time"),
                ("staff", "직원 응대", "Staff"),
                ("stock", "상품 재고", "Products in stock"),
                ("price", "가격", "Price"),
                ("cleanliness", "매장 청결", "Cleanliness"),
                ("other", "기타", "Something else"),
            ],
            show_if={"question": "revisit", "op": "in", "value": ["no", "unsure"]},
        ),
        _q(
            "comment",
            "short_text",
            "매장에 전하고 싶은 한마디가 있으신가요?",
            "Anything you would like to tell the store?",
            required=False,
        ),
    ),
)

TEMPLATES: dict[str, SurveyTemplate] = {
    t.key: t for t in (RELATIONSHIP_NPS, DELIVERY_CSAT, SERVICE_CES, STORE_REVISIT)
}
