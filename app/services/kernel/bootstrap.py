"""Opening the store at start: schema to head, reference data (calendar, rules) in place."""

from __future__ import annotations

from app.db import Database, open_database
from app.services.admin.codelists import seed_code_lists
from app.services.kernel.calendar import seed_calendar, seed_rules
from app.services.kernel.clocks import ensure_clocks
from app.services.way_back.kitting import ensure_kit_sets


def open_store(url: str) -> Database:
    db = open_database(url)
    with db.transaction() as session:
        seed_rules(session)
        seed_calendar(session)
        seed_code_lists(session)
        ensure_kit_sets(session)
        ensure_clocks(session)
    return db
