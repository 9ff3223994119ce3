"""The open task's heading: number, unit, state, dates, its records and the buttons that act on it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.kernel.terms import TaskStatus, task_status_label
from app.services.kernel.views import TaskView
from app.ui.kit.date_edit import UNSET_TEXT
from app.ui.kit.formats import TASK_STATUS_TONES, date_text, local_time_text
from app.ui.kit.style import Tone, message_css, scaled_font, set_css

EMPTY_TEXT = "请在左侧选择一个返厂交接任务，或新建任务 / 导入清单。"


class TaskHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = QLabel(EMPTY_TEXT)
        self.number.setFont(scaled_font(self.font(), 1.35, bold=True))
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.details = QLabel()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(message_css(Tone.ok))
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_list_button = QPushButton("打印清单 (Ctrl+P)")
        self.print_list_button.setToolTip("打印未确认的交接清单，与用户代表逐件核对（Ctrl+P）")
        self.print_handover_button = QPushButton("打印交接单 (Ctrl+P)")
        self.print_handover_button.setToolTip("打印交接记录单（Ctrl+P）")
        self.print_notice_button = QPushButton("打印拒收通知")
        self.confirm_button = QPushButton("确认交接… (Ctrl+Enter)")
        self.confirm_button.setMinimumHeight(34)
        self.confirm_button.setFont(scaled_font(self.font(), 1.0, bold=True))

        top = QHBoxLayout()
        top.addWidget(self.number)
        top.addWidget(self.status)
        top.addStretch(1)
        for button in (
            self.print_list_button,
            self.print_handover_button,
            self.print_notice_button,
            self.confirm_button,
        ):
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.details)
        layout.addWidget(self.banner)
        self.show_task(None)

    def show_task(self, task: TaskView | None) -> None:
        if task is None:
            self.number.setText(EMPTY_TEXT)
            self.status.hide()
            self.details.hide()
            self.banner.hide()
            for button in (
                self.print_list_button,
                self.print_handover_button,
                self.print_notice_button,
                self.confirm_button,
            ):
                button.hide()
            return
        self.number.setText(f"{task.number}　{task.user_unit}")
        tone = TASK_STATUS_TONES.get(TaskStatus(task.status), Tone.muted)
        self.status.setText(task_status_label(task.status))
        set_css(self.status, message_css(tone).replace("padding: 6px 10px", "padding: 2px 8px"))
        self.status.show()
        parts = [
            f"任务节点日期：{date_text(task.node_date, UNSET_TEXT)}",
            f"齐套时间节点：{date_text(task.kitting_deadline, UNSET_TEXT)}",
            f"共 {task.line_count} 件",
        ]
        if task.source:
            parts.append(f"来源：{task.source}")
        self.details.setText("　　".join(parts))
        self.details.show()
        is_open = task.status == TaskStatus.open
        if is_open:
            self.banner.hide()
        else:
            records = [f"交接记录单 {task.handover_number}"] if task.handover_number else []
            if task.rejection_notice_number:
                records.append(f"拒收通知 {task.rejection_notice_number}")
            self.banner.setText(
                f"已于 {local_time_text(task.confirmed_at)} 确认交接"
                f"（用户代表 {task.user_rep_name or '—'}，物资交接员 {task.clerk_name or '—'}）"
                f"：{'，'.join(records) or '—'}。清点内容只读。"
            )
            self.banner.show()
        self.print_list_button.setVisible(is_open)
        self.confirm_button.setVisible(is_open)
        self.print_handover_button.setVisible(bool(task.handover_number))
        self.print_notice_button.setVisible(bool(task.rejection_notice_number))
