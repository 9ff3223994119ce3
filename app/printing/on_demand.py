"""The renderers, with reportlab loaded at the first print rather than at the program's start.

Every page that can print imports the services that print, and reportlab with the layouts
cost ~150 ms of the window's start (issue 10: first data shown ≤ 1 s after spawn); a desk
that never prints never loads them.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.printing.documents import (
    FormDocument,
    HandoverDocument,
    ItemLabel,
    RejectionNoticeDocument,
)


def render_form(doc: FormDocument) -> bytes:
    from app.printing import forms

    return forms.render_form(doc)


def render_handover(doc: HandoverDocument) -> bytes:
    from app.printing import handover

    return handover.render_handover(doc)


def render_rejection_notice(doc: RejectionNoticeDocument) -> bytes:
    from app.printing import handover

    return handover.render_rejection_notice(doc)


def render_labels(labels: Sequence[ItemLabel], size: str) -> bytes:
    from app.printing import item_labels

    return item_labels.render_labels(labels, size)
