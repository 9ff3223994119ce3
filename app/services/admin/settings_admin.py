"""The installation's settings (app/settings.py) as the admin's settings page edits them: read,
checked, written to the settings file and audited in the store; and a test of a store's address."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from app.db import Database, make_engine
from app.errors import DomainError
from app.models.org import Permission
from app.services.kernel import audit
from app.services.kernel.context import Actor, require
from app.settings import Settings, default_database_url

LABEL_SIZES = ("60x40", "a4")
GAP_RANGE = (20, 500)  # ms between a scanner's keys; a person types slower than 500
EDITABLE = ("database_url", "printer_name", "label_size", "scan_max_key_gap_ms", "last_directory")


@dataclass(frozen=True)
class SettingsView:
    database_url: str  # as configured; "" means the SQLite file in the data folder
    default_url: str  # that SQLite file
    in_use_url: str  # the store this program opened, its password hidden
    overridden_by: str  # "FANXIU_DATABASE_URL" or "--db" when the settings file is not what counts
    printer_name: str
    label_size: str
    scan_max_key_gap_ms: int
    last_directory: str
    open_tasks: int  # logins whose open handover task the desk remembers
    path: str  # the settings file


@dataclass(frozen=True)
class StoreCheck:
    ok: bool
    message: str


def safe_url(url: str) -> str:
    """A store address fit for the audit and the window: never its password."""
    if not url:
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（格式不对的地址）"


def read_settings(db: Database) -> SettingsView:
    s = Settings()
    configured = str(s.get("database_url") or "")
    override = ""
    if os.environ.get("FANXIU_DATABASE_URL"):
        override = "FANXIU_DATABASE_URL"
    elif db.url != (configured or default_database_url()):
        override = "--db"
    return SettingsView(
        database_url=configured,
        default_url=default_database_url(),
        in_use_url=safe_url(db.url),
        overridden_by=override,
        printer_name=str(s.get("printer_name") or ""),
        label_size=str(s.get("label_size")),
        scan_max_key_gap_ms=int(s.get("scan_max_key_gap_ms")),
        last_directory=str(s.get("last_directory") or ""),
        open_tasks=len(s.get("desk_open_tasks") or {}),
        path=str(s.path),
    )


def _check_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DomainError(
            "数据库地址格式不对：SQLite 文件写作 sqlite:///路径，"
            "PostgreSQL 写作 postgresql://用户:密码@服务器:5432/数据库名。"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DomainError("只支持 SQLite 文件或 PostgreSQL 服务器。")
    if parsed.get_backend_name() == "sqlite" and not parsed.database:
        raise DomainError("请填写 SQLite 数据库文件的位置。")
    return url


def _checked(key: str, value: Any) -> Any:
    if key == "database_url":
        return _check_url(str(value))
    if key == "label_size":
        if value not in LABEL_SIZES:
            raise DomainError("标签尺寸只能是 60×40 热敏标签或 A4 标签页。")
        return value
    if key == "scan_max_key_gap_ms":
        gap = int(value)
        if not GAP_RANGE[0] <= gap <= GAP_RANGE[1]:
            raise DomainError(f"扫码枪按键间隔应在 {GAP_RANGE[0]} 到 {GAP_RANGE[1]} 毫秒之间。")
        return gap
    if key == "last_directory":
        folder = str(value).strip()
        if folder and not Path(folder).is_dir():
            raise DomainError(f"文件夹 {folder} 不存在。")
        return folder
    return str(value).strip()


def _shown(key: str, value: Any) -> str:
    return safe_url(str(value)) if key == "database_url" else str(value)


def save_settings(db: Database, actor: Actor, values: Mapping[str, Any]) -> SettingsView:
    """Write the changed settings and audit each; the store address counts at the next start."""
    # The installation's settings are the system administrator's, as the logins are.
    require(actor, Permission.manage_users)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(f"没有这些设置项：{'、'.join(sorted(unknown))}")
    settings = Settings()
    changed = {k: _checked(k, v) for k, v in values.items()}
    changed = {k: v for k, v in changed.items() if v != settings.get(k)}
    with db.transaction() as session:
        for key, value in changed.items():
            old, new = _shown(key, settings.get(key)), _shown(key, value)
            audit.record(session, actor, "setting", 0, f"set {key}", old, new)
        try:
            for key, value in changed.items():
                settings.set(key, value)
        except OSError as exc:
            raise DomainError(f"无法写入设置文件 {settings.path}：{exc.strerror or exc}") from exc
    return read_settings(db)


def forget_open_tasks(db: Database, actor: Actor) -> SettingsView:
    """The handover desk stops reopening the task each login had open."""
    require(actor, Permission.manage_users)
    settings = Settings()
    with db.transaction() as session:
        audit.record(session, actor, "setting", 0, "set desk_open_tasks", "…", "")
        try:
            settings.set("desk_open_tasks", {})
        except OSError as exc:
            raise DomainError(f"无法写入设置文件 {settings.path}：{exc.strerror or exc}") from exc
    return read_settings(db)


def check_store(url: str) -> StoreCheck:
    """Try a store's address (off the GUI thread: a server that does not answer takes seconds)."""
    try:
        url = _check_url(url) or default_database_url()
    except DomainError as exc:
        return StoreCheck(False, str(exc))
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if path.exists():
            return StoreCheck(True, f"数据库文件 {path} 存在。")
        if path.parent.is_dir() and os.access(path.parent, os.W_OK):
            return StoreCheck(True, f"文件 {path} 尚不存在，下次启动时在此新建。")
        return StoreCheck(False, f"文件夹 {path.parent} 不存在或不能写入。")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
            tables = inspect(conn).get_table_names()
            revision = (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in tables
                else None
            )
    except (OperationalError, DBAPIError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        return StoreCheck(False, f"连接失败：服务器 {where} 没有应答或拒绝连接（{reason}）。")
    finally:
        engine.dispose()
    if revision:
        said = f"该数据库已有返修通的数据（结构版本 {revision}）。"
    elif tables:
        said = "该数据库已有其他表，不是返修通的数据库，请换一个空数据库。"
        return StoreCheck(False, f"服务器有应答（PostgreSQL {version}），但{said}")
    else:
        said = "该数据库是空的，下次启动时建立返修通的表。"
    return StoreCheck(True, f"连接成功：PostgreSQL {version}。{said}")
