"""Engine and session factory from settings, SQLite pragmas, schema upgrade at start."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.errors import Conflict, DomainError, StoreBusy, StoreUnavailable

READ_ONLY = "fanxiu_read_only"
CHANGED_MEANWHILE = "这条记录已被其他工位修改，本次操作没有保存：请查看最新内容后再操作。"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(foreign_keys: bool) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Manage transactions ourselves so BEGIN IMMEDIATE is ours (FIELD_NOTES.md).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    return on_connect


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL, FULL sync and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).expanduser().parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(f"无法创建数据目录 {parent}：{exc.strerror}") from exc
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas(foreign_keys))

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # A deferred BEGIN that reads then writes fails at once when another desk wrote;
            # reads alone keep a deferred BEGIN so they never wait for a writer (WAL).
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
        isolation_level="READ COMMITTED",
    )


# The newest migration. The start compares the store's alembic_version with it by plain SQL,
# so alembic (0.6 s of imports) loads only when an upgrade is due; a test checks it is the head.
HEAD_REVISION = "0018"


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class Database:
    """One store: the engine and the factory of sessions, one session per person's action."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        # Read-mostly reference data (the calendar, deadline rules) kept between actions.
        self.cache: dict[str, Any] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on error."""
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:
            raise _store_error(self.url, exc) from exc
        except StaleDataError as exc:
            # A row changed by another desk since this session read it (version_id_col).
            raise Conflict(CHANGED_MEANWHILE) from exc
        except IntegrityError as exc:
            refused = store_refusal(exc)
            if refused:
                raise DomainError(refused) from exc
            # Two desks adding the same new thing at once; the step is rolled back whole.
            raise DomainError(
                "其他工位刚刚提交了相同的数据，本次操作未保存，请刷新后重试。"
            ) from exc

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; nothing it does is written."""
        try:
            with self._read_sessions() as session:
                yield session
                session.rollback()
        except OperationalError as exc:
            raise _store_error(self.url, exc) from exc

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(describe_store_error(self.url, exc)) from exc

    def has_tables(self) -> bool:
        with self.engine.connect() as conn:
            return bool(inspect(conn).get_table_names())

    def upgrade(self) -> Path | None:
        """Bring the schema to head; a store with data is backed up first (SQLite: beside the
        file; PostgreSQL: pg_dump, and without it no upgrade). Returns the backup."""
        current = self.current_revision()
        if current == HEAD_REVISION:
            return None
        from alembic import command

        head = head_revision()
        if current == head:
            return None
        backup = None
        if current is not None:
            # The service knows pg_dump; imported here, where an upgrade is due (issue 9).
            from app.services.admin.backup import backup_before_upgrade

            backup = backup_before_upgrade(self, head or HEAD_REVISION)
        # Foreign keys off while alembic rebuilds tables, or ON DELETE CASCADE empties children.
        migration_engine = make_engine(self.url, foreign_keys=False)
        try:
            with migration_engine.begin() as conn:
                command.upgrade(alembic_config(conn), "head")
            if self.is_sqlite:
                with migration_engine.connect() as conn:
                    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise StoreUnavailable(f"升级后外键检查失败：{bad[:3]}")
        except OperationalError as exc:
            raise StoreUnavailable(describe_store_error(self.url, exc)) from exc
        finally:
            migration_engine.dispose()
        return backup

    def backup(self, suffix: str = "") -> Path:
        """A consistent copy of the SQLite file through the backup API, beside the original."""
        database = make_url(self.url).database
        assert database, "backup needs a SQLite file"
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = Path(database).with_name(f"{Path(database).stem}-{stamp}-{suffix}.bak.db")
        # Whole or not at all: a half-written copy never carries the backup's name.
        part = target.with_name(target.name + ".part")
        source = sqlite3.connect(database, timeout=30)
        try:
            dest = sqlite3.connect(part)
            with dest:
                source.backup(dest)
            dest.close()
            part.replace(target)
        finally:
            source.close()
            part.unlink(missing_ok=True)
        return target

    def dispose(self) -> None:
        self.engine.dispose()


BUSY = "另一工位正在保存，等待超时：本次操作没有保存，请稍候再试一次。"


# What the store's own triggers say when they refuse (migration 0014): shown as they say it.
STORE_REFUSALS = ("已出具的记录不能修改", "保存期限内不得删除")


def store_refusal(exc: IntegrityError) -> str:
    """The trigger's message when the store refused a change of an issued record or a deletion
    inside the retention, else ""."""
    text = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
    return text if any(word in text for word in STORE_REFUSALS) else ""


def _store_error(url: str, exc: OperationalError) -> DomainError:
    """What a person reads when the store refuses: "database is locked" never reaches them."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return StoreBusy(BUSY)
    return StoreUnavailable(describe_store_error(url, exc))


def describe_store_error(url: str, exc: Exception) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"无法打开数据库文件 {parsed.database}：{getattr(exc, 'orig', exc)}"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"数据库服务器 {where} 没有响应或拒绝连接，请检查网络和服务器。"


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open the store at `url` and bring its schema up to date."""
    db = Database(url)
    if upgrade:
        db.upgrade()
    return db
