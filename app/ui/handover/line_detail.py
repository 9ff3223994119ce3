"""The selected line: its fault description, the three documents, and 接收 / 拒收….

Each document gets one of four answers, 未核 / 一致 / 不一致 / 缺失, and the clerk's note
(issue 7, defect 3). A choice is saved at once and the keyboard stays where it is: Tab and the
arrow keys move between the answers, Space picks one (defect 5). The decision buttons are the
desk's: they act on every selected line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.handover import returns
from app.services.kernel.terms import (
    DocumentKind,
    DocumentVerdict,
    LineStatus,
    Permission,
    document_label,
    verdict_label,
)
from app.services.kernel.views import DocumentView, LineView
from app.ui.kit.formats import conclusion_text
from app.ui.kit.gates import READ_ONLY, denial, gate
from app.ui.kit.page import Page
from app.ui.kit.runner import Call, Change, call
from app.ui.kit.style import BACKGROUND, FOREGROUND, Tone, scaled_font, set_css

NO_LINE = "请先在上方表格中选择一件产品。"
VERDICTS = (
    DocumentVerdict.unchecked,
    DocumentVerdict.consistent,
    DocumentVerdict.inconsistent,
    DocumentVerdict.missing,
)
VERDICT_TONES = {
    DocumentVerdict.consistent: Tone.ok,
    DocumentVerdict.inconsistent: Tone.bad,
    DocumentVerdict.missing: Tone.bad,
    DocumentVerdict.unchecked: Tone.muted,
}
VERDICT_TIPS = {
    DocumentVerdict.unchecked: "还没有核对这份文件",
    DocumentVerdict.consistent: "文件齐全，与实物一致（型号、出厂编号、数量）",
    DocumentVerdict.inconsistent: "文件在，但与实物不一致：请在备注中写明哪里不符",
    DocumentVerdict.missing: "用户没有随产品交回这份文件",
}


def _verdict_css(verdict: DocumentVerdict) -> str:
    tone = VERDICT_TONES[verdict]
    return (
        "QPushButton { padding: 3px 8px; }"
        f"QPushButton:checked {{ color: {FOREGROUND[tone]}; background: {BACKGROUND[tone]};"
        f" border: 1px solid {FOREGROUND[tone]}; font-weight: bold; }}"
    )


class DocumentRow:
    """One document's widgets: its four answers and the note."""

    def __init__(self, kind: DocumentKind) -> None:
        self.kind = kind
        self.label = QLabel(document_label(kind) + "：")
        self.buttons: dict[DocumentVerdict, QPushButton] = {}
        for verdict in VERDICTS:
            button = QPushButton(verdict_label(verdict))
            button.setCheckable(True)
            button.setObjectName(f"doc_{kind}_{verdict}")
            button.setStyleSheet(_verdict_css(verdict))
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.buttons[verdict] = button
        self.note = QLineEdit()
        self.note.setPlaceholderText("备注（回车保存）")
        self.note.setToolTip("写明缺页、编号不符、数量不符等；打印在交接记录单和拒收通知上")
        self.note.setObjectName(f"doc_{kind}_note")

    def show(self, verdict: str) -> None:
        for value, button in self.buttons.items():
            button.setChecked(value == verdict)


class LineDetailPanel(QFrame):
    """Edits go through the page's runner; `line_changed` carries the line as it now stands."""

    line_changed = Signal(object)  # LineView
    done = Signal(str)  # a short success message for the feedback line

    def __init__(self, page: Page, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.actor = page.actor
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
        self.doc_rows: dict[DocumentKind, DocumentRow] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        body = QHBoxLayout()
        body.addLayout(self._documents_grid(), 1)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)
        body.addWidget(separator)
        body.addWidget(self._decision_box())
        layout.addLayout(body)
        self.show_line(None)

    def _documents_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(6)
        grid.addWidget(QLabel("故障现象："), 0, 0)
        grid.addWidget(self.fault, 0, 1, 1, len(VERDICTS) + 1)
        for i, kind in enumerate(returns.DOCUMENT_KINDS, start=1):
            row = DocumentRow(kind)
            self.doc_rows[kind] = row
            grid.addWidget(row.label, i, 0)
            for j, (verdict, button) in enumerate(row.buttons.items(), start=1):
                grid.addWidget(button, i, j)
                button.clicked.connect(lambda _on, k=kind, v=verdict: self.choose(k, v))
            grid.addWidget(row.note, i, len(VERDICTS) + 1)
            row.note.editingFinished.connect(lambda k=kind: self._save_note(k))
        grid.setColumnStretch(len(VERDICTS) + 1, 1)
        return grid

    def _decision_box(self) -> QWidget:
        self.conclusion = QLabel("结论：—")
        self.conclusion.setFont(scaled_font(self.font(), 1.1, bold=True))
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.check_button = QPushButton("三证一致 (F6)")
        self.accept_button = QPushButton("接收 (F7)")
        self.reject_button = QPushButton("拒收… (F8)")
        for button in (self.accept_button, self.reject_button):
            button.setMinimumHeight(32)
        # A fixed width, so a long rejection reason wraps instead of squeezing the documents.
        box = QWidget()
        box.setFixedWidth(236)
        decision = QVBoxLayout(box)
        decision.setContentsMargins(0, 0, 0, 0)
        decision.addWidget(self.conclusion)
        decision.addWidget(self.reason)
        decision.addWidget(self.check_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        decision.addLayout(buttons)
        decision.addStretch(1)
        return box

    # --- showing --------------------------------------------------------------------------

    def set_read_only(self, reason: str) -> None:
        """A confirmed task: nothing here may change; `reason` says so in the tooltips."""
        self._read_only_reason = reason
        self._apply_gates()

    def show_line(self, line: LineView | None) -> None:
        self._save_fault()
        if self.line is not None and (line is None or line.id != self.line.id):
            for kind in self.doc_rows:  # a note typed but not yet saved goes with its line
                self._save_note(kind)
        self.line = line
        self._fault_dirty_for = None
        if line is None:
            self.title.setText(NO_LINE)
            self.fault.clear()
            for row in self.doc_rows.values():
                row.show("")
                row.note.clear()
            self.conclusion.setText("结论：—")
            set_css(self.conclusion, "")
            self.reason.clear()
            self._apply_gates()
            return
        maker = f"（承制单位：{line.manufacturer}）" if line.manufacturer else ""
        self.title.setText(f"第 {line.seq} 行　{line.item_code}　{line.model_name}{maker}")
        if not self.fault.hasFocus() or self.fault.text() == line.fault_description:
            self.fault.setText(line.fault_description)
            self.fault.setCursorPosition(0)
        for kind, row in self.doc_rows.items():
            doc = self._doc(kind)
            row.show(doc.verdict)
            if not row.note.hasFocus() or not row.note.isModified():
                row.note.setText(doc.note)
                row.note.setModified(False)
        text, tone = conclusion_text(line.status, line.decision, line.reject_reason)
        self.conclusion.setText(f"结论：{text}")
        color = FOREGROUND[tone] if tone else "palette(text)"
        set_css(self.conclusion, f"color: {color};")
        self.reason.setText(f"原因：{line.reject_reason}" if line.reject_reason else "")
        self._apply_gates()

    def editable(self) -> str:
        """ "" when the shown line's count may change, else why not."""
        if self.line is None:
            return NO_LINE
        if self._read_only_reason:
            return READ_ONLY
        if self.line.status != LineStatus.registered:
            return "这件产品已办理交接，清点内容只读。"
        return ""

    def _apply_gates(self) -> None:
        editable = self.editable()
        check = denial(self.actor, Permission.check_documents)
        decide = denial(self.actor, Permission.decide_line)
        gate(self.fault, editable, check)
        for row in self.doc_rows.values():
            for verdict, button in row.buttons.items():
                gate(button, editable, check, tip=VERDICT_TIPS[verdict])
            gate(row.note, editable, check)
        gate(self.check_button, editable, check, tip="所选产品的三份文件都齐全且与实物一致（F6）")
        gate(
            self.accept_button,
            editable,
            decide,
            tip="接收所选产品（F7）：文件都已核对、无缺失；不一致的须在备注中写明",
        )
        gate(self.reject_button, editable, decide, tip="拒收所选产品并填写原因（F8）")

    # --- changing -------------------------------------------------------------------------

    def _run(self, job: Call[LineView], what: str) -> None:
        """A service call that returns the changed line; a refusal puts the boxes back."""

        def done(line: LineView) -> None:
            if self.line is not None and self.line.id == line.id:
                self.show_line(line)
            self.line_changed.emit(line)
            self.done.emit(f"第 {line.seq} 行：{what}")

        def failed(message: str) -> None:
            self.show_line(self.line)
            self.page.show_failure(message)

        self.page.run(job, done=done, failed=failed, changes=Change.LINES)

    def _doc(self, kind: DocumentKind) -> DocumentView:
        assert self.line is not None
        found = next((d for d in self.line.documents if d.kind == kind), None)
        return found or DocumentView(kind, DocumentVerdict.unchecked, "")

    def choose(self, kind: DocumentKind, verdict: DocumentVerdict) -> None:
        """The clerk's answer for one document; the note typed beside it is saved with it."""
        if self.line is None:
            return
        row = self.doc_rows[kind]
        doc = self._doc(kind)
        note = row.note.text().strip()
        if doc.verdict == verdict and note == doc.note:
            row.show(verdict)  # pressed again: stays chosen
            return
        row.note.setModified(False)
        label = document_label(kind)
        page = self.page
        self._run(
            call(
                returns.set_verdict,
                page.db,
                page.actor,
                self.line.id,
                kind,
                verdict,
                note,
                expected_version=self.line.version,
            ),
            f"{label}{verdict_label(verdict)}" if verdict != "unchecked" else f"{label}改为未核",
        )

    def _save_note(self, kind: DocumentKind) -> None:
        if self.line is None:
            return
        row = self.doc_rows[kind]
        doc = self._doc(kind)
        note = row.note.text().strip()
        if note == doc.note:
            return
        row.note.setModified(False)
        page = self.page
        self._run(
            call(
                returns.set_verdict,
                page.db,
                page.actor,
                self.line.id,
                kind,
                DocumentVerdict(doc.verdict),
                note,
                expected_version=self.line.version,
            ),
            f"{document_label(kind)}备注已保存",
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
        page = self.page
        self._run(
            call(
                returns.set_fault_description,
                page.db,
                page.actor,
                line_id,
                text,
                expected_version=self.line.version,
            ),
            "故障现象已保存",
        )
