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
        Option("printer_name", "", "printer the print dialog starts on; empty: the system default"),
        Option("label_size", "60x40", "item label size the dispatch page starts on: 60x40 or a4"),
        Option("scan_max_key_gap_ms", 80, "a scanner types faster than this between keys"),
        Option("last_directory", "", "where the open and save dialogs start: the last folder used"),
        Option(
            "desk_open_tasks",
            {},
            "the task each login had open at the handover desk (login -> task number), reopened"
            " when the program starts again",
        ),
    )
}


# Options that once were and are read by nothing now: an old settings file may still hold them.
RETIRED = frozenset({"page_size"})


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
            raw = {k: v for k, v in raw.items() if k not in RETIRED}
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


def setting_or_default(key: str) -> Any:
    """A setting where a broken or unreadable settings file must not stop the work: the default."""
    try:
        return Settings().get(key)
    except (OSError, ValueError, UnknownSetting):
        return OPTIONS[key].default
