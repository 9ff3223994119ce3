"""Issue 8, done when, on the command line: from an empty data directory, with no demo, the admin
(`setup`), the factory's master list (`import-master`), the desks' logins (`user add`), then a
clerk's handover list of the factory's own product (`import-list`); each signed in, the audit
naming the login; and a clerk cannot add logins."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.integration.test_cli import _store, run
from tests.support.master_lists import write_master_list
from tests.support.messy_lists import write_rows

ADMIN, ADMIN_PASSWORD = "chief", "Guan-Li-2026"
CLERK, CLERK_PASSWORD = "wangmin", "Jiao-Jie-2026"
ENGINEER, ENGINEER_PASSWORD = "chengong", "Wei-Xiu-2026"

UNITS = (
    ("主数据清单——单位",),
    ("单位名称", "单位类别"),
    ("某部队修理所", "用户单位"),
    ("电源分厂", "承制单位"),
    ("总体设计部", "总体单位"),
)
MODELS = (
    ("产品代号", "产品名称", "图号", "层级", "上级产品代号", "承制单位"),
    ("ZT-9", "某型电源系统", "ZT9-0000", "总体", "", "电源分厂"),
    ("DY-3", "二次电源", "DY3-200", "单机", "ZT-9", "电源分厂"),
)


def rows(data_dir: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with _store(data_dir) as conn:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def users(data_dir: Path) -> list[tuple[object, ...]]:
    return rows(
        data_dir,
        "SELECT a.login, a.display_name, u.name, a.role FROM app_user a "
        "JOIN unit u ON u.id = a.unit_id ORDER BY a.id",
    )


def test_from_an_empty_store_to_a_clerks_imported_list(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    master = write_master_list(tmp_path / "主数据.xlsx", ("单位", UNITS), ("型号", MODELS))
    listing = write_rows(
        tmp_path / "交接清单.xlsx",
        [
            ["某部队修理所返修产品交接清单"],
            [],
            ["序号", "产品名称", "型号", "出厂编号", "数量", "故障现象"],
            [1, "二次电源", "DY-3", "DY3-2026101", 1, "无输出"],
            [2, "二次电源", "ＤＹ－３", " DY3-2026102", 1, "输出电压偏低"],
        ],
    )

    # Nothing but `setup` (and `demo`) works on an empty store; setup makes the first admin.
    refused = run(data_dir, "import-master", str(master), "--login", ADMIN, password=ADMIN_PASSWORD)
    assert "fanxiu setup" in refused.one_line_error()  # not "wrong password": nobody is set up
    made = run(data_dir, "setup", "--admin", ADMIN, "--name", "张主任", password=ADMIN_PASSWORD)
    assert made.code == 0, made
    assert users(data_dir) == [(ADMIN, "张主任", "物资管理部门", "admin")]
    again = run(data_dir, "setup", "--admin", "other", password=ADMIN_PASSWORD)
    assert again.one_line_error() and len(users(data_dir)) == 1  # the store has a login now

    # The master list: units and models, the model with its manufacturer and parent.
    imported = run(
        data_dir, "import-master", str(master), "--json", "--login", ADMIN, password=ADMIN_PASSWORD
    )
    assert imported.code == 0, imported
    assert imported.json() == {"units": 3, "models": 2, "rejected": [], "warnings": []}
    assert rows(
        data_dir,
        "SELECT m.code, m.name, m.level, p.code, u.name FROM product_model m "
        "LEFT JOIN product_model p ON p.id = m.parent_id "
        "LEFT JOIN unit u ON u.id = m.manufacturer_unit_id ORDER BY m.code",
    ) == [
        ("DY-3", "二次电源", "unit", "ZT-9", "电源分厂"),
        ("ZT-9", "某型电源系统", "system", None, "电源分厂"),
    ]

    # The desks' logins, each password from FANXIU_NEW_PASSWORD.
    for login, name, unit, role, password in (
        (CLERK, "王敏", "物资管理部门", "clerk", CLERK_PASSWORD),
        (ENGINEER, "陈工", "电源分厂", "engineer", ENGINEER_PASSWORD),
    ):
        added = run(
            data_dir,
            *("user", "add", login, "--name", name, "--unit", unit, "--role", role),
            *("--login", ADMIN),
            password=ADMIN_PASSWORD,
            new_password=password,
        )
        assert added.code == 0, added
    assert users(data_dir)[1:] == [
        (CLERK, "王敏", "物资管理部门", "clerk"),
        (ENGINEER, "陈工", "电源分厂", "engineer"),
    ]

    # A clerk may not add a login, here as in the window: exit 1, nothing written.
    ((last_event,),) = rows(data_dir, "SELECT max(id) FROM audit_event")
    not_hers = run(
        data_dir,
        *("user", "add", "qian", "--name", "钱文", "--unit", "电源分厂", "--role", "admin"),
        *("--login", CLERK),
        password=CLERK_PASSWORD,
        new_password="Zhi-Liang-2026",
    )
    assert "无权" in not_hers.one_line_error()
    assert len(users(data_dir)) == 3
    # Her sign-in is recorded (every sign-in is); nothing else is.
    assert rows(
        data_dir, "SELECT action, actor_name FROM audit_event WHERE id > ?", last_event
    ) == [("sign_in", "王敏")]

    # The clerk's handover list of the factory's product: a task of two lines of the model.
    listed = run(
        data_dir,
        *("import-list", str(listing), "--user-unit", "某部队修理所"),
        *("--login", CLERK),
        password=CLERK_PASSWORD,
    )
    assert listed.code == 0, listed
    number = listed.out.strip()
    assert re.fullmatch(r"FX-\d{4}-000001", number), listed
    assert rows(
        data_dir,
        "SELECT t.number, u.name, m.code, i.serial_no, l.fault_description, l.status "
        "FROM return_line l JOIN return_task t ON t.id = l.task_id "
        "JOIN unit u ON u.id = t.user_unit_id JOIN item i ON i.id = l.item_id "
        "JOIN product_model m ON m.id = i.model_id ORDER BY l.id",
    ) == [
        (number, "某部队修理所", "DY-3", "DY3-2026101", "无输出", "registered"),
        (number, "某部队修理所", "DY-3", "DY3-2026102", "输出电压偏低", "registered"),
    ]
    # No model was made on the way: the list's model is the master list's, with its manufacturer.
    assert rows(data_dir, "SELECT count(*) FROM product_model") == [(2,)]

    # Every write names its login in the audit: the admin's, then the clerk's list.
    with _store(data_dir) as conn:
        conn.row_factory = sqlite3.Row
        actors = {
            (r["entity"], r["actor_name"])
            for r in conn.execute("SELECT entity, actor_name FROM audit_event")
        }
    assert ("product_model", "张主任") in actors and ("return_task", "王敏") in actors
    # Only the first admin's own creation is the first start's; no failed sign-in before setup.
    assert {name for _, name in actors} == {"首次启动", "张主任", "王敏"}
