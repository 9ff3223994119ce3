"""The domain's code names the window needs (states, kinds, roles), so app/ui imports services only."""

from app.models.org import Role, UnitKind
from app.models.records import HandoverKind, ReportKind
from app.models.returns import DocumentKind
from app.models.states import TRANSITIONS, Decision, LineStatus, TaskStatus
from app.models.workdays import Deadline, DeadlineState, RuleCode

__all__ = [
    "TRANSITIONS",
    "Deadline",
    "DeadlineState",
    "Decision",
    "DocumentKind",
    "HandoverKind",
    "LineStatus",
    "ReportKind",
    "Role",
    "RuleCode",
    "TaskStatus",
    "UnitKind",
]
