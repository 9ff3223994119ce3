"""Plain values the services hand out: what a window, the command line or a test reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.models.workdays import Deadline


@dataclass(frozen=True)
class DocumentView:
    kind: str  # DocumentKind
    verdict: str  # DocumentVerdict: unchecked, consistent, inconsistent, missing
    note: str

    @property
    def present(self) -> bool | None:
        """Handed over with the item? None while not checked."""
        return {"consistent": True, "inconsistent": True, "missing": False}.get(self.verdict)

    @property
    def consistent(self) -> bool | None:
        """Matches the item? None while not checked; a missing document does not."""
        return {"consistent": True, "inconsistent": False, "missing": False}.get(self.verdict)


@dataclass(frozen=True)
class LineView:
    id: int
    task_id: int
    task_number: str
    seq: int
    item_id: int
    item_code: str
    model_code: str
    model_name: str
    drawing_no: str
    serial_no: str
    fault_description: str
    remark: str
    status: str
    decision: str | None
    reject_reason: str
    documents: tuple[DocumentView, ...]
    dispatch_deadline: Deadline
    manufacturer: str
    version: int
    # The version of the line's task after this line was read: the desk's confirm carries it
    # (issue 9: a count changed by another desk meanwhile is refused, never confirmed unseen).
    task_version: int = 0

    @property
    def documents_complete(self) -> bool:
        return len(self.documents) == 3 and all(d.present and d.consistent for d in self.documents)


@dataclass(frozen=True)
class TaskSummary:
    id: int
    number: str
    user_unit: str
    status: str
    node_date: dt.date | None
    kitting_deadline: dt.date | None
    line_count: int
    created_at: dt.datetime


@dataclass(frozen=True)
class TaskView:
    id: int
    number: str
    user_unit: str
    user_unit_id: int
    status: str
    node_date: dt.date | None
    kitting_deadline: dt.date | None
    source: str
    user_rep_name: str
    clerk_name: str
    confirmed_at: dt.datetime | None
    line_count: int
    handover_number: str | None
    rejection_notice_number: str | None
    version: int = 0  # the task's version: its count as this person saw it (issue 9)


@dataclass(frozen=True)
class ScanResult:
    """What a scan matched. kind: line, added, needs_model, record."""

    kind: str
    code: str
    message: str
    line: LineView | None = None
    record_number: str | None = None
    serial_no: str = ""
    model_code: str = ""
    # The task as the scan left it (kind "added"): its count, read in the scan's transaction.
    task: TaskView | None = None


@dataclass(frozen=True)
class ConfirmResult:
    task_number: str
    handover_number: str
    rejection_notice_number: str | None
    accepted: int
    rejected: int


@dataclass(frozen=True)
class ReportView:
    id: int
    number: str
    kind: str
    title: str
    addressed_to: str
    task_number: str | None
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    body: str
    # Addressed to the reader's unit(s), so theirs to acknowledge; False for a report the reader
    # follows without being its addressee (one their unit issued, or about their lines).
    mine: bool = True
    # An overdue report or escalation closed by the late step's record (DW, WX) and its date.
    answered_by: str = ""
    answered_on: dt.date | None = None
    # Voided by a manager (issue 9): listed as 已作废 with the reason.
    voided: bool = False
    void_reason: str = ""


@dataclass(frozen=True)
class RecordRef:
    """Where a scanned or typed record number leads."""

    number: str
    kind: str  # return_task, handover_record, rejection_notice, ...
    id: int
    task_id: int | None


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class ModelView:
    id: int
    code: str
    name: str
    drawing_no: str
    level: str
    manufacturer: str
    parent_code: str
    from_import: bool


@dataclass(frozen=True)
class ImportResult:
    task_number: str | None
    imported: int
    new_models: tuple[str, ...]
    rejected: tuple[tuple[int, str], ...]
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    actor: str
    action: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class LineRow:
    """One row of a line table: cheap to read a page of."""

    id: int
    task_id: int
    task_number: str
    seq: int
    item_code: str
    model_code: str
    model_name: str
    serial_no: str
    fault_description: str
    status: str
    decision: str | None
    reject_reason: str
    # present/consistent per document kind, in DocumentKind order; None = not checked
    # (read from each document's verdict: missing is (False, False))
    documents: tuple[tuple[bool | None, bool | None], ...]
    dispatch_deadline: Deadline
    version: int = 0  # the line's version as read: a change of it carries it (issue 9)


@dataclass(frozen=True)
class DispatchLine:
    line_id: int
    task_number: str
    item_code: str
    model_name: str
    route: str  # the kit tree above the model, e.g. "ZT-1 › GC-12A"
    fault_description: str
    dispatch_deadline: Deadline
    overdue: bool
    version: int = 0  # the line's version as read: dispatch carries it (issue 9)


@dataclass(frozen=True)
class DispatchGroup:
    manufacturer_id: int | None  # None: the model has no manufacturer yet
    manufacturer: str
    lines: tuple[DispatchLine, ...]


@dataclass(frozen=True)
class DispatchResult:
    handover_number: str
    overdue_report_number: str | None
    dispatched: int


@dataclass(frozen=True)
class DeadlineRow:
    line_id: int
    line: str  # the task number and sequence, e.g. "FX-2026-000003/2"
    item: str  # item code
    status: str
    unit: str  # where the item is: the manufacturer, or the materials department
    deadline: Deadline


@dataclass(frozen=True)
class BenchLine:
    """One line on an engineer's bench: where it stands and the one next step."""

    line_id: int
    task_number: str
    item_code: str
    model_name: str
    fault_description: str
    status: str
    next_step: str  # a step name from app.models.states.TRANSITIONS, "" when none is the bench's
    handover_number: str  # the dispatch record to countersign, while dispatched
    nearest: Deadline | None
    deadlines: tuple[Deadline, ...]


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    task_number: str
    actor: str
    action: str
    detail: str
    reason: str
    record: str = ""  # the record the event names (its own number, else its task's): opens it


@dataclass(frozen=True)
class ItemHistory:
    item_code: str
    model_name: str
    returns: tuple[str, ...]  # task numbers, oldest first
    certificate_entries: tuple[str, ...]  # WX numbers in the quality certificate
    events: tuple[HistoryEvent, ...]


@dataclass(frozen=True)
class KitItem:
    line_id: int
    task_number: str
    item_code: str
    model_name: str
    status: str
    where: str  # the unit holding it now
    responsible: str  # who has to act next
    back: bool  # back at the materials department (or further)
    scrapped: bool
    late_days: int  # days past its own deadline (repair or dispatch), 0 when on time
    note: str  # why it is missing, in a word or two


@dataclass(frozen=True)
class KitStatus:
    number: str
    task_number: str | None
    user_unit: str
    deadline: dt.date | None
    status: str  # open, kitted, delivered, closed
    report_deadline: Deadline
    report_number: str | None
    items: tuple[KitItem, ...]

    @property
    def active(self) -> tuple[KitItem, ...]:
        return tuple(i for i in self.items if not i.scrapped)

    @property
    def missing(self) -> tuple[KitItem, ...]:
        return tuple(i for i in self.active if not i.back)

    @property
    def complete(self) -> bool:
        return bool(self.active) and not self.missing


@dataclass(frozen=True)
class Dashboard:
    """The first screen: deadlines by urgency, open work by stage and by unit, unread reports."""

    today: dt.date
    overdue: tuple[DeadlineRow, ...]
    due_soon: tuple[DeadlineRow, ...]
    # At most 200 of each kind are listed (the most recently overdue, the soonest due);
    # `counts` has them all by state, counted in SQL (issue 10).
    running: tuple[DeadlineRow, ...]
    counts: dict[str, int]
    by_stage: tuple[tuple[str, int], ...]  # (line status, open lines)
    by_unit: tuple[tuple[str, int], ...]  # (unit holding them, open lines)
    unread: tuple[ReportView, ...]
    unread_count: int
