"""Issue 10: an import's rows go into PostgreSQL by COPY, in the import's transaction, with the
columns' Python-side defaults filled in as an INSERT would."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.products import Item, ProductModel
from app.services.kernel.bulk import COPY_FROM, insert_rows


def test_many_rows_in_one_transaction_with_defaults(db, org, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    n = COPY_FROM * 3
    if not db.is_sqlite:
        # Only COPY may write them: an executemany would fail the test.
        real = Session.execute

        def no_insert(self, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            assert not getattr(statement, "is_insert", False), "rows went in by INSERT"
            return real(self, statement, *args, **kwargs)

        monkeypatch.setattr(Session, "execute", no_insert)
    with db.transaction() as session:
        model = session.scalar(select(ProductModel.id).where(ProductModel.code == "GC-12A"))
        assert model is not None
        insert_rows(
            session,
            Item.__table__,  # type: ignore[arg-type]
            [{"model_id": model, "serial_no": f"BULK-{i:05d}"} for i in range(n)],
        )
        written = session.scalar(
            select(func.count()).select_from(Item).where(Item.serial_no.like("BULK-%"))
        )
        assert written == n  # visible in the same transaction
    monkeypatch.undo()
    with db.reading() as session:
        rows = session.execute(
            select(Item.serial_no, Item.created_at).where(Item.serial_no.like("BULK-%"))
        ).all()
    assert len(rows) == n and all(created is not None for _serial, created in rows)


def test_a_refused_row_writes_nothing(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception), db.transaction() as session:  # noqa: B017,PT011
        insert_rows(
            session,
            Item.__table__,  # type: ignore[arg-type]
            [{"model_id": 999_999, "serial_no": f"BAD-{i}"} for i in range(COPY_FROM)],
        )
    with db.reading() as session:
        assert not session.scalar(
            select(func.count()).select_from(Item).where(Item.serial_no.like("BAD-%"))
        )
