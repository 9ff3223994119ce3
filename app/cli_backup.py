"""Commands for backup and restore (issue 9).

`fanxiu backup -o FILE --login ADMIN`: a consistent copy while desks work (SQLite online backup,
PostgreSQL pg_dump), signed in as a system administrator because the copy holds every record and
every login's password hash, and audited so the trail says who holds one.
`fanxiu backup --daily`: the automatic daily copy of a SQLite store (for a scheduled task), kept
7 daily and 4 weekly, in the `backups` folder beside the file; no sign-in: it writes only there.
`fanxiu restore FILE`: into an empty store only, then checked (schema, audit chain); no sign-in,
since an empty store has no logins: the restored store's own logins guard it from then on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from app.cli_logins import add_login_option, require_login_given, sign_in

EXIT_OK, EXIT_ERROR = 0, 1


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to `fanxiu`."""
    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="备份数据库（工位工作时也可备份；须系统管理员登录）",
    )
    target = backup.add_mutually_exclusive_group(required=True)
    target.add_argument("-o", "--output", metavar="FILE", help="备份写到这个文件")
    target.add_argument(
        "--daily",
        action="store_true",
        help="每日自动备份（SQLite：写入数据库旁的 backups 文件夹，保留 7 个每日、4 个每周）",
    )
    backup.add_argument("--json", action="store_true")
    add_login_option(backup)
    restore = sub.add_parser(
        "restore", parents=[common], help="把备份恢复到空的数据库，并校验结构与审计链"
    )
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--json", action="store_true")


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": message}, ensure_ascii=False))
    print(f"fanxiu: {message}", file=sys.stderr)
    return EXIT_ERROR


def cmd_backup(args: argparse.Namespace) -> int:
    from app.errors import DomainError
    from app.services.admin import backup
    from app.settings import resolve_database_url

    if args.daily:
        try:
            made = backup.daily_backup(resolve_database_url(getattr(args, "db", None)))
        except DomainError as exc:
            return _fail(exc.message, args.json)
        if args.json:
            print(json.dumps({"file": str(made) if made else None}, ensure_ascii=False))
        elif made:
            print(str(made))
        else:
            print("今天已经备份过（或数据库不是本机的 SQLite 文件），没有新的备份。")
        return EXIT_OK
    from app.services.kernel.bootstrap import open_store

    require_login_given(args)  # refused before the store is opened
    try:
        db = open_store(resolve_database_url(getattr(args, "db", None)))
        done = backup.take_backup(db, sign_in(args, db), args.output)
    except DomainError as exc:
        return _fail(exc.message, args.json)
    if args.json:
        payload = {"file": done.path, "size": done.size, "backend": done.backend}
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(f"已备份到 {done.path}（{done.size_text}）。")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from app.errors import DomainError
    from app.services.admin import backup
    from app.settings import resolve_database_url

    try:
        done = backup.restore(resolve_database_url(getattr(args, "db", None)), args.file)
    except DomainError as exc:
        return _fail(exc.message, args.json)
    if args.json:
        payload = {
            "store": done.store,
            "revision": done.revision,
            "upgraded_from": done.upgraded_from,
            "restored": dict(done.counts),
            "chain": {"ok": done.chain_ok, "message": done.chain_message},
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        said = "，".join(f"{what} {n}" for what, n in done.counts)
        print(f"已恢复到 {done.store}：{said}。")
        if done.upgraded_from:
            print(f"备份的结构版本 {done.upgraded_from} 已升级到 {done.revision}。")
        print(done.chain_message)
    if not done.chain_ok:
        print(
            "fanxiu: 数据已恢复，但审计链校验未通过：这份备份可能被改动过，请核查后再使用。",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return EXIT_OK


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "backup": cmd_backup,
    "restore": cmd_restore,
}
