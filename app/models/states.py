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

# Named sets of states: logic asks "is it at the manufacturer?", never lists states of its own.

# A line in one of these no longer belongs to an open return: its item may come back again.
FINISHED = frozenset({LineStatus.rejected, LineStatus.closed, LineStatus.scrapped})
# Everything else: the line is on its way (the dashboard and the deadline sweep read these).
OPEN = frozenset(LineStatus) - FINISHED
# Received at the handover and still somewhere on its way or done: its item has a label.
LABELLED = frozenset(LineStatus) - {LineStatus.registered, LineStatus.rejected}
# Sent to its manufacturer and not yet handed back: the manufacturer answers for it.
AT_MANUFACTURER = frozenset(
    {
        LineStatus.dispatched,
        LineStatus.at_manufacturer,
        LineStatus.unboxed,
        LineStatus.localizing,
        LineStatus.localized,
        LineStatus.no_fault_found,
        LineStatus.in_repair,
        LineStatus.repaired,
        LineStatus.accepted_after_repair,
    }
)
# On a manufacturer's repair bench: from dispatch until acceptance (then it waits to go back).
BENCH_STATES = AT_MANUFACTURER - {LineStatus.accepted_after_repair}
# Back from the manufacturer, at the materials department or further on.
BACK = frozenset(
    {LineStatus.back_at_materials, LineStatus.kitted, LineStatus.delivered, LineStatus.closed}
)
# Received (or being counted) and not yet sent to a manufacturer.
BEFORE_DISPATCH = frozenset({LineStatus.registered, LineStatus.accepted})
# Where the materials department holds the item: before dispatch, or back from repair.
AT_MATERIALS = BEFORE_DISPATCH | {LineStatus.back_at_materials, LineStatus.kitted}
# Kitted or beyond: the line no longer moves between kit sets.
KIT_FIXED = frozenset({LineStatus.kitted, LineStatus.delivered, LineStatus.closed})
# An investigation plan may be written or revised while the fault is open.
PLAN_EDITABLE = frozenset({LineStatus.localizing, LineStatus.localized, LineStatus.in_repair})
# Waiting for the acceptance inspection (repaired, or retested without a fault).
AWAITING_ACCEPTANCE = TRANSITIONS["accept_repair"][0]
# A manager may approve scrapping from these.
SCRAPPABLE = TRANSITIONS["scrap"][0]


def next_status(step: str, current: LineStatus) -> LineStatus | None:
    """The state `step` leads to from `current`, or None when the step does not fit."""
    allowed, target = TRANSITIONS[step]
    return target if current in allowed else None
