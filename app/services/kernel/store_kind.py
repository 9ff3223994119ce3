"""Whether a store holds the demo's made-up data (marked when the demo loads).

A demo store is the one place a command may pretend another day is today (`--today`), and its
logins share the published demo password; a factory's own store is neither (issue 8).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import Database
from app.models.misc import SharedSetting

DEMO_STORE = "demo_store"


def mark_demo(session: Session) -> None:
    if session.get(SharedSetting, DEMO_STORE) is None:
        session.add(SharedSetting(key=DEMO_STORE, value="1"))


def is_demo_store(db: Database) -> bool:
    with db.reading() as session:
        return session.get(SharedSetting, DEMO_STORE) is not None
