"""The `fanxiu` command: the window by default, and the same services from a shell."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__

EXIT_OK, EXIT_ERROR, EXIT_BAD_ROWS = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS keeps a --db given before the subcommand from being reset by the subparser.
    common.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="数据库 URL（默认：本机 SQLite 文件）",
    )
    parser = argparse.ArgumentParser(
        prog="fanxiu", description="返修通 FanXiu：故障产品返厂维修管理", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"fanxiu {__version__}")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", parents=[common], help="在空数据库中载入演示数据")
    demo.add_argument("--today", type=_date, help="以该日期为“今天”构造演示数据")
    demo.add_argument("--json", action="store_true")

    prt = sub.add_parser("print", parents=[common], help="把记录或任务打印为 PDF")
    prt.add_argument("number")
    prt.add_argument("-o", "--output", required=True, metavar="FILE.pdf")

    imp = sub.add_parser("import-list", parents=[common], help="导入交接清单为新的返厂任务")
    imp.add_argument("file")
    imp.add_argument("--user-unit", metavar="NAME")
    imp.add_argument("--node-date", type=_date, metavar="D")
    imp.add_argument("--kitting-deadline", type=_date, metavar="D")
    imp.add_argument("--skip-bad-rows", action="store_true")
    imp.add_argument("--json", action="store_true")
    return parser


def _open(args: argparse.Namespace) -> Any:
    from app.services.bootstrap import open_store
    from app.settings import resolve_database_url

    return open_store(resolve_database_url(getattr(args, "db", None)))


def _fail(message: str) -> int:
    print(f"fanxiu: {message}", file=sys.stderr)
    return EXIT_ERROR


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services.demo import load_demo

    db = _open(args)
    result = load_demo(db, args.today)
    if args.json:
        print(json.dumps({"tasks": result.tasks, "records": result.records}, ensure_ascii=False))
        return EXIT_OK
    print("演示数据已载入。")
    print("返厂任务：" + " ".join(result.tasks))
    for kind, numbers in result.records.items():
        print(f"{kind}: " + " ".join(numbers))
    if result.logins:
        print("登录账号（用户名 / 密码 / 角色 / 单位）：")
        for login, password, role, unit in result.logins:
            print(f"  {login} / {password} / {role} / {unit}")
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from app.services.printing import render_record

    db = _open(args)
    pdf = render_record(db, args.number)
    out = Path(args.output)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(pdf)
    tmp.replace(out)
    print(str(out))
    return EXIT_OK


def _user_unit_from_title(title: str) -> str:
    for marker in ("故障产品", "返厂", "返修", "交接清单"):
        if marker in title:
            head = title.split(marker, 1)[0].strip(" ：:")
            if head:
                return head
    return ""


def cmd_import(args: argparse.Namespace) -> int:
    from app.errors import DomainError
    from app.services.context import command_line_actor
    from app.services.imports import import_list, preview_list

    def report(payload: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(payload, ensure_ascii=False))

    empty: dict[str, Any] = {"task": None, "imported": 0, "new_models": [], "rejected": []}
    try:
        db = _open(args)
        user_unit = args.user_unit
        if not user_unit:
            user_unit = _user_unit_from_title(preview_list(db, args.file).title) or "未注明用户单位"
        result = import_list(
            db,
            command_line_actor(),
            args.file,
            user_unit=user_unit,
            node_date=args.node_date,
            kitting_deadline=args.kitting_deadline,
            skip_bad_rows=args.skip_bad_rows,
        )
    except DomainError as exc:
        report({**empty, "error": exc.message})
        return _fail(exc.message)
    payload = {
        "task": result.task_number,
        "imported": result.imported,
        "new_models": list(result.new_models),
        "rejected": [{"row": row, "reason": reason} for row, reason in result.rejected],
    }
    report(payload)
    if result.task_number is None:
        if not args.json:
            for row, reason in result.rejected:
                print(f"第 {row} 行：{reason}", file=sys.stderr)
        print(
            f"fanxiu: 清单有 {len(result.rejected)} 行有问题，未导入任何内容"
            "（可加 --skip-bad-rows 只导入无误的行）。",
            file=sys.stderr,
        )
        return EXIT_BAD_ROWS
    if not args.json:
        print(result.task_number)
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from app.settings import resolve_database_url
    from app.ui.app import run_gui

    return run_gui(resolve_database_url(getattr(args, "db", None)))


COMMANDS = {"demo": cmd_demo, "print": cmd_print, "import-list": cmd_import, None: cmd_gui}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.errors import DomainError

    try:
        return COMMANDS[args.command](args)
    except DomainError as exc:
        return _fail(exc.message)
    except KeyboardInterrupt:
        return _fail("已中断。")
    except Exception as exc:  # one line for the person at the shell, never a traceback
        return _fail(f"内部错误：{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
