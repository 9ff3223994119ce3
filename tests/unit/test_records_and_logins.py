"""Finding records by number, the inbox, logins, the demo data and printed registry."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import DomainError, NotFound, PermissionDenied
from app.models.org import Role
from app.services.admin import demo
from app.services.handover import returns
from app.services.kernel import auth
from app.services.oversight import inbox
from app.services.records import printing, registry
from app.settings import Settings, UnknownSetting, resolve_database_url
from tests.pdf_tools import pdf_fonts, pdf_text

TODAY = dt.date(2026, 11, 20)


def test_login_checks_the_password(db, org):
    actor = auth.login(db, "clerk", "secret1")
    assert (actor.name, actor.role, actor.unit_name) == ("王敏", Role.clerk, "物资管理部门")
    with pytest.raises(DomainError, match="用户名或密码"):
        auth.login(db, "clerk", "wrong")
    with pytest.raises(DomainError, match="用户名或密码"):
        auth.login(db, "nobody", "secret1")
    with pytest.raises(PermissionDenied):
        auth.create_user(db, org.clerk, "x", "X", "secret1", Role.clerk, "物资管理部门")


def test_first_admin_only_once(db):
    assert not auth.has_users(db)
    admin = auth.create_first_admin(db, "root", "管理员", "Guan-Li-2026")
    assert admin.role == Role.admin and auth.has_users(db)
    with pytest.raises(DomainError, match="已有"):
        auth.create_first_admin(db, "root2", "管理员", "Guan-Li-2026")


def test_demo_fills_an_empty_store_and_refuses_a_second_time(db):
    auth.create_first_admin(db, "root", "管理员", "Guan-Li-2026")
    result = demo.load_demo(db, TODAY)
    assert len(result.records["rejection_notice"]) == 2
    for kind in (
        "unboxing_inspection",
        "investigation_plan",
        "localization_report",
        "repair_record",
        "acceptance_inspection",
        "overdue_report",
        "escalation",
    ):
        assert result.records[kind], kind
    assert {role for _l, _p, role, _u in result.logins} >= {"物资交接员", "质量检验员"}
    statuses = {t.status for t in returns.list_tasks(db)}
    assert statuses == {"open", "confirmed", "closed"}
    lines = returns.page_lines(db, today=TODAY, limit=100)
    from app.services.kernel.terms import LineStatus

    # Every state of the way, up to closed, is in the demo.
    assert {row.status for row in lines} == {s.value for s in LineStatus}
    states = {row.dispatch_deadline.state for row in lines if row.status == "accepted"}
    assert states == {"overdue", "due_soon", "running"}
    clerk = auth.login(db, "wangmin", demo.DEMO_PASSWORD)
    assert clerk.role == Role.clerk
    with pytest.raises(DomainError, match="已有数据"):
        demo.load_demo(db, TODAY)


def test_find_record_and_acknowledge(db, org):
    task = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    line = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-9")
    returns.decide_line(db, org.clerk, line.id, "reject", "故障单缺失")
    done = returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    ref = registry.find_record(db, done.handover_number.lower())
    assert (ref.kind, ref.task_id) == ("handover_record", task.id)
    assert registry.find_record(db, task.number).kind == "return_task"
    with pytest.raises(NotFound):
        registry.find_record(db, "KX-2026-000001")
    with pytest.raises(DomainError, match="不是记录编号"):
        registry.find_record(db, "hello")
    notice = done.rejection_notice_number
    assert notice is not None
    with pytest.raises(PermissionDenied):
        inbox.acknowledge(db, org.engineer, notice)
    assert inbox.unread_count(db, org.manager) == 1
    seen = inbox.acknowledge(db, org.manager, notice)
    assert seen.acknowledged_at is not None and seen.acknowledged_by == "赵总"
    assert inbox.unread_count(db, org.manager) == 0
    with pytest.raises(DomainError, match="已经签收"):
        inbox.acknowledge(db, org.manager, notice)


def test_printed_records_carry_their_numbers(db, org):
    task = returns.create_task(db, org.clerk, "某部队修理所", today=TODAY)
    good = returns.add_line(db, org.clerk, task.id, "GC-12A", "GC12A-1", "自检不通过")
    bad = returns.add_line(db, org.clerk, task.id, "DY-3", "DY3-9", "纹波大")
    listed = pdf_text(printing.render_record(db, task.number))
    assert "返厂交接清单" in listed and "GC12A-1" in listed and "待核对" in listed
    for kind in ("certificate", "fault_report", "packing_list"):
        returns.set_document(db, org.clerk, good.id, kind, True, True)
    returns.decide_line(db, org.clerk, good.id, "accept")
    returns.decide_line(db, org.clerk, bad.id, "reject", "装箱清单缺失")
    done = returns.confirm_handover(db, org.clerk, task.id, "李参谋", "王敏", today=TODAY)
    record = printing.render_record(db, done.handover_number)
    # Narrow cells wrap; compare without the line breaks pdftotext keeps.
    text = "".join(pdf_text(record).split())
    assert done.handover_number in text and "返厂产品交接记录单" in text
    assert "李参谋" in text and "某部队修理所" in text and "装箱清单缺失" in text
    assert all(f["emb"] == "yes" for f in pdf_fonts(record))
    # A confirmed task's number prints its handover record.
    assert done.handover_number in pdf_text(printing.render_record(db, task.number))
    notice = "".join(
        pdf_text(printing.render_record(db, done.rejection_notice_number or "")).split()
    )
    assert "拒收通知" in notice and "总体设计部" in notice and "DY3-9" in notice
    assert "GC12A-1" not in notice
    with pytest.raises(NotFound):
        printing.render_record(db, "JJ-2026-000777")


def test_settings_registry_rejects_unknown_keys(tmp_path, monkeypatch):
    settings = Settings(tmp_path / "settings.json")
    assert settings.get("label_size") == "60x40"
    settings.set("database_url", "postgresql://desk@server/fanxiu")
    assert Settings(tmp_path / "settings.json").get("database_url").endswith("/fanxiu")
    with pytest.raises(UnknownSetting):
        settings.get("colour")
    (tmp_path / "bad.json").write_text('{"colour": "red"}', encoding="utf-8")
    with pytest.raises(UnknownSetting):
        Settings(tmp_path / "bad.json")
    monkeypatch.delenv("FANXIU_DATABASE_URL", raising=False)
    assert resolve_database_url("sqlite:///x.db", settings) == "sqlite:///x.db"
    assert resolve_database_url(None, settings) == "postgresql://desk@server/fanxiu"
    monkeypatch.setenv("FANXIU_DATABASE_URL", "sqlite:///env.db")
    assert resolve_database_url(None, settings) == "sqlite:///env.db"
