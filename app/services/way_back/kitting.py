"""Kit sets (齐套): which items go back to the user together, their live status, the T-3 report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.db import Database
from app.errors import DomainError, NotFound, WrongState
from app.models.delivery import KIT_HANDED_OVER, KIT_LIVE, KIT_STEPS, KitSet, KitSetStatus
from app.models.misc import SharedSetting
from app.models.org import Permission, Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.records import Report, ReportKind
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import AT_MANUFACTURER, BACK, KIT_FIXED, LineStatus, TaskStatus
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar
from app.services.admin.masterdata import item_code
from app.services.kernel import audit
from app.services.kernel.calendar import calendar_and_rules
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import advance, line_code, unit_of_kind
from app.services.kernel.numbering import issue_number
from app.services.kernel.terms import kit_step_refusal, line_status_label
from app.services.kernel.views import DeadlineRow, KitItem, KitStatus
from app.services.oversight.deadlines import line_deadlines
from app.services.records.registry import issue_report


def new_kit_set(
    session: Session,
    actor: Actor,
    task: ReturnTask | None,
    lines: list[ReturnLine],
    deadline: dt.date | None,
    today: dt.date,
) -> KitSet:
    kit = KitSet(
        number=issue_number(session, "QT", today.year),
        task_id=task.id if task else None,
        deadline=deadline,
        status=KitSetStatus.open,
        created_on=today,
    )
    session.add(kit)
    session.flush()
    _join(session, kit.id, lines)
    audit.record(
        session,
        actor,
        "kit_set",
        kit.id,
        "create",
        "",
        f"{kit.number} {len(lines)} 件",
        task.number if task else "",
    )
    return kit


def _join(session: Session, kit_id: int, lines: list[ReturnLine]) -> None:
    """The lines join the set in one statement, their versions counted up as the ORM would:
    the set's number is taken by now and its series waits for this commit (issue 10), where
    the ORM sends one UPDATE per line to check each version."""
    if not lines:
        return
    table = ReturnLine.__table__
    session.execute(
        update(table)  # type: ignore[arg-type]
        .where(table.c.id.in_([line.id for line in lines]))
        .values(kit_set_id=kit_id, version=table.c.version + 1)
    )
    for line in lines:
        set_committed_value(line, "kit_set_id", kit_id)
        set_committed_value(line, "version", line.version + 1)


BACKFILLED = "kit_sets_backfilled"


def ensure_kit_sets(session: Session) -> None:
    """Tasks confirmed before kit sets existed get their default set (the task's accepted lines).

    Runs once per store: every task confirmed since gets its set at confirmation, and the search
    costs 0.1 s at every start on a large store."""
    if session.get(SharedSetting, BACKFILLED) is not None:
        return
    actor = Actor(None, "升级", None, None, system=True)
    # Only tasks with a line to kit: a task whose every item was refused never gets a set, and
    # was loaded with its lines again at every start (179 such tasks at 1M lines: 0.26 s).
    kept = select(ReturnLine.id).where(
        ReturnLine.task_id == ReturnTask.id, ReturnLine.status != LineStatus.rejected
    )
    tasks = session.scalars(
        select(ReturnTask).where(
            ReturnTask.status != TaskStatus.open,
            ~select(KitSet.id).where(KitSet.task_id == ReturnTask.id).exists(),
            kept.exists(),
        )
    ).all()
    for task in tasks:
        lines = [x for x in task.lines if x.status != LineStatus.rejected]
        if lines:
            day = min(x.accepted_on or task.created_at.date() for x in lines)
            kit = new_kit_set(session, actor, task, lines, task.kitting_deadline, day)
            kit.status = _implied_status(lines)
    session.add(SharedSetting(key=BACKFILLED, value="0005"))


def _implied_status(lines: list[ReturnLine]) -> KitSetStatus:
    """What a backfilled set's lines say about it: a set delivered long ago is not still open."""
    left = {x.status for x in lines} - {LineStatus.scrapped}
    if left and left <= {LineStatus.closed}:
        return KitSetStatus.closed
    if left and left <= {LineStatus.delivered, LineStatus.closed}:
        return KitSetStatus.delivered
    if left and left <= KIT_FIXED:
        return KitSetStatus.kitted
    return KitSetStatus.open


def _load_kit(session: Session, number: str) -> KitSet:
    kit = session.scalar(select(KitSet).where(KitSet.number == number.strip().upper()))
    if kit is None:
        raise NotFound(f"找不到齐套 {number}。")
    return kit


def _require_step(kit: KitSet, step: str) -> None:
    """Refuse a step the set's state does not allow (KIT_STEPS), in the window's words."""
    if kit.status not in KIT_STEPS[step]:
        raise WrongState(f"齐套 {kit.number}：{kit_step_refusal(step, kit.status)}")


class KitDates(Protocol):
    """What a set's report deadline is computed from: an ORM kit set or a plain row."""

    status: KitSetStatus
    deadline: dt.date | None
    report_issued_on: dt.date | None
    created_on: dt.date


def _report_deadline(
    kit: KitDates, rules: dict[str, Rule], cal: WorkCalendar, today: dt.date
) -> Deadline:
    """Due `kitting_report` calendar days before the set's deadline (counted back from it, so a
    holiday changes nothing); met when the QB report is issued."""
    rule = rules.get(RuleCode.kitting_report)
    delivered_without = kit.status in KIT_HANDED_OVER and kit.report_issued_on is None
    if rule is None or kit.deadline is None or delivered_without:
        return Deadline(RuleCode.kitting_report, None, None, DeadlineState.not_started, None, False)
    due = kit.deadline + dt.timedelta(days=rule.length)
    if kit.report_issued_on is not None:
        state = DeadlineState.met if kit.report_issued_on <= due else DeadlineState.met_late
        return Deadline(rule.code, kit.created_on, due, state, None, False)
    if today > due:
        state = DeadlineState.overdue
    elif cal.within_working_days(today, due, rule.due_soon_working_days):
        state = DeadlineState.due_soon
    else:
        state = DeadlineState.running
    return Deadline(rule.code, kit.created_on, due, state, (due - today).days, False)


NOTES = {
    LineStatus.dispatched: "在途，承制单位未签收",
    LineStatus.accepted_after_repair: "已验收，待交付物资部门",
    LineStatus.repaired: "已修复，待验收",
    LineStatus.no_fault_found: "复测无故障，待验收",
}


def _kit_item(
    line: Any, materials: str, rules: dict[str, Rule], cal: WorkCalendar, today: dt.date
) -> KitItem:
    """One line of a set, from a plain row of `_KIT_LINES` (no query here)."""
    status = line.status
    maker = line.maker or ""
    if status in BACK:
        where, responsible, note = materials, materials, "已返回"
    elif status in AT_MANUFACTURER:
        where, responsible = maker, maker
        note = NOTES.get(status, line_status_label(status))
    elif status == LineStatus.scrapped:
        where, responsible, note = maker, "总体单位", "已报废，退出齐套"
    else:
        where, responsible, note = materials, materials, "待分发"
    late = 0
    for d in line_deadlines(line, rules, cal, today):
        if d.state == DeadlineState.overdue and d.days_left is not None:
            late = max(late, -d.days_left)
    return KitItem(
        line.id,
        line.task_number,
        item_code(line.model_code, line.serial_no),
        line.model_name,
        status,
        where,
        responsible,
        status in BACK,
        status == LineStatus.scrapped,
        late,
        note,
    )


_Maker = aliased(Unit)
# A set's lines as plain rows, with what each item shows: one query whatever their number.
_KIT_LINES = (
    select(
        ReturnLine.id,
        ReturnLine.status,
        ReturnLine.accepted_on,
        ReturnLine.dispatched_on,
        ReturnLine.received_on,
        ReturnLine.localized_on,
        ReturnLine.repair_accepted_on,
        ReturnTask.number.label("task_number"),
        Item.serial_no,
        ProductModel.code.label("model_code"),
        ProductModel.name.label("model_name"),
        _Maker.name.label("maker"),
    )
    .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
    .join(Item, Item.id == ReturnLine.item_id)
    .join(ProductModel, ProductModel.id == Item.model_id)
    .outerjoin(_Maker, _Maker.id == ReturnLine.manufacturer_unit_id)
)


def kit_status(db: Database, number: str, today: dt.date | None = None) -> KitStatus:
    """The live status of a kit set: which items are back, where the others are and how late."""
    today = today or local_today()
    with db.reading() as session:
        return kit_status_in(db, session, _load_kit(session, number), today)


def kit_status_in(db: Database, session: Session, kit: KitSet, today: dt.date) -> KitStatus:
    """A fixed number of queries whatever the set holds: its header, its lines, the
    materials department (the calendar and rules come from the store's cache)."""
    cal, rules = calendar_and_rules(db, session)
    materials = unit_of_kind(session, UnitKind.materials_dept)
    head = session.execute(
        select(ReturnTask.number, Unit.name, Report.number)
        .select_from(KitSet)
        .outerjoin(ReturnTask, ReturnTask.id == KitSet.task_id)
        .outerjoin(Unit, Unit.id == ReturnTask.user_unit_id)
        .outerjoin(Report, Report.id == KitSet.status_report_id)
        .where(KitSet.id == kit.id)
    ).one()
    lines = session.execute(
        _KIT_LINES.where(ReturnLine.kit_set_id == kit.id).order_by(
            ReturnLine.task_id, ReturnLine.seq
        )
    ).all()
    where = materials.name if materials else ""
    return KitStatus(
        kit.number,
        head[0],
        head[1] or "",
        kit.deadline,
        kit.status,
        _report_deadline(kit, rules, cal, today),
        head[2],
        tuple(_kit_item(x, where, rules, cal, today) for x in lines),
    )


@dataclass(frozen=True)
class KitRow:
    """A kit set in the list: its header, and its lines counted per state in SQL (GROUP BY),
    never read one by one. Its items are read when it is opened (`kit_status`)."""

    id: int
    number: str
    task_number: str | None
    user_unit: str
    deadline: dt.date | None
    status: str
    report_deadline: Deadline
    report_number: str | None
    total: int  # every line of the set
    scrapped: int  # scrapped: out of the set, nothing waits for them
    back: int  # active lines back at the materials department (or further)

    @property
    def n_active(self) -> int:
        return self.total - self.scrapped

    @property
    def n_missing(self) -> int:
        return self.n_active - self.back

    @property
    def complete(self) -> bool:
        return self.n_active > 0 and self.n_missing == 0


LIVE_KITS = (KitSetStatus.open, KitSetStatus.kitted, KitSetStatus.delivered)
_NO_DEADLINE = dt.date(9999, 12, 31)  # sets without a deadline come last


def _kit_order() -> tuple[Any, Any]:
    return func.coalesce(KitSet.deadline, _NO_DEADLINE), KitSet.id


def page_kit_sets(
    db: Database,
    today: dt.date | None = None,
    *,
    after: KitRow | None = None,
    limit: int = 200,
    include_closed: bool = False,
    statuses: tuple[KitSetStatus, ...] = LIVE_KITS,
    also: str | None = None,
) -> list[KitRow]:
    """A keyset page of kit sets by deadline (then number order), after `after`.

    Two queries whatever the page holds: the sets with their task, user unit and report, and
    their lines counted per state (GROUP BY set, state). `also` names a set listed whatever its
    state: the one a person has open (just closed)."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        key, kit_id = _kit_order()
        stmt = (
            select(
                KitSet.id,
                KitSet.number,
                KitSet.deadline,
                KitSet.status,
                KitSet.report_issued_on,
                KitSet.created_on,
                ReturnTask.number.label("task_number"),
                Unit.name.label("user_unit"),
                Report.number.label("report_number"),
            )
            .outerjoin(ReturnTask, ReturnTask.id == KitSet.task_id)
            .outerjoin(Unit, Unit.id == ReturnTask.user_unit_id)
            .outerjoin(Report, Report.id == KitSet.status_report_id)
            .order_by(key, kit_id)
            .limit(limit)
        )
        if not include_closed:
            wanted = KitSet.status.in_(statuses)
            stmt = stmt.where(wanted | (KitSet.number == also.strip().upper()) if also else wanted)
        if after is not None:
            last = after.deadline or _NO_DEADLINE
            stmt = stmt.where(or_(key > last, and_(key == last, kit_id > after.id)))
        heads = session.execute(stmt).all()
        counts: dict[int | None, dict[str, int]] = {}
        if heads:
            for kit, status, n in session.execute(
                select(ReturnLine.kit_set_id, ReturnLine.status, func.count())
                .where(ReturnLine.kit_set_id.in_([h.id for h in heads]))
                .group_by(ReturnLine.kit_set_id, ReturnLine.status)
            ):
                counts.setdefault(kit, {})[status] = n
        rows = []
        for h in heads:
            by_state = counts.get(h.id, {})
            rows.append(
                KitRow(
                    h.id,
                    h.number,
                    h.task_number,
                    h.user_unit or "",
                    h.deadline,
                    h.status,
                    _report_deadline(h, rules, cal, today),
                    h.report_number,
                    sum(by_state.values()),
                    by_state.get(LineStatus.scrapped, 0),
                    sum(n for s, n in by_state.items() if s in BACK),
                )
            )
        return rows


def list_kit_sets(
    db: Database,
    today: dt.date | None = None,
    include_closed: bool = False,
    statuses: tuple[KitSetStatus, ...] = LIVE_KITS,
    also: str | None = None,
) -> list[KitRow]:
    """Every kit set of these states by deadline (or every one), page after page."""
    found: list[KitRow] = []
    while True:
        page = page_kit_sets(
            db,
            today,
            after=found[-1] if found else None,
            limit=500,
            include_closed=include_closed,
            statuses=statuses,
            also=also,
        )
        found.extend(page)
        if len(page) < 500:
            return found


def regroup_targets(db: Database, number: str, today: dt.date | None = None) -> list[KitRow]:
    """The open sets a set's lines may move into (not itself), the most urgent first."""
    rows = page_kit_sets(db, today, limit=500, statuses=(KitSetStatus.open,))
    return [r for r in rows if r.number != number.strip().upper()]


def kit_of_line(db: Database, line_id: int) -> str | None:
    with db.reading() as session:
        line = session.get(ReturnLine, line_id)
        if line is None or line.kit_set_id is None:
            return None
        return session.get_one(KitSet, line.kit_set_id).number


def set_deadline(db: Database, actor: Actor, number: str, deadline: dt.date) -> None:
    """The set's own kitting deadline (齐套时间节点) wins over its task's default."""
    require(actor, Permission.regroup_kit)
    with db.transaction() as session:
        kit = _load_kit(session, number)
        _require_step(kit, "set_deadline")
        old = kit.deadline
        kit.deadline = deadline
        audit.record(session, actor, "kit_set", kit.id, "set_deadline", old, deadline)


def regroup(
    db: Database,
    actor: Actor,
    line_ids: list[int],
    target: str | None,
    deadline: dt.date | None = None,
    today: dt.date | None = None,
) -> str:
    """Move lines into another open kit set, or into a new one (target None); returns its number."""
    require(actor, Permission.regroup_kit)
    today = today or local_today()
    with db.transaction() as session:
        lines = [session.get(ReturnLine, i) for i in line_ids]
        if not lines or any(x is None for x in lines):
            raise NotFound("找不到要调整的产品。")
        found = [x for x in lines if x is not None]
        for line in found:
            if line.status in KIT_FIXED or line.status == LineStatus.rejected:
                raise WrongState(
                    f"{line_code(line)} 当前状态为“{line_status_label(line.status)}”，不能调整齐套。"
                )
        if target:
            kit = _load_kit(session, target)
            if kit.status != KitSetStatus.open:
                raise WrongState(f"齐套 {kit.number} 已齐套或已交付，不能再加入产品。")
        else:
            if deadline is None:
                raise DomainError("新建齐套需要齐套时间节点。")
            kit = new_kit_set(session, actor, None, [], deadline, today)
        for line in found:
            old = line.kit_set_id
            line.kit_set_id = kit.id
            audit.record(session, actor, "return_line", line.id, "regroup", old, kit.number)
        return kit.number


def complete(db: Database, actor: Actor, number: str, today: dt.date | None = None) -> KitStatus:
    """Every remaining item is back: the set is kitted (齐套), ready to hand over to the user."""
    require(actor, Permission.kit)
    today = today or local_today()
    with db.transaction() as session:
        kit = _load_kit(session, number)
        _require_step(kit, "complete")
        status = kit_status_in(db, session, kit, today)
        if not status.active:
            raise DomainError(f"齐套 {kit.number} 中没有可交付的产品。")
        if status.missing:
            names = "、".join(f"{i.item_code}（{i.note}）" for i in status.missing[:5])
            raise DomainError(f"齐套 {kit.number} 还缺 {len(status.missing)} 件：{names}。")
        for line in lines_by_id(session, [i.line_id for i in status.active]):
            if line.status == LineStatus.back_at_materials:
                advance(session, actor, line, "kit", kit.number)
        kit.status = KitSetStatus.kitted
        kit.kitted_on = today
        audit.record(
            session, actor, "kit_set", kit.id, "kitted", KitSetStatus.open, KitSetStatus.kitted
        )
        return kit_status_in(db, session, kit, today)


def lines_by_id(session: Session, ids: list[int]) -> list[ReturnLine]:
    """These lines in this order, read 500 at a time (not one query each)."""
    found: dict[int, ReturnLine] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            (x.id, x) for x in session.scalars(select(ReturnLine).where(ReturnLine.id.in_(chunk)))
        )
    return [found[i] for i in ids]


def issue_status_report(
    db: Database, actor: Actor, number: str, today: dt.date | None = None
) -> str:
    """The kitting status report (齐套情况报告, QB) to the prime unit: what is missing and why."""
    require(actor, Permission.kit)
    today = today or local_today()
    with db.transaction() as session:
        kit = _load_kit(session, number)
        _require_step(kit, "report")
        status = kit_status_in(db, session, kit, today)
        prime = unit_of_kind(session, UnitKind.prime_unit)
        if prime is None:
            raise DomainError("尚未设置总体单位，无法上报齐套情况。")
        missing = status.missing
        scrapped = [i for i in status.items if i.scrapped]
        summary = (
            f"齐套 {kit.number}（时间节点 {kit.deadline or '未定'}）：共 {len(status.active)} 件，"
            f"已返回 {len(status.active) - len(missing)} 件，未返回 {len(missing)} 件"
            + (f"，报废退出 {len(scrapped)} 件" if scrapped else "")
        )
        lines = [
            (
                i.line_id,
                f"{i.where}：{i.note}" + (f"，超期 {i.late_days} 天" if i.late_days else ""),
            )
            for i in missing
        ]
        lines += [(i.line_id, "已报废，退出齐套") for i in scrapped]
        report = issue_report(
            session,
            actor,
            prefix="QB",
            year=today.year,
            kind=ReportKind.kitting_status_report,
            recipients=[prime],
            title=f"齐套情况报告：{kit.number} "
            + ("已齐套" if not missing else f"缺 {len(missing)} 件"),
            body=summary,
            task_id=kit.task_id,
            lines=lines,
            rule=RuleCode.kitting_report,
        )
        kit.status_report_id = report.id
        if kit.report_issued_on is None:
            kit.report_issued_on = today
        audit.record(session, actor, "kit_set", kit.id, "status_report", "", report.number)
        return report.number


def open_kit_count(db: Database) -> int:
    with db.reading() as session:
        return (
            session.scalar(
                select(func.count()).select_from(KitSet).where(KitSet.status.in_(sorted(KIT_LIVE)))
            )
            or 0
        )


def kit_deadline_rows(
    db: Database, today: dt.date | None = None, include_met: bool = False
) -> list[DeadlineRow]:
    """The kitting status report deadline of each kit set, as rows of the deadline list."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        materials = unit_of_kind(session, UnitKind.materials_dept)
        due: list[tuple[KitSet, Deadline]] = []
        stmt = select(KitSet).where(KitSet.deadline.is_not(None))
        if not include_met:  # a set with its report issued is met; delivered without: not due
            stmt = stmt.where(
                KitSet.report_issued_on.is_(None), KitSet.status.not_in(sorted(KIT_HANDED_OVER))
            )
        for kit in session.scalars(stmt):
            d = _report_deadline(kit, rules, cal, today)
            if d.state == DeadlineState.not_started:
                continue
            if not include_met and d.state in (DeadlineState.met, DeadlineState.met_late):
                continue
            due.append((kit, d))
        # One grouped count for the sets, not one query each (717 sets at 1M lines).
        counts: dict[int | None, int] = {}
        ids = [kit.id for kit, _d in due]
        for start in range(0, len(ids), 500):
            counts.update(
                (kit_id, n)
                for kit_id, n in session.execute(
                    select(ReturnLine.kit_set_id, func.count())
                    .where(ReturnLine.kit_set_id.in_(ids[start : start + 500]))
                    .group_by(ReturnLine.kit_set_id)
                ).all()
            )
        rows = []
        for kit, d in due:
            count = counts.get(kit.id, 0)
            rows.append(
                DeadlineRow(
                    0,
                    kit.number,
                    f"齐套 {count} 件",
                    kit.status,
                    materials.name if materials else "",
                    d,
                )
            )
        return rows
