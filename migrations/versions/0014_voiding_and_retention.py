"""issued records append-only, voiding and the retention rule (issue 9)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 16:40:00.000000

Voiding. Every numbered record a manager may void gets `voided`, `void_reason`, `voided_at`,
`voided_by` (the manager's name as printed; the audit event keeps the login) and `replaces` (the
voided number a re-issued record stands in for): handover_record and report already had some of
these; unboxing_inspection, investigation_plan, fault_localization, repair_record,
acceptance_inspection, scrap_request and delivery_plan get all five.

Append-only. An AFTER UPDATE trigger on every table that holds an issued record (and on the
child rows that are part of it) refuses a change of any column except the ones below (AFTER: the
row's CHECK constraints speak first, so a value outside a closed set is refused by its name):
- on every voidable record: the five voiding columns, and only while the record is not voided
  (a voided record stays voided; voiding is the one change an issued record takes);
- handover_record: to_person, countersigned_at/by while a handover to a manufacturer is neither
  countersigned nor voided (the manufacturer signs its re-issue); its anomalies may grow (the
  receipt appends its notes, possibly in a later flush) but what was written stays; and
  handover_record_line.anomaly of such a handover once, while empty (written in the same flush
  as the countersignature, which the ORM may send first);
- report: answered_by/answered_on once, while unanswered (the late step's record closes an overdue
  report or escalation); report_recipient: acknowledged_at/by once, while unacknowledged;
- repair_record: certificate_id once, while empty (the certificate page is put together later);
- scrap_request: everything while no number is issued (a pending or refused request is not a
  record yet); from approval on (BF number) only voiding;
- kit_set (QT): a kit set is a working grouping whose state moves (open → kitted → delivered →
  closed, its deadline, its status report): only its number and dates of creation are frozen, and
  it is not voidable.
report_line, unboxing_photo, replaced_part, acceptance_result and delivery_plan_line are frozen.
return_task (FX) is the working task, not an issued record: it changes with every step and is not
append-only; its handover record (JJ) is.

Retention. A BEFORE DELETE trigger refuses deleting a record, a row of a record, a return line, a
return task or an item while a record naming it is younger than the retention rule: deadline_rule
'retention' (years, never read below 5; 5 when the row is missing), counted from the record's date
(handover_date, inspected_on, localized_on, repaired_on, the decision or request date of a scrap
request, the creation date of the others). Past the retention a record may be purged.

SQLite drops a table's triggers when alembic rebuilds it (batch mode): a later migration that
rebuilds one of these tables must create its triggers again (`create_triggers` below can be
copied; tests/integration/test_retention.py checks every trigger exists at head).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOID_COLUMNS = ("voided", "void_reason", "voided_at", "voided_by", "replaces")
NEW_VOIDABLE = (
    "unboxing_inspection",
    "investigation_plan",
    "fault_localization",
    "repair_record",
    "acceptance_inspection",
    "scrap_request",
    "delivery_plan",
)
NOT_VOIDED = "NOT OLD.voided"
TO_MANUFACTURER_OPEN = (
    "OLD.kind = 'materials_to_manufacturer' AND OLD.countersigned_at IS NULL AND NOT OLD.voided"
)

# table -> (gate on OLD: the row is an issued record, [(condition on OLD, columns writable while
# it holds)], columns always writable). Every other column is frozen.
UPDATE_RULES: dict[str, tuple[str, list[tuple[str, tuple[str, ...]]], tuple[str, ...]]] = {
    "handover_record": (
        "",
        [
            (NOT_VOIDED, VOID_COLUMNS),
            (TO_MANUFACTURER_OPEN, ("to_person", "countersigned_at", "countersigned_by_id")),
            (
                "OLD.kind = 'materials_to_manufacturer'"
                " AND substr(NEW.anomalies, 1, length(OLD.anomalies)) = OLD.anomalies",
                ("anomalies",),
            ),
        ],
        (),
    ),
    "handover_record_line": (
        "",
        [
            (
                "OLD.anomaly = '' AND EXISTS (SELECT 1 FROM handover_record r"
                " WHERE r.id = OLD.record_id AND r.kind = 'materials_to_manufacturer')",
                ("anomaly",),
            )
        ],
        (),
    ),
    "report": (
        "",
        [(NOT_VOIDED, VOID_COLUMNS), ("OLD.answered_by = ''", ("answered_by", "answered_on"))],
        (),
    ),
    "report_recipient": (
        "",
        [("OLD.acknowledged_at IS NULL", ("acknowledged_at", "acknowledged_by_id"))],
        (),
    ),
    "report_line": ("", [], ()),
    "unboxing_inspection": ("", [(NOT_VOIDED, VOID_COLUMNS)], ()),
    "unboxing_photo": ("", [], ()),
    "investigation_plan": ("", [(NOT_VOIDED, VOID_COLUMNS)], ()),
    "fault_localization": ("", [(NOT_VOIDED, VOID_COLUMNS)], ()),
    "repair_record": (
        "",
        [(NOT_VOIDED, VOID_COLUMNS), ("OLD.certificate_id IS NULL", ("certificate_id",))],
        (),
    ),
    "replaced_part": ("", [], ()),
    "acceptance_inspection": ("", [(NOT_VOIDED, VOID_COLUMNS)], ()),
    "acceptance_result": ("", [], ()),
    "scrap_request": ("OLD.number IS NOT NULL", [(NOT_VOIDED, VOID_COLUMNS)], ()),
    "delivery_plan": ("", [(NOT_VOIDED, VOID_COLUMNS)], ()),
    "delivery_plan_line": ("", [], ()),
    "kit_set": (
        "",
        [],
        (
            "task_id",
            "deadline",
            "status",
            "status_report_id",
            "report_issued_on",
            "kitted_on",
            "delivered_on",
        ),
    ),
}

# A record's date for the retention rule.
RECORD_DATES = {
    "handover_record": "handover_date",
    "report": "created_at",
    "unboxing_inspection": "inspected_on",
    "investigation_plan": "created_at",
    "fault_localization": "localized_on",
    "repair_record": "repaired_on",
    "acceptance_inspection": "inspected_on",
    "scrap_request": "COALESCE(decided_on, requested_on)",
    "delivery_plan": "created_at",
    "kit_set": "created_on",
    "return_task": "created_at",
}
# Rows that are part of a record: (parent table, the column naming it).
RECORD_PARTS = {
    "handover_record_line": ("handover_record", "record_id"),
    "report_line": ("report", "report_id"),
    "report_recipient": ("report", "report_id"),
    "unboxing_photo": ("unboxing_inspection", "inspection_id"),
    "replaced_part": ("repair_record", "repair_record_id"),
    "acceptance_result": ("acceptance_inspection", "inspection_id"),
    "delivery_plan_line": ("delivery_plan", "plan_id"),
}
# Records naming a return line: directly, or through a part of them.
LINE_RECORDS = ("unboxing_inspection", "investigation_plan", "fault_localization")
LINE_RECORDS += ("repair_record", "acceptance_inspection", "scrap_request")
LINE_PARTS = ("handover_record_line", "report_line", "delivery_plan_line")
TASK_RECORDS = ("handover_record", "report", "kit_set")

UPDATE_MESSAGE = "已出具的记录不能修改，只能由经理作废（{table}）"
DELETE_MESSAGE = "记录保存期限内不得删除（{table}）"


def _years(pg: bool) -> str:
    rule = "(SELECT length FROM deadline_rule WHERE code = 'retention')"
    return f"{'GREATEST' if pg else 'MAX'}(5, COALESCE({rule}, 5))"


def _young(pg: bool, day: str) -> str:
    """`day` (a date or timestamp expression) is younger than the retention rule."""
    if pg:
        return f"(({day})::date > current_date - make_interval(years => {_years(pg)}))"
    return f"(date({day}) > date('now', '-' || {_years(pg)} || ' years'))"


def _date_of(table: str, alias: str) -> str:
    """The record date of `table`'s row `alias` (OLD, or a subquery's alias)."""
    day = RECORD_DATES[table]
    for column in ("decided_on", "requested_on") if "(" in day else (day,):
        day = day.replace(column, f"{alias}.{column}")
    return day


def _record_young(pg: bool, table: str, row_id: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {table} rec WHERE rec.id = {row_id}"
        f" AND {_young(pg, _date_of(table, 'rec'))})"
    )


def _line_held(pg: bool, line_id: str) -> str:
    """A young record names the return line `line_id`, or its task is young."""
    checks = [
        f"EXISTS (SELECT 1 FROM {t} n WHERE n.line_id = {line_id}"
        f" AND {_young(pg, _date_of(t, 'n'))})"
        for t in LINE_RECORDS
    ]
    for part in LINE_PARTS:
        parent, column = RECORD_PARTS[part]
        checks.append(
            f"EXISTS (SELECT 1 FROM {part} p JOIN {parent} n ON n.id = p.{column}"
            f" WHERE p.line_id = {line_id} AND {_young(pg, _date_of(parent, 'n'))})"
        )
    checks.append(
        f"EXISTS (SELECT 1 FROM return_line l JOIN return_task t ON t.id = l.task_id"
        f" WHERE l.id = {line_id} AND {_young(pg, 't.created_at')})"
    )
    return "(" + " OR ".join(checks) + ")"


def _delete_condition(pg: bool, table: str) -> str:
    if table in RECORD_PARTS:
        parent, column = RECORD_PARTS[table]
        return _record_young(pg, parent, f"OLD.{column}")
    if table == "return_line":
        return _line_held(pg, "OLD.id")
    if table == "item":
        held = _line_held(pg, "il.id")
        return f"EXISTS (SELECT 1 FROM return_line il WHERE il.item_id = OLD.id AND {held})"
    own = _young(pg, _date_of(table, "OLD"))
    if table != "return_task":
        return own
    named = [
        f"EXISTS (SELECT 1 FROM {t} n WHERE n.task_id = OLD.id AND {_young(pg, _date_of(t, 'n'))})"
        for t in TASK_RECORDS
    ]
    held = _line_held(pg, "tl.id")
    lines = f"EXISTS (SELECT 1 FROM return_line tl WHERE tl.task_id = OLD.id AND {held})"
    return "(" + " OR ".join([own, *named, lines]) + ")"


DELETE_TABLES = (*RECORD_DATES, *RECORD_PARTS, "return_line", "item")


def _update_condition(pg: bool, table: str, columns: list[str]) -> str | None:
    gate, groups, free = UPDATE_RULES[table]
    differ = "IS DISTINCT FROM" if pg else "IS NOT"
    conditional = {c for _cond, cols in groups for c in cols}
    frozen = [c for c in columns if c not in conditional and c not in free]
    parts = [f"OLD.{c} {differ} NEW.{c}" for c in frozen]
    for cond, cols in groups:
        changed = " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in cols if c in columns)
        if changed:
            parts.append(f"(NOT ({cond}) AND ({changed}))")
    if not parts:
        return None
    changed_any = "(" + " OR ".join(parts) + ")"
    return f"({gate}) AND {changed_any}" if gate else changed_any


def create_triggers() -> None:
    """Create (or create again, after a rebuild) every append-only and retention trigger."""
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    inspector = sa.inspect(bind)
    for table in UPDATE_RULES:
        columns = [c["name"] for c in inspector.get_columns(table)]
        condition = _update_condition(pg, table, columns)
        if condition is not None:
            _trigger(pg, table, "issued_update", "UPDATE", condition, UPDATE_MESSAGE)
    for table in DELETE_TABLES:
        condition = _delete_condition(pg, table)
        _trigger(pg, table, "retention_delete", "DELETE", condition, DELETE_MESSAGE)


def _when(event: str) -> str:
    # An UPDATE is judged after the row's constraints have had their say; a DELETE before.
    return "AFTER" if event == "UPDATE" else "BEFORE"


def _trigger(pg: bool, table: str, what: str, event: str, condition: str, message: str) -> None:
    text = message.format(table=table)
    name = f"tr_{table}_{what}"
    if pg:
        back = "OLD" if event == "DELETE" else "NEW"
        op.execute(
            f"CREATE OR REPLACE FUNCTION fn_{table}_{what}() RETURNS trigger AS $$\n"
            f"BEGIN\n  IF {condition} THEN\n"
            f"    RAISE EXCEPTION '{text}' USING ERRCODE = 'integrity_constraint_violation';\n"
            f"  END IF;\n  RETURN {back};\nEND\n$$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {name} {_when(event)} {event} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION fn_{table}_{what}()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {name} {_when(event)} {event} ON {table} FOR EACH ROW"
            f" WHEN {condition}\nBEGIN SELECT RAISE(ABORT, '{text}'); END"
        )


def drop_triggers() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    names = [(t, "issued_update") for t in UPDATE_RULES]
    names += [(t, "retention_delete") for t in DELETE_TABLES]
    for table, what in names:
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{what} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS fn_{table}_{what}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_{what}")


def _void_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    columns = {
        "voided": sa.Column("voided", sa.Boolean(), server_default="0", nullable=False),
        "void_reason": sa.Column("void_reason", sa.Text(), server_default="", nullable=False),
        "voided_at": sa.Column("voided_at", sa.DateTime(), nullable=True),
        "voided_by": sa.Column(
            "voided_by", sa.String(length=50), server_default="", nullable=False
        ),
        "replaces": sa.Column("replaces", sa.String(length=20), server_default="", nullable=False),
    }
    had = {"handover_record": ("voided", "void_reason"), "report": ("voided",)}.get(table, ())
    return [c for name, c in columns.items() if name not in had]


def _new_columns() -> dict[str, list[sa.Column]]:  # type: ignore[type-arg]
    return {t: _void_columns(t) for t in ("handover_record", "report", *NEW_VOIDABLE)}


def upgrade() -> None:
    # ADD COLUMN needs no rebuild on SQLite: the tables keep their rows and constraints.
    for table, columns in _new_columns().items():
        for column in columns:
            op.add_column(table, column)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    for table, columns in _new_columns().items():
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column.name)
