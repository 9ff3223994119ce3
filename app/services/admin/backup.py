"""Backups of the store and bringing one back (issue 9).

A SQLite store is copied through the online backup API: one step, inside one read transaction,
so the copy is the store as it was at one moment while other desks keep writing (a file copy
taken after 50 new tasks once held 22 of 72). A PostgreSQL store is dumped with pg_dump in its
custom format. Every copy is written whole or not at all: into a temporary file, then renamed.

Who may: a backup holds every record and every login's password hash, so taking one is the system
administrator's (audited: the trail says who holds a copy). A restore goes only into an empty
store, which has no logins to sign in with; whoever can replace the store's file or database can
already do as much, and the restored store's own logins guard it from then on.

Automatic: the window backs a SQLite store up once a day at its first start of the day (`daily_backup`,
off the GUI thread) into a `backups` folder beside the file, keeping 7 daily and 4 weekly copies;
`fanxiu backup --daily` does the same for a scheduled task. Before a schema upgrade the store is
copied on both backends (`backup_before_upgrade`, called by `Database.upgrade`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from app.db import HEAD_REVISION, Database, make_engine
from app.errors import DomainError
from app.models.org import Permission
from app.services.kernel import audit
from app.services.kernel.context import Actor, command_line_actor, require
from app.settings import data_dir

FOLDER = "backups"
KEEP_DAILY, KEEP_WEEKLY = 7, 4
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PG_TIMEOUT_S = 3600
# Rows a person made: a store holding none of them is empty, whatever the start seeded
# (calendar, deadline rules, code lists and their audit events).
PEOPLES_TABLES = ("app_user", "unit", "product_model", "return_task", "item")
COUNTED = (
    ("app_user", "登录"),
    ("unit", "单位"),
    ("product_model", "型号"),
    ("return_task", "返厂任务"),
    ("return_line", "返厂产品"),
    ("handover_record", "交接记录"),
    ("report", "报告"),
    ("audit_event", "审计事件"),
)
KIND_LABELS = {"daily": "每日自动", "upgrade": "升级前", "manual": "手动"}


def missing_tool_message(tool: str, major: int | None) -> str:
    """What to install when pg_dump / pg_restore is not on this computer."""
    nn = str(major) if major else "NN"
    return (
        f"这台电脑上没有找到 PostgreSQL 的{'备份' if tool == 'pg_dump' else '恢复'}工具 {tool}："
        f"请安装 PostgreSQL 客户端（Debian/Ubuntu：sudo apt install postgresql-client-{nn}；"
        f"Windows：安装 PostgreSQL {nn} 并把它的 bin 文件夹加入 PATH），再重试。"
    )


def size_text(n: int) -> str:
    """1536 -> "1.5 KB"."""
    value, unit = float(n), "字节"
    for bigger in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{n} 字节" if unit == "字节" else f"{value:.1f} {unit}"


@dataclass(frozen=True)
class BackupDone:
    path: str
    size: int
    backend: str  # "sqlite" or "postgresql"

    @property
    def size_text(self) -> str:
        return size_text(self.size)


@dataclass(frozen=True)
class BackupFile:
    path: str
    name: str
    size: int
    taken: dt.datetime  # local time, from the file
    kind: str  # "daily", "upgrade" or "manual"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def size_text(self) -> str:
        return size_text(self.size)


@dataclass(frozen=True)
class BackupsView:
    backend: str
    folder: str
    files: tuple[BackupFile, ...]
    automatic: bool  # the store is backed up once a day (a SQLite file)
    suggested: str  # a file name for 立即备份


@dataclass(frozen=True)
class RestoreDone:
    store: str  # the store's address, its password hidden
    revision: str
    upgraded_from: str | None  # the backup's revision when it was older than the program's
    counts: tuple[tuple[str, int], ...]  # (what, how many), in COUNTED's order
    chain_ok: bool
    chain_message: str


# --- where things are ----------------------------------------------------------------------


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store; None for PostgreSQL or a store in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def backups_folder(url: str) -> Path:
    """SQLite: a `backups` folder beside the file; PostgreSQL: one in this computer's data folder."""
    path = sqlite_file(url)
    return path.parent / FOLDER if path is not None else data_dir() / FOLDER


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def _store_stem(url: str) -> str:
    path = sqlite_file(url)
    if path is not None:
        return path.stem
    return make_url(url).database or "fanxiu"


def suggested_name(url: str, now: dt.datetime | None = None) -> str:
    suffix = ".db" if sqlite_file(url) is not None else ".dump"
    return f"{_store_stem(url)}-{_stamp(now)}-backup{suffix}"


# --- copying -------------------------------------------------------------------------------


def _part(target: Path) -> Path:
    return target.with_name(target.name + ".part")


def copy_sqlite(source: Path, target: Path) -> int:
    """A consistent copy of the SQLite file `source` at `target`, whole or not at all; its size.

    `Connection.backup` with pages=-1 copies every page in one step inside one read transaction:
    the copy is the store at one moment, however many desks write meanwhile (WAL lets them).
    """
    if not source.exists():
        raise DomainError(f"数据库文件 {source} 不存在。")
    tmp = _part(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                # One self-contained file: no -wal beside a copy that is carried away.
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or exc
        raise DomainError(f"备份没有完成，没有写出文件 {target}：{reason}") from exc
    return target.stat().st_size


def _pg_parts(url: str) -> tuple[str, dict[str, str]]:
    """(conninfo without the password, environment with it): never a password on a command line."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    params = {
        "host": parsed.host or "localhost",
        "port": str(parsed.port or 5432),
        "dbname": parsed.database or "",
        "user": parsed.username or "",
    }
    params["connect_timeout"] = "10"  # a server that does not answer: a message, not a hang
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return make_conninfo(**{k: v for k, v in params.items() if v}), env


def server_major(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SHOW server_version_num")).scalar() or 0) // 10000
    except (OperationalError, DBAPIError) as exc:
        from app.db import describe_store_error

        raise DomainError(describe_store_error(url, exc)) from exc
    finally:
        engine.dispose()


def find_tool(tool: str) -> str | None:
    """pg_dump / pg_restore on PATH; on Windows also where PostgreSQL's installer puts them
    (Program Files\\PostgreSQL\\NN\\bin, the newest version first), which is seldom on PATH."""
    found = shutil.which(tool)
    if found is not None or os.name != "nt":
        return found
    roots = {os.environ.get(k, "") for k in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")}
    candidates = [
        path
        for root in roots
        if root
        for path in Path(root, "PostgreSQL").glob(f"*/bin/{tool}.exe")
        if path.parent.parent.name.split(".")[0].isdigit()
    ]
    candidates.sort(key=lambda p: int(p.parent.parent.name.split(".")[0]), reverse=True)
    return str(candidates[0]) if candidates else None


def pg_tool(tool: str, url: str) -> str:
    """The path of pg_dump / pg_restore, checked to be at least the server's version."""
    major = server_major(url)
    path = find_tool(tool)
    if path is None:
        raise DomainError(missing_tool_message(tool, major))
    try:
        said = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DomainError(f"无法运行 {path}：{exc}") from exc
    found = re.search(r"(\d+)(?:\.\d+)*", said.stdout)
    client = int(found.group(1)) if found else 0
    if client < major:
        raise DomainError(
            f"这台电脑上的 {tool} 属于 PostgreSQL {client}，服务器是 PostgreSQL {major}，"
            f"旧版的工具不能处理新版的服务器：请安装 postgresql-client-{major}"
            "（Windows：安装同一版本的 PostgreSQL 客户端），再重试。"
        )
    return path


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A PostgreSQL tool run to its end; one that cannot start or never ends is a message."""
    try:
        return subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DomainError(f"{Path(args[0]).name} 没有完成：{exc}") from exc


def _tool_failed(tool: str, said: str) -> str:
    lines = [line.strip() for line in said.strip().splitlines() if line.strip()]
    return f"{tool} 报告：{lines[-1] if lines else '未知错误'}"


def dump_postgresql(url: str, target: Path) -> int:
    """pg_dump of the store in the custom format at `target`, whole or not at all; its size."""
    pg_dump = pg_tool("pg_dump", url)
    conninfo, env = _pg_parts(url)
    tmp = _part(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        done = subprocess.run(
            [pg_dump, "--format=custom", f"--file={tmp}", f"--dbname={conninfo}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise DomainError(f"备份没有完成：{_tool_failed('pg_dump', done.stderr)}")
        os.replace(tmp, target)
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise DomainError(f"备份没有完成，没有写出文件 {target}：{reason}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return target.stat().st_size


def copy_store(url: str, target: Path) -> BackupDone:
    """The store at `url` copied to `target` (no sign-in: the program's own backups use it)."""
    path = sqlite_file(url)
    if path is not None:
        return BackupDone(str(target), copy_sqlite(path, target), "sqlite")
    if make_url(url).get_backend_name() == "postgresql":
        return BackupDone(str(target), dump_postgresql(url, target), "postgresql")
    raise DomainError("只有 SQLite 数据库文件和 PostgreSQL 数据库可以备份。")


def take_backup(db: Database, actor: Actor, target: str | Path) -> BackupDone:
    """立即备份 / `fanxiu backup -o FILE`: the admin's copy of the store, audited."""
    require(actor, Permission.manage_users)
    target = Path(target).expanduser()
    if not target.name:
        raise DomainError("请指定备份文件。")
    if target.is_dir():
        target = target / suggested_name(db.url)
    source = sqlite_file(db.url)
    if source is not None and target.resolve() == source.resolve():
        raise DomainError("备份文件不能就是数据库文件本身，请另选一个文件。")
    done = copy_store(db.url, target)
    with db.transaction() as session:
        audit.record(session, actor, "store", 0, "backup", "", f"{target} ({done.size} 字节)")
    return done


def backup_before_upgrade(db: Database, head: str) -> Path:
    """The copy `Database.upgrade` takes before it changes the schema of a store with data.

    SQLite: beside the file (as `Database.backup`); PostgreSQL: pg_dump into this computer's
    backups folder, and without pg_dump the upgrade stops here with what to install.
    """
    if db.is_sqlite:
        return db.backup(suffix=f"before-{head}")
    target = backups_folder(db.url) / f"{_store_stem(db.url)}-{_stamp()}-before-{head}.dump"
    try:
        copy_store(db.url, target)
    except DomainError as exc:
        raise DomainError(
            f"数据库需要升级到新版本的结构（{head}），升级前须先备份，但备份没有完成，"
            f"数据库没有升级：{exc.message}"
        ) from exc
    return target


# --- the daily backup and its rotation -------------------------------------------------------


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _daily_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-(\d{{4}}-\d{{2}}-\d{{2}})\.daily\.db$")


def daily_name(stem: str, day: dt.date) -> str:
    return f"{stem}-{day.isoformat()}.daily.db"


def daily_backups(folder: Path, stem: str) -> dict[dt.date, Path]:
    pattern = _daily_pattern(stem)
    found: dict[dt.date, Path] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            m = pattern.match(path.name)
            if m:
                with contextlib.suppress(ValueError):
                    found[dt.date.fromisoformat(m.group(1))] = path
    return found


def to_keep(days: Iterable[dt.date]) -> set[dt.date]:
    """7 daily, 4 weekly: the 7 newest days, then the newest day of each of the 4 newest
    calendar weeks before those."""
    newest_first = sorted(set(days), reverse=True)
    keep = set(newest_first[:KEEP_DAILY])
    weeks: list[tuple[int, int]] = []
    for day in newest_first[KEEP_DAILY:]:
        week = day.isocalendar()[:2]
        if week in weeks:
            continue
        if len(weeks) == KEEP_WEEKLY:
            break
        weeks.append(week)
        keep.add(day)
    return keep


def rotate(folder: Path, stem: str) -> list[Path]:
    """Delete the daily backups `to_keep` leaves out; the ones deleted."""
    found = daily_backups(folder, stem)
    keep = to_keep(found)
    gone = []
    # A copy cut short (the program was killed meanwhile) never got its name: its part goes,
    # once it is surely no other start's copy still being written.
    stale = dt.datetime.now().timestamp() - 3600
    for part in folder.glob(f"{glob_escape(stem)}-*.daily.db.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < stale:
                part.unlink()
    for day, path in sorted(found.items()):
        if day not in keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            gone.append(path)
    return gone


def daily_backup(db: Database | str, today: dt.date | None = None) -> Path | None:
    """Today's automatic backup of a SQLite store, once a day; None when there is nothing to do
    (PostgreSQL: the server's own backups are the database administrator's)."""
    url = db if isinstance(db, str) else db.url
    source = sqlite_file(url)
    if source is None or not source.exists():
        return None
    today = today or dt.date.today()
    folder = backups_folder(url)
    target = folder / daily_name(source.stem, today)
    if target.exists():
        return None
    try:
        copy_sqlite(source, target)
    except DomainError as exc:
        raise DomainError(f"今天的自动备份没有完成（数据没有受影响）：{exc.message}") from exc
    rotate(folder, source.stem)
    return target


# --- the list on the admin's page -------------------------------------------------------------


def _file(path: Path, kind: str) -> BackupFile:
    st = path.stat()
    taken = dt.datetime.fromtimestamp(st.st_mtime)
    return BackupFile(str(path), path.name, st.st_size, taken, kind)


def list_backups(db: Database) -> BackupsView:
    """The automatic and pre-upgrade backups of this store, newest first."""
    folder = backups_folder(db.url)
    stem = _store_stem(db.url)
    files: list[BackupFile] = [_file(p, "daily") for p in daily_backups(folder, stem).values()]
    source = sqlite_file(db.url)
    upgrade_places = [(source.parent, f"{stem}-*-before-*.bak.db")] if source else []
    upgrade_places.append((folder, f"{stem}-*-before-*.dump"))
    for where, glob in upgrade_places:
        if where.is_dir():
            files += [_file(p, "upgrade") for p in where.glob(glob)]
    if folder.is_dir():
        files += [_file(p, "manual") for p in folder.glob(f"{stem}-*-backup.*")]
    files.sort(key=lambda f: (f.taken, f.name), reverse=True)
    backend = "sqlite" if db.is_sqlite else "postgresql"
    return BackupsView(
        backend, str(folder), tuple(files), source is not None, suggested_name(db.url)
    )


def make_backups_folder(url: str) -> str:
    """打开备份文件夹: the folder, made if it is not there yet."""
    folder = backups_folder(url)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DomainError(f"无法建立备份文件夹 {folder}：{exc.strerror or exc}") from exc
    return str(folder)


# --- restoring ---------------------------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql", from the file's first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise DomainError(f"备份文件 {path} 不存在。") from None
    except OSError as exc:
        raise DomainError(f"无法读取备份文件 {path}：{exc.strerror or exc}") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise DomainError(f"{path} 不是返修通的备份文件（既不是 SQLite 数据库，也不是 pg_dump 备份）。")


def _known_revision(revision: str | None, path: Path) -> str:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from app.db import alembic_config

    if not revision:
        raise DomainError(f"{path} 中没有返修通的数据（没有结构版本）。")
    try:
        found = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise DomainError(
            f"备份 {path.name} 的结构版本 {revision} 比本程序新：请用新版的返修通恢复它。"
        )
    return revision


def _sqlite_revision(path: Path) -> str:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise DomainError(f"备份文件 {path} 已损坏（SQLite 完整性检查未通过）。")
            has = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            row = (
                conn.execute("SELECT version_num FROM alembic_version").fetchone() if has else None
            )
    except sqlite3.DatabaseError as exc:
        raise DomainError(f"备份文件 {path} 无法读取：{exc}") from exc
    return _known_revision(row[0] if row else None, path)


def _pg_revision(pg_restore: str, path: Path) -> str:
    said = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)])
    if said.returncode != 0:
        raise DomainError(f"备份文件 {path} 无法读取：{_tool_failed('pg_restore', said.stderr)}")
    lines = said.stdout.splitlines()
    revision = None
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            revision = lines[i + 1].strip() if lines[i + 1].strip() != "\\." else None
            break
    return _known_revision(revision, path)


NOT_EMPTY = (
    "{store} 中已经有数据（登录、单位或任务），恢复只能恢复到空的数据库，以免覆盖现有的数据："
    "请新建一个空数据库（SQLite：用 --db 指定一个新文件；PostgreSQL：createdb 新建一个数据库），"
    "恢复到那里。"
)


def _state_of(url: str) -> str:
    """ "none" (no tables), "seeded" (only what the start seeds) or "data"."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if not tables:
                return "none"
            if "alembic_version" not in tables:
                return "data"  # someone else's tables: never ours to replace
            for table in PEOPLES_TABLES:
                if table in tables and conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first():
                    return "data"
            return "seeded"
    except (OperationalError, DBAPIError) as exc:
        from app.db import describe_store_error

        raise DomainError(describe_store_error(url, exc)) from exc
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _restore_sqlite(source: Path, url: str) -> None:
    target = sqlite_file(url)
    if target is None:
        raise DomainError("只能恢复到 SQLite 数据库文件或 PostgreSQL 数据库。")
    if target.exists() and _state_of(url) == "data":
        raise DomainError(NOT_EMPTY.format(store=target))
    tmp = target.with_name(target.name + ".restoring")
    copy_sqlite(source, tmp)
    for extra in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + extra).unlink(missing_ok=True)
    os.replace(tmp, target)


def _restore_postgresql(source: Path, url: str) -> None:
    if make_url(url).get_backend_name() != "postgresql":
        raise DomainError("这是 PostgreSQL 的备份（pg_dump），只能恢复到 PostgreSQL 数据库。")
    pg_restore = pg_tool("pg_restore", url)
    _pg_revision(pg_restore, source)
    state = _state_of(url)
    if state == "data":
        raise DomainError(NOT_EMPTY.format(store=_safe(url)))
    if state == "seeded":
        # Only what a first start seeds: cleared whole, so the backup's schema comes in clean.
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    conninfo, env = _pg_parts(url)
    done = _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={conninfo}",
            str(source),
        ],
        env,
    )
    if done.returncode != 0:
        raise DomainError(
            f"恢复没有完成，数据库仍是空的：{_tool_failed('pg_restore', done.stderr)}"
        )


def _chain(db: Database) -> tuple[bool, str]:
    """The whole audit chain, the number series and the states, checked (helper B's verify)."""
    from app.services.kernel.chain import verify_store

    report = verify_store(db)
    return report.ok, report.summary()


def _counts(db: Database) -> tuple[tuple[str, int], ...]:
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        return tuple(
            (label, int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0))
            for table, label in COUNTED
            if table in tables
        )


def restore(url: str, source: str | Path) -> RestoreDone:
    """Bring the backup `source` back into the empty store at `url` and check it.

    Refused when the store holds data. The backup's schema revision must be one this program
    knows; an older one is upgraded. Then the audit chain is verified.
    """
    source = Path(source).expanduser()
    kind = backup_kind(source)
    if kind == "sqlite":
        if sqlite_file(url) is None:
            raise DomainError("这是 SQLite 数据库的备份，只能恢复到 SQLite 数据库文件。")
        _sqlite_revision(source)
        _restore_sqlite(source, url)
    else:
        _restore_postgresql(source, url)
    db = Database(url)
    try:
        restored = db.current_revision()
        upgraded_from = None
        if restored != HEAD_REVISION:
            db.upgrade()
            upgraded_from = restored
        ok, message = _chain(db)
        with db.transaction() as session:
            audit.record(session, command_line_actor(), "store", 0, "restore", "", source.name)
        return RestoreDone(
            _safe(url), str(db.current_revision()), upgraded_from, _counts(db), ok, message
        )
    finally:
        db.dispose()
