"""`fanxiu verify [--json]` (issue 9): exit 0 on a whole store; exit 1 naming the first broken
or missing event, the missing record numbers and the rows whose state no event explains."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.integration.test_cli import DEMO_TODAY, run


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("verify_demo") / "data"
    result = run(data_dir, "demo", "--today", DEMO_TODAY, "--json")
    assert result.code == 0, result
    return data_dir


def _copy(demo_store: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(demo_store, data_dir)
    return data_dir


def test_a_whole_store_exits_0(demo_store: Path, tmp_path: Path) -> None:
    data_dir = _copy(demo_store, tmp_path)
    plain = run(data_dir, "verify")
    assert plain.code == 0, plain
    assert "审计链完整" in plain.out
    as_json = run(data_dir, "verify", "--json")
    assert as_json.code == 0, as_json
    payload = as_json.json()
    assert payload["ok"] is True and payload["events"] > 100
    assert payload["first_break"] is None and payload["missing_numbers"] == []
    quick = run(data_dir, "verify", "--tail", "50", "--json").json()
    assert quick["ok"] is True and quick["partial"] is True and quick["events"] == 50


def test_a_tampered_store_exits_1_naming_each_break(demo_store: Path, tmp_path: Path) -> None:
    data_dir = _copy(demo_store, tmp_path)
    con = sqlite3.connect(data_dir / "fanxiu.db")
    with con:
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        line_id, status = con.execute(
            "SELECT id, status FROM return_line WHERE status <> 'registered' ORDER BY id"
        ).fetchone()
        con.execute("UPDATE return_line SET status = 'scrapped' WHERE id = ?", (line_id,))
        con.execute("UPDATE audit_event SET new_value = 'x' WHERE seq = 7")
        con.execute("DELETE FROM audit_event WHERE seq = 20")
        (number,) = con.execute("SELECT max(number) FROM report").fetchone()
        con.execute("DELETE FROM report WHERE number = ?", (number,))
    con.close()
    as_json = run(data_dir, "verify", "--json")
    assert as_json.code == 1, as_json
    payload = as_json.json()
    assert payload["ok"] is False
    assert payload["first_break"]["kind"] == "broken_event"
    assert payload["first_break"]["subject"] == "7"
    assert {"kind": "missing_event", "subject": "20"} in [
        {k: f[k] for k in ("kind", "subject")} for f in payload["events_broken"]
    ]
    assert payload["missing_numbers"] == [number]
    assert [f["subject"] for f in payload["unexplained_rows"]] == [f"return_line {line_id}"]
    plain = run(data_dir, "verify")
    assert plain.code == 1, plain
    assert "第 7 号审计事件" in plain.err and number in plain.err
    assert f"返修产品（id {line_id}）的状态为“已报废”" in plain.err
    assert "Traceback" not in plain.err
