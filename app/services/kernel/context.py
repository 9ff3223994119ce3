"""Who acts (a login, or the command line) and the permission checks every service starts with."""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.errors import PermissionDenied
from app.models.org import Role

FACTORY_TZ = ZoneInfo("Asia/Shanghai")

ROLE_LABELS = {
    Role.clerk: "物资交接员",
    Role.engineer: "维修/设计工程师",
    Role.quality: "质量检验员",
    Role.manager: "总体/主管",
    Role.admin: "系统管理员",
}


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


# What each role may do, by the step's name (DOMAIN.md's role table).
CLERK_STEPS = frozenset(
    {
        "create_task",
        "import_list",
        "check_documents",
        "decide_line",
        "confirm_handover",
        "dispatch",
        "receive_back",
        "kit",
        "deliver",
        "print_labels",
    }
)
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.clerk: CLERK_STEPS,
    Role.engineer: frozenset({"receive_at_manufacturer", "unbox", "investigate", "repair"}),
    Role.quality: frozenset({"inspect_acceptance"}),
    Role.manager: CLERK_STEPS
    | frozenset({"plan_delivery", "regroup_kit", "approve_scrap", "acknowledge_escalation"}),
    Role.admin: frozenset({"manage_users", "manage_master_data", "manage_calendar"}),
}


def can(actor: Actor, step: str) -> bool:
    return actor.system or (actor.role is not None and step in PERMISSIONS[actor.role])


def require(actor: Actor, step: str) -> None:
    if not can(actor, step):
        role = ROLE_LABELS.get(actor.role, "未知角色") if actor.role else "未登录"
        raise PermissionDenied(f"当前登录“{actor.name}”（{role}）无权进行此操作。")


def local_today() -> dt.date:
    """Business dates are the factory's local dates."""
    return dt.datetime.now(FACTORY_TZ).date()


def to_local(ts: dt.datetime) -> dt.datetime:
    return ts.astimezone(FACTORY_TZ)
