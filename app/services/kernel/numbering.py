"""Record numbers PREFIX-YYYY-NNNNNN: unique and gap-free, issued inside the record's transaction."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models.records import RecordCounter

PREFIXES = {
    "FX": "return_task",
    "JJ": "handover_record",
    "JS": "rejection_notice",
    "PC": "investigation_plan",
    "DW": "localization_report",
    "WX": "repair_record",
    "YS": "acceptance_inspection",
    "KX": "unboxing_inspection",
    "CQ": "overdue_report",
    "SJ": "escalation",
    "JF": "delivery_plan",
    "QT": "kit_set",
    "QB": "kitting_status_report",
    "BF": "scrap_approval",
}
NUMBER_RE = re.compile(r"^(?P<prefix>[A-Z]{2})-(?P<year>\d{4})-(?P<seq>\d{6})$")


def issue_number(session: Session, prefix: str, year: int) -> str:
    """Take the next number of the series; the counter row stays locked until commit or rollback."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown record prefix {prefix}")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(RecordCounter)
        .values(prefix=prefix, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["prefix", "year"])
    )
    value = session.execute(
        update(RecordCounter)
        .where(RecordCounter.prefix == prefix, RecordCounter.year == year)
        .values(last_value=RecordCounter.last_value + 1)
        .returning(RecordCounter.last_value)
        # The counter row is never an object in the session: without this the ORM searches
        # every object the session holds for it, per number (quadratic in ensure_kit_sets).
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"{prefix}-{year:04d}-{value:06d}"


def parse_number(text: str) -> tuple[str, int, int] | None:
    m = NUMBER_RE.match(text)
    if not m or m["prefix"] not in PREFIXES:
        return None
    return m["prefix"], int(m["year"]), int(m["seq"])
