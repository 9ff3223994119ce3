"""The selected line: its fault description, the three documents, and 接收 / 拒收…."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.services.handover import returns
from app.services.kernel.context import Actor
from app.services.kernel.terms import Decision, DocumentKind, LineStatus, Permission, document_label
from app.services.kernel.views import DocumentView, LineView
from app.ui.handover.reject_dialog import RejectDialog
from app.ui.kit.formats import conclusion_text
from app.ui.kit.gates import READ_ONLY, denial, gate
from app.ui.kit.prompts import Prompts
from app.ui.kit.style import FOREGROUND, scaled_font

if TYPE_CHECKING:
    from app.db import Database

NO_LINE = "请先在上方表格中选择一件产品。"


class DocumentRow:
    """One document's widgets: 齐全, 文物一致 and a note."""

    def __init__(self, kind: DocumentKind, label: str) -> None:
        self.kind = kind
        self.label = QLabel(label)
        self.present = QCheckBox("齐全")
        self.consistent = QCheckBox("文物一致")
        self.note = QLineEdit()
        self.note.setPlaceholderText("备注（如缺页、编号不符）")
        self.present.setObjectName(f"doc_{kind}_present")
        self.consistent.setObjectName(f"doc_{kind}_consistent")
        self.note.setObjectName(f"doc_{kind}_note")


class LineDetailPanel(QFrame):
    """Edits go straight to the services; `line_changed` carries the line as it now stands."""

    line_changed = Signal(object)  # LineView
    failed = Signal(str)
    done = Signal(str)  # a short success message for the feedback line

    def __init__(
        self, db: Database, actor: Actor, prompts: Prompts, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.prompts = prompts
        self.line: LineView | None = None
        self._read_only_reason = ""
        self._fault_dirty_for: int | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.title = QLabel(NO_LINE)
        self.title.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fault = QLineEdit()
        self.fault.setPlaceholderText("按故障单填写故障现象，回车保存")
        self.fault.textEdited.connect(self._fault_edited)
        self.fault.editingFinished.connect(self._save_fault)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        grid.addWidget(QLabel("故障现象："), 0, 0)
        grid.addWidget(self.fault, 0, 1, 1, 3)
        self.doc_rows: dict[DocumentKind, DocumentRow] = {}
        for i, kind in enumerate(returns.DOCUMENT_KINDS, start=1):
            row = DocumentRow(kind, document_label(kind) + "：")
            self.doc_rows[kind] = row
            grid.addWidget(row.label, i, 0)
            grid.addWidget(row.present, i, 1)
            grid.addWidget(row.consistent, i, 2)
            grid.addWidget(row.note, i, 3)
            row.present.clicked.connect(lambda on, k=kind: self._present_clicked(k, on))
            row.consistent.clicked.connect(lambda on, k=kind: self._consistent_clicked(k, on))
            row.note.editingFinished.connect(lambda k=kind: self._save_note(k))
        grid.setColumnStretch(3, 1)

        self.conclusion = QLabel("结论：—")
        self.conclusion.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.accept_button = QPushButton("接收")
        self.reject_button = QPushButton("拒收…")
        for button in (self.accept_button, self.reject_button):
            button.setMinimumWidth(96)
            button.setMinimumHeight(32)
        self.accept_button.clicked.connect(self._accept)
        self.reject_button.clicked.connect(self._reject)
        # A fixed width, so a long rejection reason wraps instead of squeezing the documents.
        decision_box = QWidget()
        decision_box.setFixedWidth(240)
        decision = QVBoxLayout(decision_box)
        decision.setContentsMargins(0, 0, 0, 0)
        decision.addWidget(self.conclusion)
        decision.addWidget(self.reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        decision.addLayout(buttons)
        decision.addStretch(1)

        body = QHBoxLayout()
        body.addLayout(grid, 1)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)
        body.addWidget(separator)
        body.addWidget(decision_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(body)
        self.show_line(None)

    # --- showing --------------------------------------------------------------------------

    def set_read_only(self, reason: str) -> None:
        """A confirmed task: nothing here may change; `reason` says so in the tooltips."""
        self._read_only_reason = reason
        self._apply_gates()

    def show_line(self, line: LineView | None) -> None:
        self._save_fault()
        self.line = line
        self._fault_dirty_for = None
        if line is None:
            self.title.setText(NO_LINE)
            self.fault.clear()
            for row in self.doc_rows.values():
                for box in (row.present, row.consistent):
                    box.setChecked(False)
                row.note.clear()
            self.conclusion.setText("结论：—")
            self.reason.clear()
            self._apply_gates()
            return
        maker = f"（承制单位：{line.manufacturer}）" if line.manufacturer else ""
        self.title.setText(f"第 {line.seq} 行　{line.item_code}　{line.model_name}{maker}")
        self.fault.setText(line.fault_description)
        self.fault.setCursorPosition(0)
        docs = {DocumentKind(d.kind): d for d in line.documents}
        for kind, row in self.doc_rows.items():
            doc = docs.get(kind, DocumentView(kind, None, None, ""))
            row.present.setChecked(bool(doc.present))
            row.consistent.setChecked(bool(doc.consistent))
            row.note.setText(doc.note)
        text, tone = conclusion_text(line.status, line.decision, line.reject_reason)
        self.conclusion.setText(f"结论：{text}")
        color = FOREGROUND[tone] if tone else "palette(text)"
        self.conclusion.setStyleSheet(f"color: {color};")
        self.reason.setText(f"原因：{line.reject_reason}" if line.reject_reason else "")
        self._apply_gates()

    def _apply_gates(self) -> None:
        line = self.line
        no_line = "" if line is not None else NO_LINE
        editable = READ_ONLY if self._read_only_reason else ""
        if line is not None and not editable and line.status != LineStatus.registered:
            editable = "这件产品已办理交接，清点内容只读。"
        check = denial(self.actor, Permission.check_documents)
        decide = denial(self.actor, Permission.decide_line)
        gate(self.fault, no_line, editable, check)
        for row in self.doc_rows.values():
            gate(row.present, no_line, editable, check)
            needs_present = "" if row.present.isChecked() else "先确认文件齐全，才能判定文物一致。"
            gate(row.consistent, no_line, editable, check, needs_present)
            gate(row.note, no_line, editable, check)
        gate(
            self.accept_button,
            no_line,
            editable,
            decide,
            tip="三份文件齐全且文物一致时接收",
        )
        gate(self.reject_button, no_line, editable, decide, tip="拒收并填写原因")

    # --- changing -------------------------------------------------------------------------

    def _apply(self, what: str, action: Callable[[], LineView]) -> None:
        """Run a service call that returns the changed line; show the refusal if there is one."""
        try:
            line = action()
        except DomainError as exc:
            self.show_line(self.line)  # put the boxes back as they were
            self.failed.emit(str(exc))
            return
        self.show_line(line)
        self.line_changed.emit(line)
        self.done.emit(f"第 {line.seq} 行：{what}")

    def _doc(self, kind: DocumentKind) -> DocumentView:
        assert self.line is not None
        return next(d for d in self.line.documents if d.kind == kind)

    def _present_clicked(self, kind: DocumentKind, on: bool) -> None:
        if self.line is None:
            return
        line_id = self.line.id
        doc = self._doc(kind)
        # A missing document cannot be consistent with the item.
        consistent = doc.consistent if on else (False if doc.consistent else doc.consistent)
        label = document_label(kind)
        self._apply(
            f"{label}{'齐全' if on else '缺失'}",
            lambda: returns.set_document(self.db, self.actor, line_id, kind, on, consistent),
        )

    def _consistent_clicked(self, kind: DocumentKind, on: bool) -> None:
        if self.line is None:
            return
        line_id = self.line.id
        present = self._doc(kind).present
        label = document_label(kind)
        self._apply(
            f"{label}{'文物一致' if on else '文物不一致'}",
            lambda: returns.set_document(self.db, self.actor, line_id, kind, present, on),
        )

    def _save_note(self, kind: DocumentKind) -> None:
        if self.line is None:
            return
        doc = self._doc(kind)
        note = self.doc_rows[kind].note.text().strip()
        if note == doc.note:
            return
        line_id = self.line.id
        self._apply(
            f"{document_label(kind)}备注已保存",
            lambda: returns.set_document(
                self.db, self.actor, line_id, kind, doc.present, doc.consistent, note
            ),
        )

    def _fault_edited(self, _text: str) -> None:
        self._fault_dirty_for = self.line.id if self.line else None

    def _save_fault(self) -> None:
        line_id = self._fault_dirty_for
        if line_id is None or self.line is None or self.line.id != line_id:
            return
        self._fault_dirty_for = None
        text = self.fault.text().strip()
        if text == self.line.fault_description:
            return
        self._apply(
            "故障现象已保存",
            lambda: returns.set_fault_description(self.db, self.actor, line_id, text),
        )

    def _accept(self) -> None:
        if self.line is None:
            return
        line_id = self.line.id
        self._apply(
            "标记为接收",
            lambda: returns.decide_line(self.db, self.actor, line_id, Decision.accept),
        )

    def _reject(self) -> None:
        if self.line is None:
            return
        line = self.line
        suggested = [
            f"{document_label(d.kind)}缺失" for d in line.documents if d.present is False
        ] + [
            f"{document_label(d.kind)}文物不一致"
            for d in line.documents
            if d.present and d.consistent is False
        ]
        if line.reject_reason:
            suggested.insert(0, line.reject_reason)
        dialog = RejectDialog(line.item_code, suggested, self)
        if not self.prompts.run(dialog):
            return
        reason = dialog.reason()
        self._apply(
            f"标记为拒收（{reason}）",
            lambda: returns.decide_line(self.db, self.actor, line.id, Decision.reject, reason),
        )
