"""A realistic demo data set built around today, so a newcomer sees a working program at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import Database
from app.errors import DomainError
from app.models.org import Role, Unit, UnitKind, User
from app.models.products import ProductModel
from app.models.returns import ReturnTask
from app.services.admin import masterdata
from app.services.admin.demo_steps import DemoSteps
from app.services.kernel import auth, store_kind
from app.services.kernel.context import Actor, local_today
from app.services.kernel.terms import role_label
from app.services.oversight import deadlines

DEMO_PASSWORD = "fanxiu123"

UNITS = (
    ("总体设计部", UnitKind.prime_unit),
    ("物资管理部门", UnitKind.materials_dept),
    ("惯性导航研究所", UnitKind.manufacturer),
    ("伺服机构厂", UnitKind.manufacturer),
    ("电源分厂", UnitKind.manufacturer),
    ("设计部", UnitKind.design_dept),
    ("质量部", UnitKind.quality_dept),
    ("科研生产部", UnitKind.competent_dept),
    ("某部队修理所", UnitKind.user_unit),
    ("某训练基地", UnitKind.user_unit),
)
LOGINS = (
    ("wangmin", "王敏", Role.clerk, "物资管理部门"),
    ("chengong", "陈工", Role.engineer, "惯性导航研究所"),
    ("liujian", "刘检", Role.quality, "质量部"),
    ("zhaozong", "赵总", Role.manager, "总体设计部"),
    ("admin", "系统管理员", Role.admin, "物资管理部门"),
)
CHECKLIST = ("外观无损伤、标识清晰", "通电自检正常", "性能测试符合出厂技术条件", "文件资料齐全")
MODELS = (
    # code, name, drawing, level, manufacturer, parent
    ("ZT-1", "某型制导系统", "ZT1-0000", "system", "", ""),
    ("GC-12A", "惯性测量组合", "GC12A-1000", "subsystem", "惯性导航研究所", "ZT-1"),
    ("GC-12A-G", "光纤陀螺", "GC12AG-1100", "unit", "惯性导航研究所", "GC-12A"),
    ("SF-3", "舵机", "SF3-2000", "subsystem", "伺服机构厂", "ZT-1"),
    ("DY-3", "二次电源", "DY3-3000", "unit", "电源分厂", "ZT-1"),
)


@dataclass
class DemoResult:
    tasks: list[str] = field(default_factory=list)
    records: dict[str, list[str]] = field(default_factory=dict)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)


def _is_empty(db: Database) -> bool:
    with db.reading() as session:
        tasks = session.scalar(select(func.count()).select_from(ReturnTask)) or 0
        models = session.scalar(select(func.count()).select_from(ProductModel)) or 0
        return tasks == 0 and models == 0


def load_demo(db: Database, today: dt.date | None = None) -> DemoResult:
    """Fill an empty store; refuses one that already holds models or tasks."""
    if not _is_empty(db):
        raise DomainError("数据库中已有数据，演示数据只能载入空数据库。")
    with db.transaction() as session:  # marked first: --today and the demo password (issue 8)
        store_kind.mark_demo(session)
    today = today or local_today()
    actor = Actor(None, "演示数据", None, None, system=True)
    result = DemoResult()
    _master_data(db, actor, result)
    steps = DemoSteps(db, actor, result, today)
    year = today.year
    # Confirmed 10 days ago: the dispatch deadline (7 days) has passed; one item was refused.
    late = [("GC-12A", f"GC12A-{year}001", 0), ("SF-3", f"SF3-{year}017", 2)]
    steps.confirm(steps.task("某部队修理所", 10, [*late, ("DY-3", f"DY3-{year}009", 3)]), 10)
    # Confirmed 5 days ago: due within two working days.
    soon = [("GC-12A-G", f"GCG-{year}105", 1), ("DY-3", f"DY3-{year}021", 5)]
    steps.confirm(steps.task("某训练基地", 5, soon), 5)
    # Confirmed today: the clock has just started.
    fresh = [("SF-3", f"SF3-{year}033", 2), ("GC-12A", f"GC12A-{year}044", 4)]
    steps.confirm(steps.task("某部队修理所", 0, fresh), 0)
    # Every item refused: the task closes at confirmation.
    steps.confirm(steps.task("某训练基地", 3, [("DY-3", f"DY3-{year}029", 3)]), 3)
    steps.repair_bench()
    steps.way_back()
    # Still at the desk: items registered, documents being checked.
    counting = [("GC-12A", f"GC12A-{year}052", 0), ("SF-3", f"SF3-{year}061", 2)]
    steps.task("某部队修理所", 0, [*counting, ("DY-3", f"DY3-{year}070", 3)], decide=False)
    result.records.setdefault("overdue_report", [])
    result.records.setdefault("escalation", [])
    for number in deadlines.sweep(db, today):
        result.records["escalation" if number.startswith("SJ") else "overdue_report"].append(number)
    return result


def _master_data(db: Database, actor: Actor, result: DemoResult) -> None:
    """Units, logins (all with the demo's password) and models with their kit tree."""
    with db.reading() as session:
        have_units = set(session.scalars(select(Unit.name)))
        have_logins = set(session.scalars(select(User.login)))
    for name, kind in UNITS:
        if name not in have_units:
            masterdata.add_unit(db, actor, name, kind)
    for login, name, role, unit in LOGINS:
        if login not in have_logins:
            auth.create_user(db, actor, login, name, DEMO_PASSWORD, role, unit)
            result.logins.append((login, DEMO_PASSWORD, role_label(role), unit))
    for code, name, drawing, level, maker, parent in MODELS:
        masterdata.add_model(
            db, actor, code, name, drawing, level, maker, parent, CHECKLIST if parent else ()
        )
