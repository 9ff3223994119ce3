"""The factory's master list (issue 8): units and the kit tree from one workbook, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db import Database
from app.errors import ListFileError, PermissionDenied
from app.services.admin import masterdata
from app.services.admin.master_list import import_master_list, preview_master_list
from app.services.kernel import auth
from app.services.kernel.context import Actor
from tests.conftest import Org
from tests.support.master_lists import MODELS, UNITS, write_master_list


@pytest.fixture
def admin(sqlite_db: Database) -> Actor:
    return auth.create_first_admin(sqlite_db, "chief", "张主任", "Guan-Li-2026")


def _tree(db: Database) -> dict[str, tuple[str, str, str, str]]:
    return {
        m.code: (m.name, m.level, m.parent_code, m.manufacturer) for m in masterdata.list_models(db)
    }


def test_sheets_found_by_header_in_any_order_and_a_child_before_its_parent(
    sqlite_db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write_master_list(
        tmp_path / "主数据.xlsx",
        ("Sheet1", MODELS),
        ("说明", (("本表由物资部维护",),)),
        ("Sheet3", UNITS),
    )
    preview = preview_master_list(sqlite_db, admin, path)
    assert not preview.rejected
    assert {u.name for u in preview.new_units} >= {"惯性导航研究所", "伺服机构厂", "某部队修理所"}
    assert [m.code for m in preview.new_models] == ["GC-12A", "ZT-1", "SF-3", "GC-12A-G"]

    result = import_master_list(sqlite_db, admin, path)
    assert (result.models, result.rejected) == (4, ())
    tree = _tree(sqlite_db)
    assert tree["GC-12A"] == ("惯性测量组合", "subsystem", "ZT-1", "惯性导航研究所")
    assert tree["ZT-1"] == ("某型制导系统", "system", "", "")
    assert tree["SF-3"][1:] == ("subsystem", "ZT-1", "伺服机构厂")
    assert tree["GC-12A-G"] == ("光纤陀螺", "unit", "GC-12A", "惯性导航研究所")
    kinds = {u.name: u.kind for u in masterdata.list_units(sqlite_db)}
    assert kinds["伺服机构厂"] == "manufacturer" and kinds["某部队修理所"] == "user_unit"


def test_bad_rows_are_named_by_sheet_and_row_and_nothing_is_written(
    sqlite_db: Database, admin: Actor, tmp_path: Path
) -> None:
    units = (("名称", "类别"), ("惯性导航研究所", "承制单位"), ("某某厂", "外协单位"))
    models = (
        ("型号", "名称", "层级", "上级", "承制单位"),
        ("ZT-1", "系统", "总体", "", ""),
        ("A-1", "甲", "单机", "B-1", ""),  # A-1 and B-1 are each other's parent
        ("B-1", "乙", "单机", "A-1", ""),
        ("C-1", "丙", "单机", "ZT-9", ""),  # a parent that exists nowhere
        ("D-1", "丁", "单机", "ZT-1", "不存在厂"),  # a manufacturer that exists nowhere
        ("ZT-1", "系统again", "总体", "", ""),  # a code twice
        ("E-1", "戊", "部件", "", ""),  # a level nobody knows
    )
    path = write_master_list(tmp_path / "m.xlsx", ("单位", units), ("型号", models))
    result = import_master_list(sqlite_db, admin, path)
    found = {(r.sheet, r.row): r.reason for r in result.rejected}
    assert "外协单位" in found[("单位", 3)]
    assert "循环" in found[("型号", 3)] and "循环" in found[("型号", 4)]
    assert "ZT-9" in found[("型号", 5)]
    assert "不存在厂" in found[("型号", 6)]
    assert "重复" in found[("型号", 7)] and "第 2 行" in found[("型号", 7)]
    assert "部件" in found[("型号", 8)]
    assert (result.units, result.models) == (0, 0)
    assert masterdata.list_models(sqlite_db) == []
    assert "惯性导航研究所" not in {u.name for u in masterdata.list_units(sqlite_db)}


def test_a_model_from_a_handover_list_is_completed_by_the_master_list(
    db: Database, org: Org, tmp_path: Path
) -> None:
    masterdata.add_model(db, org.admin, "NEW-7", "", "")
    models = (
        ("代号", "产品名称", "图号", "所属", "承制单位"),
        ("NEW-7", "新单机", "N7-1", "ZT-1", "电源分厂"),
    )
    path = write_master_list(tmp_path / "m.xlsx", ("x", models))
    preview = preview_master_list(db, org.admin, path)
    assert [m.code for m in preview.updated_models] == ["NEW-7"] and not preview.new_models
    import_master_list(db, org.admin, path)
    assert _tree(db)["NEW-7"] == ("新单机", "unit", "ZT-1", "电源分厂")


def test_a_unit_listed_under_another_kind_than_the_store_has_is_refused(
    db: Database, org: Org, tmp_path: Path
) -> None:
    units = (("单位名称", "单位类别"), ("电源分厂", "用户单位"), ("电源分厂 ", "承制单位"))
    result = import_master_list(db, org.admin, write_master_list(tmp_path / "u.xlsx", ("u", units)))
    reasons = [(r.row, r.reason) for r in result.rejected]
    assert reasons[0][0] == 2 and "已存在" in reasons[0][1]
    assert reasons[1][0] == 3 and "重复" in reasons[1][1]


def test_only_an_admin_imports_and_a_workbook_without_such_sheets_is_one_message(
    db: Database, org: Org, tmp_path: Path
) -> None:
    path = write_master_list(tmp_path / "m.xlsx", ("x", MODELS))
    with pytest.raises(PermissionDenied):
        import_master_list(db, org.clerk, path)
    other = write_master_list(tmp_path / "o.xlsx", ("x", (("出厂编号", "数量"), ("001", 1))))
    with pytest.raises(ListFileError, match="找不到主数据表"):
        preview_master_list(db, org.admin, other)
    with pytest.raises(ListFileError, match="找不到文件"):
        preview_master_list(db, org.admin, tmp_path / "none.xlsx")


def test_the_same_list_imported_again_changes_nothing_and_is_not_an_error(
    sqlite_db: Database, admin: Actor, tmp_path: Path
) -> None:
    path = write_master_list(tmp_path / "m.xlsx", ("单位", UNITS), ("型号", MODELS))
    first = import_master_list(sqlite_db, admin, path)
    assert first.models == 4 and first.units >= 4
    preview = preview_master_list(sqlite_db, admin, path)
    assert not (preview.new_units or preview.new_models or preview.updated_models)
    assert not preview.ok  # the window's 导入 stays grey: there is nothing to write
    again = import_master_list(sqlite_db, admin, path)
    assert (again.units, again.models, again.rejected) == (0, 0, ())


def test_headers_typed_every_which_way_and_notes_under_the_table_are_read(
    sqlite_db: Database, admin: Actor, tmp_path: Path
) -> None:
    units = (
        ("本厂单位一览表",),
        ("序\u3000号", "单 位 名 称", "类别（用户单位/承制单位…）"),
        (1, "\u3000伺服机构厂\u3000", "承制单位"),
        (2, "某训练基地", " 用户单位"),
        (),
        ("制表：张三",),
    )
    models = (
        ("型号主数据",),
        ("日期：2026年11月",),
        ("型\u3000号", "名称", "图 号", "层 级", "上级型号（所属）", "承制单位（全称）"),
        ("ZT-1", "某型制导系统", "ZT1-0000", "总体", "", ""),
        ("SF-3", "舵机", "SF3-2000", "分系统", "ZT-1", "伺服机构厂"),
        ("注：层级填总体、分系统或单机",),
    )
    path = write_master_list(tmp_path / "m.xlsx", ("表1", units), ("表2", models))
    result = import_master_list(sqlite_db, admin, path)
    assert result.rejected == () and (result.units, result.models) == (2, 2)
    assert _tree(sqlite_db)["SF-3"] == ("舵机", "subsystem", "ZT-1", "伺服机构厂")
    assert "某训练基地" in {u.name for u in masterdata.list_units(sqlite_db)}


def test_the_models_are_listed_in_a_fixed_number_of_statements(
    sqlite_db: Database, admin: Actor, tmp_path: Path
) -> None:
    """型号与配套 at a factory's 200 models: their makers and parents are not read one by one."""
    from tests.support.statements import statements

    path = write_master_list(tmp_path / "a.xlsx", ("型号", MODELS), ("单位", UNITS))
    import_master_list(sqlite_db, admin, path)
    with statements(sqlite_db) as few:
        assert len(_tree(sqlite_db)) == 4
    for n in range(20):
        parent = "ZT-1" if n % 2 else "GC-12A"
        masterdata.add_model(
            sqlite_db,
            admin,
            f"X-{n}",
            f"部件{n}",
            manufacturer="惯性导航研究所",
            parent_code=parent,
        )
    with statements(sqlite_db) as many:
        tree = _tree(sqlite_db)
    assert tree["X-1"][2:] == ("ZT-1", "惯性导航研究所") and tree["X-2"][2] == "GC-12A"
    assert len(many) == len(few)
