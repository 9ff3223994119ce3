"""A login whose role may not take a step sees its button greyed out, with the reason."""

from __future__ import annotations

from typing import Any

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import DocumentKind, DocumentVerdict
from app.ui.kit.style import Tone
from tests.conftest import Org
from tests.ui.helpers import click_row, scan


def test_engineer_sees_the_desk_disabled_with_reasons(
    qtbot: Any, sqlite_db: Database, org: Org, open_window: Any
) -> None:
    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", "GC12A-2026001")
    window = open_window(org.engineer)
    desk = window.desk
    assert "维修/设计工程师" in window.user_label.text()

    assert not desk.new_task_button.isEnabled()
    assert "维修/设计工程师不能新建任务" in desk.new_task_button.toolTip()
    assert "物资交接员" in desk.new_task_button.toolTip()
    assert not desk.import_button.isEnabled()
    assert "不能导入交接清单" in desk.import_button.toolTip()

    click_row(qtbot, desk.tasks_view, 0)
    assert desk.task is not None and desk.task.id == task.id
    assert not desk.header.confirm_button.isEnabled()
    assert "不能确认交接" in desk.header.confirm_button.toolTip()

    click_row(qtbot, desk.lines_view, 0)
    assert desk.detail.line is not None
    present = desk.detail.doc_rows[DocumentKind.certificate].buttons[DocumentVerdict.consistent]
    assert not present.isEnabled() and "不能核对文件" in present.toolTip()
    assert not desk.detail.fault.isEnabled()
    assert not desk.detail.accept_button.isEnabled()
    assert "不能标记接收或拒收" in desk.detail.accept_button.toolTip()
    assert not desk.detail.reject_button.isEnabled()

    # A scan changes nothing: a line on the task is found, anything else is refused with why.
    assert "第 1 行" in scan(qtbot, desk, "GC12A-2026001") and desk.feedback.tone == Tone.ok
    message = scan(qtbot, desk, "SF3-2026017")
    assert desk.feedback.tone == Tone.bad and "不能新建任务和登记产品" in message
    assert returns.get_task(sqlite_db, task.id).line_count == 1


def test_clerk_may_use_every_desk_button(org: Org, open_window: Any) -> None:
    window = open_window(org.clerk)
    desk = window.desk
    assert desk.new_task_button.isEnabled() and desk.import_button.isEnabled()
    assert "不能" not in desk.new_task_button.toolTip()
