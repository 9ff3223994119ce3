"""The first start of an empty store: the administrator's login, and the demo if asked for."""

from __future__ import annotations

from dataclasses import dataclass

from app.db import Database
from app.errors import DomainError
from app.services.admin.demo import DemoResult, load_demo
from app.services.kernel import auth
from app.services.kernel.context import Actor


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
