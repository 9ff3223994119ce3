"""Dispatch (分发): accepted lines go to their models' manufacturers with one handover record each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.db import Database
from app.errors import Conflict, DomainError, NotFound
from app.models.org import Permission, Unit, UnitKind
from app.models.products import Item, ProductModel
from app.models.records import HandoverKind, ReportKind
from app.models.returns import ReturnLine
from app.models.states import LineStatus
from app.models.workdays import DeadlineState, RuleCode, evaluate
from app.services.handover.lines import line_changed
from app.services.kernel.calendar import calendar_and_rules, rule_span
from app.services.kernel.context import Actor, local_today, require
from app.services.kernel.line_steps import advance, line_code, unit_of_kind
from app.services.kernel.views import DispatchGroup, DispatchLine, DispatchResult
from app.services.records.registry import issue_report, new_handover


def route_of(model: ProductModel) -> str:
    """The kit tree from the top down to this model: the way it came and goes back."""
    chain: list[str] = []
    node: ProductModel | None = model
    while node is not None and len(chain) < 10:
        chain.append(node.code)
        node = node.parent
    return " › ".join(reversed(chain))


def dispatch_groups(db: Database, today: dt.date | None = None) -> list[DispatchGroup]:
    """Accepted lines waiting on the shelf, grouped by the manufacturer they go to."""
    today = today or local_today()
    with db.reading() as session:
        cal, rules = calendar_and_rules(db, session)
        rule = rules[RuleCode.dispatch]
        lines = session.scalars(
            select(ReturnLine)
            .where(ReturnLine.status == LineStatus.accepted)
            .order_by(ReturnLine.accepted_on, ReturnLine.id)
            # Task, item, model with the lines: one query, not three per line.
            .options(
                joinedload(ReturnLine.task),
                joinedload(ReturnLine.item).joinedload(Item.model),
            )
        ).all()
        groups: dict[int | None, list[DispatchLine]] = {}
        for line in lines:
            model = line.item.model
            deadline = evaluate(rule, line.accepted_on, None, today, cal)
            groups.setdefault(model.manufacturer_unit_id, []).append(
                DispatchLine(
                    line.id,
                    line.task.number,
                    line_code(line),
                    model.name,
                    route_of(model),
                    line.fault_description,
                    deadline,
                    deadline.state == DeadlineState.overdue,
                    line.version,
                )
            )
        result = []
        for maker_id, group in groups.items():
            maker = session.get(Unit, maker_id) if maker_id else None
            result.append(DispatchGroup(maker_id, maker.name if maker else "", tuple(group)))
        return sorted(result, key=lambda g: (g.manufacturer_id is None, g.manufacturer))


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
        for line in lines:
            reason = late.get(line.id, "")
            advance(session, actor, line, "dispatch", reason)
            line.dispatched_on = today
            line.dispatch_late_reason = reason
            line.manufacturer_unit_id = maker.id
        overdue_number = None
        if late:
            late_lines = [(x, late[x.id]) for x in lines if x.id in late]
            overdue_number = _overdue_report(session, actor, late_lines, record.id, today)
        return DispatchResult(record.number, overdue_number, len(lines))
