"""Kit sets (齐套): which items go back to the user together, their live status, the T-3 report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, WrongState
from app.models.delivery import KIT_HANDED_OVER, KIT_LIVE, KIT_STEPS, KitSet, KitSetStatus
from app.models.misc import SharedSetting
from app.models.org import Permission, Unit, UnitKind
from app.models.records import ReportKind
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import AT_MANUFACTURER, BACK, KIT_FIXED, LineStatus, TaskStatus
from app.models.workdays import Deadline, DeadlineState, Rule, RuleCode, WorkCalendar
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
    for line in lines:
        line.kit_set_id = kit.id
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


def _report_deadline(
    kit: KitSet, rules: dict[str, Rule], cal: WorkCalendar, today: dt.date
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


def _kit_item(
    session: Session,
    line: ReturnLine,
    units: dict[int, str],
    materials: str,
    rules: dict[str, Rule],
    cal: WorkCalendar,
    today: dt.date,
) -> KitItem:
    status = line.status
    maker = units.get(line.manufacturer_unit_id or -1, "")
    if status in BACK:
        where, responsible, note = materials, materials, "已返回"
    elif status in AT_MANUFACTURER:
        where = maker
        responsible = maker
        note = {
            LineStatus.dispatched: "在途，承制单位未签收",
            LineStatus.accepted_after_repair: "已验收，待交付物资部门",
            LineStatus.repaired: "已修复，待验收",
            LineStatus.no_fault_found: "复测无故障，待验收",
        }.get(status, line_status_label(status))
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
        line.task.number,
        line_code(line),
        line.item.model.name,
        line.status,
        where,
        responsible,
        status in BACK,
        status == LineStatus.scrapped,
        late,
        note,
    )


def kit_status(db: Database, number: str, today: dt.date | None = None) -> KitStatus:
    """The live status of a kit set: which items are back, where the others are and how late."""
    today = today or local_today()
    with db.reading() as session:
        return kit_status_in(db, session, _load_kit(session, number), today)


def kit_status_in(db: Database, session: Session, kit: KitSet, today: dt.date) -> KitStatus:
    cal, rules = calendar_and_rules(db, session)
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    materials = unit_of_kind(session, UnitKind.materials_dept)
    lines = session.scalars(
        select(ReturnLine)
        .where(ReturnLine.kit_set_id == kit.id)
        .order_by(ReturnLine.task_id, ReturnLine.seq)
    ).all()
    task = session.get(ReturnTask, kit.task_id) if kit.task_id else None
    report = None
    if kit.status_report_id:
        from app.models.records import Report

        report = session.get(Report, kit.status_report_id)
    return KitStatus(
        kit.number,
        task.number if task else None,
        units.get(task.user_unit_id, "") if task else "",
        kit.deadline,
        kit.status,
        _report_deadline(kit, rules, cal, today),
        report.number if report else None,
        tuple(
            _kit_item(session, x, units, materials.name if materials else "", rules, cal, today)
            for x in lines
        ),
    )


def list_kit_sets(
    db: Database,
    today: dt.date | None = None,
    include_closed: bool = False,
    statuses: tuple[KitSetStatus, ...] = (
        KitSetStatus.open,
        KitSetStatus.kitted,
        KitSetStatus.delivered,
    ),
    also: str | None = None,
) -> list[KitStatus]:
    """Kit sets by deadline: those still to be kitted, delivered or followed up (or every one).

    `also` names a set listed whatever its state: the one a person has open (just closed)."""
    today = today or local_today()
    with db.reading() as session:
        stmt = select(KitSet).order_by(KitSet.deadline.is_(None), KitSet.deadline, KitSet.id)
        if not include_closed:
            wanted = KitSet.status.in_(statuses)
            stmt = stmt.where(wanted | (KitSet.number == also.strip().upper()) if also else wanted)
        return [kit_status_in(db, session, kit, today) for kit in session.scalars(stmt)]


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
        for item in status.active:
            line = session.get_one(ReturnLine, item.line_id)
            if line.status == LineStatus.back_at_materials:
                advance(session, actor, line, "kit", kit.number)
        kit.status = KitSetStatus.kitted
        kit.kitted_on = today
        audit.record(
            session, actor, "kit_set", kit.id, "kitted", KitSetStatus.open, KitSetStatus.kitted
        )
        return kit_status_in(db, session, kit, today)


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
