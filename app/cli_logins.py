"""The command line signs in like the window (issue 8): `--login NAME`, the password from
FANXIU_PASSWORD or asked on the terminal; and the commands that manage logins: `setup` (the first
admin of an empty store), `user add|list|reset-password|unlock|deactivate|reactivate`, `passwd`.

A command that changes data acts as the signed-in login, so the services' permission checks and
the audit name that login; without one it exits 1 before it opens the store, having changed
nothing. Services are imported inside the functions: `fanxiu --version` stays fast.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.db import Database
    from app.models.org import Role
    from app.services.kernel.context import Actor

PASSWORD_ENV = "FANXIU_PASSWORD"
NEW_PASSWORD_ENV = "FANXIU_NEW_PASSWORD"
NEEDS_LOGIN = (
    "此命令会修改数据，须先登录：请加 --login 用户名"
    f"（密码取自环境变量 {PASSWORD_ENV}，或在终端中输入）。"
)
NO_LOGINS_YET = "这个数据库还没有设置任何登录：请先运行 fanxiu setup --admin 用户名。"
TODAY_ONLY_DEMO = (
    "--today 只能用于演示数据库：正式数据库按今天的日期计算，报告不能为尚未到来的日期出具。"
)


class CommandRefused(Exception):
    """A command refused before it did anything; its message is the one line the shell shows."""


def add_login_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--login",
        metavar="用户名",
        help=f"以该登录执行（密码取自环境变量 {PASSWORD_ENV}，未设置时在终端中询问）",
    )


def require_login_given(args: argparse.Namespace) -> str:
    """The login named on the command line; checked before the store is even opened."""
    login = (getattr(args, "login", None) or "").strip()
    if not login:
        raise CommandRefused(NEEDS_LOGIN)
    return login


def _ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise CommandRefused(
            f"没有提供密码：请设置环境变量 {PASSWORD_ENV} / {NEW_PASSWORD_ENV}，或在终端中运行以输入。"
        )
    return getpass.getpass(prompt)


def password_from_env_or_terminal(login: str) -> str:
    password = os.environ.get(PASSWORD_ENV)
    return password if password is not None else _ask(f"{login} 的密码：")


def new_password_from(env: str, whose: str) -> str:
    """A new password from `env`, else asked twice on the terminal."""
    password = os.environ.get(env)
    if password is not None:
        return password
    first = _ask(f"{whose} 的新密码：")
    if _ask("再次输入新密码：") != first:
        raise CommandRefused("两次输入的密码不一致，没有修改任何内容。")
    return first


def sign_in(args: argparse.Namespace, db: Database) -> Actor:
    """The actor of a data-changing command: the login named by --login, its password checked
    with the same rules as the window's (wait, lock, audit)."""
    from app.services.kernel import auth

    login = require_login_given(args)
    if not auth.has_users(db):
        # Not "wrong password" (and no failed sign-in audited): nobody has set this store up yet.
        raise CommandRefused(NO_LOGINS_YET)
    return auth.login(db, login, password_from_env_or_terminal(login))


def check_today(args: argparse.Namespace, db: Database) -> None:
    """`--today` pretends another day is today: only on the demo's made-up data."""
    from app.services.kernel.store_kind import is_demo_store

    if getattr(args, "today", None) is not None and not is_demo_store(db):
        raise CommandRefused(TODAY_ONLY_DEMO)


def refuse_demo_on_a_store_with_logins(db: Database) -> None:
    """`fanxiu demo` signs in nobody: it may fill only a store nobody has set up yet."""
    from app.services.kernel import auth

    if auth.has_users(db):
        raise CommandRefused(
            "数据库中已有登录账号：演示数据只能载入全新的空数据库（请换一个数据目录或 --db）。"
        )


# --- the commands that manage logins ----------------------------------------------------------


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    setup = sub.add_parser(
        "setup",
        parents=[common],
        help="为空数据库创建第一个系统管理员（密码取自 FANXIU_PASSWORD）",
    )
    setup.add_argument("--admin", required=True, metavar="用户名")
    setup.add_argument("--name", default="", metavar="姓名")

    passwd = sub.add_parser(
        "passwd",
        parents=[common],
        help="修改自己的密码（原密码取自 FANXIU_PASSWORD，新密码取自 FANXIU_NEW_PASSWORD）",
    )
    add_login_option(passwd)

    user = sub.add_parser("user", parents=[common], help="管理登录账号（须系统管理员登录）")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="操作")
    add = actions.add_parser(
        "add", parents=[common], help="添加登录（新密码取自 FANXIU_NEW_PASSWORD 或在终端输入）"
    )
    add.add_argument("new_login", metavar="LOGIN")
    add.add_argument("--name", required=True, metavar="姓名")
    add.add_argument("--unit", required=True, metavar="单位")
    add.add_argument("--role", required=True, type=_role, metavar="角色", help=_ROLE_HELP)
    add_login_option(add)
    listing = actions.add_parser("list", parents=[common], help="列出所有登录")
    listing.add_argument("--json", action="store_true")
    add_login_option(listing)
    for name, text in (
        ("reset-password", "重设密码（新密码取自 FANXIU_NEW_PASSWORD 或在终端输入），并解除锁定"),
        ("unlock", "解除因密码错误造成的锁定"),
        ("deactivate", "停用登录（立即生效）"),
        ("reactivate", "重新启用登录"),
    ):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("target", metavar="LOGIN")
        add_login_option(action)


_ROLE_HELP = "clerk 物资交接员、engineer 维修/设计工程师、quality 质量检验员、manager 总体/主管、admin 系统管理员"


def _role(text: str) -> Role:
    from app.models.org import Role
    from app.services.kernel.terms import role_label

    for role in Role:
        if text.strip() in (role.value, role_label(role)):
            return role
    raise argparse.ArgumentTypeError(f"未知的角色：{text}（可用：{_ROLE_HELP}）")


def cmd_setup(args: argparse.Namespace, db: Database) -> int:
    from app.services.kernel import auth

    if auth.has_users(db):
        raise CommandRefused(
            "数据库中已有登录账号，setup 只用于空数据库；添加登录请用 fanxiu user add。"
        )
    password = new_password_from(PASSWORD_ENV, args.admin)
    admin = auth.create_first_admin(db, args.admin, args.name, password)
    print(f"已创建系统管理员 {args.admin}（{admin.name}，{admin.unit_name}）。")
    return 0


def cmd_passwd(args: argparse.Namespace, db: Database) -> int:
    from app.services.kernel import auth

    actor = sign_in(args, db)
    auth.change_own_password(
        db,
        actor,
        password_from_env_or_terminal(args.login),
        new_password_from(NEW_PASSWORD_ENV, args.login),
    )
    print(f"已修改 {args.login} 的密码。")
    return 0


def cmd_user(args: argparse.Namespace, db: Database) -> int:
    from app.services.admin import logins
    from app.services.kernel.terms import role_label

    actor = sign_in(args, db)
    command = args.user_command
    if command == "add":
        password = new_password_from(NEW_PASSWORD_ENV, args.new_login)
        row = logins.create_login(
            db, actor, args.new_login, args.name, args.unit, args.role, password
        )
        print(f"已添加登录 {row.login}（{row.name}，{role_label(row.role)}，{row.unit}）。")
        return 0
    if command == "list":
        return _print_logins(logins.list_logins(db, actor), args.json)
    target = logins.login_id(db, actor, args.target)
    if command == "reset-password":
        logins.reset_password(db, actor, target, new_password_from(NEW_PASSWORD_ENV, args.target))
        done = "已重设密码"
    elif command == "unlock":
        logins.unlock(db, actor, target)
        done = "已解除锁定"
    else:
        logins.set_active(db, actor, target, command == "reactivate")
        done = "已重新启用" if command == "reactivate" else "已停用"
    print(f"{done}：{args.target}")
    return 0


def _print_logins(rows: list[Any], as_json: bool) -> int:
    from app.services.kernel.terms import role_label

    if as_json:
        print(
            json.dumps(
                [
                    {
                        "login": r.login,
                        "name": r.name,
                        "role": r.role.value,
                        "unit": r.unit,
                        "active": r.active,
                        "locked": r.locked,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return 0
    for r in rows:
        state = "已停用" if not r.active else "已锁定" if r.locked else "在用"
        print(f"{r.login:<16} {r.name:<8} {role_label(r.role):<8} {r.unit:<12} {state}")
    return 0
