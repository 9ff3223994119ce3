"""Logins: argon2-hashed passwords under a policy, sign-in with a growing wait and a lock.

The rules (issue 8):
- a password has at least 8 characters, is not (and does not contain) the login name, and is not
  on the list of common passwords shipped beside this module (common_passwords.txt);
- after 5 wrong passwords in a row the login must wait 1 minute before the next try, doubling
  with each further wrong one (2, 4, 8, 16 minutes); the 10th locks it until an admin unlocks it;
- every refused sign-in is audited (when, which login name was typed, even one that does not
  exist, why, from which computer);
- an unknown login and a wrong password take the same time to refuse: both run exactly one
  argon2 verification (an unknown login against a dummy hash);
- the policy binds the doors where a person chooses a password (the window, the command line).
  Code acting as the system (the demo's published logins, tests) is not a person choosing one.
"""

from __future__ import annotations

import datetime as dt
import getpass
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError
from app.models.base import utcnow
from app.models.org import Permission, Role, Unit, UnitKind, User
from app.services.kernel import audit
from app.services.kernel.context import Actor, require

# OWASP's Password Storage Cheat Sheet lists argon2id with m=19 MiB, t=2, p=1 as an acceptable
# minimum. argon2-cffi's defaults (64 MiB, t=3, p=4) cost 234-300 ms here, which the person feels
# at every sign-in and which doubles when a window and the command line sign in together; these
# cost ~60 ms. Hashes made with other parameters are still verified (argon2 reads them from the
# hash) and rewritten with these at the next good sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
MAX_LENGTH = 128
WAIT_AFTER = 5  # wrong passwords in a row before the first wait
FIRST_WAIT = dt.timedelta(minutes=1)  # doubling with every further wrong one
LOCK_AFTER = 10  # wrong passwords in a row that lock the login until an admin unlocks it

WRONG = "用户名或密码不正确。"
LOCKED = "登录“{login}”因连续 {count} 次密码错误已被锁定，请联系系统管理员解锁。"
WAIT = "密码错误次数过多，请在 {left}后再试。"
INACTIVE = "登录“{login}”已停用，请联系系统管理员。"
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


class SignInRefused(DomainError):
    """A sign-in refused; `wait` is how long until the next try is heard (zero when it is now)."""

    def __init__(self, message: str, wait: dt.timedelta = dt.timedelta(0)) -> None:
        super().__init__(message)
        self.wait = wait


def actor_for(user: User, unit: Unit) -> Actor:
    return Actor(
        user.id, user.display_name, user.role, unit.id, unit.name, generation=user.generation
    )


def has_users(db: Database) -> bool:
    with db.reading() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))


# --- the policy -------------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def password_problem(login_name: str, password: str) -> str:
    """What is wrong with `password` for `login_name`, in the person's words; "" when it will do."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位。"
    if len(password) > MAX_LENGTH:
        return f"密码最长 {MAX_LENGTH} 位。"
    lowered = password.lower()
    login = login_name.strip().lower()
    if login and (lowered == login or (len(login) >= 3 and login in lowered)):
        return "密码不能是登录名，也不能包含登录名。"
    if lowered in common_passwords():
        return "这个密码太常见，容易被猜到，请换一个。"
    if len(set(lowered)) < 4:
        return "密码中不同的字符太少，容易被猜到，请换一个。"
    return ""


def check_password(login_name: str, password: str) -> None:
    problem = password_problem(login_name, password)
    if problem:
        raise DomainError(problem)


def check_login_name(login_name: str) -> str:
    login = login_name.strip()
    if not login:
        raise DomainError("登录名不能为空。")
    if len(login) > 50 or any(ch.isspace() for ch in login):
        raise DomainError("登录名最长 50 个字符，中间不能有空格。")
    return login


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# --- signing in -------------------------------------------------------------------------------


def wait_after(failures: int) -> dt.timedelta:
    """How long a login waits after `failures` wrong passwords in a row."""
    if failures < WAIT_AFTER:
        return dt.timedelta(0)
    return FIRST_WAIT * 2 ** (failures - WAIT_AFTER)


def wait_left(user: User, now: dt.datetime) -> dt.timedelta:
    if user.last_failed_at is None:
        return dt.timedelta(0)
    return max(dt.timedelta(0), user.last_failed_at + wait_after(user.failed_sign_ins) - now)


def say_wait(left: dt.timedelta) -> str:
    seconds = max(1, int(left.total_seconds() + 0.999))
    minutes, seconds = divmod(seconds, 60)
    if minutes and seconds:
        return f"{minutes} 分 {seconds} 秒"
    return f"{minutes} 分钟" if minutes else f"{seconds} 秒"


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of nothing anyone types, made with the current parameters."""
    return hasher.hash("\x00fanxiu-no-such-login\x00")


def _verify(password_hash: str | None, password: str) -> bool:
    """One argon2 verification, whether or not the login exists (the same time either way)."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(_hasher), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def _workstation() -> str:
    try:
        return f"{socket.gethostname()}/{getpass.getuser()}"
    except (KeyError, OSError):
        return socket.gethostname()


@dataclass(frozen=True)
class _Seen:
    """What a sign-in read of a login before verifying (outside any write lock)."""

    id: int
    login: str
    password_hash: str
    active: bool
    locked: bool
    failures: int
    wait: dt.timedelta


def login(db: Database, login_name: str, password: str) -> Actor:
    """Sign in; raises SignInRefused with the reason a person may be told."""
    typed = login_name.strip()[:50]
    now = utcnow()
    with db.reading() as session:
        user = session.scalar(select(User).where(User.login == typed)) if typed else None
        seen = (
            None
            if user is None
            else _Seen(
                user.id,
                user.login,
                user.password_hash,
                user.active,
                user.locked_at is not None,
                user.failed_sign_ins,
                wait_left(user, now),
            )
        )
    if seen is not None and seen.locked:
        _refused(db, typed, seen.id, "已锁定")
        raise SignInRefused(LOCKED.format(login=seen.login, count=seen.failures))
    if seen is not None and seen.wait:
        _refused(db, typed, seen.id, f"须等待 {say_wait(seen.wait)}")
        raise SignInRefused(WAIT.format(left=say_wait(seen.wait)), seen.wait)
    # The hashing runs outside any transaction: it must not hold the store's write lock.
    good = _verify(seen.password_hash if seen else None, password)
    if seen is None:
        _refused(db, typed, 0, "用户名不存在")
        raise SignInRefused(WRONG)
    if not good:
        raise _wrong_password(db, typed, seen.id, now)
    if not seen.active:
        _refused(db, typed, seen.id, "已停用")
        raise SignInRefused(INACTIVE.format(login=seen.login))
    return _signed_in(db, seen.id, password, now)


def _refused(db: Database, typed: str, user_id: int, why: str) -> None:
    """Audit a refused sign-in: who typed which name, when (the event's time), where, why."""
    door = Actor(None, typed or "（空用户名）", None, None)
    with db.transaction() as session:
        audit.record(
            session, door, "user", user_id, "sign_in_failed", "", typed, f"{why}；{_workstation()}"
        )


def _wrong_password(
    db: Database, typed: str, user_id: int, now: dt.datetime, wrong: str = WRONG
) -> SignInRefused:
    """Count a wrong password (the wait, the lock) and audit it; returns what to raise."""
    with db.transaction() as session:
        user = session.get_one(User, user_id, with_for_update=True)
        user.failed_sign_ins += 1
        user.last_failed_at = now
        count = user.failed_sign_ins
        if count >= LOCK_AFTER and user.locked_at is None:
            user.locked_at = now
        door = Actor(None, typed, None, None)
        why = f"密码错误（连续第 {count} 次）" + ("，已锁定" if user.locked_at else "")
        audit.record(
            session, door, "user", user_id, "sign_in_failed", "", typed, f"{why}；{_workstation()}"
        )
        login_name = user.login
    if count >= LOCK_AFTER:
        return SignInRefused(LOCKED.format(login=login_name, count=count))
    wait = wait_after(count)
    if wait:
        return SignInRefused(f"{wrong}{WAIT.format(left=say_wait(wait))}", wait)
    left = WAIT_AFTER - count
    hint = f"再错 {left} 次须等待后才能再试。" if left <= 2 else ""
    return SignInRefused(wrong + hint)


def _signed_in(db: Database, user_id: int, password: str, now: dt.datetime) -> Actor:
    with db.transaction() as session:
        user = session.get_one(User, user_id, with_for_update=True)
        user.failed_sign_ins = 0
        user.last_failed_at = None
        user.last_sign_in_at = now
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        actor = actor_for(user, session.get_one(Unit, user.unit_id))
        audit.record(session, actor, "user", user.id, "sign_in", "", user.login, _workstation())
        return actor


def change_own_password(db: Database, actor: Actor, old: str, new: str) -> None:
    """Everyone changes their own password; the old one is asked again (a desk left open)."""
    if actor.user_id is None:
        raise DomainError("只有登录的用户才能修改自己的密码。")
    with db.reading() as session:
        user = session.get_one(User, actor.user_id)
        login_name, stored = user.login, user.password_hash
    if not _verify(stored, old):
        raise _wrong_password(db, login_name, actor.user_id, utcnow(), "原密码不正确。")
    check_password(login_name, new)
    if new == old:
        raise DomainError("新密码不能与原密码相同。")
    new_hash = _hasher.hash(new)
    with db.transaction() as session:
        user = session.get_one(User, actor.user_id)
        audit.record(session, actor, "user", user.id, "password_changed", "", "", "本人修改")
        user.password_hash = new_hash


# --- creating logins --------------------------------------------------------------------------


def create_user(
    db: Database,
    actor: Actor,
    login_name: str,
    display_name: str,
    password: str,
    role: Role,
    unit_name: str,
) -> Actor:
    """A new login; the password policy holds unless the system itself (code) creates it."""
    require(actor, Permission.manage_users)
    if not actor.system:
        check_password(login_name, password)
    with db.transaction() as session:
        user = add_login(session, actor, login_name, display_name, password, role, unit_name)
        return actor_for(user, user.unit)


def create_first_admin(db: Database, login_name: str, display_name: str, password: str) -> Actor:
    """Only while there is no login at all: the first start (window or `fanxiu setup`)."""
    check_password(login_name, password)
    with db.transaction() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise DomainError("系统中已有登录账号，不能再创建初始管理员。")
        unit = session.scalar(select(Unit).where(Unit.kind == UnitKind.materials_dept))
        if unit is None:
            unit = Unit(name="物资管理部门", kind=UnitKind.materials_dept)
            session.add(unit)
            session.flush()
        system = Actor(None, "首次启动", None, None, system=True)
        user = add_login(session, system, login_name, display_name, password, Role.admin, unit.name)
        return actor_for(user, unit)


def add_login(
    session: Session,
    actor: Actor,
    login_name: str,
    display_name: str,
    password: str,
    role: Role,
    unit_name: str,
) -> User:
    """Add a login inside the caller's transaction (the caller checked permission and policy)."""
    login_name = check_login_name(login_name)
    if not password:
        raise DomainError("密码不能为空。")
    if session.scalar(select(User).where(User.login == login_name)):
        raise DomainError(f"登录名 {login_name} 已存在。")
    unit = session.scalar(select(Unit).where(Unit.name == unit_name.strip()))
    if unit is None:
        raise DomainError(f"单位“{unit_name}”不存在。")
    if not unit.active:
        raise DomainError(f"单位“{unit_name}”已停用，不能再添加登录。")
    user = User(
        login=login_name,
        display_name=display_name.strip() or login_name,
        password_hash=_hasher.hash(password),
        role=Role(role),
        unit=unit,
        failed_sign_ins=0,
        generation=0,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user", user.id, "create", "", f"{login_name} {role} {unit.name}")
    return user
