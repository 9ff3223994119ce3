"""The real `fanxiu` command, started as a separate process with a throwaway data directory.

What a person at a shell (or a script) sees: exit codes, one-line messages on stderr and never a
traceback, JSON on stdout when asked, and files written whole. Each start costs about a second,
so independent commands run side by side.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.services.kernel.numbering import PREFIXES, parse_number
from tests.conftest import drop_pg_database, new_pg_database
from tests.pdf_tools import pdf_text
from tests.support.messy_lists import write_encrypted_list, write_messy_list

DEMO_TODAY = "2026-10-08"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("fanxiu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return (
            f"fanxiu {' '.join(self.args)} -> {self.code}\nstdout: {self.out}\nstderr: {self.err}"
        )

    def one_line_error(self) -> str:
        """The message of a failed command: exactly one line on stderr, no traceback."""
        assert self.code == 1, self
        assert "Traceback" not in self.err and "Traceback" not in self.out, self
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fanxiu: "), self
        return lines[0]

    def json(self) -> Any:
        lines = self.out.strip().splitlines()
        assert len(lines) == 1, self
        return json.loads(lines[0])


def run_all(
    data_dir: Path, *commands: Sequence[str], password: str | None = None, new_password: str = ""
) -> list[Run]:
    """Run the commands at the same time (they are independent), each to its end.

    `password` goes where a signed-in command reads it (FANXIU_PASSWORD); stdin is not a
    terminal, so a command that would ask for one refuses instead.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FANXIU_DATABASE_URL", "FANXIU_PASSWORD", "FANXIU_NEW_PASSWORD")
    }
    env["FANXIU_DATA_DIR"] = str(data_dir)
    if password is not None:
        env["FANXIU_PASSWORD"] = password
    if new_password:
        env["FANXIU_NEW_PASSWORD"] = new_password
    procs = [
        (
            tuple(args),
            subprocess.Popen(
                [*_command(), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                env=env,
                cwd=data_dir.parent,
            ),
        )
        for args in commands
    ]
    runs = []
    try:
        for args, proc in procs:
            out, err = proc.communicate(timeout=180)
            runs.append(Run(args, proc.returncode, out, err))
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return runs


def run(data_dir: Path, *args: str, password: str | None = None, new_password: str = "") -> Run:
    return run_all(data_dir, args, password=password, new_password=new_password)[0]


ADMIN, ADMIN_PASSWORD = "chief", "Guan-Li-2026"
CLERK, CLERK_PASSWORD = "wangmin", "Jiao-Jie-2026"


def set_up_store(data_dir: Path) -> None:
    """The default store of `data_dir` as a factory sets it up: its admin, then a clerk."""
    from app.models.org import Role, UnitKind
    from app.services.admin import logins, masterdata
    from app.services.kernel import auth
    from app.services.kernel.bootstrap import open_store

    db = open_store(f"sqlite:///{data_dir / 'fanxiu.db'}")
    try:
        admin = auth.create_first_admin(db, ADMIN, "张主任", ADMIN_PASSWORD)
        masterdata.add_unit(db, admin, "质量部", UnitKind.quality_dept)
        logins.create_login(db, admin, CLERK, "王敏", "物资管理部门", Role.clerk, CLERK_PASSWORD)
    finally:
        db.dispose()


@contextlib.contextmanager
def _store(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """The default SQLite store of a data directory, read with plain sqlite3."""
    conn = sqlite3.connect(data_dir / "fanxiu.db")
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """A data directory whose default store holds the demo data (loaded by the command)."""
    data_dir = tmp_path_factory.mktemp("cli_demo") / "data"
    return data_dir, run(data_dir, "demo", "--today", DEMO_TODAY, "--json")


# --- version and demo -------------------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "--version")
    assert (result.code, result.out.strip()) == (0, f"fanxiu {__version__}"), result
    assert not (tmp_path / "data").exists(), "--version must not create a store"


def test_demo_loads_and_reports_its_numbers_as_json(demo: tuple[Path, Run]) -> None:
    data_dir, result = demo
    assert result.code == 0, result
    payload = result.json()
    assert set(payload) == {"tasks", "records"}
    tasks, records = payload["tasks"], payload["records"]
    assert tasks and all(re.fullmatch(r"FX-\d{4}-\d{6}", n) for n in tasks), tasks
    # Numbered records by kind; a handover record and a rejection notice at least.
    assert records["handover_record"] and records["rejection_notice"], records
    prefix_of = {kind: prefix for prefix, kind in PREFIXES.items()}
    prefix_of["rejection_notice"] = "JS"
    for kind, numbers in records.items():
        assert kind in prefix_of, kind
        for number in numbers:
            assert parse_number(number) is not None, number
            assert number.startswith(prefix_of[kind] + "-"), (kind, number)
    every = tasks + [n for numbers in records.values() for n in numbers]
    assert len(every) == len(set(every)), "a number was issued twice"
    # What it printed is what is in the default store of FANXIU_DATA_DIR.
    with _store(data_dir) as conn:
        stored = sorted(n for (n,) in conn.execute("SELECT number FROM return_task"))
        handovers = sorted(n for (n,) in conn.execute("SELECT number FROM handover_record"))
        notices = sorted(
            n for (n,) in conn.execute("SELECT number FROM report WHERE kind = 'rejection_notice'")
        )
    assert sorted(tasks) == stored
    assert sorted(records["handover_record"]) == handovers
    assert sorted(records["rejection_notice"]) == notices


def test_demo_prints_its_records_in_chinese(tmp_path: Path) -> None:
    """Without --json a person reads the output: record kinds in their words, no code names."""
    result = run(tmp_path / "data", "demo", "--today", DEMO_TODAY)
    assert result.code == 0, result
    assert "交接记录单：JJ-" in result.out and "拒收通知：JS-" in result.out, result.out
    for code_name in ("handover_record", "rejection_notice", "overdue_report", "kit_set"):
        assert code_name not in result.out


def test_demo_refuses_a_store_that_has_data(demo: tuple[Path, Run]) -> None:
    data_dir, first = demo
    assert first.code == 0, first
    with _store(data_dir) as conn:
        before = conn.execute("SELECT count(*) FROM return_task").fetchone()
    again = run(data_dir, "demo", "--today", DEMO_TODAY)
    again.one_line_error()
    assert again.out == ""
    with _store(data_dir) as conn:
        assert conn.execute("SELECT count(*) FROM return_task").fetchone() == before


# --- print ------------------------------------------------------------------------------------


def test_print_writes_a_pdf_of_a_task_a_handover_record_and_a_rejection_notice(
    demo: tuple[Path, Run], tmp_path: Path
) -> None:
    data_dir, result = demo
    records = result.json()["records"]
    with _store(data_dir) as conn:
        open_task = conn.execute(
            "SELECT number FROM return_task WHERE status = 'open' ORDER BY id LIMIT 1"
        ).fetchone()
    assert open_task is not None, "the demo has no unconfirmed task"
    numbers = [open_task[0], records["handover_record"][0], records["rejection_notice"][0]]
    unknown = "JJ-2026-999999"
    runs = run_all(
        data_dir,
        *[("print", n, "-o", str(tmp_path / f"{n}.pdf")) for n in numbers],
        ("print", unknown, "-o", str(tmp_path / "unknown.pdf")),
    )
    for number, printed in zip(numbers, runs, strict=False):
        pdf = tmp_path / f"{number}.pdf"
        assert printed.code == 0, printed
        assert printed.out.strip() == str(pdf)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 1000, number
        assert number in pdf_text(pdf), f"{number} is not printed on its PDF"
    message = runs[-1].one_line_error()
    assert unknown in message
    assert not (tmp_path / "unknown.pdf").exists()
    # Written through a temporary file that is renamed at the end: nothing half-written is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.pdf" for n in numbers)


# --- import-list ------------------------------------------------------------------------------


@pytest.fixture
def messy(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    built = write_messy_list(tmp_path / "清单.xlsx")
    set_up_store(tmp_path / "data")
    yield tmp_path / "data", built


def test_import_of_a_list_with_bad_rows_writes_nothing_and_names_the_rows(
    messy: tuple[Path, Any],
) -> None:
    data_dir, built = messy
    result = run(
        data_dir,
        "import-list",
        str(built.path),
        "--json",
        "--login",
        CLERK,
        password=CLERK_PASSWORD,
    )
    assert result.code == 2, result
    assert "Traceback" not in result.err
    payload = result.json()
    r = built.data_rows  # rows 5..9 of the builder's list are the bad ones
    assert payload["task"] is None
    assert payload["imported"] == 0
    assert payload["new_models"] == ["DY-12A", "JS-9", "XK-3"]
    assert [x["row"] for x in payload["rejected"]] == [r[4], r[5], r[6], r[7], r[8]]
    assert all(set(x) == {"row", "reason"} and x["reason"] for x in payload["rejected"])
    assert f"第 {r[3]} 行" in payload["rejected"][0]["reason"]  # the duplicate names the first
    with _store(data_dir) as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("return_task", "return_line", "item", "product_model")
        ]
    assert counts == [0, 0, 0, 0]


def test_import_skipping_bad_rows_prints_the_task_number(messy: tuple[Path, Any]) -> None:
    data_dir, built = messy
    result = run(
        data_dir,
        "import-list",
        str(built.path),
        "--skip-bad-rows",
        "--login",
        CLERK,
        password=CLERK_PASSWORD,
    )
    assert result.code == 0, result
    number = result.out.strip()
    assert result.out == number + "\n" and re.fullmatch(r"FX-\d{4}-000001", number), result
    with _store(data_dir) as conn:
        rows = conn.execute(
            "SELECT l.source_row FROM return_line l JOIN return_task t ON t.id = l.task_id"
            " WHERE t.number = ? ORDER BY l.seq",
            (number,),
        ).fetchall()
    r = built.data_rows
    assert [row for (row,) in rows] == [r[0], r[1], r[2], r[3], r[9], r[10]]


def test_import_of_unreadable_files_fails_with_one_line(tmp_path: Path) -> None:
    corrupt = tmp_path / "坏文件.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + os.urandom(2000))
    encrypted = write_encrypted_list(tmp_path / "加密.xlsx").path
    missing = tmp_path / "不存在.xlsx"
    data_dir = tmp_path / "data"
    set_up_store(data_dir)
    runs = run_all(
        data_dir,
        *[
            ("import-list", str(f), "--json", "--login", CLERK)
            for f in (corrupt, encrypted, missing)
        ],
        password=CLERK_PASSWORD,
    )
    messages = []
    for result in runs:
        messages.append(result.one_line_error())
        payload = result.json()
        assert isinstance(payload, dict) and payload["task"] is None, result
        assert payload["imported"] == 0
    assert len(set(messages)) == 3, messages  # each says what is wrong with its file
    assert "不存在.xlsx" in messages[2]
    with _store(data_dir) as conn:
        assert conn.execute("SELECT count(*) FROM return_task").fetchone() == (0,)


# --- PostgreSQL -------------------------------------------------------------------------------


def test_a_database_server_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 5999)) == 0:
            pytest.skip("something listens on 127.0.0.1:5999")
    result = run(tmp_path / "data", "--db", "postgresql://postgres@127.0.0.1:5999/none", "demo")
    message = result.one_line_error()
    assert "127.0.0.1:5999" in message
    assert result.out == ""


@pytest.mark.pg
def test_demo_on_a_postgresql_store(pg_server: str, demo: tuple[Path, Run], tmp_path: Path) -> None:
    url, name = new_pg_database(pg_server)
    try:
        result = run(tmp_path / "data", "--db", url, "demo", "--today", DEMO_TODAY, "--json")
        assert result.code == 0, result
        # The same data, the same numbers as on SQLite.
        assert result.json() == demo[1].json()
        assert not (tmp_path / "data" / "fanxiu.db").exists(), "--db must be used, not the default"
    finally:
        drop_pg_database(pg_server, name)
