"""The paged table models: Qt's model checks, paging by keyset, and the roles they serve."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.db import Database
from app.services.handover import returns
from app.services.kernel.terms import Decision, DocumentKind
from app.ui.kit.columns import ALL_LINE_COLUMNS, LINE_COLUMNS, TASK_COLUMNS
from app.ui.kit.paged_model import PagedTableModel
from app.ui.kit.style import Tone, foreground
from tests.conftest import Org


def fill(db: Database, org: Org, tasks: int = 3, lines: int = 9) -> list[int]:
    ids = []
    for t in range(tasks):
        task = returns.create_task(db, org.clerk, "某部队修理所")
        ids.append(task.id)
        for n in range(lines):
            returns.add_line(db, org.clerk, task.id, "GC-12A", f"GC12A-{t:02d}{n:03d}", "无输出")
    return ids


def task_model(db: Database, page_size: int) -> PagedTableModel:
    return PagedTableModel(
        TASK_COLUMNS,
        lambda last, n: returns.list_tasks(db, before_id=last.id if last else None, limit=n),
        page_size,
    )


def line_model(db: Database, task_id: int, page_size: int) -> PagedTableModel:
    return PagedTableModel(
        LINE_COLUMNS,
        lambda last, n: returns.page_lines(
            db, task_id=task_id, after=last.seq if last else None, limit=n
        ),
        page_size,
    )


def test_task_model_passes_qt_checks(qtmodeltester: Any, sqlite_db: Database, org: Org) -> None:
    fill(sqlite_db, org, tasks=7, lines=1)
    model = task_model(sqlite_db, page_size=3)
    model.reload()
    assert model.rowCount() == 3 and model.canFetchMore()
    qtmodeltester.check(model)
    model.reload()
    model.fetch_all()
    assert model.rowCount() == 7 and not model.canFetchMore()
    qtmodeltester.check(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "任务编号"
    assert model.index(0, 2).data() == "清点中"


def test_line_model_passes_qt_checks(qtmodeltester: Any, sqlite_db: Database, org: Org) -> None:
    task_id = fill(sqlite_db, org, tasks=1, lines=11)[0]
    model = line_model(sqlite_db, task_id, page_size=4)
    model.reload()
    assert [model.row(i).seq for i in range(model.rowCount())] == [1, 2, 3, 4]
    qtmodeltester.check(model)  # it fetches further pages itself
    model.fetch_all()
    assert [model.row(i).seq for i in range(model.rowCount())] == list(range(1, 12))
    qtmodeltester.check(model)


def test_all_lines_model_newest_first(qtmodeltester: Any, sqlite_db: Database, org: Org) -> None:
    fill(sqlite_db, org, tasks=2, lines=5)
    model = PagedTableModel(
        ALL_LINE_COLUMNS,
        lambda last, n: returns.page_lines(sqlite_db, after=last.id if last else None, limit=n),
        page_size=3,
    )
    model.reload()
    model.fetch_all()
    ids = [model.row(i).id for i in range(model.rowCount())]
    assert len(ids) == 10 and ids == sorted(ids, reverse=True)
    qtmodeltester.check(model)


def test_roles_served_and_deadline_colours(sqlite_db: Database, org: Org) -> None:
    """Only display, tooltip, colours and alignment; None for every other role."""
    task = returns.create_task(sqlite_db, org.clerk, "某部队修理所")
    line = returns.add_line(sqlite_db, org.clerk, task.id, "GC-12A", "GC12A-2026001")
    for kind in DocumentKind:
        returns.set_document(sqlite_db, org.clerk, line.id, kind, True, True)
    returns.decide_line(sqlite_db, org.clerk, line.id, Decision.accept)
    import datetime as dt

    from app.services.kernel.context import local_today

    ten_days_ago = local_today() - dt.timedelta(days=10)
    returns.confirm_handover(sqlite_db, org.clerk, task.id, "李参谋", "王敏", today=ten_days_ago)
    model = line_model(sqlite_db, task.id, page_size=10)
    model.reload()
    deadline = [c.title for c in LINE_COLUMNS].index("分发时限")
    index = model.index(0, deadline)
    assert "超期 3 天" in index.data()
    assert index.data(Qt.ItemDataRole.ForegroundRole) == foreground(Tone.bad)
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "已超期" in index.data(Qt.ItemDataRole.ToolTipRole)
    for role in (
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.UserRole,
    ):
        assert index.data(role) is None
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is not None


def test_a_refused_page_stops_the_reading_until_a_reload(
    qtbot: Any, prompts: Any, live_runner: Any
) -> None:
    """A page reads through the runner: the refusal is shown there and the model stops asking."""
    from app.errors import StoreUnavailable
    from app.ui.kit.runner import call

    def broken(_last: object, _limit: int) -> list[object]:
        raise StoreUnavailable("数据库服务器 db:5432 没有响应")

    shown: list[str] = []
    model = PagedTableModel(
        TASK_COLUMNS,
        lambda last, limit: live_runner.now(call(broken, last, limit), failed=shown.append),
        10,
    )
    model.reload()
    assert shown == ["数据库服务器 db:5432 没有响应"]
    assert model.rowCount() == 0 and not model.canFetchMore()


def test_a_big_insert_fits_its_columns_from_a_sample_and_widens_for_its_longest(
    qtbot: Any,
) -> None:
    """Issue 10: 9,800 rows inserted at once (a long list read up to a scanned line) were each
    measured for the fitted columns (185 ms on the GUI thread); an even sample of 1,000 is, as
    Qt's own ResizeToContents, and the last row, and a column still widens for them."""
    from app.ui.kit.paged_model import Column, list_fetcher
    from app.ui.kit.tables import MEASURE_AT_MOST, ContentsFit, make_table

    asked: list[int] = []

    def text(row: int) -> str:
        asked.append(row)
        return "W" * 40 if row == 4_999 else f"R{row}"

    model = PagedTableModel([Column("代号", text)], list_fetcher(()), 200)
    view = make_table(model)
    qtbot.addWidget(view)
    ContentsFit(view, [0])
    narrow = view.columnWidth(0)
    asked.clear()
    model.extend(list(range(5_000)), exhausted=True)
    assert MEASURE_AT_MOST <= len(set(asked)) <= MEASURE_AT_MOST + 1
    assert 4_999 in asked and view.columnWidth(0) > narrow


def test_a_fitted_column_is_as_wide_as_qt_wants_for_its_text(qtbot: Any) -> None:
    """Measured a pixel short of what the delegate draws in (the exact advance, the grid
    line), Qt cut the text off: "电源…" for 电源模块, "10…" for line 10000."""
    from app.ui.kit.paged_model import Column, list_fetcher
    from app.ui.kit.tables import ContentsFit, make_table

    texts = ["10000", "电源模块", "待核对 0/3", "不一致：证明文件"]
    columns = [Column(f"列{i}", lambda r, i=i: r[i]) for i in range(len(texts))]
    model = PagedTableModel(columns, list_fetcher(()), 200)
    view = make_table(model, stretch=None)
    qtbot.addWidget(view)
    ContentsFit(view, list(range(len(texts))))
    model.extend([tuple(texts)], exhausted=True)
    view.resize(800, 200)
    view.show()
    qtbot.waitExposed(view)
    for i in range(len(texts)):
        assert view.columnWidth(i) >= view.sizeHintForColumn(i), texts[i]
