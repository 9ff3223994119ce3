"""A login an admin deactivates is signed out at its next look, not only at its next write."""

from __future__ import annotations

from typing import Any

from app.db import Database
from app.services.admin import logins
from app.services.kernel.context import command_line_actor
from tests.conftest import Org
from tests.ui.conftest import ScriptedPrompts


def test_a_deactivated_login_is_signed_out_at_its_next_page(
    qtbot: Any, sqlite_db: Database, org: Org, prompts: ScriptedPrompts, open_window: Any
) -> None:
    window = open_window(org.clerk)
    signed_out: list[bool] = []
    window.switch_user.connect(lambda: signed_out.append(True))
    window.go("dispatch")
    assert signed_out == [] and prompts.errors == []  # standing as signed in: nothing happens

    admin = command_line_actor()
    logins.set_active(sqlite_db, admin, org.clerk.user_id, False)
    window.go("lines")  # only looking: no write that could be refused
    qtbot.waitUntil(lambda: bool(signed_out))
    ((title, text),) = prompts.errors
    assert title == "登录已失效" and "已被系统管理员停用" in text and "王敏" in text
