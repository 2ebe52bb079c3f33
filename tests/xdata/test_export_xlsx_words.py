"""The Excel export is for people: its header and its codes read in the reader's language, its
header row is frozen and filterable, and a second sheet names each column as the CSV does."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from cxm.models import User
from tests.conftest import client_for
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import QUESTIONS, T0, make_feedback, make_response, published
from tests.xdata.test_exports import by_header, csv_rows, xlsx_download

pytestmark = pytest.mark.django_db


def workbook(user: User, language: str, query: str = "") -> Any:
    user.language = language
    user.save(update_fields=["language"])
    return load_workbook(io.BytesIO(xlsx_download(client_for(user), query)))


def people_rows(book: Any) -> list[dict[str, Any]]:
    return by_header([list(row) for row in book.worksheets[0].iter_rows(values_only=True)])


def one_of_each() -> None:
    version = published()
    make_response(
        version,
        nps=3,
        comment="불친절",
        answers={"why": ["price", "staff", "gone"], "again": ["no"]},
        store=StoreFactory(external_id="S-1", name="홍대점"),
        purchase_channel="store",
        daypart="morning",
        language="en",
    )
    make_feedback(at=T0 - timedelta(hours=1), rating=2, text="별로", channel="naver_review")


def test_korean_reader_gets_korean_headers_and_words(agent: User) -> None:
    one_of_each()
    book = workbook(agent, "ko")
    assert [sheet.title for sheet in book.worksheets] == ["응답", "열 안내"]
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[:4] == ("출처", "코드", "시각", "설문")
    # One column per question, headed by its text.
    assert header[-4:] == ("추천하시겠습니까?", "이유는?", "다시 구매하시겠습니까?", "하고 싶은 말")
    response, feedback = people_rows(book)
    assert response["출처"] == "설문" and feedback["출처"] == "기타 채널"
    assert (response["채널"], response["시간대"], response["언어"]) == ("매장", "오전", "영어")
    # Choices read as their option texts; a value the survey no longer offers stays as stored.
    assert response["이유는?"] == "가격, 직원, gone"
    assert response["다시 구매하시겠습니까?"] == "아니요"
    assert response["추천하시겠습니까?"] == 3 and response["매장"] == "홍대점"
    assert feedback["채널"] == "네이버 리뷰" and feedback["리뷰 별점 (1-5)"] == 2


def test_english_reader_gets_english_headers_and_words(agent: User) -> None:
    one_of_each()
    book = workbook(agent, "en")
    assert [sheet.title for sheet in book.worksheets] == ["Responses", "Columns"]
    response, feedback = people_rows(book)
    assert response["Source"] == "Survey" and feedback["Source"] == "Other channel"
    assert (response["Channel"], response["Time of day"]) == ("Store", "Morning")
    assert response["Why?"] == "Price, Staff, gone"
    assert response["Would you buy again?"] == "No"
    assert feedback["Channel"] == "Naver review"


def test_the_column_guide_names_every_column_as_the_csv_does(agent: User) -> None:
    one_of_each()
    book = workbook(agent, "ko")
    header = next(book.worksheets[0].iter_rows(values_only=True))
    guide = list(book.worksheets[1].iter_rows(values_only=True))
    assert guide[0] == ("열", "제목", "CSV 내보내기의 열 이름")
    assert [row[1] for row in guide[1:]] == list(header)
    assert [row[2] for row in guide[1:]] == csv_rows(client_for(agent))[0]
    assert [row[0] for row in guide[1:4]] == ["A", "B", "C"]


def test_the_header_row_is_frozen_and_filters_the_rows(agent: User, monkeypatch: Any) -> None:
    one_of_each()
    sheet = workbook(agent, "ko").worksheets[0]
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=sheet.max_column).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}3"  # the header and the two rows
    assert sheet.column_dimensions["S"].width == 60  # the comment
    # A cut export's note row is below the filtered range.
    monkeypatch.setattr("xdata.exports.EXPORT_LIMIT", 1)
    sheet = workbook(agent, "ko").worksheets[0]
    assert sheet.auto_filter.ref.endswith("2")
    assert "1" in str(sheet.cell(row=3, column=1).value)


def test_an_intent_answer_held_as_text_reads_as_its_word(agent: User) -> None:
    make_response(published(), answers={"again": "unsure"})
    (response,) = people_rows(workbook(agent, "ko"))
    assert response["다시 구매하시겠습니까?"] == "잘 모르겠어요"


def test_questions_worded_alike_are_told_apart_by_key(agent: User) -> None:
    version = published()
    later = [*QUESTIONS, {**QUESTIONS[3], "key": "comment2"}]
    published(version.survey, later)
    make_response(version, comment="첫 판")
    header = next(workbook(agent, "ko").worksheets[0].iter_rows(values_only=True))
    assert header[-2:] == ("하고 싶은 말", "하고 싶은 말 (comment2)")


def test_question_texts_in_the_header_cannot_run_as_formulas(agent: User) -> None:
    formula = [{**QUESTIONS[3], "text": {"ko": '=HYPERLINK("x")', "en": "=1+1"}}]
    make_response(published(questions=formula), nps=None, comment="a")
    header = next(workbook(agent, "ko").worksheets[0].iter_rows(values_only=True))
    assert header[-1] == '\'=HYPERLINK("x")'
