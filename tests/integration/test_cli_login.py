"""The command line signs in like the window (issue 8): without a login a write exits 1 having
changed nothing; a login may do there what its role may do in the window, and the audit names it;
`setup` makes the first admin of an empty store, `user add` the desks' logins; `--today` only on
the demo's store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.integration.test_cli import (
    ADMIN,
    ADMIN_PASSWORD,
    CLERK,
    CLERK_PASSWORD,
    _store,
    run,
    run_all,
    set_up_store,
)
from tests.support.messy_lists import write_messy_list


def _count(data_dir: Path, table: str) -> int:
    with _store(data_dir) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _audit(data_dir: Path, action: str) -> list[sqlite3.Row]:
    with _store(data_dir) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT * FROM audit_event WHERE action = ? ORDER BY id", (action,)
        ).fetchall()


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, Path]:
    data_dir = tmp_path / "data"
    set_up_store(data_dir)
    return data_dir, write_messy_list(tmp_path / "清单.xlsx").path


def test_a_write_without_a_login_exits_1_and_changes_nothing(
    store: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, listing = store
    before = _count(data_dir, "audit_event")
    no_login, no_password, user_add = run_all(
        data_dir,
        ("import-list", str(listing), "--skip-bad-rows"),
        ("import-list", str(listing), "--skip-bad-rows", "--login", CLERK),
        ("user", "add", "qian", "--name", "钱文", "--unit", "质量部", "--role", "quality"),
        new_password="Zhi-Liang-2026",
    )
    assert "--login" in no_login.one_line_error()
    assert "FANXIU_PASSWORD" in no_password.one_line_error()  # not a terminal: nobody to ask
    assert "--login" in user_add.one_line_error()
    assert (_count(data_dir, "return_task"), _count(data_dir, "app_user")) == (0, 2)
    assert _count(data_dir, "audit_event") == before
    # A store that does not exist yet is not even made.
    fresh = tmp_path / "fresh"
    run(fresh, "import-list", str(listing)).one_line_error()
    assert not fresh.exists()


def test_a_wrong_password_or_role_is_refused_and_the_right_login_is_named(
    store: tuple[Path, Path],
) -> None:
    data_dir, listing = store
    args = ("import-list", str(listing), "--skip-bad-rows")
    wrong_password, admin = (
        run_all(data_dir, (*args, "--login", CLERK), password="not-the-password"),
        run(data_dir, *args, "--login", ADMIN, password=ADMIN_PASSWORD),
    )
    assert "用户名或密码不正确" in wrong_password[0].one_line_error()
    assert "无权" in admin.one_line_error()  # an admin may not import a list in the window either
    assert _count(data_dir, "return_task") == 0
    [failed] = _audit(data_dir, "sign_in_failed")
    assert failed["new_value"] == CLERK and failed["reason"].startswith("密码错误")

    clerk = run(data_dir, *args, "--login", CLERK, password=CLERK_PASSWORD)
    assert clerk.code == 0, clerk
    with _store(data_dir) as conn:
        [(task_id,)] = conn.execute("SELECT id FROM return_task").fetchall()
        [(clerk_id,)] = conn.execute("SELECT id FROM app_user WHERE login = ?", (CLERK,))
        actors = conn.execute(
            "SELECT DISTINCT actor_user_id, actor_name FROM audit_event"
            " WHERE entity = 'return_task' AND entity_id = ?",
            (task_id,),
        ).fetchall()
    assert actors == [(clerk_id, "王敏")]


def test_setup_makes_the_first_admin_of_an_empty_store_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    weak = run(data_dir, "setup", "--admin", "chief", password="fanxiu123")
    assert "太常见" in weak.one_line_error()
    made = run(data_dir, "setup", "--admin", "chief", "--name", "张主任", password=ADMIN_PASSWORD)
    assert made.code == 0 and "chief" in made.out, made
    again = run(data_dir, "setup", "--admin", "other", password=ADMIN_PASSWORD)
    assert "已有登录账号" in again.one_line_error()
    with _store(data_dir) as conn:
        users = conn.execute("SELECT login, display_name, role FROM app_user").fetchall()
    assert users == [("chief", "张主任", "admin")]


def test_user_add_by_an_admin_and_not_by_a_clerk(store: tuple[Path, Path]) -> None:
    data_dir, _ = store
    add = ("user", "add", "qian", "--name", "钱文", "--unit", "质量部", "--role", "质量检验员")
    by_clerk, weak = run_all(
        data_dir,
        (*add, "--login", CLERK),
        new_password="Zhi-Liang-2026",
        password=CLERK_PASSWORD,
    ) + run_all(
        data_dir, (*add, "--login", ADMIN), new_password="qian1234", password=ADMIN_PASSWORD
    )
    assert "无权" in by_clerk.one_line_error()
    assert "登录名" in weak.one_line_error()  # the policy: not the login name
    done = run(
        data_dir, *add, "--login", ADMIN, password=ADMIN_PASSWORD, new_password="Zhi-Liang-2026"
    )
    assert done.code == 0 and "质量检验员" in done.out, done
    [created] = [
        e for e in _audit(data_dir, "create") if e["entity"] == "user" and "qian" in e["new_value"]
    ]
    assert created["actor_name"] == "张主任"
    listed = run(data_dir, "user", "list", "--json", "--login", "qian", password="Zhi-Liang-2026")
    assert "无权" in listed.one_line_error()
    listed = run(data_dir, "user", "list", "--json", "--login", ADMIN, password=ADMIN_PASSWORD)
    assert {(u["login"], u["role"], u["unit"]) for u in listed.json()} >= {
        ("qian", "quality", "质量部")
    }


def test_a_deactivated_login_is_refused_on_the_command_line(store: tuple[Path, Path]) -> None:
    data_dir, listing = store
    off = run(data_dir, "user", "deactivate", CLERK, "--login", ADMIN, password=ADMIN_PASSWORD)
    assert off.code == 0, off
    refused = run(data_dir, "import-list", str(listing), "--login", CLERK, password=CLERK_PASSWORD)
    assert "已停用" in refused.one_line_error()
    assert _count(data_dir, "return_task") == 0


def test_passwd_changes_ones_own_password(store: tuple[Path, Path]) -> None:
    data_dir, _ = store
    changed = run(
        data_dir, "passwd", "--login", CLERK, password=CLERK_PASSWORD, new_password="Xin-Mima-2026"
    )
    assert changed.code == 0, changed
    old, new = run_all(
        data_dir, ("user", "list", "--login", CLERK), password=CLERK_PASSWORD
    ) + run_all(data_dir, ("user", "list", "--login", CLERK), password="Xin-Mima-2026")
    assert "用户名或密码不正确" in old.one_line_error()
    assert "无权" in new.one_line_error()  # signed in: the clerk may not list logins


def test_today_only_on_the_demo_store_and_the_demo_only_on_an_empty_one(
    store: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, _ = store
    deadlines, report, demo = run_all(
        data_dir,
        ("deadlines", "--today", "2099-01-01", "--json"),
        (
            "kitting-report",
            "QT-2026-000001",
            "-o",
            str(tmp_path / "k.pdf"),
            "--today",
            "2099-01-01",
        ),
        ("demo",),
    )
    assert "演示数据库" in deadlines.one_line_error()
    assert "演示数据库" in report.one_line_error()
    assert "空数据库" in demo.one_line_error()
    assert _count(data_dir, "report") == 0 and _count(data_dir, "product_model") == 0
    listed = run(data_dir, "deadlines", "--json")  # today's deadlines need no --today
    assert listed.code == 0 and listed.json() == [], listed


def test_deadlines_list_for_anyone_and_issue_reports_only_signed_in(tmp_path: Path) -> None:
    """Listing changes nothing; the overdue reports a listing would record need a login."""
    data_dir = tmp_path / "data"
    assert run(data_dir, "demo", "--today", "2026-11-20", "--json").code == 0
    before = _count(data_dir, "report")
    listed = run(data_dir, "deadlines", "--today", "2026-12-31", "--json")
    assert listed.code == 0 and listed.json(), listed
    assert "未登录不生成超期报告" in listed.err
    assert _count(data_dir, "report") == before
    signed = run(
        data_dir, "deadlines", "--today", "2026-12-31", "--login", "wangmin", password="fanxiu123"
    )
    assert signed.code == 0 and "已生成报告" in signed.err, signed
    assert _count(data_dir, "report") > before
