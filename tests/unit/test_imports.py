"""Importing a handover list into a task: new models flagged, bad rows, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, ListFileError, PermissionDenied
from app.models.misc import AuditEvent
from app.models.products import ProductModel
from app.models.returns import DocumentCheck, ReturnLine, ReturnTask
from app.services.admin import masterdata
from app.services.handover import list_import, returns
from tests.support.messy_lists import write_encrypted_list, write_messy_list, write_rows


def counts(db):  # type: ignore[no-untyped-def]
    with db.reading() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t))
            for t in (ReturnTask, ReturnLine, DocumentCheck, ProductModel)
        )


def test_messy_list_with_bad_rows_writes_nothing(db, org, tmp_path):
    layout = write_messy_list(tmp_path / "list.xlsx")
    before = counts(db)
    result = list_import.import_list(db, org.clerk, layout.path, user_unit="某部队修理所")
    assert result.task_number is None and result.imported == 0
    assert [row for row, _ in result.rejected] == [10, 11, 13, 14, 15]
    assert counts(db) == before


def test_good_rows_only_when_asked(db, org, tmp_path):
    layout = write_messy_list(tmp_path / "list.xlsx")
    result = list_import.import_list(
        db,
        org.clerk,
        layout.path,
        user_unit="某部队修理所",
        node_date=dt.date(2026, 11, 25),
        kitting_deadline=dt.date(2027, 2, 1),
        skip_bad_rows=True,
    )
    assert result.task_number is not None
    assert result.imported == len(layout.data_rows) - 5
    task = returns.get_task_by_number(db, result.task_number)
    assert task.line_count == result.imported
    assert task.kitting_deadline == dt.date(2027, 2, 1)
    lines = returns.task_lines(db, task.id)
    assert all(len(line.documents) == 3 for line in lines)
    assert not any(s.endswith(".0") for s in (line.serial_no for line in lines))
    # New models are created from the list and flagged: their manufacturer is still to be named.
    models = {m.code: m for m in masterdata.list_models(db)}
    for code in result.new_models:
        assert models[code].from_import and models[code].manufacturer == ""
    with db.reading() as session:
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "register")
        )
        rows = set(session.scalars(select(ReturnLine.source_row)))
    assert audited == result.imported
    assert rows <= set(layout.data_rows)


def test_preview_flags_new_models_and_items_already_in_a_return(db, org, tmp_path):
    path = write_rows(
        tmp_path / "l.xlsx",
        [
            ["序号", "产品名称", "型号", "出厂编号", "数量", "故障现象"],
            [1, "惯性测量组合", "GC-12A", "GC12A-1", 1, "自检不通过"],
            [2, "新产品", "NEW-1", "N-001", 1, ""],
        ],
    )
    other = returns.create_task(db, org.clerk, "某部队修理所")
    returns.add_line(db, org.clerk, other.id, "GC-12A", "GC12A-1")
    preview = list_import.preview_list(db, path)
    assert preview.new_models == ("NEW-1",)
    first, second = preview.rows
    assert other.number in first.problem and not second.problem and second.new_model
    assert preview.rejected == ((2, first.problem),)
    result = list_import.import_list(db, org.clerk, path, user_unit="某部队修理所")
    assert result.task_number is None
    result = list_import.import_list(
        db, org.clerk, path, user_unit="某部队修理所", skip_bad_rows=True
    )
    assert result.imported == 1 and result.new_models == ("NEW-1",)


def test_unreadable_files_say_why(db, org, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook at all")
    with pytest.raises(ListFileError, match="损坏|无法读取"):
        list_import.import_list(db, org.clerk, broken, user_unit="某部队修理所")
    locked = write_encrypted_list(tmp_path / "locked.xlsx")
    with pytest.raises(ListFileError, match="加密"):
        list_import.preview_list(db, locked.path)
    assert counts(db)[0] == 0


def test_cancel_writes_nothing(db, org, tmp_path):
    layout = write_messy_list(tmp_path / "list.xlsx")
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return done < total  # cancel at the very end, after the rows were written

    with pytest.raises(DomainError, match="取消"):
        list_import.import_list(
            db, org.clerk, layout.path, user_unit="某部队", skip_bad_rows=True, progress=progress
        )
    assert calls and counts(db)[0] == 0


def test_only_the_desk_imports(db, org, tmp_path):
    layout = write_messy_list(tmp_path / "list.xlsx")
    with pytest.raises(PermissionDenied):
        list_import.import_list(
            db, org.engineer, layout.path, user_unit="某部队", skip_bad_rows=True
        )
