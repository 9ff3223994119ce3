"""Dispatch (分发): accepted lines go to their models' manufacturers with one handover record each.

The page reads a fixed number of statements whatever the number of lines waiting (issue 10): the
groups counted in SQL (`waiting_groups`), a group's lines a keyset page at a time as its table
scrolls (`page_waiting`), each page's kit routes from one read of the (small) model tree, and each
deadline evaluated once per acceptance day of the rows shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from app.db import Database
from app.errors import Conflict, DomainError, NotFound
from app.models.org import Permission, Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.records import HandoverKind, ReportKind
from app.models.returns import ReturnLine, ReturnTask
from app.models.states import LineStatus
from app.models.workdays import (
    Deadline,
    DeadlineState,
    Rule,
    RuleCode,
    WorkCalendar,
    due_date,
    evaluate,
)
from app.services.admin.masterdata import item_code, model_routes
from app.services.handover.lines import line_changed
from app.services.kernel.calendar import calendar_and_rules, rule_span
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import advance, line_code, unit_of_kind
from app.services.kernel.views import DispatchGroup, DispatchLine, DispatchResult
from app.services.records.registry import issue_report, new_handover

WAITING = LineStatus.accepted
PAGE = 200
# (accepted_on, line id) of the last row shown: the next page starts after it.
Key = tuple[dt.date, int]


@dataclass(frozen=True)
class WaitingGroup:
    """A manufacturer with accepted lines waiting on the shelf: how many, and how many of them
    are past their dispatch deadline (None: the lines whose model has no manufacturer yet)."""

    manufacturer_id: int | None
    manufacturer: str
    count: int
    overdue: int


def first_on_time(rule: Rule, cal: WorkCalendar, today: dt.date) -> dt.date:
    """The first acceptance day whose dispatch deadline has not passed today: a line accepted
    before it is overdue. A due date never moves back as its start moves on, so this is the
    day `evaluate` turns from overdue to running, found in a few steps instead of per line."""
    day = today
    for _ in range(3660):  # ten years either way: a rule is days or weeks long
        if due_date(rule, day, cal) < today:
            day += dt.timedelta(days=1)  # (a rule shorter than nothing: today's lines too)
        elif due_date(rule, day - dt.timedelta(days=1), cal) >= today:
            day -= dt.timedelta(days=1)
        else:
            break
    return day


def _maker_is(manufacturer_id: int | None) -> ColumnElement[bool]:
    maker = ProductModel.manufacturer_unit_id
    return maker.is_(None) if manufacturer_id is None else maker == manufacturer_id


def waiting_groups(db: Database, today: dt.date | None = None) -> list[WaitingGroup]:
    """Accepted lines waiting on the shelf, counted per manufacturer their model goes to, with
    how many are overdue: one statement whatever their number (the calendar and rules are
    read once a minute). The lines without a manufacturer come last."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        rule = rules.get(RuleCode.dispatch)
        late: ColumnElement[int] = (
            case((ReturnLine.accepted_on < first_on_time(rule, cal, today), 1), else_=0)
            if rule is not None
            else literal(0)  # no rule, no deadline
        )
        maker = ProductModel.manufacturer_unit_id
        counted = session.execute(
            select(maker, Unit.name, func.count(), func.sum(late))
            .select_from(ReturnLine)
            .join(Item, Item.id == ReturnLine.item_id)
            .join(ProductModel, ProductModel.id == Item.model_id)
            .outerjoin(Unit, Unit.id == maker)
            .where(ReturnLine.status == WAITING)
            .group_by(maker, Unit.name)
        ).all()
    groups = [WaitingGroup(m, name or "", n, int(o or 0)) for m, name, n, o in counted]
    return sorted(groups, key=lambda g: (g.manufacturer_id is None, g.manufacturer))


def page_waiting(
    db: Database,
    manufacturer_id: int | None,
    after: Key | None = None,
    limit: int = PAGE,
    today: dt.date | None = None,
) -> list[DispatchLine]:
    """A keyset page of one group's waiting lines, the longest waiting first (by acceptance
    day, then line): one joined statement and one read of the model tree whatever the page
    holds; each deadline evaluated once per acceptance day shown."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        stmt = (
            select(
                ReturnLine.id,
                ReturnLine.accepted_on,
                ReturnLine.version,
                ReturnLine.fault_description,
                ReturnTask.number,
                Item.serial_no,
                ProductModel.id,
                ProductModel.code,
                ProductModel.name,
            )
            .join(ReturnTask, ReturnTask.id == ReturnLine.task_id)
            .join(Item, Item.id == ReturnLine.item_id)
            .join(ProductModel, ProductModel.id == Item.model_id)
            .where(ReturnLine.status == WAITING, _maker_is(manufacturer_id))
            .order_by(ReturnLine.accepted_on, ReturnLine.id)
            .limit(limit)
        )
        if after is not None:
            day, line_id = after
            stmt = stmt.where(
                or_(
                    ReturnLine.accepted_on > day,
                    and_(ReturnLine.accepted_on == day, ReturnLine.id > line_id),
                )
            )
        rows = session.execute(stmt).all()
        if not rows:
            return []
        routes = model_routes(session)
    rule = rules.get(RuleCode.dispatch)
    deadlines: dict[dt.date | None, Deadline] = {}

    def deadline_of(start: dt.date | None) -> Deadline:
        if start not in deadlines:
            deadlines[start] = (
                evaluate(rule, start, None, today, cal)
                if rule is not None
                else Deadline(
                    RuleCode.dispatch, start, None, DeadlineState.not_started, None, False
                )
            )
        return deadlines[start]

    lines = []
    for line_id, start, version, fault, number, serial, model_id, code, name in rows:
        deadline = deadline_of(start)
        lines.append(
            DispatchLine(
                line_id,
                number,
                item_code(code, serial),
                name,
                routes.get(model_id, code),
                fault,
                deadline,
                deadline.state == DeadlineState.overdue,
                version,
            )
        )
    return lines


def key_of(line: DispatchLine) -> Key:
    """Where the page after `line` starts."""
    return line.dispatch_deadline.starts or dt.date.min, line.line_id


def dispatch_groups(db: Database, today: dt.date | None = None) -> list[DispatchGroup]:
    """Every waiting line, grouped by the manufacturer it goes to (for scripts and tests; the
    page reads the groups and then pages of one group's lines)."""
    today = today or local_today()
    groups = []
    for group in waiting_groups(db, today):
        lines: list[DispatchLine] = []
        while True:
            after = key_of(lines[-1]) if lines else None
            page = page_waiting(db, group.manufacturer_id, after, 500, today)
            lines.extend(page)
            if len(page) < 500:
                break
        groups.append(DispatchGroup(group.manufacturer_id, group.manufacturer, tuple(lines)))
    return groups


def _manufacturer(session: Session, lines: list[ReturnLine]) -> Unit:
    """The one manufacturer every line's model goes to; a handover record names one receiver."""
    makers = {line.item.model.manufacturer_unit_id for line in lines}
    if None in makers:
        codes = "、".join(line_code(x) for x in lines if x.item.model.manufacturer_unit_id is None)
        raise DomainError(f"{codes} 的型号还没有指定承制单位，请管理员先在型号主数据中指定。")
    if len(makers) > 1:
        raise DomainError("一份交接记录只能发往一个承制单位，请按承制单位分别分发。")
    maker = session.get_one(Unit, makers.pop())
    if maker.kind != UnitKind.manufacturer:
        raise DomainError(f"“{maker.name}”不是承制单位。")
    return maker


def _late_lines(
    db: Database,
    session: Session,
    lines: list[ReturnLine],
    late_reasons: dict[int, str],
    today: dt.date,
) -> dict[int, str]:
    """The lines past their dispatch deadline, each with its reason (refused without one)."""
    cal, rules = calendar_and_rules(db, session)
    rule = rules[RuleCode.dispatch]
    late: dict[int, str] = {}
    for line in lines:
        deadline = evaluate(rule, line.accepted_on, None, today, cal)
        if deadline.state == DeadlineState.overdue:
            reason = late_reasons.get(line.id, "")
            if not reason:
                raise DomainError(
                    f"{line_code(line)} 已超过分发时限（应于 {deadline.due} 前分发），"
                    "请填写超期原因后再分发。"
                )
            late[line.id] = reason
    return late


def _overdue_report(
    session: Session,
    actor: Actor,
    late: list[tuple[ReturnLine, str]],
    handover_record_id: int,
    today: dt.date,
) -> str:
    """The reasons of the late lines, as one overdue report (CQ) to the prime unit."""
    prime = unit_of_kind(session, UnitKind.prime_unit)
    if prime is None:
        raise DomainError("尚未设置总体单位，无法上报超期情况。")
    report = issue_report(
        session,
        actor,
        prefix="CQ",
        year=today.year,
        kind=ReportKind.overdue_report,
        recipients=[prime],
        title=f"超期报告：{len(late)} 件返修产品超过分发时限（{rule_span(session, RuleCode.dispatch)}）",
        body="\n".join(f"{line_code(x)}：{r}" for x, r in late),
        handover_record_id=handover_record_id,
        task_id=late[0][0].task_id,
        lines=[(x.id, r) for x, r in late],
        rule=RuleCode.dispatch,
    )
    return report.number


def _lines_to_send(
    session: Session, line_ids: list[int], expected: Mapping[int, int]
) -> list[ReturnLine]:
    """The lines, locked in one order (two desks sending the same line wait for each other and
    the second reads what the first wrote), each still as the person saw it."""
    ids = list(dict.fromkeys(line_ids))
    found = {
        line.id: line
        for line in session.scalars(
            select(ReturnLine)
            .where(ReturnLine.id.in_(ids))
            .order_by(ReturnLine.id)
            .with_for_update()
            # Items and models in two statements, not one each per line (issue 10).
            .options(selectinload(ReturnLine.item).selectinload(Item.model))
        )
    }
    lines = []
    for line_id in ids:
        line = found.get(line_id)
        if line is None:
            raise NotFound("找不到这条返修产品记录。")
        if line_id in expected and expected[line_id] != line.version:
            raise Conflict(line_changed(line))
        lines.append(line)
    return lines


def dispatch(
    db: Database,
    actor: Actor,
    line_ids: list[int],
    late_reasons: dict[int, str] | None = None,
    sender_name: str = "",
    anomalies: str = "",
    today: dt.date | None = None,
    expected_versions: Mapping[int, int] | None = None,
) -> DispatchResult:
    """Send lines of one manufacturer with one handover record; late ones need a reason (CQ).

    `expected_versions` maps each line to the version the person saw (the window always passes
    them): a line another desk changed since is refused with what it is now (`Conflict`)."""
    require(actor, Permission.dispatch)
    if not line_ids:
        raise DomainError("请选择要分发的产品。")
    today = today or local_today()
    reasons = {k: v.strip() for k, v in (late_reasons or {}).items()}
    with db.transaction() as session:
        lines = _lines_to_send(session, line_ids, expected_versions or {})
        maker = _manufacturer(session, lines)
        late = _late_lines(db, session, lines, reasons, today)
        materials = unit_of_kind(session, UnitKind.materials_dept, actor.unit_id)
        if materials is None:
            raise DomainError("尚未设置物资管理部门单位。")
        # The lines move before the JJ number is taken: its series waits for this commit.
        for line in lines:
            reason = late.get(line.id, "")
            advance(session, actor, line, "dispatch", reason)
            line.dispatched_on = today
            line.dispatch_late_reason = reason
            line.manufacturer_unit_id = maker.id
        record = new_handover(
            session,
            actor,
            HandoverKind.materials_to_manufacturer,
            sender=materials,
            receiver=maker,
            sender_person=sender_name.strip() or actor.name,
            receiver_person="",
            today=today,
            lines=[(line, True, "") for line in lines],
            anomalies=anomalies,
        )
        overdue_number = None
        if late:
            late_lines = [(x, late[x.id]) for x in lines if x.id in late]
            overdue_number = _overdue_report(session, actor, late_lines, record.id, today)
        return DispatchResult(record.number, overdue_number, len(lines))
