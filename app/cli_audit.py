"""Commands for the audit trail: verify (issue 9).

`fanxiu verify [--json] [--tail N]` walks the audit chain, the record numbers of every series
and the states of lines and tasks (app/services/kernel/chain.py). Exit 0 when the store is
whole; exit 1 naming the first broken or missing event, the missing record numbers and the rows
whose state no event explains. It changes nothing, so it needs no sign-in.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_BROKEN = 0, 1
SHOWN = 20  # findings of each kind printed; --json carries up to chain.KEEP


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to `fanxiu`."""
    verify = sub.add_parser(
        "verify",
        parents=[common],
        help="校验审计链、各记录编号序列与状态：完整时退出码 0，否则 1 并指出问题",
    )
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--tail", type=int, metavar="N", help="只校验最近 N 条审计事件与各序列的最新编号"
    )


def cmd_verify(args: argparse.Namespace) -> int:
    from app.services.kernel import chain
    from app.services.kernel.bootstrap import open_store
    from app.settings import resolve_database_url

    db = open_store(resolve_database_url(getattr(args, "db", None)))
    try:
        report = chain.verify_store(db, tail=args.tail)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(chain.to_json(report), ensure_ascii=False))
        return EXIT_OK if report.ok else EXIT_BROKEN
    out = sys.stdout if report.ok else sys.stderr
    print(report.summary(), file=out)
    if not report.ok:
        for title, items in (
            ("审计事件", [f.message for f in report.chain]),
            ("缺失的记录编号", list(report.missing_numbers)),
            ("状态无从解释的数据", [f.message for f in report.unexplained]),
        ):
            if items:
                print(f"{title}：", file=out)
                for text in items[:SHOWN]:
                    print(f"  {text}", file=out)
                if len(items) > SHOWN:
                    print(f"  ……另有 {len(items) - SHOWN} 项（--json 可见全部）", file=out)
    print(f"已核对 {report.events:,} 条审计事件，用时 {report.seconds:.1f} 秒。", file=out)
    return EXIT_OK if report.ok else EXIT_BROKEN


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {"verify": cmd_verify}
