"""Who acts (a login, or the command line) and the permission checks every service starts with."""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.errors import PermissionDenied
from app.models.org import Permission, Role
from app.services.kernel.terms import role_label

FACTORY_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Actor:
    """The person behind a service call; `system` is the command line, allowed everything."""

    user_id: int | None
    name: str
    role: Role | None
    unit_id: int | None
    unit_name: str = ""
    system: bool = False
    # The login's generation when it signed in; an admin's change raises the stored one, and
    # every write compares them (app/services/kernel/standing.py).
    generation: int = 0

    @property
    def audit_name(self) -> str:
        return self.name


def command_line_actor() -> Actor:
    """The system acting from code (tests, scripts run in Python). The `fanxiu` command never
    uses it: its writes sign in with a login (issue 8)."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = "unknown"
    return Actor(None, f"命令行 ({os_user})", None, None, system=True)


# What each role may do (DOMAIN.md's role table).
CLERK_STEPS = frozenset(
    {
        Permission.create_task,
        Permission.import_list,
        Permission.check_documents,
        Permission.decide_line,
        Permission.confirm_handover,
        Permission.dispatch,
        Permission.receive_back,
        Permission.kit,
        Permission.deliver,
        Permission.print_labels,
    }
)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.clerk: CLERK_STEPS,
    Role.engineer: frozenset(
        {
            Permission.receive_at_manufacturer,
            Permission.unbox,
            Permission.investigate,
            Permission.repair,
        }
    ),
    Role.quality: frozenset({Permission.inspect_acceptance}),
    Role.manager: CLERK_STEPS
    | frozenset(
        {
            Permission.plan_delivery,
            Permission.regroup_kit,
            Permission.approve_scrap,
            Permission.acknowledge_escalation,
        }
    ),
    Role.admin: frozenset(
        {Permission.manage_users, Permission.manage_master_data, Permission.manage_calendar}
    ),
}


def can(actor: Actor, permission: Permission) -> bool:
    return actor.system or (actor.role is not None and permission in PERMISSIONS[actor.role])


def require(actor: Actor, permission: Permission) -> None:
    if not can(actor, permission):
        role = role_label(actor.role) if actor.role else "未登录"
        raise PermissionDenied(f"当前登录“{actor.name}”（{role}）无权进行此操作。")


def local_today() -> dt.date:
    """Business dates are the factory's local dates."""
    return dt.datetime.now(FACTORY_TZ).date()


def to_local(ts: dt.datetime) -> dt.datetime:
    return ts.astimezone(FACTORY_TZ)
