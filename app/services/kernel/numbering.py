"""Record numbers PREFIX-YYYY-NNNNNN: unique and gap-free, issued inside the record's transaction."""

from __future__ import annotations

import re

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
    """Take the next number of the series; the counter row stays locked until commit or rollback.

    Other desks issuing the same series wait for that commit, so the session's pending changes
    are flushed first, outside the lock, and the number is taken in one statement. A service
    takes its numbers as late in its transaction as it can (issue 10)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown record prefix {prefix}")
    session.flush()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    take = insert(RecordCounter).values(prefix=prefix, year=year, last_value=1)
    value = session.execute(
        take.on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"last_value": RecordCounter.last_value + 1},
        ).returning(RecordCounter.last_value)
    ).scalar_one()
    return f"{prefix}-{year:04d}-{value:06d}"


def parse_number(text: str) -> tuple[str, int, int] | None:
    m = NUMBER_RE.match(text)
    if not m or m["prefix"] not in PREFIXES:
        return None
    return m["prefix"], int(m["year"]), int(m["seq"])
