"""Logins: argon2-hashed passwords, a unit and a role each; the first admin at first start."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from app.db import Database
from app.errors import DomainError
from app.models.org import Role, Unit, UnitKind, User
from app.services.kernel import audit
from app.services.kernel.context import Actor, require

_hasher = PasswordHasher()


def actor_for(user: User, unit: Unit) -> Actor:
    return Actor(user.id, user.display_name, Role(user.role), unit.id, unit.name)


def has_users(db: Database) -> bool:
    with db.reading() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))


def login(db: Database, login_name: str, password: str) -> Actor:
    with db.reading() as session:
        user = session.scalar(select(User).where(User.login == login_name.strip()))
        if user is None or not user.active:
            raise DomainError("用户名或密码不正确。")
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise DomainError("用户名或密码不正确。") from None
        return actor_for(user, session.get_one(Unit, user.unit_id))


def create_user(
    db: Database,
    actor: Actor,
    login_name: str,
    display_name: str,
    password: str,
    role: Role,
    unit_name: str,
) -> Actor:
    require(actor, "manage_users")
    with db.transaction() as session:
        return _create_user(session, actor, login_name, display_name, password, role, unit_name)


def create_first_admin(db: Database, login_name: str, display_name: str, password: str) -> Actor:
    """Only while there is no login at all: the first start asks for the admin account."""
    with db.transaction() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise DomainError("系统中已有登录账号，不能再创建初始管理员。")
        unit = session.scalar(select(Unit).where(Unit.kind == UnitKind.materials_dept))
        if unit is None:
            unit = Unit(name="物资管理部门", kind=UnitKind.materials_dept)
            session.add(unit)
            session.flush()
        system = Actor(None, "首次启动", None, None, system=True)
        return _create_user(
            session, system, login_name, display_name, password, Role.admin, unit.name
        )


def _create_user(session, actor, login_name, display_name, password, role, unit_name):  # type: ignore[no-untyped-def]
    login_name = login_name.strip()
    if not login_name or len(password) < 6:
        raise DomainError("用户名不能为空，密码至少 6 位。")
    if session.scalar(select(User).where(User.login == login_name)):
        raise DomainError(f"用户名 {login_name} 已存在。")
    unit = session.scalar(select(Unit).where(Unit.name == unit_name))
    if unit is None:
        raise DomainError(f"单位“{unit_name}”不存在。")
    user = User(
        login=login_name,
        display_name=display_name.strip() or login_name,
        password_hash=_hasher.hash(password),
        role=role,
        unit_id=unit.id,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user", user.id, "create", "", f"{login_name} {role} {unit_name}")
    return actor_for(user, unit)
