"""`fanxiu calendar notice FILE.txt [--apply] [--json]`: the State Council's notice at a shell."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import chinese_calendar
import pytest

from tests.integration.test_cli import Run, _command

NOTICES = Path(__file__).resolve().parents[1] / "support" / "notices"
ADMIN, ADMIN_PASSWORD = "chief", "Guan-Li-2026"
CLERK, CLERK_PASSWORD = "wangmin", "Jiao-Jie-2026"


def fanxiu(data_dir: Path, *args: str, password: str | None = None) -> Run:
    env = {
        k: v for k, v in os.environ.items() if k not in ("FANXIU_DATABASE_URL", "FANXIU_PASSWORD")
    }
    env["FANXIU_DATA_DIR"] = str(data_dir)
    if password is not None:
        env["FANXIU_PASSWORD"] = password
    done = subprocess.run(
        [*_command(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=data_dir.parent,
        timeout=180,
    )
    return Run(tuple(args), done.returncode, done.stdout, done.stderr)


@pytest.fixture
def factory_store(tmp_path: Path) -> Path:
    """A factory's store (its admin and a clerk) whose chinese-calendar knew years up to 2025:
    2026 is provisional, as 2027 is for a store set up today."""
    from app.models.org import Role
    from app.services.kernel import auth
    from app.services.kernel.bootstrap import open_store

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = open_store(f"sqlite:///{data_dir / 'fanxiu.db'}")
    try:
        admin = auth.create_first_admin(db, ADMIN, "张主任", ADMIN_PASSWORD)
        auth.create_user(db, admin, CLERK, "王敏", CLERK_PASSWORD, Role.clerk, "物资管理部门")
    finally:
        db.dispose()
    with sqlite3.connect(data_dir / "fanxiu.db") as conn:
        conn.execute("DELETE FROM calendar_day WHERE day BETWEEN '2026-01-01' AND '2026-12-31'")
        # Kept as a provisional year: a start seeds only the years the store has no row for.
        conn.execute("UPDATE calendar_year SET official = 0, source = 'factory' WHERE year = 2026")
    return data_dir


def _calendar_rows(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "fanxiu.db") as conn:
        rows = conn.execute("SELECT * FROM calendar_day ORDER BY day").fetchall()
        return rows + conn.execute("SELECT year, official FROM calendar_year").fetchall()


@pytest.mark.parametrize("year", [2025, 2026])
def test_json_lists_the_notice_s_days(tmp_path: Path, year: int) -> None:
    result = fanxiu(tmp_path / "data", "calendar", "notice", str(NOTICES / f"{year}.txt"), "--json")
    assert result.code == 0, result
    assert result.json() == {
        "year": year,
        "holidays": [d.isoformat() for d in sorted(chinese_calendar.holidays) if d.year == year],
        "workdays": [d.isoformat() for d in sorted(chinese_calendar.workdays) if d.year == year],
    }
    assert not (tmp_path / "data" / "fanxiu.db").exists(), "reading a notice opens no store"


def test_a_person_reads_the_year_in_ranges(tmp_path: Path) -> None:
    result = fanxiu(tmp_path / "data", "calendar", "notice", str(NOTICES / "2025.txt"))
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == "2025 年：放假 28 天，调休上班 5 天"
    assert "  春节：1月28日至2月4日 放假；1月26日、2月8日 上班" in lines
    assert "  国庆节、中秋节：10月1日至8日 放假；9月28日、10月11日 上班" in lines


def test_an_unreadable_notice_exits_2_with_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8").replace("2月8日", "2月31日")
    bad.write_text(text, encoding="gb18030")  # saved by Notepad on a Chinese Windows
    result = fanxiu(tmp_path / "data", "calendar", "notice", str(bad), "--json")
    assert result.code == 2 and result.out == "", result
    (line,) = result.err.strip().splitlines()
    assert (
        line.startswith("fanxiu: 第 12 行无法识别：“二、春节：") and "2月31日不是有效日期" in line
    )
    missing = fanxiu(tmp_path / "data", "calendar", "notice", str(tmp_path / "none.txt"))
    assert missing.one_line_error() == f"fanxiu: 找不到文件 {tmp_path / 'none.txt'}。"


def test_apply_needs_an_admin_login_and_changes_nothing_without(factory_store: Path) -> None:
    notice = str(NOTICES / "2026.txt")
    before = _calendar_rows(factory_store)
    anonymous = fanxiu(factory_store, "calendar", "notice", notice, "--apply")
    assert "须先登录" in anonymous.one_line_error()
    clerk = fanxiu(
        factory_store, "calendar", "notice", notice, "--apply", "--login", CLERK,
        password=CLERK_PASSWORD,
    )  # fmt: skip
    assert "无权" in clerk.one_line_error()
    wrong = fanxiu(
        factory_store, "calendar", "notice", notice, "--apply", "--login", ADMIN, password="x"
    )
    assert wrong.code == 1
    assert _calendar_rows(factory_store) == before


def test_applied_notice_makes_workdays_official_and_moves_the_count(factory_store: Path) -> None:
    """2026 as a store whose package ended in 2025 has it, then the notice applied by the admin."""
    provisional = fanxiu(factory_store, "workdays", "2026-09-29", "5", "--json")
    assert provisional.json() == {
        "date": "2026-10-06",
        "calendar": "provisional",
        "provisional": True,
    }
    applied = fanxiu(
        factory_store, "calendar", "notice", str(NOTICES / "2026.txt"), "--apply", "--login", ADMIN,
        password=ADMIN_PASSWORD,
    )  # fmt: skip
    assert applied.code == 0, applied
    assert applied.out.splitlines()[-1].startswith("已写入 2026 年工作日历并标记为正式日历；")
    official = fanxiu(factory_store, "workdays", "2026-09-29", "5", "--json")
    assert official.json() == {"date": "2026-10-12", "calendar": "official", "provisional": False}
    with sqlite3.connect(factory_store / "fanxiu.db") as conn:
        who = conn.execute(
            "SELECT actor_name, entity_id FROM audit_event WHERE action = 'apply_notice'"
        ).fetchall()
    assert who == [("张主任", 2026)]
