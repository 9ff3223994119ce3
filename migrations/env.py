"""Alembic environment: runs on the connection app.db hands it (or builds one from the URL)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import app.models  # noqa: F401  (registers every table)
from app.models.base import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    # Migrations must not import app code that may change later: render our types as plain SQL.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime()"
    return False


def run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "sqlite":
        # Batch mode drops a table and renames its rebuilt copy; SQLite's modern RENAME checks
        # every trigger of the schema, and the retention triggers of other tables name the
        # dropped one (migration 0014): the legacy RENAME leaves them alone.
        connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=True,  # SQLite can only alter tables by rebuilding them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        run(conn)
