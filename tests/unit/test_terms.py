"""One module of terms (issue 7): every code name has its word, and the module rests on the models."""

from __future__ import annotations

import ast
import enum
from collections.abc import Mapping
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

from app.models.base import StrEnumType
from app.models.states import (
    AT_MANUFACTURER,
    BENCH_STATES,
    FINISHED,
    LABELLED,
    OPEN,
    TRANSITIONS,
    LineStatus,
)
from app.services.kernel import terms
from app.services.kernel.context import PERMISSIONS
from app.services.kernel.numbering import PREFIXES

TERMS = Path(terms.__file__)


@pytest.mark.parametrize(
    ("codes", "table"),
    [
        (terms.LineStatus, terms.LINE_STATUS_LABELS),
        (terms.TaskStatus, terms.TASK_STATUS_LABELS),
        (terms.Decision, terms.DECISION_LABELS),
        (terms.KitSetStatus, terms.KIT_SET_STATUS_LABELS),
        (terms.DeadlineState, terms.DEADLINE_STATE_LABELS),
        (terms.Role, terms.ROLE_LABELS),
        (terms.UnitKind, terms.UNIT_KIND_LABELS),
        (terms.Permission, terms.PERMISSION_LABELS),
        (terms.RuleCode, terms.RULE_LABELS),
        (terms.DocumentKind, terms.DOCUMENT_LABELS),
        (terms.DocumentKind, terms.DOCUMENT_SHORT_LABELS),
        (terms.ReportKind, terms.REPORT_KIND_LABELS),
        (terms.HandoverKind, terms.HANDOVER_KIND_LABELS),
    ],
)
def test_every_code_name_has_its_word(codes: type[enum.StrEnum], table: Mapping[str, str]) -> None:
    assert set(codes) <= set(table)
    assert all(table[code] for code in codes)


def test_every_record_prefix_and_step_has_its_word() -> None:
    assert set(PREFIXES) <= set(terms.RECORD_KIND_LABELS)
    assert set(TRANSITIONS) <= set(terms.STEP_LABELS)


def test_a_word_is_found_by_the_enum_or_its_value_and_unknown_values_come_back() -> None:
    assert terms.line_status_label(LineStatus.in_repair) == "维修中"
    assert terms.line_status_label("in_repair") == "维修中"
    assert terms.line_status_label("no_such_state") == "no_such_state"
    assert terms.rule_label("kitting_report") == "齐套情况报告"
    assert terms.record_kind_label("wx") == "维修记录"
    assert terms.record_title("WX-2026-000001") == "维修记录 WX-2026-000001"
    assert terms.record_title("ZZ-2026-000001") == "记录 ZZ-2026-000001"


def test_terms_rest_on_the_models_alone() -> None:
    tree = ast.parse(TERMS.read_text(encoding="utf-8"))
    imported = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    ours = [name for name in imported if name == "app" or name.startswith("app.")]
    assert ours and all(name.startswith("app.models") for name in ours), ours


def test_the_named_state_sets_fit_together() -> None:
    assert set(LineStatus) == OPEN | FINISHED and not OPEN & FINISHED
    assert BENCH_STATES < AT_MANUFACTURER < OPEN
    assert LineStatus.registered not in LABELLED and LineStatus.rejected not in LABELLED


def test_every_permission_is_held_by_some_role() -> None:
    held = set().union(*PERMISSIONS.values())
    assert held == set(terms.Permission)


def test_a_status_column_hands_out_the_member_and_refuses_a_typo() -> None:
    column = StrEnumType(LineStatus, 30)
    dialect = sqlite.dialect()
    assert column.process_bind_param(LineStatus.kitted, dialect) == "kitted"
    assert column.process_bind_param("kitted", dialect) == "kitted"
    assert column.process_bind_param(None, dialect) is None
    assert column.process_result_value("kitted", dialect) is LineStatus.kitted
    with pytest.raises(ValueError):
        column.process_bind_param("kited", dialect)
    # SQL sees the same VARCHAR as before: no migration.
    assert str(column.compile(dialect=dialect)) == "VARCHAR(30)"


def test_audit_values_that_are_codes_read_in_words() -> None:
    from app.services.kernel.terms import audit_value_label

    assert audit_value_label("return_line", "localized") == "已定位"
    assert audit_value_label("return_line", "unchecked") == "未核"
    assert audit_value_label("return_line", "consistent") == "一致"
    assert audit_value_label("return_task", "open") != "open"
    assert audit_value_label("app_user", "True") == "是"
    # Free text stays as written.
    assert audit_value_label("return_line", "FX-2026-000001 GC-12A/S-1") == (
        "FX-2026-000001 GC-12A/S-1"
    )
