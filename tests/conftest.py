"""Shared fixtures: a fresh store per test, on SQLite always and on PostgreSQL when reachable."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.db import Database  # noqa: E402
from app.models.org import Role, UnitKind  # noqa: E402
from app.services.admin import codelists, masterdata
from app.services.kernel import auth
from app.services.kernel.bootstrap import open_store  # noqa: E402
from app.services.kernel.context import Actor, command_line_actor  # noqa: E402

# Production argon2 costs ~0.2 s a hash; tests create many logins. Verification reads the
# parameters from the stored hash, so a cheap hasher exercises the same code.
auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_ADMIN_URL = os.environ.get(
    "FANXIU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pg_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The admin URL of the test PostgreSQL; CI must have it, elsewhere its tests skip."""
    if not pg_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable (CI requires it)")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    yield PG_ADMIN_URL


def new_pg_database(admin_url: str, template: str | None = None) -> tuple[str, str]:
    """Create an empty database (or a copy of `template`); returns (its URL, its name)."""
    import psycopg

    name = f"fanxiu_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def own_settings_dir(tmp_path_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every test its own settings file: a window that remembers (the desk's open task) never
    writes into the settings of the person running the tests."""
    monkeypatch.setenv("FANXIU_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'fanxiu.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A store at schema head with reference data, built once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    # Closing the last connection checkpoints the WAL into the file we copy.
    open_store(f"sqlite:///{path}").dispose()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    url, name = new_pg_database(pg_server)
    open_store(url).dispose()
    try:
        yield name
    finally:
        drop_pg_database(pg_server, name)


def _sqlite_copy(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "fanxiu.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """A store at schema head with reference data, once per backend."""
    if request.param == "sqlite":
        url = _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
        name = None
    else:
        admin = request.getfixturevalue("pg_server")
        url, name = new_pg_database(admin, request.getfixturevalue("pg_template"))
    database = open_store(url)
    try:
        yield database
    finally:
        database.dispose()
        if name:
            drop_pg_database(admin, name)


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = open_store(_sqlite_copy(sqlite_template, tmp_path))
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def system() -> Actor:
    return command_line_actor()


class Org:
    """The units, logins and models most tests need."""

    def __init__(self, db: Database) -> None:
        s = command_line_actor()
        masterdata.add_unit(db, s, "总体设计部", UnitKind.prime_unit)
        masterdata.add_unit(db, s, "物资管理部门", UnitKind.materials_dept)
        masterdata.add_unit(db, s, "惯性导航研究所", UnitKind.manufacturer)
        masterdata.add_unit(db, s, "电源分厂", UnitKind.manufacturer)
        masterdata.add_unit(db, s, "某部队修理所", UnitKind.user_unit)
        masterdata.add_unit(db, s, "质量部", UnitKind.quality_dept)
        masterdata.add_unit(db, s, "科研生产部", UnitKind.competent_dept)
        masterdata.add_model(db, s, "ZT-1", "某型制导系统", "ZT1-0000", level="system")
        masterdata.add_model(
            db,
            s,
            "GC-12A",
            "惯性测量组合",
            "GC12A-100",
            manufacturer="惯性导航研究所",
            parent_code="ZT-1",
        )
        masterdata.add_model(
            db, s, "DY-3", "二次电源", "DY3-200", manufacturer="电源分厂", parent_code="ZT-1"
        )
        self.clerk = auth.create_user(db, s, "clerk", "王敏", "secret1", Role.clerk, "物资管理部门")
        self.manager = auth.create_user(
            db, s, "boss", "赵总", "secret1", Role.manager, "总体设计部"
        )
        self.engineer = auth.create_user(
            db, s, "eng", "陈工", "secret1", Role.engineer, "惯性导航研究所"
        )
        self.admin = auth.create_user(
            db, s, "admin", "管理员", "secret1", Role.admin, "物资管理部门"
        )
        self.quality = auth.create_user(db, s, "qa", "刘检", "secret1", Role.quality, "质量部")
        self.power = auth.create_user(db, s, "power", "孙工", "secret1", Role.engineer, "电源分厂")
        codelists.set_checklist(db, s, "GC-12A", ["外观检查", "通电自检", "性能测试"])


@pytest.fixture
def org(db: Database) -> Org:
    return Org(db)
