"""Reading the State Council's holiday notice as a clerk pastes it (issue 8, the working calendar)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from app.services.admin.holiday_notice import NoticeUnreadable, read_notice

NOTICES = Path(__file__).resolve().parents[1] / "support" / "notices"
D = dt.date


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", [2025, 2026])
def test_notice_reads_back_what_chinese_calendar_holds(year: int) -> None:
    """Every day off (weekends inside a range too) and every make-up workday, exactly."""
    notice = read_notice(notice_text(year))
    assert notice.year == year
    assert notice.holidays == sorted(d for d in chinese_calendar.holidays if d.year == year)
    assert notice.workdays == sorted(d for d in chinese_calendar.workdays if d.year == year)
    # And day by day the way the package answers a single date.
    for day in notice.holidays:
        assert not chinese_calendar.is_workday(day), day
    for day in notice.workdays:
        assert chinese_calendar.is_workday(day) and day.weekday() >= 5, day


def test_items_are_named_with_their_line_and_text() -> None:
    notice = read_notice(notice_text(2025))
    names = [item.name for item in notice.lines]
    assert names == ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节、中秋节"]
    spring = notice.lines[1]
    assert spring.line == 12 and spring.text.startswith("二、春节：1月28日（农历除夕、周二）")
    # A range over two months, its weekend included; its make-up days on either side.
    assert spring.holidays[0] == D(2025, 1, 28) and spring.holidays[-1] == D(2025, 2, 4)
    assert len(spring.holidays) == 8 and D(2025, 2, 1) in spring.holidays  # a Saturday
    assert spring.workdays == (D(2025, 1, 26), D(2025, 2, 8))
    assert notice.name_of(D(2025, 10, 8)) == "国庆节、中秋节"
    assert notice.lines[0].holidays == (D(2025, 1, 1),) and notice.lines[0].workdays == ()


def _full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def test_a_messy_paste_reads_the_same() -> None:
    """Full-width digits, stray spaces, Windows line ends, a line broken inside a date."""
    clean = read_notice(notice_text(2026))
    messy = _full_width(notice_text(2026))
    messy = messy.replace("２月１４日", "２ 月\n１４ 日").replace("放假调休", "放 假调休 ")
    messy = messy.replace("共９天。", "共９天。\n").replace("\n", "\r\n")
    read = read_notice(messy)
    assert (read.year, read.holidays, read.workdays) == (2026, clean.holidays, clean.workdays)


def test_a_paste_on_one_line_reads_the_same() -> None:
    """A chat message or a web page copied without its paragraphs."""
    clean = read_notice(notice_text(2025))
    one_line = read_notice(notice_text(2025).replace("\n", ""))
    assert (one_line.holidays, one_line.workdays) == (clean.holidays, clean.workdays)


def test_items_without_ordinals_and_half_width_punctuation() -> None:
    text = (
        "国务院办公厅关于2026年部分节假日安排的通知\n"
        "元旦: 1月1日(周四)至3日(周六)放假调休, 共3天. 1月4日(周日)上班.\n"
        "国庆节：10月1日至7日放假调休，共7天。9月20日、10月10日上班。\n"
    )
    notice = read_notice(text.replace(". ", "。").replace(".\n", "。\n"))
    assert notice.holidays[:3] == [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)]
    assert notice.workdays == [D(2026, 1, 4), D(2026, 9, 20), D(2026, 10, 10)]
    assert len(notice.holidays) == 10


def test_a_range_over_new_year_and_a_make_up_day_of_the_year_before() -> None:
    """The 2012 notice: a make-up Saturday in December of the year before."""
    text = (
        "国务院办公厅关于2012年部分节假日安排的通知\n"
        "一、元旦：2012年1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。\n"
        "二、春节：1月22日至28日放假调休，共7天。1月21日（星期六）、29日（星期日）上班。\n"
    )
    notice = read_notice(text)
    assert notice.workdays == [D(2011, 12, 31), D(2012, 1, 21), D(2012, 1, 29)]
    assert notice.holidays[0] == D(2012, 1, 1) and len(notice.holidays) == 10
    assert notice.workdays == sorted(
        d for d in chinese_calendar.workdays if D(2011, 12, 31) <= d <= D(2012, 1, 31)
    )


def _refused(text: str) -> NoticeUnreadable:
    with pytest.raises(NoticeUnreadable) as caught:
        read_notice(text)
    return caught.value


def test_an_impossible_date_is_refused_with_its_line() -> None:
    text = notice_text(2026).replace("2月28日（周六）上班", "2月30日（周六）上班")
    error = _refused(text)
    assert error.line == 10
    assert error.message.startswith("第 10 行无法识别：“二、春节：")
    assert "2026年2月30日不是有效日期" in error.message


def test_a_weekday_that_does_not_match_names_the_wrong_year() -> None:
    """A notice of 2026 pasted under the title of 2025: 1月1日 was a Wednesday then."""
    text = notice_text(2026).replace("2026年", "2025年")
    error = _refused(text)
    assert error.line == 8 and "2025年1月1日是周三，通知写的是周四" in error.message


def test_a_count_that_does_not_match_the_range_is_refused() -> None:
    error = _refused(
        notice_text(2025).replace("至6日（周日）放假，共3天", "至6日（周日）放假，共4天")
    )
    assert error.line == 14 and "4月4日至4月6日是 3 天，通知写的是共 4 天" in error.message


def test_a_sentence_with_dates_but_no_arrangement_is_refused() -> None:
    text = notice_text(2026).replace("5月9日（周六）上班", "5月9日（周六）另行通知")
    error = _refused(text)
    assert error.line == 14 and "不知是放假还是上班" in error.message


def test_a_day_both_off_and_working_is_refused() -> None:
    text = notice_text(2026).replace("1月4日（周日）上班", "1月3日（周六）上班")
    assert "1月3日既列为放假又列为上班" in _refused(text).message


def test_a_text_without_year_or_items_is_refused() -> None:
    assert "读不出通知的年份" in _refused("元旦：1月1日放假1天。").message
    assert "没有找到放假安排" in _refused("国务院办公厅关于2027年部分节假日安排的通知\n").message
    body = notice_text(2026).replace("现将2026年", "现将2027年")
    assert "标题是 2026 年，正文是 2027 年" in _refused(body).message
    error = _refused("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：另行通知。\n")
    assert error.line == 2 and "“元旦”一项没有读到放假日期" in error.message


def test_prose_and_signature_after_the_items_are_not_read() -> None:
    """Without the closing paragraph, the signature's date is not taken for a make-up day."""
    text = notice_text(2026)
    cut = text.split("鼓励单位")[0] + "国务院办公厅\n2025年11月4日\n"
    assert read_notice(cut).workdays == read_notice(text).workdays
