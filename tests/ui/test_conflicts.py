"""Another desk changes what this desk shows: the person's click is refused, and the window then
shows what holds now (issue 9, no lost updates)."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import Decision, DocumentKind, DocumentVerdict
from app.ui.handover.confirm_dialog import ConfirmHandoverDialog
from app.ui.kit.style import Tone
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import cell, click, click_row

CHANGED = "已被其他工位修改"


@pytest.fixture
def desk(qtbot: Any, sqlite_db: Database, org: Org, make_desk: Any) -> Any:
    """The clerk's desk with a task of one line whose documents are all checked, selected."""
    from app.ui.handover.desk import HandoverDesk

    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    line = returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", "GC12A-0001")
    returns.check_lines(sqlite_db, org.clerk, [line.id])
    page = HandoverDesk(make_desk(org.clerk))
    qtbot.addWidget(page)
    page.show()
    page.show_task_by_id(task.id)
    click_row(qtbot, page.lines_view, 0)
    assert page.detail.line is not None and page.detail.line.id == line.id
    return page


def test_accept_clicked_after_another_desk_rejected_is_refused_and_shows_the_rejection(
    qtbot: Any, desk: Any, sqlite_db: Database, org: Org
) -> None:
    assert cell(desk.lines_view, 0, "结论") != "拒收"
    line_id = desk.detail.line.id
    # Another desk, at the same moment, rejects the item.
    returns.decide_line(sqlite_db, org.clerk, line_id, Decision.reject, "外壳破损")

    click(qtbot, desk.detail.accept_button)

    assert CHANGED in desk.feedback.text() and desk.feedback.tone == Tone.bad
    assert "标记为拒收（外壳破损）" in desk.feedback.text()
    # The store kept the other desk's decision; the table and the panel show it now.
    assert returns.get_line(sqlite_db, line_id).decision == "reject"
    assert cell(desk.lines_view, 0, "结论") == "拒收"
    assert desk.detail.line.decision == "reject"
    assert desk.detail.line.reject_reason == "外壳破损"
    # What the person sees now is current: the same click now goes through.
    click(qtbot, desk.detail.accept_button)
    assert desk.feedback.tone == Tone.ok, desk.feedback.text()
    assert returns.get_line(sqlite_db, line_id).decision == "accept"


def test_a_document_changed_by_another_desk_is_not_overwritten(
    qtbot: Any, desk: Any, sqlite_db: Database, org: Org
) -> None:
    line_id = desk.detail.line.id
    kind = DocumentKind.certificate
    returns.set_verdict(sqlite_db, org.clerk, line_id, kind, DocumentVerdict.missing, "未随产品")

    click(qtbot, desk.detail.doc_rows[kind].buttons[DocumentVerdict.inconsistent])

    assert CHANGED in desk.feedback.text()
    assert returns.get_line(sqlite_db, line_id).documents[0].verdict == "missing"
    assert desk.detail.line.documents[0].verdict == "missing"
    assert desk.detail.doc_rows[kind].note.text() == "未随产品"
    assert cell(desk.lines_view, 0, "三证") != cell(desk.lines_view, 0, "序号")  # repainted row


def test_confirm_after_another_desk_changed_the_count_is_refused(
    qtbot: Any, desk: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts
) -> None:
    line_id = desk.detail.line.id
    click(qtbot, desk.detail.accept_button)
    assert desk.feedback.tone == Tone.ok
    assert cell(desk.lines_view, 0, "结论") == "接收"
    # While the clerk turns to the user's representative, another desk rejects the item.
    returns.decide_line(sqlite_db, org.clerk, line_id, Decision.reject, "缺装箱清单")

    def sign(dialog: ConfirmHandoverDialog) -> None:
        dialog.user_rep.setText("张代表")

    prompts.expect(ConfirmHandoverDialog, sign)
    click(qtbot, desk.header.confirm_button)

    assert CHANGED in desk.feedback.text(), desk.feedback.text()
    assert "拒收 1 件" in desk.feedback.text()
    assert returns.get_task(sqlite_db, desk.task.id).status == "open"
    assert cell(desk.lines_view, 0, "结论") == "拒收"
    # The desk now shows the count as it is: confirming it goes through.
    prompts.expect(ConfirmHandoverDialog, sign)
    prompts.answers.append(False)  # "print now?": later
    click(qtbot, desk.header.confirm_button)
    assert returns.get_task(sqlite_db, desk.task.id).status == "closed", desk.feedback.text()


def test_the_runner_has_pages_read_again_after_a_conflict_only(qtbot: Any, runner: Any) -> None:
    from app.errors import Conflict, DomainError
    from app.ui.kit.runner import Change, call

    def refuse(error: Exception) -> None:
        raise error

    seen: list[tuple[Any, Any]] = []
    shown: list[str] = []
    runner.changed.connect(lambda change, origin: seen.append((change, origin)))
    page = object()
    runner.run(
        None,
        call(refuse, DomainError("拒收必须填写原因。")),
        failed=shown.append,
        changes=Change.LINES,
        origin=page,
    )
    assert shown == ["拒收必须填写原因。"] and seen == []  # nothing changed anywhere
    runner.run(
        None,
        call(refuse, Conflict(f"GC-12A/1 {CHANGED}")),
        failed=shown.append,
        changes=Change.LINES | Change.TASKS,
        origin=page,
    )
    # Shown first, then every page showing lines or tasks reads them again, the acting one too.
    assert shown[-1] == f"GC-12A/1 {CHANGED}"
    assert seen == [(Change.LINES | Change.TASKS, None)]
