"""Deadline rules (时限规则, DOMAIN.md "Deadlines"): the admin edits a rule's length, its unit and
its due-soon margin; every deadline, report text and screen reads the rule from here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.calendar import DeadlineRule
from app.models.org import Permission
from app.models.workdays import RuleCode
from app.services.kernel import audit, clocks
from app.services.kernel.calendar import rule_span, seed_rules
from app.services.kernel.context import Actor, require
from app.services.kernel.terms import rule_label, span_text
from app.services.records.retention import MIN_YEARS

# Day rules may count working or calendar days; the others keep their own unit.
DAY_UNITS = ("working_days", "calendar_days")
FIXED_UNITS: dict[str, str] = {RuleCode.adhoc_reply: "hours", RuleCode.retention: "years"}
# When each clock starts and what meets it, in the clerk's words (DOMAIN.md).
STARTS: dict[str, str] = {
    RuleCode.dispatch: "确认交接（产品接收）起，至分发",
    RuleCode.localization: "承制单位签收起，至完成故障定位",
    RuleCode.repair: "承制单位签收起，至修复验收",
    RuleCode.kitting_report: "齐套截止日期前，报送齐套情况",
    RuleCode.reply_after_measure: "措施确定起，至答复用户",
    RuleCode.adhoc_reply: "收到临时需求起，至答复",
    RuleCode.retention: "记录日期起，期满前不得删除",
}
ORDER = tuple(RuleCode)
MAX_LENGTH = {"working_days": 250, "calendar_days": 365, "hours": 720, "years": 50}
# Records are kept at least 5 years (issue 9): the admin may lengthen the retention, never
# shorten it; the database reads the rule and never below this either (migration 0014).
MIN_LENGTH: dict[str, int] = {RuleCode.retention: MIN_YEARS}


@dataclass(frozen=True)
class RuleRow:
    code: str
    name: str
    length: int  # always positive; `before` says it counts back from an end date
    unit: str
    due_soon: int
    before: bool
    starts: str
    units: tuple[str, ...]  # the units the admin may choose for this rule
    minimum: int = 1  # the shortest length the rule may be given

    @property
    def span(self) -> str:
        text = span_text(self.length, self.unit)
        return f"提前 {text}" if self.before else text


def _row(rule: DeadlineRule) -> RuleRow:
    fixed = FIXED_UNITS.get(rule.code)
    return RuleRow(
        code=rule.code,
        name=rule_label(rule.code),
        length=abs(rule.length),
        unit=rule.unit,
        due_soon=rule.due_soon_working_days,
        before=rule.length < 0,
        starts=STARTS.get(rule.code, ""),
        units=(fixed,) if fixed else DAY_UNITS,
        minimum=MIN_LENGTH.get(rule.code, 1),
    )


def _key(code: str) -> int:
    return ORDER.index(RuleCode(code)) if code in ORDER else len(ORDER)


def list_rules(db: Database) -> list[RuleRow]:
    with db.reading() as session:
        rows = [_row(r) for r in session.scalars(select(DeadlineRule))]
    return sorted(rows, key=lambda r: _key(r.code))


def set_rule(
    db: Database, actor: Actor, code: str, length: int, unit: str, due_soon: int
) -> RuleRow:
    """Change one rule. Running clocks move at once: their kept due dates are moved in the same
    transaction (reports already issued keep the words they were issued with)."""
    # The rules are counted on the working calendar: whoever keeps the calendar keeps them.
    require(actor, Permission.manage_calendar)
    with db.transaction() as session:
        seed_rules(session)
        session.flush()
        rule = session.get(DeadlineRule, code)
        if rule is None:
            raise NotFound(f"没有时限规则“{code}”。")
        row = _row(rule)
        if unit not in row.units:
            raise DomainError(f"{row.name}的时限不能按该单位计算。")
        if not row.minimum <= length <= MAX_LENGTH[unit]:
            raise DomainError(
                f"{row.name}的时限应在 {row.minimum} 到 {span_text(MAX_LENGTH[unit], unit)}之间。"
            )
        if not 0 <= due_soon <= 30:
            raise DomainError("“即将到期”提前量应在 0 到 30 个工作日之间。")
        new_length = -length if row.before else length
        old = f"{code} {rule.length} {rule.unit} due_soon={rule.due_soon_working_days}"
        new = f"{code} {new_length} {unit} due_soon={due_soon}"
        if old != new:
            rule.length, rule.unit, rule.due_soon_working_days = new_length, unit, due_soon
            session.flush()
            clocks.reclock(session)  # the kept due dates of running clocks move with the rule
            audit.record(session, actor, "deadline_rule", _key(code) + 1, "set_rule", old, new)
        result = _row(rule)
    # Deadlines read the rules through a minute's cache: this desk sees the change at once.
    db.cache.pop("calendar", None)
    return result


def rule_spans(db: Database) -> dict[str, str]:
    """Each rule's length in its own unit as the screens word it (“5 个工作日”, “7 天”)."""
    with db.reading() as session:
        return {code: rule_span(session, code) for code in RuleCode}
