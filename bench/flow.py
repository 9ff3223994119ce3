"""Child of bench.run: one item's whole way through the real main window, under a heartbeat.

    python -m bench.flow flow URL PAYLOAD_JSON

Signed in as the manager (赵总, who sees every page of the way), the session clicks every row of
the navigation, then at 返厂交接 opens a counting task of the store, scans its lines and new
serials (~20 scans), checks each one's documents and accepts it, and confirms the handover; at
分发 dispatches the group of the manufacturer the new items go to; at 修复交回 receives back the
items of a kit set still at their manufacturer, and a few more; at 齐套交付 issues the status
report of a set still missing items, moves the first set's items that are back into a set of
their own (调整齐套: the generated store's open sets hold closed items too, which cannot be handed
over again), completes that set (确认齐套) and delivers it (交付用户). Clicks go to buttons, table rows and navigation rows, keys into
the scan field; every dialog is answered by a scripted `Prompts` that fills and accepts the
program's own dialog while the event loop runs (as `exec` would). A 10 ms QTimer beats all along
(bench/gui.py `run_with_heartbeat`): the longest gap is the longest the GUI thread was blocked.
After the way, the store is read again: every step must have happened. Prints one JSON line.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QModelIndex, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QDialog,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from bench import bare, gui  # noqa: E402
from bench.generate import PASSWORD  # noqa: E402, F401  (the manager's password is the bench's)

MANAGER = "zhaozong"  # 赵总: 返厂交接, 分发, 修复交回, 齐套交付 and every page to look at
SCANS = 20
PROFILE_OVER_S = 0.08  # with a profile asked for: the steps that held the GUI thread this long
READ_MS = 120  # a person looks at an open dialog this long before typing, and again before OK
FINISHED = ("closed", "rejected", "scrapped")
BACK = ("back_at_materials", "kitted", "delivered", "closed")
Step = tuple[str, Callable[[], None]]


# --- what the way works on (found with bare queries before the window opens) -------------------


@dataclass
class Targets:
    task_id: int
    task_number: str
    task_lines: list[tuple[int, str]]  # line id, item code
    maker_id: int  # the manufacturer whose group is dispatched
    maker: str
    new_codes: list[str]  # MODEL/SERIAL of items not yet in the store
    ready_kit: str  # the set made ready (its last lines received back), completed, delivered
    ready_lines: list[tuple[int, str]]  # its lines still at their manufacturer
    back_maker: str
    back_lines: list[tuple[int, str]]  # every line ticked at 修复交回
    report_kit: str  # a set still missing items: its status report is issued
    notes: list[str] = field(default_factory=list)


def find_targets(db: bare.BareDB, stamp: str) -> Targets:
    notes: list[str] = []
    tasks = db.all(
        "SELECT t.id, t.number, count(l.id) FROM return_task t"
        " JOIN return_line l ON l.task_id = t.id WHERE t.status = 'open'"
        " GROUP BY t.id, t.number ORDER BY count(l.id), t.id"
    )
    assert tasks, "the store has no counting (open) task"
    fitting = [t for t in tasks if 4 <= int(t[2]) <= SCANS - 4] or tasks
    task_id, task_number, _n = fitting[0]
    lines = db.all(
        "SELECT l.id, m.code, i.serial_no, m.manufacturer_unit_id FROM return_line l"
        " JOIN item i ON i.id = l.item_id JOIN product_model m ON m.id = i.model_id"
        " WHERE l.task_id = ? ORDER BY l.seq",
        (task_id,),
    )
    makers = [r[3] for r in lines if r[3] is not None]
    maker_id = max(set(makers), key=makers.count) if makers else None
    if maker_id is None:
        maker_id = db.one(
            "SELECT manufacturer_unit_id FROM product_model"
            " WHERE manufacturer_unit_id IS NOT NULL ORDER BY id"
        )
        notes.append("no line of the counting task has a manufacturer")
    models = [
        str(r[0])
        for r in db.all(
            "SELECT code FROM product_model WHERE manufacturer_unit_id = ? ORDER BY id",
            (maker_id,),
        )
    ]
    n_new = max(SCANS - len(lines), 6)
    new_codes = [f"{models[k % len(models)]}/FLOW{stamp}{k:02d}" for k in range(n_new)]
    ready, ready_lines, back_maker_id = _ready_kit(db, notes)
    back_lines = list(ready_lines)
    if back_maker_id is not None:
        more = db.all(
            "SELECT l.id, m.code || '/' || i.serial_no FROM return_line l"
            " JOIN item i ON i.id = l.item_id JOIN product_model m ON m.id = i.model_id"
            " WHERE l.status = 'accepted_after_repair' AND l.manufacturer_unit_id = ?"
            " ORDER BY l.id LIMIT 12",
            (back_maker_id,),
        )
        taken = {i for i, _c in back_lines}
        back_lines += [(int(i), str(c)) for i, c in more if i not in taken][:3]
    report_kit = db.one(
        "SELECT k.number FROM kit_set k JOIN return_line l ON l.kit_set_id = k.id"
        " WHERE k.status = 'open' AND k.number <> ? GROUP BY k.id, k.number"
        " HAVING sum(CASE WHEN l.status IN ('back_at_materials', 'kitted', 'delivered',"
        " 'closed', 'scrapped') THEN 0 ELSE 1 END) > 0 ORDER BY count(l.id), k.id",
        (ready,),
    )
    return Targets(
        task_id=int(task_id),
        task_number=str(task_number),
        task_lines=[(int(r[0]), f"{r[1]}/{r[2]}") for r in lines],
        maker_id=int(maker_id),
        maker=str(db.one("SELECT name FROM unit WHERE id = ?", (maker_id,))),
        new_codes=new_codes,
        ready_kit=ready,
        ready_lines=ready_lines,
        back_maker=str(db.one("SELECT name FROM unit WHERE id = ?", (back_maker_id,)) or ""),
        back_lines=back_lines,
        report_kit=str(report_kit),
        notes=notes,
    )


def _ready_kit(db: bare.BareDB, notes: list[str]) -> tuple[str, list[tuple[int, str]], int | None]:
    """An open kit set with items accepted at one manufacturer (received back, then moved with
    the set's other items back into a set of their own, which is complete) and items back."""
    waiting = "CASE WHEN l.status = 'accepted_after_repair' THEN 1 ELSE 0 END"
    back = "CASE WHEN l.status = 'back_at_materials' THEN 1 ELSE 0 END"
    rows = db.all(
        f"SELECT k.id, k.number, sum({waiting}) FROM kit_set k"  # noqa: S608
        " JOIN return_line l ON l.kit_set_id = k.id WHERE k.status = 'open'"
        " GROUP BY k.id, k.number HAVING count(DISTINCT CASE WHEN"
        " l.status = 'accepted_after_repair' THEN l.manufacturer_unit_id END) <= 1"
        f" AND sum({waiting}) + sum({back}) > 0"
        f" ORDER BY sum({waiting}) = 0, sum({back}) = 0, sum({waiting}), k.id LIMIT 1"
    )
    assert rows, "the store has no open kit set with items back or coming back"
    kit_id, number, n_waiting = rows[0]
    lines = db.all(
        "SELECT l.id, m.code || '/' || i.serial_no, l.manufacturer_unit_id FROM return_line l"
        " JOIN item i ON i.id = l.item_id JOIN product_model m ON m.id = i.model_id"
        " WHERE l.kit_set_id = ? AND l.status = 'accepted_after_repair' ORDER BY l.id",
        (kit_id,),
    )
    if not n_waiting:
        notes.append(f"no open kit set waits for items back: {number}'s items are back already")
        maker = db.one(
            "SELECT manufacturer_unit_id FROM return_line WHERE status = 'accepted_after_repair'"
            " AND manufacturer_unit_id IS NOT NULL ORDER BY id"
        )
        return str(number), [], maker
    return str(number), [(int(r[0]), str(r[1])) for r in lines], lines[0][2]


# --- the scripted person -----------------------------------------------------------------------


# Seconds the steps let the event loop run (a dialog open, an answer awaited): not the time a
# step held the GUI thread itself, which is its wall time less this.
LOOPED = [0.0]
NESTED = [0]  # a wait inside a wait (a dialog answered while a step waits): counted once


def pump(ms: float) -> None:
    """Let the event loop run for `ms` (the heartbeat beats meanwhile): a person's pause."""
    wait_until(lambda: False, "", ms / 1000, quiet=True)


def wait_until(
    cond: Callable[[], object], what: str, limit_s: float = 120.0, quiet: bool = False
) -> None:
    app = QApplication.instance()
    t0 = time.perf_counter()
    NESTED[0] += 1
    try:
        while not cond():
            if time.perf_counter() - t0 > limit_s:
                if quiet:
                    return
                raise TimeoutError(f"waited {limit_s:.0f} s for {what}")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)  # type: ignore[union-attr]
            time.sleep(0.001)
    finally:
        NESTED[0] -= 1
        if not NESTED[0]:
            LOOPED[0] += time.perf_counter() - t0


def type_into(widget: QWidget, text: str) -> None:
    """Key events for `text` (QTest types ASCII only; other characters go in with their text)."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            )


def click(widget: Any) -> None:
    assert widget.isEnabled(), f"{widget.text()} is disabled: {widget.toolTip()}"
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_row(view: QTableView, row: int, column: int = 0) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )


def scroll_to(view: QTableView, match: Callable[[Any], bool], what: str) -> Callable[[], bool]:
    """A person scrolling down a list to a row and clicking it, as a `wait` condition: each
    turn of the event loop scrolls to the end once, and the view reads at most one more page
    (Qt's fetchMore at the end of the list), never several pages in one block."""
    model: Any = view.model()
    clicked: list[int] = []

    def turn() -> bool:
        if clicked:  # the wait asks again while the click's read is out
            return True
        row = model.find(match)
        if row is not None:
            click_row(view, row)
            clicked.append(row)
            return True
        if not model.canFetchMore(QModelIndex()):
            raise AssertionError(f"{what} is not in the list")
        before = model.rowCount()
        view.scrollToBottom()
        if model.rowCount() == before:  # already at the end: the view asked nothing
            model.fetchMore(QModelIndex())
        return False

    return turn


def click_check(view: QTableView, row: int, column: int = 0) -> None:
    """Click the check box drawn in a cell (where the style puts its indicator)."""
    index = view.model().index(row, column)
    view.scrollTo(index)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index)
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view)
    at: QPoint = box.center() if box.isValid() else option.rect.center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)


class FlowScripted:
    """Stands in for bench.gui.Scripted: the window's prompts, answering what the way expects.

    `expect(kind, fill)` queues the next dialog: it is shown, looked at, filled, looked at
    again and its OK clicked, the event loop running all the while (as under `exec`); then the
    dialog is waited for until it closes (some answer through the runner). Questions (print
    now?) are answered 稍后; anything not expected is counted and refused."""

    def __init__(self) -> None:
        from app.ui.kit.prompts import Prompts

        outer = self

        class _Prompts(Prompts):
            def run(self, dialog: QDialog) -> bool:
                return outer.run(dialog)

            def error(self, parent: Any, title: str, text: str) -> None:
                outer.unexpected.append(f"error: {title}: {text}")

            def info(self, parent: Any, title: str, text: str) -> None:
                outer.dialogs.append(f"info: {title}")

            def ask(self, parent: Any, title: str, text: str, yes: str = "", no: str = "") -> bool:
                outer.mark(f"question {title}")
                if title in outer.questions:
                    outer.questions.remove(title)
                    outer.dialogs.append(f"ask: {title} → {no}")
                else:
                    outer.unexpected.append(f"ask: {title}: {text[:80]}")
                return False

            def open_file(self, parent: Any, title: str, filters: str) -> str:
                outer.unexpected.append(f"open file: {title}")
                return ""

            def save_file(self, parent: Any, title: str, suggested: str, filters: str) -> str:
                outer.unexpected.append(f"save file: {title}")
                return ""

        self.dialogs: list[str] = []
        self.unexpected: list[str] = []
        self.questions: list[str] = []
        self.handlers: list[tuple[str, Callable[[Any], None], str]] = []
        self.marks: list[tuple[float, str]] = []
        self.prompts = _Prompts()

    def mark(self, label: str) -> None:
        self.marks.append((time.perf_counter(), label))

    def expect(self, kind: str, fill: Callable[[Any], None], button: str = "ok_button") -> None:
        self.handlers.append((kind, fill, button))

    def run(self, dialog: QDialog) -> bool:
        kind = type(dialog).__name__
        if not self.handlers or self.handlers[0][0] != kind:
            self.unexpected.append(f"dialog {kind}: {dialog.windowTitle()}")
            return False
        _kind, fill, button = self.handlers.pop(0)
        self.mark(f"{kind} shown")
        dialog.show()
        pump(READ_MS)
        self.mark(f"{kind} filled")
        fill(dialog)
        pump(READ_MS)
        self.mark(f"{kind} {button} clicked")
        click(getattr(dialog, button))
        wait_until(lambda: not dialog.isVisible(), "", 60.0, quiet=True)
        if dialog.isVisible():  # refused: the dialog stays open and says why
            error = getattr(dialog, "error_label", None)
            self.unexpected.append(f"{kind} refused: {error.text() if error else '?'}")
            dialog.reject()
            return False
        self.mark(f"{kind} closed")
        self.dialogs.append(kind)
        return dialog.result() == QDialog.DialogCode.Accepted


# --- the way -----------------------------------------------------------------------------------


class Way:
    """The steps, built before they run; each step is one thing a person does."""

    def __init__(
        self, window: Any, scripted: FlowScripted, t: Targets, profile_dir: str | None = None
    ) -> None:
        self.w = window
        self.s = scripted
        self.t = t
        self.steps: list[Step] = []
        self.looped: list[float] = []  # each step run: seconds it let the event loop run
        self.scans = 0
        self.profile_dir = profile_dir

    def _dump(self, prof: cProfile.Profile, name: str, own: float) -> None:
        """cProfile of one step (top 40 by cumulative time) into PROFILE_DIR/flow-NNN-name.txt."""
        assert self.profile_dir is not None
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(40)
        safe = "".join(c if c.isalnum() else "-" for c in name)[:40]
        path = Path(self.profile_dir) / f"flow-{len(self.looped):03d}-{safe}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}: own {own * 1000:.0f} ms\n{text.getvalue()}")

    def add(self, name: str, fn: Callable[[], None]) -> None:
        def marked() -> None:
            self.s.mark(name)
            before = LOOPED[0]
            prof = cProfile.Profile() if self.profile_dir else None
            t0 = time.perf_counter()
            if prof is not None:
                prof.enable()
            try:
                fn()
                if self.s.handlers:
                    # The dialog comes when the call answers (handed over after the runner's
                    # grace): wait for it here, so that no next step starts inside it.
                    wait_until(lambda: not self.s.handlers or self.s.unexpected, f"{name}'s dialog")
            finally:
                if prof is not None:
                    prof.disable()
                looped = LOOPED[0] - before
                self.looped.append(looped)
                own = time.perf_counter() - t0 - looped
                if prof is not None and (own > PROFILE_OVER_S or looped > PROFILE_OVER_S):
                    self._dump(prof, name, own)

        self.steps.append((name, marked))

    def wait(self, what: str, cond: Callable[[], object]) -> None:
        """A step that lets the event loop run until `cond` (an answer came back)."""
        runner = self.w.runner

        def go() -> None:
            try:
                # Something unexpected (a refusal, a dialog not scripted) ends the wait at once.
                wait_until(lambda: (cond() and not runner.pending) or self.s.unexpected, what)
            except TimeoutError as exc:
                raise TimeoutError(f"{exc}; {self.describe()}") from None
            if self.s.unexpected:
                raise RuntimeError(f"while waiting for {what}: {self.describe()}")

        self.add(f"wait: {what}", go)

    def describe(self) -> str:
        """What the pages say (their feedback lines) and which dialogs came, for a failure."""
        said = {
            key: self.w.pages.page(key).feedback.text()
            for key in ("desk", "dispatch", "back", "kitting")
            if self.w.pages.is_built(key)
        }
        return (
            f"pending {self.w.runner.pending}; pages say {said}; dialogs {self.s.dialogs}; "
            f"unexpected {self.s.unexpected}; last marks {[m for _t, m in self.s.marks[-8:]]}"
        )

    def nav(self, key: str) -> None:
        def go() -> None:
            nav = self.w.nav
            item = nav.item(self.w.nav_row(key))
            nav.scrollToItem(item)
            QTest.mouseClick(
                nav.viewport(), Qt.MouseButton.LeftButton, pos=nav.visualItemRect(item).center()
            )

        self.add(f"nav {key}", go)
        self.wait(f"{key} shown", lambda: self.w.nav.currentRow() == self.w.nav_row(key))

    def build(self) -> list[Step]:
        for key in self.w.keys:
            self.nav(key)
        self.handover()
        self.dispatch()
        self.receive_back()
        self.kitting()
        self.nav("dashboard")
        return self.steps

    # 返厂交接 ------------------------------------------------------------------------------------

    def handover(self) -> None:
        desk = self.w.desk
        t = self.t
        self.nav("desk")

        task = f"counting task {t.task_number}"
        self.wait(
            f"{task} scrolled to", scroll_to(desk.tasks_view, lambda r: r.id == t.task_id, task)
        )
        self.wait("task opened", lambda: desk.task is not None and desk.task.id == t.task_id)
        codes = [c for _i, c in t.task_lines]
        order: list[str] = []
        for k in range(max(len(codes), len(t.new_codes))):
            order += [c[k] for c in (t.new_codes, codes) if k < len(c)]
        for n, code in enumerate(order):
            kind = "new" if code in t.new_codes else "line"
            self.scans += 1
            self.add(f"scan {kind} {n}", self._scan(code))
            self.wait(f"scan {n} answered", self._shown(code))
            self.add(f"三证一致 {n}", lambda: click(desk.detail.check_button))
            self.wait(f"三证 {n}", lambda code=code: self._shown(code)() and _docs_ok(desk))
            self.add(f"接收 {n}", lambda: click(desk.detail.accept_button))
            self.wait(f"接收 {n}", lambda code=code: self._shown(code)() and _decided(desk))

        def fill_confirm(dialog: Any) -> None:
            type_into(dialog.user_rep, "李参谋")

        def confirm() -> None:
            self.s.expect("ConfirmHandoverDialog", fill_confirm)
            self.s.questions.append("交接已确认")
            click(desk.header.confirm_button)

        self.add("确认交接", confirm)
        self.wait("handover confirmed", lambda: desk.task.status == "confirmed")

    def _scan(self, code: str) -> Callable[[], None]:
        field_ = self.w.desk.scan_field

        def go() -> None:
            field_.setFocus()
            QTest.keyClicks(field_, code)
            QTest.keyClick(field_, Qt.Key.Key_Return)

        return go

    def _shown(self, code: str) -> Callable[[], bool]:
        desk = self.w.desk

        def shown() -> bool:
            line = desk.detail.line
            return line is not None and line.item_code.casefold() == code.casefold()

        return shown

    # 分发 ----------------------------------------------------------------------------------------

    def dispatch(self) -> None:
        page = self.w.dispatch_page
        t = self.t
        self.nav("dispatch")
        self.wait("groups read", lambda: page.groups_model.rowCount() > 0)

        def group() -> None:
            row = page.groups_model.find(lambda g: g.manufacturer_id == t.maker_id)
            assert row is not None, f"no group for {t.maker}"
            click_row(page.groups_view, row)

        self.add(f"group {t.maker}", group)
        self.wait("group's lines", lambda: page.group and page.group.manufacturer_id == t.maker_id)
        self.add("全选", lambda: click(page.select_all_button))

        def fill(dialog: Any) -> None:
            for edit in dialog.reasons.values():
                type_into(edit, "等待运输")

        def send() -> None:
            self.s.expect("DispatchDialog", fill)
            self.s.questions.append("分发完成")
            click(page.dispatch_button)

        self.add("分发…", send)
        self.wait("dispatched", lambda: "已分发" in page.feedback.text())

    # 修复交回 ------------------------------------------------------------------------------------

    def receive_back(self) -> None:
        page = self.w.back_page
        t = self.t
        self.nav("back")
        self.wait("groups read", lambda: page.groups_model.rowCount() > 0)
        if not t.back_lines:
            return

        def group() -> None:
            row = page.groups_model.find(lambda g: g.manufacturer == t.back_maker)
            assert row is not None, f"no group for {t.back_maker}"
            click_row(page.groups_view, row)

        self.add(f"group {t.back_maker}", group)
        self.wait("group's lines", lambda: page.group and page.group.manufacturer == t.back_maker)
        for line_id, code in t.back_lines:

            def tick(line_id: int = line_id) -> None:
                model = page.lines_model
                row = _row_of(model, lambda r: r.item.line_id == line_id)
                while row is None and model.canFetchMore():  # scrolled on, the next page read
                    page.lines_view.scrollToBottom()
                    model.fetchMore()
                    row = _row_of(model, lambda r: r.item.line_id == line_id)
                assert row is not None, f"line {line_id} not awaiting return"
                click_check(page.lines_view, row)

            self.add(f"tick {code}", tick)
        self.wait(
            "all ticked",
            lambda: {x.line_id for x in page.checked_lines()} == {i for i, _c in t.back_lines},
        )

        def fill(dialog: Any) -> None:
            click(dialog.all_button)
            type_into(dialog.deliverer, "陈工")

        def receive() -> None:
            self.s.expect("ReceiveBackDialog", fill)
            self.s.questions.append("修复产品已交回")
            click(page.receive_button)

        self.add("接收交回…", receive)
        self.wait("received back", lambda: "已接收" in page.feedback.text())

    # 齐套交付 ------------------------------------------------------------------------------------

    def kitting(self) -> None:
        page = self.w.kitting
        t = self.t
        self.nav("kitting")
        self.wait("kit sets read", lambda: page.kits_model.rowCount() > 0)
        self._open_kit(t.report_kit)

        def report() -> None:
            self.s.expect("KittingReportPreview", lambda _d: None, "close_button")
            click(page.report_button)

        self.add("上报齐套情况", report)
        self.wait(
            "report issued and shown",
            lambda: "已上报" in page.feedback.text() and "KittingReportPreview" in self.s.dialogs,
        )
        self._open_kit(t.ready_kit)

        def fill_regroup(dialog: Any) -> None:
            for row, r in enumerate(dialog.model.rows()):
                if r.item.status == "back_at_materials":
                    click_check(dialog.view, row)
            click(dialog.into_new)

        def regroup() -> None:
            self.s.expect("RegroupDialog", fill_regroup)
            click(page.regroup_button)

        self.add("调整齐套… (the items back, into a set of their own)", regroup)
        self.wait(
            "regrouped",
            lambda: (
                "已把" in page.feedback.text()
                and page.kit is not None
                and page.kit.number != t.ready_kit
            ),
        )
        self.add("确认齐套", lambda: click(page.complete_button))
        self.wait("kitted", lambda: page.kit is not None and page.kit.status == "kitted")

        def fill(dialog: Any) -> None:
            type_into(dialog.user_rep, "李参谋")

        def deliver() -> None:
            self.s.expect("DeliverDialog", fill)
            self.s.questions.append("已交付用户")
            click(page.deliver_button)

        self.add("交付用户…", deliver)
        self.wait("delivered", lambda: "已交付用户" in page.feedback.text())

    def _open_kit(self, number: str) -> None:
        page = self.w.kitting

        kit = f"kit set {number}"
        self.wait(
            f"{kit} scrolled to", scroll_to(page.kits_view, lambda k: k.number == number, kit)
        )
        self.wait(f"{number} shown", lambda: page.kit is not None and page.kit.number == number)


def _row_of(model: Any, pred: Callable[[Any], bool]) -> int | None:
    return next((i for i, r in enumerate(model.rows()) if pred(r)), None)


def _docs_ok(desk: Any) -> bool:
    line = desk.detail.line
    return line is not None and all(d.present and d.consistent for d in line.documents)


def _decided(desk: Any) -> bool:
    line = desk.detail.line
    return line is not None and line.decision == "accept"


# --- what the way left in the store ------------------------------------------------------------


def check_store(url: str, t: Targets) -> dict[str, Any]:
    """Every step happened: read the store again, with the bare driver."""
    ready_ids = {i for i, _c in t.ready_lines}
    db = bare.BareDB(url)
    try:
        status = dict(
            db.all(
                "SELECT status, count(*) FROM return_line WHERE task_id = ? GROUP BY status",
                (t.task_id,),
            )
        )
        task = db.one("SELECT status FROM return_task WHERE id = ?", (t.task_id,))
        new_lines = db.all(
            "SELECT l.status FROM return_line l JOIN item i ON i.id = l.item_id"
            " WHERE i.serial_no LIKE ?",
            (t.new_codes[0].split("/", 1)[1][:-2] + "%",),
        )
        back = dict(
            db.all(
                "SELECT id, status FROM return_line WHERE id IN ("  # noqa: S608
                + ",".join(str(i) for i, _c in t.back_lines or [(0, "")])
                + ")"
            )
        )
        # The set the items back were moved into (调整齐套), then kitted and delivered.
        kit_id, kit, kit_number = (
            db.all(
                "SELECT k.id, k.status, k.number FROM kit_set k WHERE k.id = (SELECT max(kit_set_id)"
                " FROM return_line WHERE id IN ("
                + ",".join(str(i) for i in ready_ids or {0})
                + "))"
            )[0]
            if ready_ids
            else (None, None, None)
        )
        kit_lines = dict(
            db.all(
                "SELECT status, count(*) FROM return_line WHERE kit_set_id = ? GROUP BY status",
                (kit_id,),
            )
        )
        report = db.one(
            "SELECT r.number FROM kit_set k JOIN report r ON r.id = k.status_report_id"
            " WHERE k.number = ?",
            (t.report_kit,),
        )
    finally:
        db.close()
    checks = {
        "task confirmed": task == "confirmed",
        "new lines scanned": len(new_lines) == len(t.new_codes),
        "new lines dispatched": all(s == "dispatched" for (s,) in new_lines),
        "task lines left registered": status.get("registered", 0) == 0,
        "lines received back": all(s in BACK for s in back.values())
        and len(back) == len(t.back_lines),
        "items back moved into a set of their own": kit_number not in (None, t.ready_kit),
        "that set delivered": kit == "delivered",
        "its lines delivered": set(kit_lines) <= {"delivered", "scrapped", "closed"}
        and kit_lines.get("delivered", 0) > 0,
        "its last lines delivered": all(back.get(i) == "delivered" for i in ready_ids),
        "status report issued": bool(report) and str(report).startswith("QB-"),
    }
    return {
        "checks": checks,
        "task_lines": status,
        "new_lines": [s for (s,) in new_lines],
        "back_lines": back,
        "kit": kit,
        "kit_lines": kit_lines,
        "kit_number": kit_number,
        "report": report,
    }


# --- the session -------------------------------------------------------------------------------


def flow(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    stamp = str(payload.get("stamp") or int(time.time()))[-6:]
    db0 = bare.BareDB(url)
    targets = find_targets(db0, stamp)
    db0.close()
    app, db, window, scripted = open_as_manager(url)
    assert window.actor.role == "manager", window.actor
    way = Way(window, scripted, targets, payload.get("profile"))
    steps = way.build()

    beats, ran, gc_pauses = gui.heartbeat_with_gc(app, steps)
    idle_beats, _ = gui.run_with_heartbeat(app, [("idle", lambda: None)] * 100)
    out = summarize(beats, ran, scripted.marks, gc_pauses, way.looped)
    out["scans"] = way.scans
    out["idle_gaps"] = [b - a for a, b in zip(idle_beats, idle_beats[1:], strict=False)]
    out["targets"] = asdict(targets)
    out["dialogs"] = scripted.dialogs
    out["unexpected"] = scripted.unexpected + [f"not shown: {h[0]}" for h in scripted.handlers]
    out["unanswered_questions"] = scripted.questions
    out["startup_jobs_s"] = gui.STARTUP.get("jobs_s", 0.0)
    window.close()
    db.dispose()
    out["store"] = check_store(url, targets)
    failed = [k for k, ok in out["store"]["checks"].items() if not ok]
    if failed or out["unexpected"]:
        raise AssertionError(
            f"the way did not happen: {failed}; unexpected: {out['unexpected']}; "
            f"{json.dumps(out['store'], ensure_ascii=False, default=str)}"
        )
    return out


def open_as_manager(url: str) -> tuple[QApplication, Any, Any, FlowScripted]:
    """bench.gui.open_window (the program's collector, start-up jobs waited for, gc frozen),
    signed in as the manager with the way's scripted prompts."""
    login, scripted = gui.CLERK_LOGIN, gui.Scripted
    gui.CLERK_LOGIN, gui.Scripted = MANAGER, FlowScripted  # type: ignore[misc]
    try:
        return gui.open_window(url)  # type: ignore[return-value]
    finally:
        gui.CLERK_LOGIN, gui.Scripted = login, scripted  # type: ignore[misc]


def summarize(
    beats: list[float],
    ran: list[tuple[str, float, float]],
    marks: list[tuple[float, str]],
    gc_pauses: list[tuple[int, float, float]],
    looped: list[float],
) -> dict[str, Any]:
    """The longest gaps between beats and what ran in them; the steps' own times: wall time
    less the time a step let the event loop run (a dialog open, a wait for an answer)."""
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    order = sorted(range(len(gaps)), key=lambda k: -gaps[k])

    def during(k: int) -> str:
        a, b = beats[k], beats[k + 1]
        inside = [label for t, label in marks if a <= t < b]
        before = [label for t, label in marks if t < a]
        last = before[-1] if before else "(start)"
        return ", ".join(inside) if inside else f"after {last}"

    worst = order[0]
    own = [(n, (t1 - t0 - lp) * 1000) for (n, t0, t1), lp in zip(ran, looped, strict=True)]
    steps = [(n, ms) for n, ms in own if not n.startswith("wait:")]
    waits = [(n, (t1 - t0) * 1000) for n, t0, t1 in ran if n.startswith("wait:")]
    by_kind: dict[str, list[float]] = {}
    for name, ms in steps:
        kind = " ".join(w for w in name.split() if not any(c.isdigit() for c in w))
        by_kind.setdefault(kind, []).append(ms)
    in_gap = [p for p in gc_pauses if beats[worst] <= p[1] < beats[worst + 1]]
    return {
        "gaps": gaps,
        "steps": len(steps),
        "waits": len(waits),
        "max_gap_step": during(worst),
        "longest_gaps": [(round(gaps[k] * 1000, 1), during(k)) for k in order[:10]],
        "over_100ms": sum(1 for g in gaps if g > 0.1),
        "slowest_steps": sorted(steps, key=lambda x: -x[1])[:10],
        "slowest_waits": sorted(waits, key=lambda x: -x[1])[:5],
        "step_ms_by_kind": {
            k: {"n": len(v), "median": sorted(v)[len(v) // 2], "max": max(v)}
            for k, v in by_kind.items()
        },
        "gc_in_max_gap_ms": [round(p[2] * 1000, 1) for p in in_gap],
        "gc_gen2_ms_max": round(max((p[2] for p in gc_pauses if p[0] == 2), default=0) * 1000, 1),
        "gc_gen2_count": sum(1 for p in gc_pauses if p[0] == 2),
        "gc_ms_max": round(max((p[2] for p in gc_pauses), default=0) * 1000, 1),
        "gc_ms_max_by_generation": {
            g: round(max(p[2] for p in gc_pauses if p[0] == g) * 1000, 1)
            for g in sorted({p[0] for p in gc_pauses})
        },
    }


def main() -> int:
    url, payload = sys.argv[2], json.loads(sys.argv[3])  # argv[1]: the mode, "flow"
    out = flow(url, payload)
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
    os._exit(0)  # a worker thread of the window may still be reading: do not wait for it


if __name__ == "__main__":
    sys.exit(main())
