"""`fanxiu import-master FILE [--json]` (issue 8): 0 imported, 2 bad rows and nothing written,
1 anything else (no login, not an admin, a file it cannot read)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import (
    ADMIN,
    ADMIN_PASSWORD,
    CLERK,
    CLERK_PASSWORD,
    _store,
    run_all,
    set_up_store,
)
from tests.support.master_lists import MODELS, UNITS, write_master_list


def _models(data_dir: Path) -> int:
    with _store(data_dir) as conn:
        return int(conn.execute("SELECT count(*) FROM product_model").fetchone()[0])


def test_import_master_from_the_command_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    set_up_store(data_dir)
    good = write_master_list(tmp_path / "主数据.xlsx", ("型号", MODELS), ("单位", UNITS))
    bad_models = (*MODELS, ("X-1", "某件", "", "单机", "NOPE", ""))
    bad = write_master_list(tmp_path / "bad.xlsx", ("单位", UNITS), ("型号", bad_models))
    no_login, clerk, rejected = run_all(
        data_dir,
        ("import-master", str(good), "--json"),
        ("import-master", str(good), "--login", CLERK),
        ("import-master", str(bad), "--json", "--login", ADMIN),
        password=ADMIN_PASSWORD,
    )
    assert "--login" in no_login.one_line_error()
    assert clerk.code == 1  # the clerk's password is not the admin's, and no clerk may import
    assert rejected.code == 2, rejected
    assert rejected.json() == {
        "units": 0,
        "models": 0,
        "rejected": [{"sheet": "型号", "row": 7, "reason": "上级型号 NOPE 不存在"}],
        "warnings": [],
    }
    assert _models(data_dir) == 0

    (clerk_run,) = run_all(
        data_dir, ("import-master", str(good), "--login", CLERK), password=CLERK_PASSWORD
    )
    assert "无权" in clerk_run.one_line_error()
    (done,) = run_all(
        data_dir, ("import-master", str(good), "--json", "--login", ADMIN), password=ADMIN_PASSWORD
    )
    assert done.code == 0, done
    assert done.json() == {"units": 4, "models": 4, "rejected": [], "warnings": []}
    assert _models(data_dir) == 4
    (again,) = run_all(
        data_dir, ("import-master", str(good), "--login", ADMIN), password=ADMIN_PASSWORD
    )
    assert again.code == 0 and "没有改动" in again.out, again
    (missing,) = run_all(
        data_dir,
        ("import-master", str(tmp_path / "无.xlsx"), "--login", ADMIN),
        password=ADMIN_PASSWORD,
    )
    assert "找不到文件" in missing.one_line_error()
