"""工作日历: the admin's year view, marking a day, marking a year official, the notice (issue 8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import delete

from app.db import Database
from app.models.calendar import CalendarDay, CalendarYear
from app.services.kernel import calendar
from app.services.kernel.terms import DayKind
from app.ui.admin.calendar_dialogs import DayDialog, NoticeDialog
from app.ui.admin.calendar_page import CalendarPage
from app.ui.kit.page import Desk
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import click, type_text

D = dt.date
NOTICES = Path(__file__).resolve().parents[1] / "support" / "notices"


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def forget_year(db: Database, year: int) -> None:
    """As the store of an installation whose chinese-calendar ended the year before."""
    with db.transaction() as session:
        session.execute(
            delete(CalendarDay).where(CalendarDay.day.between(D(year, 1, 1), D(year, 12, 31)))
        )
        session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    db.cache.pop("calendar", None)


def open_page(qtbot: Any, desk: Desk, year: int = 2026) -> CalendarPage:
    page = CalendarPage(desk)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    page.year_box.setValue(year)
    return page


def click_day(qtbot: Any, page: CalendarPage, day: dt.date, double: bool = False) -> None:
    month = page.grid.month_of(day)
    where = month.cell_rect(day).center()
    if double:
        qtbot.mouseDClick(month, Qt.MouseButton.LeftButton, pos=where)
    else:
        qtbot.mouseClick(month, Qt.MouseButton.LeftButton, pos=where)


def kind(page: CalendarPage, day: dt.date) -> DayKind:
    return page.grid.month_of(day).days[day].kind


def test_the_year_shows_holidays_and_make_up_days_and_its_status(
    qtbot: Any, make_desk: Callable[..., Desk], org: Org
) -> None:
    page = open_page(qtbot, make_desk(org.admin))
    assert page.status.text() == "2026 年：正式日历"
    assert kind(page, D(2026, 2, 16)) == DayKind.holiday  # Spring Festival, a Monday
    assert kind(page, D(2026, 2, 21)) == DayKind.holiday  # a Saturday inside it
    assert kind(page, D(2026, 2, 14)) == DayKind.makeup_workday
    assert kind(page, D(2026, 3, 7)) == DayKind.weekend
    assert kind(page, D(2026, 3, 9)) == DayKind.workday
    assert "节假日 33 天" in page.counts.text() and "调休上班 6 天" in page.counts.text()
    click_day(qtbot, page, D(2026, 10, 10))
    assert page.day_line.text().startswith("2026年10月10日 星期六：调休上班（国庆节调休上班）")
    click(qtbot, page.next)
    assert page.status.text() == "2027 年：临时日历"
    assert kind(page, D(2027, 1, 1)) == DayKind.workday  # Monday–Friday until the notice is in


def test_the_admin_marks_a_day_off_and_the_count_moves(
    qtbot: Any,
    make_desk: Callable[..., Desk],
    org: Org,
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    page = open_page(qtbot, make_desk(org.admin))
    assert not page.mark_button.isEnabled()  # nothing picked yet
    click_day(qtbot, page, D(2026, 11, 30))

    def shut_down(dialog: DayDialog) -> None:
        assert dialog.work.isChecked()
        click(qtbot, dialog.off)
        type_text(qtbot, dialog.note, "停电检修")

    prompts.expect(DayDialog, shut_down)
    click(qtbot, page.mark_button)
    assert prompts.done()
    assert kind(page, D(2026, 11, 30)) == DayKind.holiday
    assert page.grid.month_of(D(2026, 11, 30)).days[D(2026, 11, 30)].overridden
    assert "已将 11月30日 标记为休息" in page.message.text()
    assert calendar.nth_working_day(sqlite_db, D(2026, 11, 27), 1).date == D(2026, 12, 1)


def test_keys_move_the_day_and_enter_marks_it(
    qtbot: Any,
    make_desk: Callable[..., Desk],
    org: Org,
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    page = open_page(qtbot, make_desk(org.admin))
    click_day(qtbot, page, D(2026, 11, 27))
    qtbot.keyClick(page.grid, Qt.Key.Key_Right)  # Saturday 28 November
    assert page.grid.current == D(2026, 11, 28)

    def work_it(dialog: DayDialog) -> None:
        assert dialog.off.isChecked()
        click(qtbot, dialog.work)
        type_text(qtbot, dialog.note, "赶工")

    prompts.expect(DayDialog, work_it)
    qtbot.keyClick(page.grid, Qt.Key.Key_Return)
    assert kind(page, D(2026, 11, 28)) == DayKind.makeup_workday
    # A double-click opens the same dialog; cancelled, nothing changes.
    prompts.expect(DayDialog, accept=False)
    click_day(qtbot, page, D(2026, 11, 29), double=True)
    assert prompts.done() and kind(page, D(2026, 11, 29)) == DayKind.weekend


def test_the_admin_imports_a_notice_after_a_bad_paste(
    qtbot: Any,
    make_desk: Callable[..., Desk],
    org: Org,
    prompts: ScriptedPrompts,
    sqlite_db: Database,
) -> None:
    """2026 as an installation whose package ended in 2025: provisional, Monday–Friday."""
    forget_year(sqlite_db, 2026)
    calendar.set_day(sqlite_db, org.admin, D(2026, 10, 10), False, "停电检修")
    page = open_page(qtbot, make_desk(org.admin))
    assert page.status.text() == "2026 年：临时日历"
    assert kind(page, D(2026, 10, 5)) == DayKind.workday
    seen: dict[str, str] = {}

    def paste_and_read(dialog: NoticeDialog) -> None:
        bad = notice_text(2026).replace("5月9日（周六）上班", "5月9日（周日）上班")
        dialog.text.setPlainText(bad)
        click(qtbot, dialog.read_button)
        seen["error"] = dialog.summary.text()
        seen["selected"] = dialog.text.textCursor().selectedText()
        assert not dialog.ok_button.isEnabled()
        dialog.text.setPlainText(notice_text(2026))
        click(qtbot, dialog.read_button)
        seen["preview"] = dialog.summary.text()

    prompts.expect(NoticeDialog, paste_and_read)
    click(qtbot, page.import_button)
    assert prompts.done()
    assert seen["error"].startswith("第 14 行无法识别") and "通知写的是周日" in seen["error"]
    assert seen["selected"].strip().startswith("四、劳动节：5月1日")
    assert "2026 年：放假 33 天，调休上班 6 天" in seen["preview"]
    # 19 weekdays off and 6 weekends worked, less the admin's own 10 October.
    assert "与现有日历相比变动 24 天" in seen["preview"]
    assert "保留管理员标记 1 天" in seen["preview"] and "停电检修" in seen["preview"]
    assert page.status.text() == "2026 年：正式日历"
    assert kind(page, D(2026, 10, 5)) == DayKind.holiday
    assert kind(page, D(2026, 10, 10)) == DayKind.holiday  # the admin's mark stays
    assert kind(page, D(2026, 9, 20)) == DayKind.makeup_workday
    assert "变动 24 天，保留管理员标记 1 天" in page.message.text()
    answer = calendar.nth_working_day(sqlite_db, D(2026, 9, 29), 5)
    assert (answer.date, answer.provisional) == (D(2026, 10, 13), False)


def test_a_notice_opened_from_a_file_is_read_at_once(
    qtbot: Any, make_desk: Callable[..., Desk], org: Org, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    saved = tmp_path / "通知.txt"
    saved.write_text(notice_text(2025), encoding="gb18030")  # Notepad on a Chinese Windows
    page = open_page(qtbot, make_desk(org.admin), 2026)
    prompts.files.append(str(saved))
    seen: dict[str, str] = {}

    def open_it(dialog: NoticeDialog) -> None:
        click(qtbot, dialog.open_button)
        seen["preview"] = dialog.summary.text()

    prompts.expect(NoticeDialog, open_it)
    click(qtbot, page.import_button)
    assert "2025 年：放假 28 天，调休上班 5 天" in seen["preview"]
    assert "与现有日历相比没有变动" in seen["preview"]
    assert page.year == 2025 and page.status.text() == "2025 年：正式日历"


def test_next_year_provisional_warns_until_marked_official(
    qtbot: Any, make_desk: Callable[..., Desk], org: Org, prompts: ScriptedPrompts
) -> None:
    page = open_page(qtbot, make_desk(org.admin), 2027)
    page.today = D(2026, 10, 30)
    page.refresh()
    assert page.warning.isHidden()
    page.today = D(2026, 11, 2)
    page.refresh()
    assert page.warning.isVisible() and page.warning.text().startswith(
        "2027 年的法定节假日安排尚未录入"
    )
    prompts.answers.append(True)
    click(qtbot, page.official_button)
    assert prompts.questions[-1][0] == "标记为正式日历"
    assert page.status.text() == "2027 年：正式日历" and page.warning.isHidden()
    assert not page.official_button.isEnabled()
    assert page.official_button.toolTip() == "2027 年已是正式日历。"


@pytest.mark.parametrize("who", ["manager", "clerk"])
def test_a_manager_looks_and_cannot_change(
    qtbot: Any, make_desk: Callable[..., Desk], org: Org, who: str
) -> None:
    page = open_page(qtbot, make_desk(getattr(org, who)))
    click_day(qtbot, page, D(2026, 10, 10))
    for button in (page.mark_button, page.official_button, page.import_button):
        assert not button.isEnabled()
        assert "只有系统管理员可以操作" in button.toolTip(), button.toolTip()
    assert page.status.text() == "2026 年：正式日历"


def test_the_window_shows_the_page_to_admins_and_managers(
    qtbot: Any, open_window: Callable[..., Any], org: Org
) -> None:
    from app.ui.shell.main_window import visible_pages

    assert "calendar" in dict(visible_pages(org.manager))
    assert "calendar" not in dict(visible_pages(org.clerk))
    window = open_window(org.admin)
    assert window.go("calendar")
    assert isinstance(window.pages.currentWidget(), CalendarPage)


@pytest.mark.parametrize(
    ("who", "today", "warned"),
    [
        ("manager", D(2026, 11, 2), True),
        ("admin", D(2026, 12, 30), True),
        ("manager", D(2026, 10, 30), False),
        ("clerk", D(2026, 11, 2), False),
    ],
)
def test_the_dashboard_warns_admins_and_managers_from_november(
    qtbot: Any, make_desk: Callable[..., Desk], org: Org, who: str, today: dt.date, warned: bool
) -> None:
    from app.ui.oversight.dashboard_page import DashboardPage

    page = DashboardPage(make_desk(getattr(org, who)), today=today)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.board is not None)
    assert page.calendar_note.isVisible() == warned
    if warned:
        assert page.calendar_note.text().startswith("2027 年的法定节假日安排尚未录入")
