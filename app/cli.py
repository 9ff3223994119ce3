"""The `fanxiu` command: the window by default, and the same services from a shell."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app import __version__, cli_archive, cli_audit, cli_backup, cli_logins
from app.cli_logins import (
    CommandRefused,
    add_login_option,
    check_today,
    refuse_demo_on_a_store_with_logins,
    require_login_given,
    sign_in,
)

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
    add_login_option(imp)
    dl = sub.add_parser("deadlines", parents=[common], help="列出在办产品的各项时限")
    dl.add_argument("--today", type=_date, help="以该日期为“今天”计算（仅演示数据库）")
    dl.add_argument("--all", action="store_true", help="也列出已完成（按期/超期完成）的时限")
    dl.add_argument("--json", action="store_true")
    add_login_option(dl)  # issuing the reports missed deadlines call for is a change: signed in

    wd = sub.add_parser("workdays", parents=[common], help="计算某日之后第 N 个工作日")
    wd.add_argument("date", type=_date)
    wd.add_argument("n", type=int)
    wd.add_argument("--json", action="store_true")

    lab = sub.add_parser("labels", parents=[common], help="打印任务中已接收产品的标签")
    lab.add_argument("task")
    lab.add_argument("--size", choices=["60x40", "a4"], default="60x40")
    lab.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    kr = sub.add_parser("kitting-report", parents=[common], help="写出某个齐套的当前齐套情况报告")
    kr.add_argument("kit")
    kr.add_argument("-o", "--output", required=True, metavar="FILE.xlsx|FILE.pdf")
    kr.add_argument("--today", type=_date, help="以该日期为“今天”统计（仅演示数据库）")
    master = sub.add_parser(
        "import-master", parents=[common], help="导入本厂主数据清单（单位、型号）"
    )
    master.add_argument("file", metavar="FILE.xlsx")
    master.add_argument("--json", action="store_true")
    add_login_option(master)
    cli_logins.add_parsers(sub, common)
    for module in (cli_audit, cli_archive, cli_backup):
        module.add_parsers(sub, common)
    _add_calendar_parser(sub, common)
    return parser


def _add_calendar_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    cal = sub.add_parser("calendar", parents=[common], help="工作日历：读入国务院放假通知")
    actions = cal.add_subparsers(dest="calendar_command", required=True, metavar="操作")
    notice = actions.add_parser(
        "notice",
        parents=[common],
        help="读入国务院办公厅关于某年部分节假日安排的通知（文本文件），列出放假与调休上班日",
    )
    notice.add_argument("file", metavar="FILE.txt")
    notice.add_argument(
        "--apply", action="store_true", help="写入工作日历并将该年标记为正式（须系统管理员登录）"
    )
    notice.add_argument("--json", action="store_true")
    cli_logins.add_login_option(notice)


def _write(path: str, data: bytes) -> None:
    """Write whole or not at all: a half-written report is worse than none."""
    out = Path(path)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(str(out))


def _open(args: argparse.Namespace) -> Any:
    from app.services.kernel.bootstrap import open_store
    from app.settings import resolve_database_url

    return open_store(resolve_database_url(getattr(args, "db", None)))


def _fail(message: str) -> int:
    print(f"fanxiu: {message}", file=sys.stderr)
    return EXIT_ERROR


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services.admin.demo import load_demo
    from app.services.kernel.terms import record_kind_label

    db = _open(args)
    refuse_demo_on_a_store_with_logins(db)
    result = load_demo(db, args.today)
    if args.json:
        print(json.dumps({"tasks": result.tasks, "records": result.records}, ensure_ascii=False))
        return EXIT_OK
    print("演示数据已载入。")
    print("返厂任务：" + " ".join(result.tasks))
    for numbers in result.records.values():
        if numbers:  # worded by the numbers' own kind (JJ → 交接记录单), never the code name
            print(f"{record_kind_label(numbers[0].split('-')[0])}：" + " ".join(numbers))
    if result.logins:
        # The published password is the demo's alone: the policy refuses it for real logins.
        print(
            "登录账号（用户名 / 密码 / 角色 / 单位；演示密码仅供体验，正式使用的账号须另设密码）："
        )
        for login, password, role, unit in result.logins:
            print(f"  {login} / {password} / {role} / {unit}")
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from app.services.records.printing import render_record

    db = _open(args)
    _write(args.output, render_record(db, args.number))
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
    from app.services.handover.list_import import import_list, preview_list

    def report(payload: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(payload, ensure_ascii=False))

    empty: dict[str, Any] = {
        "task": None,
        "imported": 0,
        "new_models": [],
        "rejected": [],
        "warnings": [],
    }
    try:
        require_login_given(args)
        db = _open(args)
        actor = sign_in(args, db)
        user_unit = args.user_unit
        if not user_unit:
            user_unit = _user_unit_from_title(preview_list(db, args.file).title) or "未注明用户单位"
        result = import_list(
            db,
            actor,
            args.file,
            user_unit=user_unit,
            node_date=args.node_date,
            kitting_deadline=args.kitting_deadline,
            skip_bad_rows=args.skip_bad_rows,
        )
    except DomainError as exc:
        report({**empty, "error": exc.message})
        return _fail(exc.message)
    except CommandRefused as exc:
        report({**empty, "error": str(exc)})
        return _fail(str(exc))
    payload = {
        "task": result.task_number,
        "imported": result.imported,
        "new_models": list(result.new_models),
        "rejected": [{"row": row, "reason": reason} for row, reason in result.rejected],
        # Rows imported (or importable) with something to check: a cell the file held no
        # value for, a serial Excel stored as a number or a date, a logical value.
        "warnings": [{"row": row, "reason": reason} for row, reason in result.row_warnings],
    }
    report(payload)
    if not args.json:
        for row, reason in result.row_warnings:
            print(f"第 {row} 行（请核对）：{reason}", file=sys.stderr)
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


def cmd_import_master(args: argparse.Namespace) -> int:
    """`import-master FILE [--json]`: 0 imported, 2 bad rows and nothing written, 1 otherwise."""
    from app.errors import DomainError
    from app.services.admin.master_list import import_master_list

    def report(payload: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(payload, ensure_ascii=False))

    try:
        require_login_given(args)
        db = _open(args)
        result = import_master_list(db, sign_in(args, db), args.file)
    except (DomainError, CommandRefused) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        report({"units": 0, "models": 0, "rejected": [], "warnings": [], "error": message})
        return _fail(message)
    rejected = [{"sheet": r.sheet, "row": r.row, "reason": r.reason} for r in result.rejected]
    warnings = [{"sheet": r.sheet, "row": r.row, "reason": r.reason} for r in result.warnings]
    report(
        {
            "units": result.units,
            "models": result.models,
            "rejected": rejected,
            "warnings": warnings,
        }
    )
    if not args.json:
        for r in result.warnings:
            print(f"“{r.sheet}”第 {r.row} 行（请核对）：{r.reason}", file=sys.stderr)
    if result.rejected:
        if not args.json:
            for r in result.rejected:
                print(f"“{r.sheet}”第 {r.row} 行：{r.reason}", file=sys.stderr)
        print(
            f"fanxiu: 主数据清单有 {len(result.rejected)} 行有问题，未导入任何内容。",
            file=sys.stderr,
        )
        return EXIT_BAD_ROWS
    if not args.json:
        if result.units or result.models:
            print(f"已导入单位 {result.units} 个、型号 {result.models} 个。")
        else:
            print("清单中的单位和型号都已在库中，没有改动。")
    return EXIT_OK


NOT_SWEPT = "只列出时限：未登录不生成超期报告（加 --login 用户名 时一并生成）。"


def cmd_deadlines(args: argparse.Namespace) -> int:
    from app.services.kernel.terms import deadline_state_label, rule_label
    from app.services.oversight import deadlines
    from app.services.way_back import kitting

    db = _open(args)
    check_today(args, db)
    # Listing changes nothing; signed in, it also records the reports that missed deadlines
    # call for (CQ, SJ), as the window's reminders do for every login.
    issued: list[str] = []
    if args.login:
        sign_in(args, db)
        issued = deadlines.sweep(db, args.today)
    else:
        print(NOT_SWEPT, file=sys.stderr)
    rows = deadlines.list_deadlines(db, args.today, include_met=args.all)
    rows += kitting.kit_deadline_rows(db, args.today, include_met=args.all)
    rows.sort(key=lambda r: (r.deadline.due or dt.date.max, r.line))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "line": r.line,
                        "item": r.item,
                        "rule": r.deadline.rule,
                        "starts": r.deadline.starts.isoformat() if r.deadline.starts else None,
                        "due": r.deadline.due.isoformat() if r.deadline.due else None,
                        "state": r.deadline.state.value,
                        "days_left": r.deadline.days_left,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    for number in issued:
        print(f"已生成报告 {number}", file=sys.stderr)
    if not rows:
        print("没有在办的时限。")
    for r in rows:
        d = r.deadline
        left = "" if d.days_left is None else f"{d.days_left:+d} 天"
        mark = "（临时日历）" if d.provisional else ""
        print(
            f"{r.line:<20} {r.item:<28} {rule_label(d.rule):<6} "
            f"{d.starts} → {d.due} {deadline_state_label(d.state)} {left}{mark}"
        )
    return EXIT_OK


def cmd_workdays(args: argparse.Namespace) -> int:
    from app.services.kernel.calendar import nth_working_day

    answer = nth_working_day(_open(args), args.date, args.n)
    calendar = "provisional" if answer.provisional else "official"
    if args.json:
        # "provisional" beside "calendar" (issue 8): the year's notice is in or not.
        payload = {"date": answer.date.isoformat(), "calendar": calendar}
        print(json.dumps({**payload, "provisional": answer.provisional}))
    else:
        note = (
            "（临时日历：该年的法定节假日安排尚未录入，按周一至周五计算）"
            if answer.provisional
            else ""
        )
        print(f"{answer.date.isoformat()}{note}")
    return EXIT_OK


def cmd_labels(args: argparse.Namespace) -> int:
    from app.services.dispatch.item_labels import render_task_labels

    _write(args.output, render_task_labels(_open(args), args.task, args.size))
    return EXIT_OK


def cmd_kitting_report(args: argparse.Namespace) -> int:
    from app.services.way_back import kitting_report

    suffix = Path(args.output).suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        return _fail("输出文件应为 .xlsx 或 .pdf。")
    db = _open(args)
    check_today(args, db)
    if suffix == ".xlsx":
        data = kitting_report.kitting_report_xlsx(db, args.kit, args.today)
    else:
        data = kitting_report.kitting_report_pdf(db, args.kit, args.today)
    _write(args.output, data)
    return EXIT_OK


def cmd_setup(args: argparse.Namespace) -> int:
    return cli_logins.cmd_setup(args, _open(args))


def cmd_passwd(args: argparse.Namespace) -> int:
    require_login_given(args)
    return cli_logins.cmd_passwd(args, _open(args))


def cmd_user(args: argparse.Namespace) -> int:
    require_login_given(args)
    return cli_logins.cmd_user(args, _open(args))


def cmd_calendar(args: argparse.Namespace) -> int:
    """`calendar notice FILE [--apply] [--json]`: 0 read (and written), 2 unreadable text."""
    from app.services.admin.holiday_notice import NoticeUnreadable, notice_file_text, read_notice

    if args.apply:
        cli_logins.require_login_given(args)  # refused before anything is read or opened
    text = notice_file_text(args.file)  # a DomainError: one line, exit 1
    try:
        notice = read_notice(text)
    except NoticeUnreadable as exc:
        print(f"fanxiu: {exc.message}", file=sys.stderr)
        return EXIT_BAD_ROWS
    applied = None
    if args.apply:
        from app.services.kernel import calendar

        db = _open(args)
        applied = calendar.apply_notice(db, cli_logins.sign_in(args, db), notice)
    if args.json:
        days = {k: [d.isoformat() for d in getattr(notice, k)] for k in ("holidays", "workdays")}
        print(json.dumps({"year": notice.year, **days}, ensure_ascii=False))
        return EXIT_OK
    print(f"{notice.year} 年：放假 {len(notice.holidays)} 天，调休上班 {len(notice.workdays)} 天")
    for item in notice.lines:
        work = f"；{item.workdays_text} 上班" if item.workdays else ""
        print(f"  {item.name}：{item.holidays_text} 放假{work}")
    if applied is not None:
        kept = f"，保留本厂设定 {len(applied.kept)} 天" if applied.kept else ""
        print(
            f"已写入 {applied.year} 年工作日历并标记为正式日历；"
            f"与原日历相比变动 {len(applied.changes)} 天{kept}。"
        )
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from app.settings import resolve_database_url
    from app.ui.shell.app import run_gui

    return run_gui(resolve_database_url(getattr(args, "db", None)))


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo,
    "print": cmd_print,
    "import-list": cmd_import,
    "import-master": cmd_import_master,
    "deadlines": cmd_deadlines,
    "workdays": cmd_workdays,
    "labels": cmd_labels,
    "kitting-report": cmd_kitting_report,
    "setup": cmd_setup,
    "passwd": cmd_passwd,
    "user": cmd_user,
    "calendar": cmd_calendar,
    None: cmd_gui,
    **cli_audit.COMMANDS,
    **cli_archive.COMMANDS,
    **cli_backup.COMMANDS,
}


# The list reader's child in a frozen build (services/handover/sheet_guard.CHILD_FLAG).
SHEET_READER_FLAG = "--fanxiu-sheet-reader"


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if given[:1] == [SHEET_READER_FLAG]:
        # A frozen build has no `python -c`: the list reader's child is this program again
        # (services/handover/sheet_guard.py), before argparse or Qt load.
        from app.services.handover.sheet_guard import child_main

        return child_main(given)
    args = build_parser().parse_args(argv)
    from app.errors import DomainError

    try:
        return COMMANDS[args.command](args)
    except DomainError as exc:
        return _fail(exc.message)
    except CommandRefused as exc:  # refused before anything was changed
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("已中断。")
    except Exception as exc:  # one line for the person at the shell, never a traceback
        return _fail(f"内部错误：{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
