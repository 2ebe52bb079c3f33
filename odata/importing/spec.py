"""What each import kind expects: its fields, how headers name them (English and Korean),
how cells are typed in SQL, and the row-error reasons."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from odata.models import Channel, ImportKind, ServiceRecord

CHANNELS = {
    "online": "online", "온라인": "online", "web": "online", "웹": "online", "인터넷": "online",
    "store": "store", "매장": "store", "오프라인": "store", "offline": "store", "점포": "store",
    "app": "app", "앱": "app", "모바일앱": "app", "mobile": "app", "모바일": "app",
    "phone": "phone", "전화": "phone", "콜센터": "phone", "call": "phone", "tel": "phone",
}  # fmt: skip
ORDER_STATUSES = {
    "placed": "placed", "주문": "placed", "주문완료": "placed", "결제완료": "placed",
    "completed": "completed", "완료": "completed", "구매확정": "completed",
    "cancelled": "cancelled", "canceled": "cancelled", "취소": "cancelled",
    "returned": "returned", "반품": "returned",
}  # fmt: skip
DELIVERY_STATUSES = {
    "pending": "pending", "준비": "pending", "배송준비": "pending", "대기": "pending",
    "shipped": "shipped", "배송중": "shipped", "출고": "shipped",
    "delivered": "delivered", "배송완료": "delivered", "완료": "delivered",
    "failed": "failed", "실패": "failed", "배송실패": "failed",
    "returned": "returned", "반송": "returned", "회수": "returned",
}  # fmt: skip
SERVICE_KINDS = {
    "complaint": "complaint", "불만": "complaint", "클레임": "complaint", "민원": "complaint",
    "return": "return", "반품": "return", "교환": "return",
    "repair": "repair", "수리": "repair", "as": "repair", "a/s": "repair",
    "inquiry": "inquiry", "문의": "inquiry", "상담": "inquiry",
}  # fmt: skip
LANGUAGES = {
    "ko": "ko", "kr": "ko", "korean": "ko", "한국어": "ko", "국문": "ko",
    "en": "en", "english": "en", "영어": "en", "영문": "en",
}  # fmt: skip
TRUE_WORDS = ("y", "yes", "true", "1", "o", "동의", "예", "네", "수신", "수신동의")
FALSE_WORDS = ("n", "no", "false", "0", "x", "미동의", "아니오", "거부", "수신거부", "")


@dataclass(frozen=True)
class Field:
    """One importable field.

    `type` decides the SQL that types the cell: text, email, phone, int, amount, timestamp,
    bool, choice or ref (an external id looked up in `ref_table`).
    """

    name: str
    type: str
    label: str | Promise
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: dict[str, str] = field(default_factory=dict)
    ref_table: str = ""
    max_length: int = 0
    # The stored values and their labels, for a choice field that a file without its column
    # may set to one value for every row (the column matching page offers them).
    values: tuple[tuple[str, str | Promise], ...] = ()


@dataclass(frozen=True)
class KindSpec:
    kind: str
    table: str
    fields: tuple[Field, ...]
    # Columns set on insert when the file has no such column: column -> SQL expression.
    insert_defaults: dict[str, str]
    # The OperationalEvent kind recorded for rows of this import, if any.
    milestone: str = ""

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]


def _ext(label: str | Promise, *aliases: str) -> Field:
    return Field("external_id", "text", label, True, aliases, max_length=64)


SPECS: dict[str, KindSpec] = {
    ImportKind.CUSTOMERS: KindSpec(
        kind=ImportKind.CUSTOMERS,
        table="odata_customer",
        fields=(
            _ext(
                _("customer number"),
                "customer_id",
                "customer",
                "고객번호",
                "고객id",
                "고객코드",
                "회원번호",
                "회원id",
            ),
            Field(
                "name",
                "text",
                _("name"),
                aliases=("customer_name", "이름", "고객명", "성명", "회원명"),
                max_length=200,
            ),
            Field(
                "email",
                "email",
                _("e-mail"),
                aliases=("e-mail", "mail", "이메일", "메일", "이메일주소"),
                max_length=254,
            ),
            Field(
                "phone",
                "phone",
                _("phone"),
                aliases=(
                    "mobile",
                    "tel",
                    "phone_number",
                    "전화번호",
                    "휴대폰",
                    "휴대폰번호",
                    "연락처",
                    "핸드폰",
                ),
            ),
            Field("language", "choice", _("language"), aliases=("lang", "언어"), choices=LANGUAGES),
            Field(
                "segment",
                "text",
                _("segment"),
                aliases=("grade", "tier", "등급", "고객등급", "회원등급", "세그먼트"),
                max_length=64,
            ),
            Field(
                "home_store",
                "ref",
                _("home store"),
                aliases=(
                    "store_id",
                    "store",
                    "home_store_id",
                    "매장코드",
                    "주매장",
                    "주이용매장",
                    "가입매장",
                ),
                ref_table="odata_store",
            ),
            Field(
                "survey_consent",
                "bool",
                _("survey consent"),
                aliases=(
                    "consent",
                    "marketing_consent",
                    "설문동의",
                    "수신동의",
                    "마케팅수신동의",
                    "동의여부",
                ),
            ),
            Field(
                "created_at",
                "timestamp",
                _("customer since"),
                aliases=("joined_at", "signup_date", "가입일", "가입일시", "등록일"),
            ),
        ),
        insert_defaults={
            "code": "gen_random_uuid()",
            "name": "''",
            "email": "''",
            "phone": "''",
            "language": "'ko'",
            "segment": "''",
            "survey_consent": "false",
            "created_at": "now()",
            "updated_at": "now()",
        },
    ),
    ImportKind.STORES: KindSpec(
        kind=ImportKind.STORES,
        table="odata_store",
        fields=(
            _ext(_("store code"), "store_id", "store", "매장코드", "점포코드", "매장id"),
            Field(
                "name",
                "text",
                _("name"),
                True,
                ("store_name", "매장명", "점포명", "이름"),
                max_length=200,
            ),
            Field(
                "region",
                "text",
                _("region"),
                aliases=("region_name", "지역", "권역", "지역명"),
                # The name is also the region's code (odata_region.code, 64 characters).
                max_length=64,
            ),
            Field(
                "manager",
                "ref",
                _("manager e-mail"),
                aliases=(
                    "manager_email",
                    "manager",
                    "점장",
                    "점장이메일",
                    "매니저",
                    "매니저이메일",
                ),
                ref_table="cxm_user",
            ),
            Field("is_active", "bool", _("active"), aliases=("active", "운영여부", "영업중")),
        ),
        insert_defaults={"code": "gen_random_uuid()", "is_active": "true"},
    ),
    ImportKind.ORDERS: KindSpec(
        kind=ImportKind.ORDERS,
        table="odata_order",
        fields=(
            _ext(
                _("order number"), "order_id", "order", "order_no", "주문번호", "주문id", "주문코드"
            ),
            Field(
                "customer",
                "ref",
                _("customer number"),
                True,
                ("customer_id", "고객번호", "고객id", "회원번호"),
                ref_table="odata_customer",
            ),
            Field(
                "store",
                "ref",
                _("store code"),
                aliases=("store_id", "매장코드", "점포코드", "판매매장"),
                ref_table="odata_store",
            ),
            Field(
                "channel",
                "choice",
                _("channel"),
                True,
                ("sales_channel", "채널", "주문채널", "판매채널"),
                choices=CHANNELS,
                values=tuple(Channel.choices),
            ),
            Field(
                "placed_at",
                "timestamp",
                _("placed at"),
                True,
                ("order_date", "ordered_at", "date", "주문일시", "주문일", "주문일자", "결제일시"),
            ),
            Field(
                "amount",
                "amount",
                _("amount"),
                True,
                ("total", "order_amount", "결제금액", "주문금액", "금액", "매출액"),
            ),
            Field("currency", "text", _("currency"), aliases=("통화",), max_length=3),
            Field(
                "item_count",
                "int",
                _("items"),
                aliases=("items", "quantity", "qty", "수량", "상품수", "주문수량"),
            ),
            Field(
                "status",
                "choice",
                _("status"),
                aliases=("order_status", "주문상태", "상태"),
                choices=ORDER_STATUSES,
            ),
        ),
        insert_defaults={"currency": "'KRW'", "item_count": "1", "status": "'placed'"},
        milestone="order.completed",
    ),
    ImportKind.DELIVERIES: KindSpec(
        kind=ImportKind.DELIVERIES,
        table="odata_delivery",
        fields=(
            _ext(
                _("delivery number"),
                "delivery_id",
                "delivery",
                "shipment_id",
                "배송번호",
                "송장번호",
                "운송장번호",
                "배송id",
            ),
            Field(
                "order",
                "ref",
                _("order number"),
                True,
                ("order_id", "주문번호", "주문id"),
                ref_table="odata_order",
            ),
            Field(
                "promised_at",
                "timestamp",
                _("promised by"),
                True,
                ("promised_date", "due_date", "배송예정일", "도착예정일", "약속일", "배송약속일"),
            ),
            Field(
                "delivered_at",
                "timestamp",
                _("delivered at"),
                aliases=("delivered_date", "배송완료일", "배송완료일시", "도착일", "배달완료일"),
            ),
            Field(
                "status",
                "choice",
                _("status"),
                aliases=("delivery_status", "배송상태", "상태"),
                choices=DELIVERY_STATUSES,
            ),
            Field(
                "carrier",
                "text",
                _("carrier"),
                aliases=("courier", "택배사", "배송사", "운송사"),
                max_length=100,
            ),
        ),
        # Without a status column, a delivered date means delivered.
        insert_defaults={"status": "'pending'", "carrier": "''"},
        milestone="delivery.delivered",
    ),
    ImportKind.SERVICE_RECORDS: KindSpec(
        kind=ImportKind.SERVICE_RECORDS,
        table="odata_servicerecord",
        fields=(
            _ext(
                _("service number"),
                "service_id",
                "case_id",
                "ticket_id",
                "접수번호",
                "서비스번호",
                "상담번호",
                "as번호",
            ),
            Field(
                "customer",
                "ref",
                _("customer number"),
                True,
                ("customer_id", "고객번호", "고객id", "회원번호"),
                ref_table="odata_customer",
            ),
            Field(
                "order",
                "ref",
                _("order number"),
                aliases=("order_id", "주문번호"),
                ref_table="odata_order",
            ),
            Field(
                "kind",
                "choice",
                _("kind"),
                True,
                ("type", "category", "유형", "접수유형", "구분"),
                choices=SERVICE_KINDS,
                values=tuple(ServiceRecord.Kind.choices),
            ),
            Field(
                "opened_at",
                "timestamp",
                _("opened at"),
                True,
                ("opened_date", "created", "접수일시", "접수일", "등록일시"),
            ),
            Field(
                "closed_at",
                "timestamp",
                _("closed at"),
                aliases=(
                    "closed_date",
                    "resolved_at",
                    "종료일시",
                    "처리완료일",
                    "완료일",
                    "종결일",
                ),
            ),
            Field(
                "contacts",
                "int",
                _("contacts"),
                aliases=("contact_count", "상담횟수", "접촉횟수", "문의횟수"),
            ),
            Field(
                "resolution", "text", _("resolution"), aliases=("처리내용", "처리결과", "해결내용")
            ),
            Field("channel", "text", _("channel"), aliases=("접수채널", "채널"), max_length=32),
        ),
        insert_defaults={"contacts": "1", "resolution": "''", "channel": "''"},
        milestone="service.closed",
    ),
}

REASONS = {
    "required": _("A value is required."),
    "too_long": _("The value is too long."),
    "invalid_email": _("Not an e-mail address."),
    "invalid_phone": _("Not a phone number (8 to 15 digits)."),
    "invalid_number": _("Not a whole number."),
    "invalid_amount": _("Not an amount (e.g. 12,000 or ₩12,000 or 12000.50)."),
    "invalid_date": _("Not a date (e.g. 2024-01-05 13:00, 2024.01.05, 2024/01/05)."),
    "invalid_choice": _("Not one of the allowed values."),
    # With the field known (`ImportRowError.detail`), the words it accepts.
    "invalid_choice_of": _("Not one of the allowed values: %(values)s."),
    "invalid_bool": _("Not yes or no (Y/N, 동의/미동의)."),
    "unknown_customer": _("No customer with this number: import customers first."),
    "unknown_store": _("No store with this code: import stores first."),
    "unknown_order": _("No order with this number: import orders first."),
    "unknown_manager": _("No staff account with this e-mail."),
    "duplicate": _("The same number is also on an earlier row of this file."),
    "delivered_before_order": _("The delivery date is before the order was placed."),
}


def accepted_words(field: Field, language: str) -> list[str]:
    """One word per value a choice field stores, as a reader of `language` would type it:
    the first Korean word that means it for Korean, the stored value otherwise."""
    words: dict[str, str] = {}
    for word, value in field.choices.items():
        if language.startswith("ko") and not _HANGUL.search(word):
            continue
        words.setdefault(value, word)
    return [words.get(value, value) for value in dict.fromkeys(field.choices.values())]


_HANGUL = re.compile("[\uac00-\ud7a3]")

_REF_REASON = {
    "odata_customer": "unknown_customer",
    "odata_store": "unknown_store",
    "odata_order": "unknown_order",
    "cxm_user": "unknown_manager",
}


def ref_reason(table: str) -> str:
    return _REF_REASON[table]


def normalise_header(value: str) -> str:
    """Compare headers without case, spaces, punctuation or full-width forms."""
    value = unicodedata.normalize("NFKC", value).strip().lower()
    return re.sub(r"[\s_\-./()\[\]:]+", "", value)


def match_headers(spec: KindSpec, headers: list[str]) -> dict[str, str]:
    """Automatic header -> field matching on the field name, its label and its aliases."""
    lookup: dict[str, str] = {}
    for f in spec.fields:
        for alias in (f.name, str(f.label), *f.aliases):
            lookup.setdefault(normalise_header(alias), f.name)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = lookup.get(normalise_header(header))
        if name is not None and name not in taken:
            mapping[header] = name
            taken.add(name)
    return mapping
