"""The setup wizard's steps as services: all rows or none, a bad row named by its number."""

from __future__ import annotations

import pytest

from app.db import Database
from app.errors import DomainError, PermissionDenied
from app.services.admin import first_start, logins, masterdata
from app.services.admin.first_start import NewLogin, NewModel, NewUnit
from app.services.kernel import auth
from app.services.kernel.context import Actor
from app.services.kernel.terms import Role, UnitKind


@pytest.fixture
def chief(sqlite_db: Database) -> Actor:
    return auth.create_first_admin(sqlite_db, "chief", "张主任", "Guan-Li-2026")


def unit_names(db: Database) -> set[str]:
    return {u.name for u in masterdata.list_units(db)}


def test_units_are_written_together_or_not_at_all(sqlite_db: Database, chief: Actor) -> None:
    rows = [
        NewUnit("某部队修理所", UnitKind.user_unit),
        NewUnit(" 物资管理部门 ", UnitKind.user_unit),
    ]
    with pytest.raises(DomainError, match="第 2 行：单位“物资管理部门”已存在"):
        first_start.add_units(sqlite_db, chief, rows)
    assert unit_names(sqlite_db) == {"物资管理部门"}

    made = first_start.add_units(
        sqlite_db,
        chief,
        [NewUnit("某部队修理所", UnitKind.user_unit), NewUnit("电源分厂", UnitKind.manufacturer)],
    )
    assert [(u.name, u.kind) for u in made] == [
        ("某部队修理所", UnitKind.user_unit),
        ("电源分厂", UnitKind.manufacturer),
    ]


def test_a_model_naming_an_unknown_manufacturer_refuses_the_step(
    sqlite_db: Database, chief: Actor
) -> None:
    first_start.add_units(sqlite_db, chief, [NewUnit("电源分厂", UnitKind.manufacturer)])
    rows = [
        NewModel("DY-3", "二次电源", manufacturer="电源分厂"),
        NewModel("GC-1", "惯组", manufacturer="不存在厂"),
    ]
    with pytest.raises(DomainError, match="第 2 行：承制单位“不存在厂”不存在"):
        first_start.add_models(sqlite_db, chief, rows)
    assert masterdata.list_models(sqlite_db) == []
    (model,) = first_start.add_models(sqlite_db, chief, rows[:1])
    assert (model.code, model.manufacturer, model.level) == ("DY-3", "电源分厂", "unit")


def test_logins_meet_the_password_policy_before_any_is_written(
    sqlite_db: Database, chief: Actor
) -> None:
    good = NewLogin("wangmin", "王敏", "物资管理部门", Role.clerk, "Jiao-Jie-2026")
    weak = NewLogin("lihua", "李华", "物资管理部门", Role.clerk, "lihua123")
    with pytest.raises(DomainError, match="第 2 行"):
        first_start.add_logins(sqlite_db, chief, [good, weak])
    with pytest.raises(DomainError, match="第 2 行：登录名 wangmin 已存在"):
        first_start.add_logins(sqlite_db, chief, [good, good])
    assert auth.has_users(sqlite_db) and len(auth_logins(sqlite_db, chief)) == 1
    assert first_start.add_logins(sqlite_db, chief, [good]) == 1
    clerk = auth.login(sqlite_db, "wangmin", "Jiao-Jie-2026")
    assert clerk.role == Role.clerk

    with pytest.raises(PermissionDenied):
        first_start.add_units(sqlite_db, clerk, [NewUnit("某厂", UnitKind.user_unit)])


def auth_logins(db: Database, actor: Actor) -> list[str]:
    return [row.login for row in logins.list_logins(db, actor)]
