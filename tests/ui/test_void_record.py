"""作废 in the print preview (issue 9): a manager voids a record by clicking, gives the reason,
and sees it again stamped; a clerk has no such button."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.db import Database
from app.services.records import voiding
from app.ui.kit.print_preview import PrintPreviewDialog
from app.ui.records.record_previews import Previewer, VoidDialog
from tests import pdf_tools
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts
from tests.ui.helpers import type_text
from tests.unit.test_voiding import _jj


def _flat(pdf: bytes) -> str:
    return "".join(pdf_tools.pdf_text(pdf).split())


def test_a_manager_voids_a_record_from_its_preview(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    number = _jj(sqlite_db, org)
    parent = QWidget()
    qtbot.addWidget(parent)
    previewer = Previewer(make_desk(org.manager))
    shown: list[PrintPreviewDialog] = []

    def press_void(dialog: Any) -> bool:
        shown.append(dialog)
        dialog.show()
        assert "作废" not in _flat(dialog.pdf)
        qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
        return True

    def empty_then_reason(dialog: Any) -> None:
        assert dialog.reissue.isChecked() and not dialog.reissue.isEnabled()  # JJ: always
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert "请填写作废原因" in dialog.error_label.text()
        type_text(qtbot, dialog.reason, "签字人写错")

    def stamped(dialog: Any) -> bool:
        shown.append(dialog)
        text = _flat(dialog.pdf)
        assert "作废" in text and "签字人写错" in text and "赵总" in text
        return True

    prompts.then(press_void)
    prompts.expect(VoidDialog, empty_then_reason)
    prompts.then(stamped)
    previewer.show_record(number, parent)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=30_000)
    assert prompts.infos[-1] == ("已作废", f"{number} 已作废，重新出具为 JJ-2026-000002。")
    assert voiding.void_rule(sqlite_db, number).voided


def test_a_clerk_sees_no_void_button_and_a_refusal_shows_in_the_form(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, make_desk: Any
) -> None:
    number = _jj(sqlite_db, org)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[Any] = []

    def look(dialog: Any) -> bool:
        seen.append(dialog)
        assert not hasattr(dialog, "void_button")
        return True

    prompts.then(look)
    Previewer(make_desk(org.clerk)).show_record(number, parent)
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)

    # Voided meanwhile at another desk: the manager's form says so and stays open.
    voiding.void_record(sqlite_db, org.manager, number, "重复")
    dialog = VoidDialog(make_desk(org.manager), number, parent)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.reason, "又一次")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已经作废" in dialog.error_label.text(), timeout=30_000)
    assert dialog.isVisible()


def test_report_lists_say_a_report_is_voided(sqlite_db: Database, org: Org) -> None:
    from dataclasses import replace

    from app.services.oversight import inbox
    from app.ui.kit.columns import INBOX_COLUMNS
    from app.ui.oversight.reports_page import REPORT_COLUMNS

    number = _jj(sqlite_db, org)  # one line rejected: a JS
    js = next(r for r in inbox.inbox(sqlite_db, org.manager) if r.number.startswith("JS-"))
    voiding.void_record(sqlite_db, org.manager, js.number, "发错单位")
    view = inbox.get_report(sqlite_db, js.number)
    for columns in (INBOX_COLUMNS, REPORT_COLUMNS):
        ack = next(c for c in columns if c.title == "签收")
        assert ack.text(view) == "已作废：发错单位"
        assert ack.text(replace(view, voided=False)) != "已作废：发错单位"
    assert number.startswith("JJ-")
