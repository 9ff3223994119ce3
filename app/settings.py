"""Installation settings: every key declared once here with its default, stored in a JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "FanXiu"


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    doc: str


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("database_url", "", "SQLAlchemy URL; empty means the SQLite file in the data dir"),
        Option("printer_name", "", "printer for records; empty means the system default"),
        Option("label_size", "60x40", "item label size: 60x40 (thermal) or a4"),
        Option("scan_max_key_gap_ms", 80, "a scanner types faster than this between keys"),
        Option("page_size", 300, "rows read from the database per page in tables"),
        Option("last_directory", "", "where the open and save dialogs start: the last folder used"),
        Option(
            "desk_open_tasks",
            {},
            "the task each login had open at the handover desk (login -> task number), reopened"
            " when the program starts again",
        ),
    )
}


class UnknownSetting(KeyError):
    pass


def data_dir() -> Path:
    override = os.environ.get("FANXIU_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def config_file() -> Path:
    override = os.environ.get("FANXIU_DATA_DIR")
    base = Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, False))
    return base / "settings.json"


class Settings:
    """Values read from the settings file, falling back to each option's default."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_file()
        self._values: dict[str, Any] = {}
        if self.path.exists():
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            unknown = set(raw) - set(OPTIONS)
            if unknown:
                raise UnknownSetting(f"unknown settings in {self.path}: {sorted(unknown)}")
            self._values = raw

    def get(self, key: str) -> Any:
        if key not in OPTIONS:
            raise UnknownSetting(key)
        return self._values.get(key, OPTIONS[key].default)

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise UnknownSetting(key)
        self._values[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)


def default_database_url() -> str:
    return "sqlite:///" + str(data_dir() / "fanxiu.db")


def resolve_database_url(cli_url: str | None, settings: Settings | None = None) -> str:
    """--db wins, then FANXIU_DATABASE_URL, then the settings file, then the SQLite default."""
    if cli_url:
        return cli_url
    env = os.environ.get("FANXIU_DATABASE_URL")
    if env:
        return env
    configured = (settings or Settings()).get("database_url")
    return configured or default_database_url()
