"""Commands for the paper archive: archive YEAR (issue 9).

`fanxiu archive YEAR -o DIR --login NAME [--json]` writes every record numbered in YEAR as its
PDF (voided ones with their 作废 stamp) and the index workbook 记录索引-YEAR.xlsx into DIR, a new
or empty folder, whole or not at all (app/services/records/archive.py). Taking a year's records
out for the paper archive or an auditor is a person's act: it signs in (admin, manager or
quality) and is audited. Exit 0 written, 1 refused or failed (nothing written).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK = 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to `fanxiu`."""
    from app.cli_logins import add_login_option

    archive = sub.add_parser(
        "archive",
        parents=[common],
        help="导出某年全部记录的 PDF 与索引表（供纸质归档与审核；须登录）",
    )
    archive.add_argument("year", type=int, metavar="YEAR", help="记录编号中的年份，如 2026")
    archive.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="新的（或空的）文件夹"
    )
    archive.add_argument("--json", action="store_true")
    add_login_option(archive)


def cmd_archive(args: argparse.Namespace) -> int:
    from app.cli_logins import require_login_given, sign_in
    from app.services.kernel.bootstrap import open_store
    from app.services.records.archive import archive_year
    from app.settings import resolve_database_url

    require_login_given(args)  # before the store is opened
    db = open_store(resolve_database_url(getattr(args, "db", None)))
    try:
        actor = sign_in(args, db)

        def progress(done: int, total: int) -> None:
            if not args.json and sys.stderr.isatty():
                print(f"\r已生成 {done}/{total}", end="", file=sys.stderr, flush=True)

        result = archive_year(db, actor, args.year, Path(args.output), progress)
    finally:
        db.dispose()
    voided = [e.number for e in result.entries if e.voided]
    if args.json:
        payload = {
            "year": result.year,
            "directory": str(result.directory),
            "index": str(result.index),
            "records": len(result.entries),
            "voided": voided,
        }
        print(json.dumps(payload, ensure_ascii=False))
        return EXIT_OK
    if sys.stderr.isatty() and result.entries:
        print(file=sys.stderr)
    print(
        f"已导出 {result.year} 年记录 {len(result.entries)} 份（其中作废 {len(voided)} 份）"
        f"到 {result.directory}，索引：{result.index.name}"
    )
    return EXIT_OK


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {"archive": cmd_archive}
