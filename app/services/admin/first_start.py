"""The first start of an empty store: the administrator's login, and the demo if asked for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError
from app.models.org import Permission, Role, Unit, UnitKind
from app.services.admin import masterdata
from app.services.admin.demo import DemoResult, load_demo
from app.services.kernel import auth
from app.services.kernel.context import Actor, require
from app.services.kernel.views import ModelView, UnitView


@dataclass(frozen=True)
class FirstStart:
    admin: Actor | None
    demo: DemoResult | None
    demo_refused: str = ""  # why the demo was not loaded (the admin exists all the same)


def first_start(
    db: Database,
    login: str,
    name: str,
    password: str,
    *,
    make_admin: bool = True,
    with_demo: bool = False,
) -> FirstStart:
    """Create the first admin (unless done on an earlier try), then load the demo if asked.

    The two are separate transactions on purpose: an admin account must not be lost because the
    demo could not be written; the person can go on without it.
    """
    admin = auth.create_first_admin(db, login, name, password) if make_admin else None
    if not with_demo:
        return FirstStart(admin, None)
    try:
        return FirstStart(admin, load_demo(db, today=None))
    except DomainError as exc:
        return FirstStart(admin, None, str(exc))


# --- the setup wizard's steps: each step all or nothing, a bad row named by its number --------


@dataclass(frozen=True)
class NewUnit:
    name: str
    kind: UnitKind


@dataclass(frozen=True)
class NewModel:
    code: str
    name: str
    drawing_no: str = ""
    level: str = "unit"
    manufacturer: str = ""


@dataclass(frozen=True)
class NewLogin:
    login: str
    name: str
    unit: str
    role: Role
    password: str


def _row_refused(number: int, exc: DomainError) -> DomainError:
    return DomainError(f"第 {number} 行：{exc}")


def add_units(db: Database, actor: Actor, units: Sequence[NewUnit]) -> list[UnitView]:
    """The factory's own units in one go; a name twice or already there refuses the whole step."""
    require(actor, Permission.manage_master_data)
    made: list[UnitView] = []
    seen: set[str] = set()
    with db.transaction() as session:
        for number, row in enumerate(units, start=1):
            name = row.name.strip()
            if not name:
                raise _row_refused(number, DomainError("单位名称不能为空。"))
            if name in seen or session.scalar(select(Unit.id).where(Unit.name == name)):
                raise _row_refused(number, DomainError(f"单位“{name}”已存在。"))
            seen.add(name)
            unit = masterdata.ensure_unit(session, actor, name, UnitKind(row.kind))
            made.append(UnitView(unit.id, unit.name, unit.kind))
    return made


def add_models(db: Database, actor: Actor, models: Sequence[NewModel]) -> list[ModelView]:
    """Product models typed in by hand (the master list import does the same from Excel)."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        made = []
        for number, row in enumerate(models, start=1):
            try:
                # The model writer inside this step's one transaction (all rows or none).
                model = masterdata._add_model(
                    session,
                    actor,
                    row.code,
                    row.name,
                    row.drawing_no,
                    row.level,
                    row.manufacturer.strip(),
                    "",
                    (),
                )
            except DomainError as exc:
                raise _row_refused(number, exc) from exc
            made.append(masterdata.model_view(session, model))
        return made


def add_logins(db: Database, actor: Actor, logins: Sequence[NewLogin]) -> int:
    """The first desks' logins; each password meets the policy before anything is written."""
    require(actor, Permission.manage_users)
    for number, row in enumerate(logins, start=1):
        try:
            auth.check_password(row.login, row.password)
        except DomainError as exc:
            raise _row_refused(number, exc) from exc
    with db.transaction() as session:
        for number, row in enumerate(logins, start=1):
            try:
                auth.add_login(
                    session, actor, row.login, row.name, row.password, Role(row.role), row.unit
                )
            except DomainError as exc:
                raise _row_refused(number, exc) from exc
    return len(logins)
