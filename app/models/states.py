"""The states of a returned item (DOMAIN.md) and of a return task, and which step leads where."""

from __future__ import annotations

import enum


class LineStatus(enum.StrEnum):
    registered = "registered"
    rejected = "rejected"
    accepted = "accepted"
    dispatched = "dispatched"
    at_manufacturer = "at_manufacturer"
    unboxed = "unboxed"
    localizing = "localizing"
    localized = "localized"
    no_fault_found = "no_fault_found"
    in_repair = "in_repair"
    repaired = "repaired"
    accepted_after_repair = "accepted_after_repair"
    back_at_materials = "back_at_materials"
    kitted = "kitted"
    delivered = "delivered"
    closed = "closed"
    scrapped = "scrapped"


class TaskStatus(enum.StrEnum):
    open = "open"
    confirmed = "confirmed"
    closed = "closed"


class Decision(enum.StrEnum):
    """What the clerk marked a registered line for, before the handover is confirmed."""

    accept = "accept"
    reject = "reject"


# Every step (a service call) and the states it may start from, and the state it leads to.
TRANSITIONS: dict[str, tuple[frozenset[LineStatus], LineStatus]] = {
    "accept": (frozenset({LineStatus.registered}), LineStatus.accepted),
    "reject": (frozenset({LineStatus.registered}), LineStatus.rejected),
    "dispatch": (frozenset({LineStatus.accepted}), LineStatus.dispatched),
    "receive_at_manufacturer": (frozenset({LineStatus.dispatched}), LineStatus.at_manufacturer),
    "unbox": (frozenset({LineStatus.at_manufacturer}), LineStatus.unboxed),
    "write_plan": (frozenset({LineStatus.unboxed}), LineStatus.localizing),
    "localize": (frozenset({LineStatus.localizing}), LineStatus.localized),
    "no_fault_found": (frozenset({LineStatus.localizing}), LineStatus.no_fault_found),
    "start_repair": (frozenset({LineStatus.localized}), LineStatus.in_repair),
    "finish_repair": (frozenset({LineStatus.in_repair}), LineStatus.repaired),
    "accept_repair": (
        frozenset({LineStatus.repaired, LineStatus.no_fault_found}),
        LineStatus.accepted_after_repair,
    ),
    "fail_acceptance": (
        frozenset({LineStatus.repaired, LineStatus.no_fault_found}),
        LineStatus.in_repair,
    ),
    "return_to_materials": (
        frozenset({LineStatus.accepted_after_repair}),
        LineStatus.back_at_materials,
    ),
    "kit": (frozenset({LineStatus.back_at_materials}), LineStatus.kitted),
    "deliver": (frozenset({LineStatus.kitted}), LineStatus.delivered),
    "close": (frozenset({LineStatus.delivered}), LineStatus.closed),
    "scrap": (frozenset({LineStatus.localized, LineStatus.in_repair}), LineStatus.scrapped),
}

# A line in one of these no longer belongs to an open return: its item may come back again.
FINISHED = frozenset({LineStatus.rejected, LineStatus.closed, LineStatus.scrapped})


def next_status(step: str, current: LineStatus) -> LineStatus | None:
    """The state `step` leads to from `current`, or None when the step does not fit."""
    allowed, target = TRANSITIONS[step]
    return target if current in allowed else None
