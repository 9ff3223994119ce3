"""Is the login behind a write still what it was when it signed in?

Checked once per transaction, in the transaction that writes, where the actor meets the session:
`audit.record`, which every write of a person's action calls (ARCHITECTURE.md: "changes data,
writes the audit event, all in one transaction"). So a deactivation, or a change of role or unit,
bites at the login's next write through any door (window, command line, script), atomically with
it: the row is read with FOR SHARE on PostgreSQL, so an admin's change waits for a write already
under way and the write after it is refused; SQLite's one writer gives the same order.

`require()` would be the other candidate, but it runs before the transaction and holds no
session; checking there would cost a second round trip and leave a gap before the write.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import PermissionDenied
from app.models.org import User
from app.services.kernel.context import Actor

_CHECKED = "fanxiu_standing_checked"


class LoginRevoked(PermissionDenied):
    """The login was deactivated or changed by an admin after it signed in."""


DEACTIVATED = "登录“{name}”已被系统管理员停用，本次操作没有保存。"
CHANGED = "系统管理员刚修改了登录“{name}”（角色、单位或密码），本次操作没有保存。请重新登录后再试。"


def check(session: Session, actor: Actor) -> None:
    """Refuse the transaction when `actor`'s login is inactive or was changed since sign-in."""
    if actor.system or actor.user_id is None:
        return
    checked: set[int] = session.info.setdefault(_CHECKED, set())
    if actor.user_id in checked:
        return
    # The login's row does not depend on the write's pending changes: flushing them here split
    # a write's flush in two (a line and its clocks first, the rest later).
    with session.no_autoflush:
        row = session.execute(
            select(User.active, User.generation)
            .where(User.id == actor.user_id)
            .with_for_update(read=True)
        ).one_or_none()
    if row is None or not row.active:
        raise LoginRevoked(DEACTIVATED.format(name=actor.name))
    if row.generation != actor.generation:
        raise LoginRevoked(CHANGED.format(name=actor.name))
    checked.add(actor.user_id)


def standing_of(db: Database, actor: Actor) -> str:
    """ "" while `actor`'s login stands as it signed in, else why it no longer does.

    The window asks at each page it opens and every minute, so a deactivated login stops being
    able to look as well as to write (issue 8: "takes effect at that login's next action").
    """
    if actor.system or actor.user_id is None:
        return ""
    with db.reading() as session:
        row = session.execute(
            select(User.active, User.generation).where(User.id == actor.user_id)
        ).one_or_none()
    if row is None or not row.active:
        return DEACTIVATED.format(name=actor.name).replace(
            "本次操作没有保存。", "请联系系统管理员。"
        )
    if row.generation != actor.generation:
        return CHANGED.format(name=actor.name).replace("本次操作没有保存。", "")
    return ""
