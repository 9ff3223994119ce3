"""The engineer's bench: my unit's lines by nearest deadline, each line's next step and the
steps beside it, its records and plans. The bench's rules live here; the page shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
)

from app.db import Database
from app.models.org import Permission, Role
from app.models.products import Item, ProductModel, QualityCertificate
from app.models.records import HandoverKind, HandoverRecord, HandoverRecordLine, Report, ReportLine
from app.models.repair import (
    AcceptanceInspection,
    FaultLocalization,
    InvestigationPlan,
    RepairRecord,
    ScrapDecision,
    ScrapRequest,
    UnboxingInspection,
)
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import BENCH_STATES, PLAN_EDITABLE, SCRAPPABLE, LineStatus
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar, due_date
from app.services.admin.codelists import ChecklistPoint, checklist, point
from app.services.admin.masterdata import item_code
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import Actor, local_today
from app.services.kernel.line_steps import load_line
from app.services.kernel.terms import VOIDED, line_status_label, plan_version_label, record_title
from app.services.kernel.views import BenchLine
from app.services.oversight.deadlines import Lateness, line_deadlines, step_lateness
from app.services.records import voiding
from app.services.repair import scrapping
from app.services.repair.scrapping import ScrapView

# The one step the bench offers next, by state.
NEXT_STEP = {
    LineStatus.dispatched: "receive_at_manufacturer",
    LineStatus.at_manufacturer: "unbox",
    LineStatus.unboxed: "write_plan",
    LineStatus.localizing: "localize",
    LineStatus.localized: "start_repair",
    LineStatus.in_repair: "finish_repair",
    LineStatus.repaired: "accept_repair",
    LineStatus.no_fault_found: "accept_repair",
}
# A line whose scrap request waits: the manager's decision comes first.
DECIDE_SCRAP = "decide_scrap"
# Who may take each step the bench offers (next steps and the steps beside them).
STEP_PERMISSIONS: dict[str, Permission] = {
    "receive_at_manufacturer": Permission.receive_at_manufacturer,
    "unbox": Permission.unbox,
    "write_plan": Permission.investigate,
    "localize": Permission.investigate,
    "no_fault_found": Permission.investigate,
    "new_plan": Permission.investigate,
    "start_repair": Permission.repair,
    "finish_repair": Permission.repair,
    "request_scrap": Permission.repair,
    "accept_repair": Permission.inspect_acceptance,
    DECIDE_SCRAP: Permission.approve_scrap,
}
# The clock a step ends: taken late, it asks why (issue 7, defect 8).
STEP_RULES = {
    "localize": RuleCode.localization,
    "no_fault_found": RuleCode.localization,
    "finish_repair": RuleCode.repair,
}
OPEN_DEADLINE = (DeadlineState.running, DeadlineState.due_soon, DeadlineState.overdue)


@dataclass(frozen=True)
class RecordItem:
    """A printable record of a line, with the title the 打印 menu shows."""

    number: str
    title: str


@dataclass(frozen=True)
class PlanItem:
    document_no: str
    version: str
    number: str


@dataclass(frozen=True)
class LineDetail:
    """What the bench shows of the selected line and what it allows.

    `blocked` names, for each step beside the next one (no_fault_found, new_plan,
    request_scrap, decide_scrap), why the line's state does not allow it ("" when it does).
    """

    line_id: int
    records: tuple[RecordItem, ...]
    plans: tuple[PlanItem, ...]
    blocked: dict[str, str]
    scrap: ScrapView | None  # the pending request, or the latest refused one
    lateness: Lateness | None  # of the next step, taken today
    certificate_no: str


# A line's clocks on the bench, by which of them still run (the dispatch clock is the
# materials department's, not the bench's). For each group the nearest due date is a
# non-decreasing function of the day the line was received, so a group read in
# (received_on, id) order is also in (nearest due, received_on, id) order: the bench's order,
# read as keyset pages from SQL, with no line's clock evaluated outside the page shown.
_NEVER = 2**62  # above every id: "after every line received that day"


@dataclass(frozen=True)
class _Group:
    where: ColumnElement[bool]
    rules: tuple[Rule, ...]  # the running clocks of the group's lines

    def nearest(self, received: dt.date, cal: WorkCalendar) -> dt.date:
        return min(due_date(rule, received, cal) for rule in self.rules)

    def first_due_from(self, due: dt.date, cal: WorkCalendar) -> dt.date:
        """The first day a line could be received on for its nearest due date to be >= `due`."""
        lo = due - dt.timedelta(days=400)
        while self.nearest(lo, cal) >= due:  # a clock longer than a year: look further back
            lo -= dt.timedelta(days=4000)
        hi = due  # a clock never ends before it starts: nearest(due) >= due
        while (hi - lo).days > 1:
            mid = lo + dt.timedelta(days=(hi - lo).days // 2)
            if self.nearest(mid, cal) >= due:
                hi = mid
            else:
                lo = mid
        return hi


def _groups(rules: dict[str, Rule]) -> tuple[list[_Group], ColumnElement[bool]]:
    """The groups of lines with a running clock, and the condition of lines with none."""
    received = ReturnLine.received_on.is_not(None)
    local_runs = ReturnLine.localized_on.is_(None)
    repair_runs = and_(
        ReturnLine.repair_accepted_on.is_(None), ReturnLine.status != LineStatus.scrapped
    )
    local = rules.get(RuleCode.localization)
    repair = rules.get(RuleCode.repair)
    candidates = (
        (and_(received, local_runs, repair_runs), (local, repair)),
        (and_(received, local_runs, not_(repair_runs)), (local,)),
        (and_(received, not_(local_runs), repair_runs), (repair,)),
    )
    groups: list[_Group] = []
    untimed: list[ColumnElement[bool]] = [
        not_(received),
        and_(received, not_(local_runs), not_(repair_runs)),
    ]
    for where, clocks in candidates:
        running = tuple(r for r in clocks if r is not None)
        if running:
            groups.append(_Group(where, running))
        else:
            untimed.append(where)
    return groups, or_(*untimed)


def _after_in_group(group: _Group, after: BenchLine, cal: WorkCalendar) -> ColumnElement[bool]:
    """The group's lines after `after` in (nearest due, received_on, id) order, as one keyset
    on (received_on, id)."""
    assert after.nearest is not None and after.nearest.due and after.nearest.starts
    due, day, line_id = after.nearest.due, after.nearest.starts, after.line_id
    equal_from = group.first_due_from(due, cal)  # from here the group's nearest is >= due
    later_from = group.first_due_from(due + dt.timedelta(days=1), cal)  # and > due
    one = dt.timedelta(days=1)
    key = max((equal_from - one, _NEVER), (day, line_id))
    key = min(key, (later_from - one, _NEVER))
    return tuple_(ReturnLine.received_on, ReturnLine.id) > tuple_(
        literal(key[0], Date), literal(key[1])
    )


def _pending() -> ColumnElement[bool]:
    """Whether a scrap request of the line waits for a manager's decision."""
    return (
        select(ScrapRequest.id)
        .where(
            ScrapRequest.line_id == ReturnLine.id, ScrapRequest.decision == ScrapDecision.pending
        )
        .exists()
    )


def _row_select() -> Select[*tuple[Any, ...]]:
    """One bench line's columns with its task, item, model, whether a scrap request waits and
    the dispatch record to countersign, in one statement."""
    pending = _pending()
    handover = (
        select(HandoverRecord.number)
        .join(HandoverRecordLine, HandoverRecordLine.record_id == HandoverRecord.id)
        .where(
            HandoverRecordLine.line_id == ReturnLine.id,
            HandoverRecord.kind == HandoverKind.materials_to_manufacturer,
        )
        .order_by(HandoverRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            ReturnLine.id,
            ReturnTask.number.label("task_number"),
            ProductModel.code,
            Item.serial_no,
            ProductModel.name,
            ReturnLine.fault_description,
            ReturnLine.status,
            ReturnLine.accepted_on,
            ReturnLine.dispatched_on,
            ReturnLine.received_on,
            ReturnLine.localized_on,
            ReturnLine.repair_accepted_on,
            pending.label("pending"),
            case((ReturnLine.status == LineStatus.dispatched, handover), else_=None).label(
                "handover"
            ),
        )
        .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
        .join(Item, Item.id == ReturnLine.item_id)
        .join(ProductModel, ProductModel.id == Item.model_id)
    )


def _scope(actor: Actor) -> ColumnElement[bool]:
    """The actor's bench: their unit's lines (every unit's for managers and quality)."""
    on_bench = ReturnLine.status.in_(sorted(BENCH_STATES))
    if actor.system or actor.role in (Role.manager, Role.quality):
        return on_bench
    # `+ 0` keeps SQLite on the (status, id) index: the manufacturer's own index walks every
    # line the unit ever had (tens of thousands at 1M lines) to find the few on its bench.
    return and_(on_bench, ReturnLine.manufacturer_unit_id + 0 == actor.unit_id)


def _only_steps(steps: frozenset[str] | None) -> ColumnElement[bool]:
    """Lines whose next step is one of `steps` (None: every line)."""
    if steps is None:
        return true()
    pending = _pending()
    states = sorted(s for s, step in NEXT_STEP.items() if step in steps)
    mine = and_(not_(pending), ReturnLine.status.in_(states)) if states else false()
    return or_(pending, mine) if DECIDE_SCRAP in steps else mine


_Clocks = tuple[tuple[Deadline, ...], Deadline | None]


class _Clock:
    """The bench's clocks of a page's lines. The dispatch clock is the materials department's:
    not evaluated. Lines received, localized and accepted on the same days have the same
    clocks: each set is evaluated once a page."""

    def __init__(self, rules: dict[str, Rule], cal: WorkCalendar, today: dt.date) -> None:
        self.rules = {code: rule for code, rule in rules.items() if code != RuleCode.dispatch}
        self.cal, self.today = cal, today
        self.seen: dict[tuple[Any, ...], _Clocks] = {}

    def of(self, row: Any) -> _Clocks:
        key = (
            row.status == LineStatus.scrapped,
            row.received_on,
            row.localized_on,
            row.repair_accepted_on,
        )
        found = self.seen.get(key)
        if found is None:
            deadlines = tuple(line_deadlines(row, self.rules, self.cal, self.today))
            running = [d for d in deadlines if d.state in OPEN_DEADLINE and d.due]
            nearest = min(running, key=lambda d: d.due or dt.date.max) if running else None
            found = self.seen[key] = (deadlines, nearest)
        return found


def _bench_line(row: Any, clock: _Clock) -> BenchLine:
    deadlines, nearest = clock.of(row)
    status = LineStatus(row.status)
    return BenchLine(
        row.id,
        row.task_number,
        item_code(row.code, row.serial_no),
        row.name,
        row.fault_description,
        status,
        DECIDE_SCRAP if row.pending else NEXT_STEP.get(status, ""),
        row.handover or "",
        nearest,
        deadlines,
    )


def _order(line: BenchLine) -> tuple[bool, dt.date, dt.date, int]:
    near = line.nearest
    return (
        near is None,
        near.due if near and near.due else dt.date.max,
        near.starts if near and near.starts else dt.date.max,
        line.line_id,
    )


def page_bench_lines(
    db: Database,
    actor: Actor,
    today: dt.date | None = None,
    after: BenchLine | None = None,
    limit: int = 200,
    steps: frozenset[str] | None = None,
) -> list[BenchLine]:
    """A page of the actor's bench after `after`, nearest due first (then the day received and
    the line), lines with no running clock last. `steps`: only lines whose next step is one of
    these (只看我能办理的). A fixed number of statements whatever the number of lines."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        groups, untimed = _groups(rules)
        wanted = and_(_scope(actor), _only_steps(steps))
        # The page is chosen on return_line alone: each group's next lines (id and day
        # received), merged by nearest due date in Python; only then are the chosen lines'
        # task, item, scrap request and dispatch record read, in one statement.
        keys: list[tuple[tuple[bool, dt.date, dt.date, int], int]] = []
        if after is None or after.nearest is not None:
            for group in groups:
                ids = select(ReturnLine.id, ReturnLine.received_on).where(wanted, group.where)
                if after is not None:
                    ids = ids.where(_after_in_group(group, after, cal))
                ids = ids.order_by(ReturnLine.received_on, ReturnLine.id).limit(limit)
                dues: dict[dt.date, dt.date] = {}
                for line_id, day in session.execute(ids):
                    assert day is not None  # every group's lines were received
                    if day not in dues:
                        dues[day] = group.nearest(day, cal)
                    keys.append(((False, dues[day], day, line_id), line_id))
            keys = sorted(keys)[:limit]
        if len(keys) < limit:
            rest = select(ReturnLine.id).where(wanted, untimed)
            if after is not None and after.nearest is None:
                rest = rest.where(ReturnLine.id > after.line_id)
            rest = rest.order_by(ReturnLine.id).limit(limit - len(keys))
            keys += [((True, dt.date.max, dt.date.max, i), i) for i in session.scalars(rest)]
        if not keys:
            return []
        rows = session.execute(_row_select().where(ReturnLine.id.in_([i for _k, i in keys])))
        clock = _Clock(rules, cal, today)
        found = sorted((_bench_line(r, clock) for r in rows), key=_order)
        return found


@dataclass(frozen=True)
class BenchCounts:
    """How many lines the bench holds, how many it lists (只看我能办理的), how many are
    overdue and how many wait for a scrap decision."""

    total: int
    listed: int
    overdue: int
    waiting: int


def bench_counts(
    db: Database,
    actor: Actor,
    today: dt.date | None = None,
    steps: frozenset[str] | None = None,
) -> BenchCounts:
    """The bench's counts in one statement, whatever the number of lines: a line is overdue
    when its nearest due date is before today, that is when it was received before the first
    day its group's nearest clock reaches today."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        groups, _untimed = _groups(rules)
        overdue = or_(
            false(),
            *(
                and_(g.where, ReturnLine.received_on < literal(g.first_due_from(today, cal), Date))
                for g in groups
            ),
        )
        pending = _pending()

        def tally(cond: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        row = session.execute(
            select(
                func.count(),
                tally(_only_steps(steps)),
                tally(overdue),
                tally(pending),
            ).where(_scope(actor))
        ).one()
        return BenchCounts(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def bench_lines(db: Database, actor: Actor, today: dt.date | None = None) -> list[BenchLine]:
    """Every line at the actor's manufacturer (every unit for managers and quality), nearest due
    first: the pages one after the other (for scripts and tests; the window reads a page)."""
    lines: list[BenchLine] = []
    while True:
        page = page_bench_lines(db, actor, today, lines[-1] if lines else None, 500)
        lines += page
        if len(page) < 500:
            return lines


def handover_lines(
    db: Database, actor: Actor, handover_number: str, today: dt.date | None = None
) -> list[BenchLine]:
    """The lines of a dispatch record still waiting on the actor's bench to be countersigned."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        on_record = (
            select(HandoverRecordLine.line_id)
            .join(HandoverRecord, HandoverRecord.id == HandoverRecordLine.record_id)
            .where(HandoverRecord.number == handover_number)
        )
        stmt = (
            _row_select()
            .where(
                _scope(actor),
                ReturnLine.status == LineStatus.dispatched,
                ReturnLine.id.in_(on_record),
            )
            .order_by(ReturnLine.id)
        )
        clock = _Clock(rules, cal, today)
        return [_bench_line(r, clock) for r in session.execute(stmt)]


def line_records(db: Database, line_id: int) -> list[str]:
    """Every record one line's way has issued so far, oldest first (JJ, KX, PC, DW, WX, YS,
    and the reports about it)."""
    with db.reading() as session:
        found: list[tuple[dt.datetime, str]] = [
            (at, n)
            for at, n in session.execute(
                select(HandoverRecord.created_at, HandoverRecord.number)
                .join(HandoverRecordLine, HandoverRecordLine.record_id == HandoverRecord.id)
                .where(HandoverRecordLine.line_id == line_id)
            )
        ]
        found += [
            (at, n)
            for at, n in session.execute(
                select(ScrapRequest.created_at, ScrapRequest.number).where(
                    ScrapRequest.line_id == line_id
                )
            )
            if n  # a refused or waiting request is no record of its own
        ]
        for table in (
            UnboxingInspection,
            InvestigationPlan,
            FaultLocalization,
            RepairRecord,
            AcceptanceInspection,
        ):
            found += [
                (at, n)
                for at, n in session.execute(
                    select(table.created_at, table.number).where(table.line_id == line_id)
                )
            ]
        found += [
            (at, n)
            for at, n in session.execute(
                select(Report.created_at, Report.number)
                .join(ReportLine, ReportLine.report_id == Report.id)
                .where(ReportLine.line_id == line_id, Report.number.not_like("DW-%"))
            )
        ]
        return [n for _at, n in sorted(found)]


def line_plans(db: Database, line_id: int) -> list[tuple[str, str, str]]:
    """(document no, version, PC number) of a line's investigation plans, oldest first."""
    with db.reading() as session:
        return [
            (p.document_no, p.version, p.number)
            for p in session.scalars(
                select(InvestigationPlan)
                .where(InvestigationPlan.line_id == line_id)
                .order_by(InvestigationPlan.id)
            )
        ]


def _blocked(status: LineStatus, scrap: ScrapRequest | None) -> dict[str, str]:
    pending = scrap is not None and scrap.decision == ScrapDecision.pending
    state = line_status_label(status)
    return {
        "no_fault_found": ""
        if status == LineStatus.localizing
        else f"只有“排查中”的产品可以判定复测无故障（当前：{state}）。",
        "new_plan": ""
        if status in PLAN_EDITABLE
        else "产品编写过排查方案（排查中、已定位或维修中）后才能登记新版本。",
        "request_scrap": "已申请报废，等待总体/主管审批。"
        if pending
        else ""
        if status in SCRAPPABLE
        else f"只有“已定位”或“维修中”的产品可以申请报废（当前：{state}）。",
        DECIDE_SCRAP: "" if pending else "这件产品没有待审批的报废申请。",
    }


def line_detail(db: Database, line_id: int, today: dt.date | None = None) -> LineDetail:
    """The selected line: its records and plans, what the steps beside the next one allow, its
    scrap request, how late its next step would be today, its quality certificate's number."""
    today = today or local_today()
    records = line_records(db, line_id)
    plans = line_plans(db, line_id)
    versions = {number: version for _doc, version, number in plans}
    with db.reading() as session:
        line = load_line(session, line_id)
        status = LineStatus(line.status)
        scrap = scrapping.latest_request(session, line.id)
        shown = scrap if scrap is not None and scrap.decision != ScrapDecision.approved else None
        rule = STEP_RULES.get(NEXT_STEP.get(status, ""))
        cert = session.scalar(
            select(QualityCertificate.certificate_no).where(
                QualityCertificate.item_id == line.item_id
            )
        )
        voided = voiding.voided_numbers(session, records)
        return LineDetail(
            line.id,
            tuple(
                RecordItem(n, _record_title(n, versions.get(n, ""), n in voided)) for n in records
            ),
            tuple(PlanItem(doc, version, number) for doc, version, number in plans),
            _blocked(status, scrap),
            scrapping.view_of(session, shown) if shown is not None else None,
            step_lateness(db, session, line, rule, today) if rule else None,
            cert or "",
        )


def _record_title(number: str, version: str, voided: bool = False) -> str:
    title = record_title(number)
    title = f"{title}（{plan_version_label(version)}）" if version else title
    return f"{title}（{VOIDED}）" if voided else title


def step_lateness_of(
    db: Database, line_id: int, step: str, today: dt.date | None = None
) -> Lateness | None:
    """How late `step` would be if taken today on this line (None when on time or untimed)."""
    rule = STEP_RULES.get(step)
    if rule is None:
        return None
    with db.reading() as session:
        return step_lateness(db, session, load_line(session, line_id), rule, today or local_today())


def acceptance_points(db: Database, line_id: int) -> list[ChecklistPoint]:
    """The acceptance checklist of the line's model (出厂验收要求), in order."""
    with db.reading() as session:
        line = load_line(session, line_id)
        return [point(c) for c in checklist(session, line.item.model_id)]
