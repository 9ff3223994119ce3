"""The admin's logins: create, change role or unit, deactivate and reactivate, reset, unlock.

Each call needs Permission.manage_users and leaves an audit event. What changes what a login
may do (deactivation, role, unit, a reset password) raises its generation, so a window that
signed in before is refused at its next write (app/services/kernel/standing.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.base import utcnow
from app.models.org import Permission, Role, Unit, UnitKind, User
from app.services.kernel import audit, auth
from app.services.kernel.context import Actor, require


@dataclass(frozen=True)
class LoginRow:
    """One login as the admin's list shows it."""

    id: int
    login: str
    name: str
    role: Role
    unit: str
    active: bool
    locked: bool
    failed_sign_ins: int
    wait_left: dt.timedelta  # how long until the next try is heard (zero: now)
    last_sign_in_at: dt.datetime | None
    created_at: dt.datetime


def _row(user: User, now: dt.datetime) -> LoginRow:
    return LoginRow(
        user.id,
        user.login,
        user.display_name,
        user.role,
        user.unit.name,
        user.active,
        user.locked_at is not None,
        user.failed_sign_ins,
        dt.timedelta(0) if user.locked_at else auth.wait_left(user, now),
        user.last_sign_in_at,
        user.created_at,
    )


def list_logins(db: Database, actor: Actor) -> list[LoginRow]:
    """Every login by login name (a factory has tens to hundreds of them: one read)."""
    require(actor, Permission.manage_users)
    now = utcnow()
    with db.reading() as session:
        users = session.scalars(select(User).join(User.unit).order_by(User.login)).all()
        return [_row(u, now) for u in users]


def login_units(db: Database, actor: Actor) -> list[str]:
    """The units a login may belong to: every active unit but the user units (they have none)."""
    require(actor, Permission.manage_users)
    with db.reading() as session:
        return list(
            session.scalars(
                select(Unit.name)
                .where(Unit.active, Unit.kind != UnitKind.user_unit)
                .order_by(Unit.kind, Unit.name)
            )
        )


def create_login(
    db: Database,
    actor: Actor,
    login_name: str,
    name: str,
    unit: str,
    role: Role,
    password: str,
) -> LoginRow:
    require(actor, Permission.manage_users)
    auth.check_password(login_name, password)
    with db.transaction() as session:
        user = auth.add_login(session, actor, login_name, name, password, role, unit)
        return _row(user, utcnow())


def _user(session: Session, login_id: int, *, lock: bool = True) -> User:
    user = session.get(User, login_id, with_for_update=lock)
    if user is None:
        raise NotFound("找不到这个登录，可能已被其他管理员修改，请刷新。")
    return user


def _not_self(actor: Actor, user: User, what: str) -> None:
    if actor.user_id == user.id:
        raise DomainError(f"不能{what}自己的登录；请由另一位系统管理员操作。")


def _keeps_an_admin(session: Session, user: User) -> None:
    """The last active admin cannot be demoted or deactivated: nobody could manage logins."""
    if user.role != Role.admin or not user.active:
        return
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.admin, User.active, User.id != user.id)
    )
    if not others:
        raise DomainError("这是最后一个在用的系统管理员登录，不能停用或改为其他角色。")


def change_login(
    db: Database, actor: Actor, login_id: int, *, role: Role, unit: str, name: str
) -> LoginRow:
    """Change the person's name, role or unit; a new role or unit takes effect at once."""
    require(actor, Permission.manage_users)
    with db.transaction() as session:
        user = _user(session, login_id)
        new_unit = session.scalar(select(Unit).where(Unit.name == unit.strip()))
        if new_unit is None:
            raise DomainError(f"单位“{unit}”不存在。")
        role = Role(role)
        old = f"{user.display_name} {user.role} {user.unit.name}"
        if role != user.role or new_unit.id != user.unit_id:
            _not_self(actor, user, "修改")
            if role != Role.admin:
                _keeps_an_admin(session, user)
            if not new_unit.active:
                raise DomainError(f"单位“{unit}”已停用。")
            user.generation += 1
        user.display_name = name.strip() or user.display_name
        user.role = role
        user.unit = new_unit
        audit.record(
            session, actor, "user", user.id, "change", old, f"{user.display_name} {role} {unit}"
        )
        return _row(user, utcnow())


def set_active(db: Database, actor: Actor, login_id: int, active: bool) -> LoginRow:
    """Deactivate (biting at that login's next action) or reactivate a login; never delete it:
    records and the audit trail name it."""
    require(actor, Permission.manage_users)
    with db.transaction() as session:
        user = _user(session, login_id)
        if user.active == active:
            return _row(user, utcnow())
        _not_self(actor, user, "停用")
        if not active:
            _keeps_an_admin(session, user)
        user.active = active
        user.generation += 1
        action = "reactivate" if active else "deactivate"
        audit.record(session, actor, "user", user.id, action, str(not active), str(active))
        return _row(user, utcnow())


def reset_password(db: Database, actor: Actor, login_id: int, password: str) -> LoginRow:
    """A new password the admin tells the person; it also lifts a lock and signs out the
    login's open windows (someone else may have known the old one)."""
    require(actor, Permission.manage_users)
    with db.reading() as session:
        user = _user(session, login_id, lock=False)
        _not_self(actor, user, "在这里重设")
        login_name = user.login
    auth.check_password(login_name, password)
    new_hash = auth.hash_password(password)
    with db.transaction() as session:
        user = _user(session, login_id)
        user.password_hash = new_hash
        user.failed_sign_ins = 0
        user.last_failed_at = None
        user.locked_at = None
        user.generation += 1
        audit.record(session, actor, "user", user.id, "password_reset", "", "", "管理员重设")
        return _row(user, utcnow())


def unlock(db: Database, actor: Actor, login_id: int) -> LoginRow:
    """Lift a lock (or a wait) after wrong passwords; the password stays as it was."""
    require(actor, Permission.manage_users)
    with db.transaction() as session:
        user = _user(session, login_id)
        if user.locked_at is None and not user.failed_sign_ins:
            return _row(user, utcnow())
        old = f"{'已锁定，' if user.locked_at else ''}连续 {user.failed_sign_ins} 次密码错误"
        user.failed_sign_ins = 0
        user.last_failed_at = None
        user.locked_at = None
        audit.record(session, actor, "user", user.id, "unlock", old, "")
        return _row(user, utcnow())


def login_id(db: Database, actor: Actor, login_name: str) -> int:
    """The id of a login by its name (the command line names logins)."""
    require(actor, Permission.manage_users)
    with db.reading() as session:
        found = session.scalar(select(User.id).where(User.login == login_name.strip()))
    if found is None:
        raise NotFound(f"没有登录名为“{login_name}”的登录。")
    return found
