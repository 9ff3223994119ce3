"""设置: the admin sets the store, the printer, the label size and the scanner's key gap by
clicking; the settings file holds them, the audit names the admin, the pages read them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import select

from app.models.misc import AuditEvent
from app.settings import OPTIONS, Settings, config_file, resolve_database_url
from app.ui.admin.settings_page import SettingsPage
from app.ui.dispatch.page import DispatchPage
from tests.conftest import pg_reachable
from tests.ui.helpers import click, type_text


def pick(qtbot: Any, radio: Any) -> None:
    """Click a radio button on its round mark (its row is wider than its words)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


def _page(qtbot, make_desk, actor):  # type: ignore[no-untyped-def]
    page = SettingsPage(make_desk(actor))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.ensure_loaded()
    return page


def test_label_size_and_key_gap_saved_audited_and_read(qtbot, make_desk, org, sqlite_db):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    assert page.label_size.currentData() == "60x40" and page.key_gap.value() == 80
    assert page.printer.currentText() == "系统默认打印机"
    page.label_size.setCurrentIndex(page.label_size.findData("a4"))
    page.key_gap.selectAll()
    type_text(qtbot, page.key_gap, "120")
    click(qtbot, page.save_button)
    assert page.feedback.text() == "已保存。"
    saved = Settings()
    assert saved.get("label_size") == "a4" and saved.get("scan_max_key_gap_ms") == 120
    with sqlite_db.reading() as session:
        said = [
            (e.action, e.old_value, e.new_value, e.actor_user_id)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.entity == "setting").order_by(AuditEvent.id)
            )
        ]
    assert said == [
        ("set label_size", "60x40", "a4", org.admin.user_id),
        ("set scan_max_key_gap_ms", "80", "120", org.admin.user_id),
    ]
    # The dispatch page starts on the label stock the admin chose.
    dispatch = DispatchPage(make_desk(org.clerk))
    qtbot.addWidget(dispatch)
    assert dispatch.label_size_box.currentData() == "a4"


def test_the_store_changes_at_the_next_start(qtbot, make_desk, org, prompts, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("FANXIU_DATABASE_URL", raising=False)
    page = _page(qtbot, make_desk, org.admin)
    assert page.sqlite_radio.isChecked()
    assert "下次启动程序时生效" in page.in_use.text()
    target = tmp_path / "factory.db"
    prompts.files.append(str(target))
    click(qtbot, page.browse_button)
    assert page.sqlite_path.text() == str(target)
    click(qtbot, page.test_button)
    assert "尚不存在，下次启动时在此新建" in page.test_result.text()
    click(qtbot, page.save_button)
    assert "下次启动程序时生效" in page.feedback.text()
    assert resolve_database_url(None) == f"sqlite:///{target}"
    # A store the program cannot use is refused, and nothing is written.
    pick(qtbot, page.pg_radio)
    page.pg_url.setText("mysql://root@db/fanxiu")
    click(qtbot, page.save_button)
    assert "只支持 SQLite 文件或 PostgreSQL 服务器" in page.feedback.text()
    assert Settings().get("database_url") == f"sqlite:///{target}"


@pytest.mark.skipif(not pg_reachable(), reason="no PostgreSQL at 127.0.0.1:5432")
def test_a_postgresql_server_answers_or_not(qtbot, make_desk, org, sqlite_db):  # type: ignore[no-untyped-def]
    page = _page(qtbot, make_desk, org.admin)
    pick(qtbot, page.pg_radio)
    page.pg_url.setText("postgresql://postgres@127.0.0.1:5432/postgres")
    click(qtbot, page.test_button)
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=20_000)
    assert "PostgreSQL" in page.test_result.text() and "服务器" not in page.test_result.text()[:2]
    assert "连接失败" not in page.test_result.text()
    page.pg_url.setText("postgresql://postgres@127.0.0.1:1/postgres")
    click(qtbot, page.test_button)
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=20_000)
    assert "连接失败：服务器 127.0.0.1:1 没有应答或拒绝连接" in page.test_result.text()
    # A password never shows in the audit.
    page.pg_url.setText("postgresql://fx:geheim@127.0.0.1:5432/fanxiu")
    click(qtbot, page.save_button)
    with sqlite_db.reading() as session:
        (new,) = session.scalars(
            select(AuditEvent.new_value).where(AuditEvent.action == "set database_url")
        )
    assert "geheim" not in new and "127.0.0.1" in new


def test_an_option_nothing_reads_is_gone_and_an_old_file_still_loads(tmp_path):  # type: ignore[no-untyped-def]
    assert "page_size" not in OPTIONS
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"page_size": 300, "label_size": "a4"}), encoding="utf-8")
    assert Settings().get("label_size") == "a4"


def test_only_an_admin_saves_settings(qtbot, make_desk, org):  # type: ignore[no-untyped-def]
    from app.services.admin import settings_admin

    page: Any = _page(qtbot, make_desk, org.clerk)
    assert page.view is not None
    from app.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        settings_admin.save_settings(page.db, org.clerk, {"label_size": "a4"})


def test_render(qtbot, make_desk, org):  # type: ignore[no-untyped-def]
    import os

    page = _page(qtbot, make_desk, org.admin)
    out = os.environ.get("FANXIU_SHOT")
    if out:
        qtbot.wait(50)  # the layout settles as it does in the event loop of a shown window
        page.grab().save(out)
