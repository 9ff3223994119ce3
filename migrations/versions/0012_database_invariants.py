"""one open return per item and the closed sets as checks (issue 9)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 16:40:00.000000

What the services check and the database can check, the database now checks too:

- One open return per item: a partial unique index on return_line(item_id) over the lines not
  finished (rejected, closed, scrapped). Two desks on PostgreSQL scanning the same item into two
  returns at the same moment both passed the services' SELECT (19 of 20 runs); the second insert
  now fails and the desk says which return won.
- Every state, kind, role and decision column keeps to its closed set (CHECK), and counters,
  sequence numbers and versions keep to their range.

A store may already hold what the race left behind: one item on two open returns. The index
cannot be built over them, and refusing to open the store would leave the desks with no way out,
so the upgrade resolves what it can decide without a person and refuses only the rest:

- If at most one of the item's open lines has been handed over (is past 已登记), that line (or,
  when all are still being counted, the first registered one: the item was on it first) keeps the
  item. Each other line is still only registered, so nothing about it has been signed yet: it is
  marked 拒收 with the reason "重复登记：该产品已在 FX-… 中", exactly what the clerk would have done,
  and an audit event says the upgrade did it and why.
- If two or more of the item's lines were already handed over (both confirmed, perhaps both
  dispatched), which one is the real item is a question for people: the upgrade stops with a
  message naming the item and the returns, and changes nothing (the store stays at 0011 and the
  program keeps its backup of the file).

A value outside a closed set can only come from editing the store by hand; the upgrade stops
and names the table, the rule and the rows, rather than guess.

On SQLite a CHECK needs the table rebuilt (batch mode): one rebuild per table, all checks of a
table in it. The program runs migrations with foreign keys off (FIELD_NOTES.md).
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINE_STATES = (
    "registered", "rejected", "accepted", "dispatched", "at_manufacturer", "unboxed",
    "localizing", "localized", "no_fault_found", "in_repair", "repaired",
    "accepted_after_repair", "back_at_materials", "kitted", "delivered", "closed", "scrapped",
)  # fmt: skip
FINISHED = ("closed", "rejected", "scrapped")
OPEN_LINE = "status NOT IN ('closed', 'rejected', 'scrapped')"


def _in(column: str, values: Sequence[str], nullable: bool = False) -> str:
    check = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {check}" if nullable else check


# table -> [(constraint name without the ck_<table>_ prefix, SQL)]; the models say the same.
CHECKS: dict[str, list[tuple[str, str]]] = {
    "return_task": [
        ("status", _in("status", ("open", "confirmed", "closed"))),
        ("version", "version > 0"),
    ],
    "return_line": [
        ("status", _in("status", LINE_STATES)),
        ("decision", _in("decision", ("accept", "reject"), nullable=True)),
        ("seq", "seq > 0"),
        ("source_row", "source_row IS NULL OR source_row > 0"),
        ("version", "version > 0"),
    ],
    "document_check": [
        ("kind", _in("kind", ("certificate", "fault_report", "packing_list"))),
    ],
    "unit": [
        (
            "kind",
            _in(
                "kind",
                (
                    "user_unit",
                    "prime_unit",
                    "materials_dept",
                    "manufacturer",
                    "design_dept",
                    "quality_dept",
                    "competent_dept",
                ),
            ),
        ),  # fmt: skip
    ],
    "app_user": [
        ("role", _in("role", ("clerk", "engineer", "quality", "manager", "admin"))),
        ("failed_sign_ins", "failed_sign_ins >= 0"),
        ("generation", "generation >= 0"),
    ],
    "record_counter": [
        ("last_value", "last_value >= 0"),
        ("year", "year BETWEEN 2000 AND 9999"),
    ],
    "handover_record": [
        (
            "kind",
            _in(
                "kind",
                (
                    "user_to_materials",
                    "materials_to_manufacturer",
                    "manufacturer_to_materials",
                    "materials_to_user",
                ),
            ),
        ),  # fmt: skip
    ],
    "report": [
        (
            "kind",
            _in(
                "kind",
                (
                    "rejection_notice",
                    "overdue_report",
                    "localization_report",
                    "escalation",
                    "kitting_status_report",
                ),
            ),
        ),  # fmt: skip
    ],
    "kit_set": [
        ("status", _in("status", ("open", "kitted", "delivered", "closed"))),
    ],
    "service_event": [
        ("status", _in("status", ("open", "done", "waived"))),
        ("satisfaction", "satisfaction IS NULL OR satisfaction BETWEEN 0 AND 100"),
    ],
    "scrap_request": [
        ("decision", _in("decision", ("pending", "approved", "refused"))),
        ("line_status", _in("line_status", LINE_STATES)),
        ("number", "number IS NULL OR decision = 'approved'"),
    ],
}


try:  # the program shows a StoreUnavailable's message as it is, when the store cannot open
    from app.errors import StoreUnavailable as _Refusal
except ImportError:  # pragma: no cover  (the migration run without the program)
    _Refusal = RuntimeError  # type: ignore[misc,assignment]


class StoreNeedsAPerson(_Refusal):
    """The store holds something the upgrade must not decide alone; nothing was changed."""


def _refuse_values_outside_the_rules(conn: sa.engine.Connection) -> None:
    problems = []
    for table, checks in CHECKS.items():
        for _name, expr in checks:
            rows = conn.execute(sa.text(f"SELECT * FROM {table} WHERE NOT ({expr}) LIMIT 3")).all()
            if rows:
                shown = "；".join(str(tuple(r)) for r in rows)
                problems.append(f"表 {table} 不符合规则 {expr}：{shown}")
    if problems:
        raise StoreNeedsAPerson(
            "数据库中有不符合规则的数据（可能被直接修改过），升级已停止，数据未作任何改动：\n"
            + "\n".join(problems)
            + "\n请联系系统管理员核对这些记录。"
        )


def _resolve_items_on_two_open_returns(conn: sa.engine.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT l.id, l.item_id, l.status, l.seq, t.number, m.code, i.serial_no "
            "FROM return_line l JOIN return_task t ON t.id = l.task_id "
            "JOIN item i ON i.id = l.item_id JOIN product_model m ON m.id = i.model_id "
            f"WHERE l.{OPEN_LINE} AND l.item_id IN (SELECT item_id FROM return_line "
            f"WHERE {OPEN_LINE} GROUP BY item_id HAVING COUNT(*) > 1) ORDER BY l.item_id, l.id"
        )
    ).all()
    by_item: dict[int, list[sa.Row]] = {}
    for row in rows:
        by_item.setdefault(row.item_id, []).append(row)
    undecidable = []
    for lines in by_item.values():
        handed_over = [x for x in lines if x.status != "registered"]
        if len(handed_over) > 1:
            code = f"{lines[0].code}/{lines[0].serial_no}"
            tasks = "、".join(f"{x.number} 第 {x.seq} 行" for x in handed_over)
            undecidable.append(f"{code} 同时在 {tasks} 中且都已交接")
    if undecidable:
        raise StoreNeedsAPerson(
            "同一产品在多个未完成的返厂任务中，升级无法自动判断哪一条是实物，已停止，"
            "数据未作任何改动：\n" + "\n".join(undecidable) + "\n请联系系统管理员处理。"
        )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for lines in by_item.values():
        handed_over = [x for x in lines if x.status != "registered"]
        keeper = handed_over[0] if handed_over else lines[0]
        for line in lines:
            if line.id == keeper.id:
                continue
            reason = f"重复登记：该产品已在 {keeper.number} 中"
            conn.execute(
                sa.text(
                    "UPDATE return_line SET status = 'rejected', decision = 'reject', "
                    "reject_reason = :reason, version = version + 1 WHERE id = :id"
                ),
                {"reason": reason, "id": line.id},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_event (at, actor_user_id, actor_name, entity, entity_id, "
                    "action, old_value, new_value, reason) VALUES (:at, NULL, :who, "
                    "'return_line', :id, 'reject', 'registered', 'rejected', :reason)"
                ).bindparams(sa.bindparam("at", type_=sa.DateTime())),
                {"at": now, "who": "系统（数据库升级 0012）", "id": line.id, "reason": reason},
            )


def upgrade() -> None:
    conn = op.get_bind()
    _refuse_values_outside_the_rules(conn)
    _resolve_items_on_two_open_returns(conn)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, expr in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), expr)
    op.create_index(
        "uq_return_line_open_item",
        "return_line",
        ["item_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_LINE),
        postgresql_where=sa.text(OPEN_LINE),
    )


def downgrade() -> None:
    op.drop_index("uq_return_line_open_item", table_name="return_line")
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _expr in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
