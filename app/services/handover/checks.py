"""Counting a line with the user: its three documents, its fault, and 接收 / 拒收.

Each document has one verdict (未核 / 一致 / 不一致 / 缺失) and the clerk's note; both print on
the handover record and the rejection notice (issue 7, defect 3). A line is accepted when every
document was checked and none is missing; a document not matching the item may still be
accepted when the note says what does not match, or the line rejected, as the clerk decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError
from app.models.org import Permission
from app.models.returns import DocumentKind, DocumentVerdict, ReturnLine
from app.models.states import Decision
from app.services.admin.masterdata import item_code
from app.services.handover.lines import (
    DOCUMENT_KINDS,
    document_of,
    line_for_change,
    line_view,
    lines_for_change,
)
from app.services.kernel import audit
from app.services.kernel.context import Actor, require
from app.services.kernel.terms import document_label
from app.services.kernel.views import LineView

MAX_NAMED = 8  # lines named in one refusal; the rest are counted


def _set(
    session: Session,
    actor: Actor,
    line: ReturnLine,
    kind: DocumentKind,
    verdict: DocumentVerdict,
    note: str | None,
) -> None:
    doc = document_of(session, line, kind)
    old = doc.verdict
    doc.verdict = verdict
    if note is not None:
        doc.note = note.strip()
    # An accept no longer holds once a document is not found in order: the clerk decides again.
    if line.decision == Decision.accept and verdict != DocumentVerdict.consistent:
        line.decision = None
    audit.record(session, actor, "return_line", line.id, f"document_{kind}", old, verdict, doc.note)


def set_verdict(
    db: Database,
    actor: Actor,
    line_id: int,
    kind: DocumentKind,
    verdict: DocumentVerdict,
    note: str | None = None,
    expected_version: int | None = None,
) -> LineView:
    """Record what the clerk found for one document; `note` None keeps the note as it is.

    `expected_version` is the line's version the clerk saw (the window always passes it): a
    line another desk changed since, its documents included, is refused (`Conflict`)."""
    require(actor, Permission.check_documents)
    verdict = DocumentVerdict(verdict)
    with db.transaction() as session:
        line = line_for_change(session, line_id, expected_version)
        _set(session, actor, line, DocumentKind(kind), verdict, note)
        session.flush()
        return line_view(session, line, db)


def verdict_of(present: bool | None, consistent: bool | None) -> DocumentVerdict:
    """The verdict that the older two answers (handed over? matching?) stand for."""
    if present is False:
        if consistent:
            raise DomainError("文件缺失时不能判定为文物一致。")
        return DocumentVerdict.missing
    if present and consistent:
        return DocumentVerdict.consistent
    if present and consistent is False:
        return DocumentVerdict.inconsistent
    return DocumentVerdict.unchecked


def set_document(
    db: Database,
    actor: Actor,
    line_id: int,
    kind: DocumentKind,
    present: bool | None,
    consistent: bool | None,
    note: str | None = None,
    expected_version: int | None = None,
) -> LineView:
    """`set_verdict` in the older words: present? consistent? (scripts, the demo, tests)."""
    if present is False and consistent:
        raise DomainError(f"{document_label(kind)}缺失时不能判定为文物一致。")
    return set_verdict(
        db, actor, line_id, kind, verdict_of(present, consistent), note, expected_version
    )


def check_lines(
    db: Database,
    actor: Actor,
    line_ids: Sequence[int],
    expected_versions: Mapping[int, int] | None = None,
) -> list[LineView]:
    """Every document of these lines present and matching the item (one key at the desk);
    `expected_versions` (line id → version seen) as in `set_verdict`."""
    require(actor, Permission.check_documents)
    with db.transaction() as session:
        lines = lines_for_change(session, line_ids, expected_versions)
        for line in lines:
            for kind in DOCUMENT_KINDS:
                if document_of(session, line, kind).verdict != DocumentVerdict.consistent:
                    _set(session, actor, line, kind, DocumentVerdict.consistent, None)
        session.flush()
        return [line_view(session, line, db) for line in lines]


def set_fault_description(
    db: Database, actor: Actor, line_id: int, text: str, expected_version: int | None = None
) -> LineView:
    require(actor, Permission.check_documents)
    with db.transaction() as session:
        line = line_for_change(session, line_id, expected_version)
        old = line.fault_description
        line.fault_description = text.strip()
        audit.record(
            session, actor, "return_line", line.id, "fault_description", old, line.fault_description
        )
        session.flush()
        return line_view(session, line, db)


def set_remark(
    db: Database, actor: Actor, line_id: int, text: str, expected_version: int | None = None
) -> LineView:
    """The clerk's remark on a line (外观, 附件…), while it is still being counted."""
    require(actor, Permission.check_documents)
    with db.transaction() as session:
        line = line_for_change(session, line_id, expected_version)
        old = line.remark
        line.remark = text.strip()
        audit.record(session, actor, "return_line", line.id, "remark", old, line.remark)
        session.flush()
        return line_view(session, line, db)


def why_not_accepted(line: ReturnLine) -> str:
    """ "" when the line may be accepted, else what stands against it, in the clerk's words."""
    docs = {d.kind: d for d in line.documents}
    code = item_code(line.item.model.code, line.item.serial_no)
    verdicts = {
        k: docs[k].verdict if k in docs else DocumentVerdict.unchecked for k in DOCUMENT_KINDS
    }
    unchecked = [document_label(k) for k, v in verdicts.items() if v == DocumentVerdict.unchecked]
    if unchecked:
        return f"{code} 的{'、'.join(unchecked)}还未核对，不能接收。"
    missing = [document_label(k) for k, v in verdicts.items() if v == DocumentVerdict.missing]
    if missing:
        return f"{code} 的{'、'.join(missing)}缺失，不能接收；文件缺失的产品应拒收。"
    unexplained = [
        document_label(k)
        for k, v in verdicts.items()
        if v == DocumentVerdict.inconsistent and not docs[k].note.strip()
    ]
    if unexplained:
        return (
            f"{code} 的{'、'.join(unexplained)}与实物不一致：请在备注中写明不一致之处，"
            "再决定接收或拒收。"
        )
    return ""


def _decide(
    session: Session, actor: Actor, line: ReturnLine, decision: Decision | None, reason: str
) -> None:
    old = f"{line.decision or ''} {line.reject_reason}".strip()
    line.decision = decision
    line.reject_reason = reason if decision == Decision.reject else ""
    audit.record(
        session, actor, "return_line", line.id, "decide", old, decision or "", line.reject_reason
    )


def decide_lines(
    db: Database,
    actor: Actor,
    line_ids: Sequence[int],
    decision: Decision | None,
    reason: str = "",
    expected_versions: Mapping[int, int] | None = None,
) -> list[LineView]:
    """Mark several counted lines at once, all or none: a refusal names every line in the way.
    `expected_versions` (line id → version seen) as in `set_verdict`."""
    require(actor, Permission.decide_line)
    reason = reason.strip()
    if decision == Decision.reject and not reason:
        raise DomainError("拒收必须填写原因。")
    with db.transaction() as session:
        lines = lines_for_change(session, line_ids, expected_versions)
        if decision == Decision.accept:
            problems = [p for p in (why_not_accepted(line) for line in lines) if p]
            if problems:
                more = len(problems) - MAX_NAMED
                text = "\n".join(problems[:MAX_NAMED])
                if more > 0:
                    text += f"\n另有 {more} 件同样不能接收。"
                if len(lines) > 1:
                    text = f"所选 {len(lines)} 件都没有标记，因为：\n{text}"
                raise DomainError(text)
        for line in lines:
            _decide(session, actor, line, decision, reason)
        session.flush()
        return [line_view(session, line, db) for line in lines]


def decide_line(
    db: Database,
    actor: Actor,
    line_id: int,
    decision: Decision | None,
    reason: str = "",
    expected_version: int | None = None,
) -> LineView:
    """Mark one counted line to accept or to reject (with a reason); None undoes the mark."""
    expected = None if expected_version is None else {line_id: expected_version}
    return decide_lines(db, actor, [line_id], decision, reason, expected)[0]
