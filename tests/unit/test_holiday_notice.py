"""Reading the State Council's holiday notice as a clerk pastes it (issue 8, the working calendar)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import delete, select

from app.db import Database
from app.errors import PermissionDenied
from app.models.calendar import CalendarDay, CalendarYear, DayKind
from app.models.misc import AuditEvent
from app.models.returns import DocumentKind
from app.models.states import Decision
from app.models.workdays import Deadline
from app.services.admin.holiday_notice import NoticeUnreadable, read_notice
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel import calendar
from app.services.kernel.calendar import WorkdayAnswer
from app.services.oversight import deadlines
from app.services.repair import repairs
from tests.conftest import Org

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


def test_older_wording_a_day_in_lieu_and_a_year_named_in_the_item() -> None:
    """The 2015 notice's 补休 and the 2019 notice's New Year over two years."""
    qingming = read_notice(
        "国务院办公厅关于2015年部分节假日安排的通知\n"
        "三、清明节：4月5日放假，4月6日（星期一）补休。\n"
    )
    assert qingming.holidays == sorted(
        d for d in chinese_calendar.holidays if D(2015, 4, 1) <= d <= D(2015, 4, 30)
    )
    new_year = read_notice(
        "国务院办公厅关于2019年部分节假日安排的通知\n"
        "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。\n"
    )
    assert new_year.holidays == [D(2018, 12, 30), D(2018, 12, 31), D(2019, 1, 1)]
    assert new_year.workdays == [D(2018, 12, 29)]


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


# --- applying a notice to the store's calendar -------------------------------------------------


def forget_year(db: Database, year: int) -> None:
    """The store of an installation whose chinese-calendar ended the year before."""
    first, last = D(year, 1, 1), D(year, 12, 31)
    with db.transaction() as session:
        session.execute(delete(CalendarDay).where(CalendarDay.day.between(first, last)))
        session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    db.cache.pop("calendar", None)


def test_a_notice_makes_a_provisional_year_official_and_audits_it(db: Database, org: Org) -> None:
    forget_year(db, 2026)
    assert calendar.nth_working_day(db, D(2026, 9, 29), 5) == WorkdayAnswer(D(2026, 10, 6), True)
    notice = read_notice(notice_text(2026))
    preview = calendar.preview_notice(db, notice_text(2026))
    # Weekdays off and weekends worked change; a weekend inside a range was a day off already.
    expected = {d for d in notice.holidays if d.weekday() < 5} | set(notice.workdays)
    assert {c.day for c in preview.changes} == expected and not preview.was_official
    spring = next(c for c in preview.changes if c.day == D(2026, 2, 16))
    assert (spring.was, spring.becomes, spring.note) == (
        DayKind.workday,
        DayKind.holiday,
        "春节",
    )
    assert calendar.year_view(db, 2026).official is False  # a preview writes nothing

    applied = calendar.apply_notice(db, org.admin, notice)
    assert applied.changes == preview.changes and applied.kept == ()
    view = calendar.year_view(db, 2026)
    assert view.official and view.source == calendar.NOTICE_SOURCE
    assert [d.day for d in view.days if d.kind == DayKind.holiday] == notice.holidays
    assert [d.day for d in view.days if d.kind == DayKind.makeup_workday] == notice.workdays
    assert view.day(D(2026, 10, 10)).note == "国庆节调休上班"
    assert calendar.nth_working_day(db, D(2026, 9, 29), 5) == WorkdayAnswer(D(2026, 10, 12), False)
    with db.reading() as session:
        event = session.execute(
            select(
                AuditEvent.entity,
                AuditEvent.entity_id,
                AuditEvent.actor_name,
                AuditEvent.old_value,
                AuditEvent.new_value,
                AuditEvent.reason,
            ).where(AuditEvent.action == "apply_notice")
        ).one()
    assert tuple(event[:5]) == ("calendar_year", 2026, "管理员", "provisional", "official")
    assert "放假 33 天，调休上班 6 天" in event.reason


def test_only_an_admin_applies_a_notice(db: Database, org: Org) -> None:
    forget_year(db, 2026)
    notice = read_notice(notice_text(2026))
    for person in (org.clerk, org.manager):
        with pytest.raises(PermissionDenied):
            calendar.apply_notice(db, person, notice)
    assert not calendar.year_view(db, 2026).official
    assert calendar.year_view(db, 2026).count(DayKind.holiday) == 0


def test_a_notice_replaces_the_statutory_days_and_keeps_the_factory_s_own(
    db: Database, org: Org
) -> None:
    """The store had chinese-calendar's 2026; the admin had marked two days of the plant's own."""
    calendar.set_day(db, org.admin, D(2026, 10, 10), False, "停电检修")  # a make-up Saturday
    calendar.set_day(db, org.admin, D(2026, 12, 31), False, "年终盘点")
    # A notice that drops the make-up Sunday 20 September (as a corrected notice might).
    text = notice_text(2026).replace(
        "9月20日（周日）、10月10日（周六）上班", "10月10日（周六）上班"
    )
    preview = calendar.preview_notice(db, text)
    assert [(c.day, c.was, c.becomes) for c in preview.changes] == [
        (D(2026, 9, 20), DayKind.makeup_workday, DayKind.weekend)
    ]
    assert [(k.day, k.note) for k in preview.kept] == [(D(2026, 10, 10), "停电检修")]
    calendar.apply_notice(db, org.admin, preview.notice)
    view = calendar.year_view(db, 2026)
    assert view.day(D(2026, 9, 20)).kind == DayKind.weekend
    assert (
        view.day(D(2026, 10, 10)).kind == DayKind.holiday and view.day(D(2026, 10, 10)).overridden
    )
    assert view.day(D(2026, 12, 31)).note == "年终盘点"  # a day the notice does not name
    assert view.day(D(2026, 10, 9)).kind == DayKind.workday


def test_a_localization_deadline_across_a_new_holiday_moves(db: Database, org: Org) -> None:
    """A 5-working-day clock started on 29 September: Mon–Fri it ends 6 October (provisional);
    with the notice's National Day and make-up Saturday it ends 12 October (official)."""
    forget_year(db, 2026)
    task = returns.create_task(db, org.clerk, "某部队修理所", today=D(2026, 9, 21))
    line = returns.add_line(db, org.clerk, task.id, "GC-12A", "G-1", "自检不通过")
    for kind in DocumentKind:
        returns.set_document(db, org.clerk, line.id, kind, True, True)
    returns.decide_line(db, org.clerk, line.id, Decision.accept)
    returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=D(2026, 9, 21))
    sent = dispatching.dispatch(db, org.clerk, [line.id], today=D(2026, 9, 25))
    repairs.receive(db, org.engineer, sent.handover_number, "陈工", today=D(2026, 9, 29))

    def localization() -> Deadline:
        rows = deadlines.list_deadlines(db, D(2026, 9, 30))
        return next(
            r.deadline for r in rows if r.line_id == line.id and r.deadline.rule == "localization"
        )

    before = localization()
    assert (before.due, before.provisional) == (D(2026, 10, 6), True)
    calendar.apply_notice(db, org.admin, read_notice(notice_text(2026)))
    after = localization()
    assert (after.due, after.provisional) == (D(2026, 10, 12), False)


def test_next_year_provisional_warns_from_november(db: Database, org: Org) -> None:
    assert calendar.calendar_warning(db, D(2026, 10, 31)) is None
    warning = calendar.calendar_warning(db, D(2026, 11, 1))
    assert warning is not None and warning.year == 2027
    assert warning.text.startswith("2027 年的法定节假日安排尚未录入")
    # In January, a year still provisional is this year's.
    this_year = calendar.calendar_warning(db, D(2027, 1, 5))
    assert this_year is not None and this_year.text.startswith("今年（2027 年）")
    calendar.mark_year_official(db, org.admin, 2027)
    assert calendar.calendar_warning(db, D(2026, 12, 20)) is None
