"""The login rules of issue 8: the password policy, the wait and the lock after wrong passwords,
the audit of refused sign-ins, the same work for an unknown login as for a wrong password, and a
deactivation or a change of role that bites at the login's next write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.db import Database
from app.errors import DomainError, PermissionDenied
from app.models.misc import AuditEvent
from app.models.org import Role
from app.models.returns import ReturnTask
from app.services.admin import logins
from app.services.handover import returns
from app.services.kernel import auth
from app.services.kernel.standing import LoginRevoked
from tests.conftest import Org

GOOD = "Huo-Jian-7Qz"
START = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


class Clock:
    """The time auth and the admin's list read, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(auth, "utcnow", lambda: self.now)
        monkeypatch.setattr(logins, "utcnow", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _new_login(db: Database, org: Org, login: str = "zhouqi", role: Role = Role.clerk) -> int:
    row = logins.create_login(db, org.admin, login, "周琦", "物资管理部门", role, GOOD)
    return row.id


def _failed_sign_ins(db: Database) -> list[Any]:
    with db.reading() as session:
        return list(
            session.execute(
                select(AuditEvent.__table__)
                .where(AuditEvent.action == "sign_in_failed")
                .order_by(AuditEvent.id)
            )
        )


def _tasks(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(ReturnTask)) or 0


# --- the policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab3-xyz", "至少 8 位"),
        ("zhouqi", "至少 8 位"),
        ("ZhouQi2026", "登录名"),  # contains the login name, whatever the case
        ("fanxiu123", "太常见"),  # the demo's password is not for a factory's logins
        ("woaini1314", "太常见"),
        ("P@ssw0rd", "太常见"),
        ("abababab", "不同的字符太少"),
        ("x" * 129, "最长"),
    ],
)
def test_the_policy_refuses_weak_passwords(sqlite_db: Database, password: str, why: str) -> None:
    org = Org(sqlite_db)
    with pytest.raises(DomainError, match=why):
        logins.create_login(
            sqlite_db, org.admin, "zhouqi", "周琦", "质量部", Role.quality, password
        )
    assert auth.password_problem("zhouqi", GOOD) == ""
    with pytest.raises(DomainError, match="至少 8 位"):
        auth.create_first_admin(sqlite_db, "root", "管理员", "short")


def test_the_common_list_is_shipped_and_holds_the_demo_password() -> None:
    common = auth.common_passwords()
    assert len(common) > 300
    assert {"fanxiu123", "123456", "password", "qwerty123", "5201314"} <= common


def test_only_an_admin_creates_logins(sqlite_db: Database) -> None:
    org = Org(sqlite_db)
    with pytest.raises(PermissionDenied):
        logins.create_login(sqlite_db, org.clerk, "zhouqi", "周琦", "质量部", Role.quality, GOOD)
    with pytest.raises(PermissionDenied):
        logins.list_logins(sqlite_db, org.manager)


# --- wrong passwords: the wait, the lock, the audit -------------------------------------------


def test_wrong_passwords_make_the_login_wait_longer_and_then_lock_it(
    sqlite_db: Database, clock: Clock
) -> None:
    org = Org(sqlite_db)
    user_id = _new_login(sqlite_db, org)
    for n in range(1, 5):
        with pytest.raises(auth.SignInRefused) as refused:
            auth.login(sqlite_db, "zhouqi", "wrong-one")
        assert refused.value.wait == dt.timedelta(0), n
    assert "再错 1 次" in refused.value.message
    with pytest.raises(auth.SignInRefused, match="1 分钟后再试") as refused:
        auth.login(sqlite_db, "zhouqi", "wrong-one")  # the 5th
    assert refused.value.wait == dt.timedelta(minutes=1)
    # While it waits even the right password is not heard (and nothing is verified).
    clock.advance(seconds=30)
    with pytest.raises(auth.SignInRefused, match="30 秒后再试"):
        auth.login(sqlite_db, "zhouqi", GOOD)
    waits = []
    for _n in range(6, 10):
        clock.advance(seconds=refused.value.wait.total_seconds())
        with pytest.raises(auth.SignInRefused) as refused:
            auth.login(sqlite_db, "zhouqi", "wrong-one")
        waits.append(refused.value.wait)
    assert waits == [dt.timedelta(minutes=m) for m in (2, 4, 8, 16)]
    clock.advance(minutes=16)
    with pytest.raises(auth.SignInRefused, match="已被锁定"):
        auth.login(sqlite_db, "zhouqi", "wrong-one")  # the 10th locks it
    clock.advance(days=30)  # a lock does not wear off
    with pytest.raises(auth.SignInRefused, match="已被锁定"):
        auth.login(sqlite_db, "zhouqi", GOOD)
    [row] = [r for r in logins.list_logins(sqlite_db, org.admin) if r.login == "zhouqi"]
    assert row.locked and row.failed_sign_ins == 10

    with pytest.raises(PermissionDenied):
        logins.unlock(sqlite_db, org.manager, user_id)
    logins.unlock(sqlite_db, org.admin, user_id)
    assert auth.login(sqlite_db, "zhouqi", GOOD).name == "周琦"


def test_a_good_password_clears_the_count(sqlite_db: Database, clock: Clock) -> None:
    org = Org(sqlite_db)
    _new_login(sqlite_db, org)
    for _ in range(4):
        with pytest.raises(auth.SignInRefused):
            auth.login(sqlite_db, "zhouqi", "wrong-one")
    auth.login(sqlite_db, "zhouqi", GOOD)
    for _ in range(4):  # four more wrong ones: still no wait
        with pytest.raises(auth.SignInRefused) as refused:
            auth.login(sqlite_db, "zhouqi", "wrong-one")
        assert refused.value.wait == dt.timedelta(0)


def test_every_refused_sign_in_is_audited_with_the_name_typed(
    db: Database, org: Org, clock: Clock
) -> None:
    user_id = _new_login(db, org)
    logins.set_active(db, org.admin, _new_login(db, org, "gone"), False)
    for login, password in (("zhouqi", "wrong-one"), ("no-such-person", GOOD), ("gone", GOOD)):
        with pytest.raises(auth.SignInRefused):
            auth.login(db, login, password)
    events = _failed_sign_ins(db)
    assert [(e.new_value, e.entity_id != 0, e.actor_user_id) for e in events] == [
        ("zhouqi", True, None),
        ("no-such-person", False, None),
        ("gone", True, None),
    ]
    assert events[0].entity_id == user_id and events[0].actor_name == "zhouqi"
    assert events[0].reason.startswith("密码错误（连续第 1 次）")
    assert events[1].reason.startswith("用户名不存在") and events[2].reason.startswith("已停用")
    assert all(e.at is not None and "/" in e.reason for e in events)  # when, and which computer


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        self.verified += 1
        return super().verify(hash, password)


def test_an_unknown_login_costs_the_same_verification_as_a_wrong_password(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = Org(sqlite_db)
    _new_login(sqlite_db, org)
    hasher = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)
    hasher.hash("warm-up")  # the dummy hash is made once; its making is not the point here
    counts: dict[str, int] = {}
    for login in ("zhouqi", "no-such-person", ""):
        before = hasher.verified
        with pytest.raises(auth.SignInRefused) as refused:
            auth.login(sqlite_db, login, "wrong-one")
        assert refused.value.message.startswith(auth.WRONG)
        counts[login] = hasher.verified - before
    assert counts == {"zhouqi": 1, "no-such-person": 1, "": 1}


# --- deactivation and changes bite at the next write ------------------------------------------


def test_deactivation_bites_at_the_next_write_of_a_window_already_open(
    db: Database, org: Org
) -> None:
    user_id = _new_login(db, org)
    clerk = auth.login(db, "zhouqi", GOOD)  # a window is open with this login
    returns.create_task(db, clerk, "某部队修理所")
    logins.set_active(db, org.admin, user_id, False)
    with pytest.raises(LoginRevoked, match="已被系统管理员停用"):
        returns.create_task(db, clerk, "某部队修理所")
    assert _tasks(db) == 1
    with pytest.raises(auth.SignInRefused, match="已停用"):
        auth.login(db, "zhouqi", GOOD)
    logins.set_active(db, org.admin, user_id, True)
    # Reactivated, the old window must still sign in again: its generation is stale.
    with pytest.raises(LoginRevoked, match="重新登录"):
        returns.create_task(db, clerk, "某部队修理所")
    returns.create_task(db, auth.login(db, "zhouqi", GOOD), "某部队修理所")
    assert _tasks(db) == 2


def test_a_new_role_or_unit_bites_at_once(db: Database, org: Org) -> None:
    user_id = _new_login(db, org)
    clerk = auth.login(db, "zhouqi", GOOD)
    logins.change_login(db, org.admin, user_id, role=Role.quality, unit="质量部", name="周琦")
    with pytest.raises(LoginRevoked):
        returns.create_task(db, clerk, "某部队修理所")  # the clerk's role is gone
    again = auth.login(db, "zhouqi", GOOD)
    assert (again.role, again.unit_name) == (Role.quality, "质量部")
    with pytest.raises(PermissionDenied):
        returns.create_task(db, again, "某部队修理所")
    assert _tasks(db) == 0
    # A new name alone changes nothing the login may do: its window goes on.
    logins.change_login(db, org.admin, user_id, role=Role.quality, unit="质量部", name="周 琦")
    assert auth.login(db, "zhouqi", GOOD).generation == again.generation


def test_the_last_admin_stays_and_nobody_demotes_themselves(
    sqlite_db: Database, system: Any
) -> None:
    org = Org(sqlite_db)
    admin_id = org.admin.user_id
    assert admin_id is not None
    with pytest.raises(DomainError, match="自己"):
        logins.set_active(sqlite_db, org.admin, admin_id, False)
    with pytest.raises(DomainError, match="自己"):
        logins.change_login(
            sqlite_db, org.admin, admin_id, role=Role.clerk, unit="物资管理部门", name="管理员"
        )
    # Not even code acting as the system leaves the store without an admin.
    with pytest.raises(DomainError, match="最后一个"):
        logins.set_active(sqlite_db, system, admin_id, False)
    second = logins.create_login(
        sqlite_db, org.admin, "admin2", "副管理员", "物资管理部门", Role.admin, GOOD
    )
    logins.set_active(sqlite_db, system, admin_id, False)
    with pytest.raises(DomainError, match="最后一个"):
        logins.change_login(
            sqlite_db, system, second.id, role=Role.clerk, unit="物资管理部门", name="副管理员"
        )


# --- passwords: reset by the admin, changed by their owner ------------------------------------


def test_reset_lifts_the_lock_and_signs_out_open_windows(sqlite_db: Database, clock: Clock) -> None:
    org = Org(sqlite_db)
    user_id = _new_login(sqlite_db, org)
    window = auth.login(sqlite_db, "zhouqi", GOOD)
    for _ in range(10):
        clock.advance(hours=1)
        with pytest.raises(auth.SignInRefused):
            auth.login(sqlite_db, "zhouqi", "wrong-one")
    with pytest.raises(DomainError, match="太常见"):
        logins.reset_password(sqlite_db, org.admin, user_id, "12345678")
    logins.reset_password(sqlite_db, org.admin, user_id, "Xin-Mima-42")
    with pytest.raises(LoginRevoked):
        returns.create_task(sqlite_db, window, "某部队修理所")
    assert auth.login(sqlite_db, "zhouqi", "Xin-Mima-42").name == "周琦"
    with pytest.raises(auth.SignInRefused):
        auth.login(sqlite_db, "zhouqi", GOOD)


def test_everyone_changes_their_own_password_with_the_old_one(sqlite_db: Database) -> None:
    org = Org(sqlite_db)
    _new_login(sqlite_db, org)
    me = auth.login(sqlite_db, "zhouqi", GOOD)
    with pytest.raises(auth.SignInRefused, match="原密码不正确"):
        auth.change_own_password(sqlite_db, me, "not-it-at-all", "Xin-Mima-42")
    with pytest.raises(DomainError, match="登录名"):
        auth.change_own_password(sqlite_db, me, GOOD, "zhouqi-2026")
    with pytest.raises(DomainError, match="相同"):
        auth.change_own_password(sqlite_db, me, GOOD, GOOD)
    auth.change_own_password(sqlite_db, me, GOOD, "Xin-Mima-42")
    returns.create_task(sqlite_db, me, "某部队修理所")  # the window that changed it goes on
    assert auth.login(sqlite_db, "zhouqi", "Xin-Mima-42").name == "周琦"
    with pytest.raises(auth.SignInRefused):
        auth.login(sqlite_db, "zhouqi", GOOD)
