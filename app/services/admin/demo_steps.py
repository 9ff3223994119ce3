"""The demo's items taken along their way: at the desk, at the manufacturers, and back.

Each step is the real service a person's action calls, dated in the past, so the demo shows
every state with its records, deadlines and reports as the program itself would have made them.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.db import Database
from app.models.returns import DocumentKind
from app.models.states import Decision
from app.services.admin import codelists
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel.context import Actor
from app.services.repair import repairs
from app.services.way_back import delivery, kitting

if TYPE_CHECKING:
    from app.services.admin.demo import DemoResult

DAY = dt.timedelta(days=1)
Item = tuple[str, str, int]  # model code, serial, index into FAULTS
# How far `through` takes an item, in the order of its way.
STOPS = (
    "dispatched",
    "at_manufacturer",
    "unboxed",
    "localizing",
    "localized",
    "no_fault_found",
    "scrapped",
    "nff_accepted",
    "in_repair",
    "repaired",
    "accepted_after_repair",
)
SERIAL_PREFIX = {"GC-12A": "GC12A", "DY-3": "DY3", "SF-3": "SF3"}
FAULTS = (
    "通电后自检不通过，报陀螺通道故障",
    "零位漂移超差（出厂要求≤0.05°/h）",
    "舵机回零异常，伴有异响",
    "输出电压纹波偏大，负载时掉电",
    "外壳磕碰，连接器插针弯曲",
    "低温（-40℃）试验后启动时间过长",
)


class DemoSteps:
    def __init__(self, db: Database, actor: Actor, result: DemoResult, today: dt.date) -> None:
        self.db, self.actor, self.result, self.today = db, actor, result, today
        self.year = today.year

    def add(self, kind: str, number: str) -> None:
        self.result.records.setdefault(kind, []).append(number)

    # --- at the desk --------------------------------------------------------------------------

    def task(
        self, user_unit: str, days_ago: int, items: Sequence[Item], decide: bool = True
    ) -> returns.TaskView:
        """A task of `items`, each checked and decided (or, not `decide`, still being counted)."""
        started = self.today - dt.timedelta(days=days_ago)
        view = returns.create_task(
            self.db,
            self.actor,
            user_unit,
            node_date=started + 2 * DAY,
            kitting_deadline=started + 75 * DAY,
            today=self.today,
        )
        self.result.tasks.append(view.number)
        for n, (model, serial, fault) in enumerate(items):
            line = returns.add_line(self.db, self.actor, view.id, model, serial, FAULTS[fault])
            if decide:
                self._check_and_decide(line.id, missing=serial.endswith("9"))
            elif n == 0:  # a task being counted: the first item's documents are half checked
                self._set(line.id, DocumentKind.certificate, True, True)
                self._set(line.id, DocumentKind.fault_report, True, None)
        return view

    def _set(self, line: int, kind: DocumentKind, present: bool, consistent: bool | None) -> None:
        returns.set_document(self.db, self.actor, line, kind, present, consistent)

    def _check_and_decide(self, line: int, missing: bool) -> None:
        """Every document in order, unless the packing list is missing: then refused."""
        for kind in DocumentKind:
            lacking = missing and kind == DocumentKind.packing_list
            self._set(line, kind, not lacking, None if lacking else True)
        if missing:
            reason = "装箱清单缺失，文物无法核对"
            returns.decide_line(self.db, self.actor, line, Decision.reject, reason)
        else:
            returns.decide_line(self.db, self.actor, line, Decision.accept)

    def confirm(self, view: returns.TaskView, days_ago: int) -> None:
        done = returns.confirm_handover(
            self.db,
            self.actor,
            view.id,
            "李参谋",
            "王敏",
            "" if days_ago else "外包装箱一角受潮，已拍照记录",
            today=self.today - dt.timedelta(days=days_ago),
        )
        self.add("handover_record", done.handover_number)
        if done.rejection_notice_number:
            self.add("rejection_notice", done.rejection_notice_number)

    def intake(
        self, items: Sequence[Item], confirmed: dt.date, kitting_deadline: dt.date
    ) -> list[int]:
        """A return task whose items are all accepted at the handover on `confirmed`."""
        view = returns.create_task(
            self.db,
            self.actor,
            "某部队修理所",
            node_date=confirmed,
            kitting_deadline=kitting_deadline,
            today=confirmed,
        )
        self.result.tasks.append(view.number)
        ids = []
        for model, serial, fault in items:
            line = returns.add_line(self.db, self.actor, view.id, model, serial, FAULTS[fault]).id
            for kind in DocumentKind:
                self._set(line, kind, True, True)
            returns.decide_line(self.db, self.actor, line, Decision.accept)
            ids.append(line)
        done = returns.confirm_handover(
            self.db, self.actor, view.id, "李参谋", "王敏", today=confirmed
        )
        self.add("handover_record", done.handover_number)
        return ids

    # --- at the manufacturer ------------------------------------------------------------------

    def through(
        self, model: str, serial: str, fault: int, received: dt.date, stop: str, line: int = 0
    ) -> int:
        """Take one item from the user's handover up to the state `stop`."""
        assert stop in STOPS, stop
        if not line:
            (line,) = self.intake([(model, serial, fault)], received - 3 * DAY, received + 80 * DAY)
        if not self._to_localizing(line, serial, fault, received, stop):
            return line
        localized = min(received + 5 * DAY, self.today)
        self._localize(line, model, fault, localized, stop)
        if stop in ("localized", "scrapped", "no_fault_found"):
            if stop == "scrapped":
                repairs.scrap(self.db, self.actor, line, "壳体断裂，无修复价值", self.today)
            return line
        if stop != "nff_accepted" and not self._repair(line, model, serial, localized, stop):
            return line
        self._accept(line, model, serial, stop)
        return line

    def _to_localizing(
        self, line: int, serial: str, fault: int, received: dt.date, stop: str
    ) -> bool:
        """Dispatch, receipt, unboxing and the investigation plan; False where `stop` is reached."""
        db, actor = self.db, self.actor
        sent = dispatching.dispatch(db, actor, [line], sender_name="王敏", today=received - DAY)
        self.add("handover_record", sent.handover_number)
        if stop == "dispatched":
            return False
        repairs.receive(db, actor, sent.handover_number, "陈工", today=received)
        if stop == "at_manufacturer":
            return False
        check = repairs.Unboxing(True, True, fault != 4, True, True, "李参谋", "包装完好")
        photos = [(f"{serial}-开箱.png", demo_photo())]
        self.add(
            "unboxing_inspection",
            repairs.record_unboxing(db, actor, line, check, photos=photos, today=received),
        )
        if stop == "unboxed":
            return False
        model_code = returns.get_line(db, line).model_code
        plan = repairs.write_investigation_plan(
            db,
            actor,
            line,
            f"{model_code}-PC-{serial[-3:]}",
            "A",
            "陈工",
            "故障排查方案",
            today=received + DAY,
        )
        self.add("investigation_plan", plan)
        return stop != "localizing"

    def _localize(self, line: int, model: str, fault: int, day: dt.date, stop: str) -> None:
        if stop in ("no_fault_found", "nff_accepted"):
            found = "常温、高低温复测各 3 次，功能性能均正常"
            self.add(
                "localization_report", repairs.no_fault_found(self.db, self.actor, line, found, day)
            )
            return
        number = repairs.localize(
            self.db,
            self.actor,
            line,
            fault_mode="功能失效" if fault != 1 else "性能超差",
            cause_category="元器件",
            faulty_part="X 轴陀螺" if model.startswith("GC") else "功率模块",
            conclusion="故障复现，定位到器件失效，需更换",
            today=day,
        )
        self.add("localization_report", number)

    def _repair(self, line: int, model: str, serial: str, localized: dt.date, stop: str) -> bool:
        """The repair plan and record; False where `stop` is reached."""
        db, actor = self.db, self.actor
        repairs.plan_repair(
            db,
            actor,
            line,
            "更换失效器件并重新标定",
            localized + 20 * DAY,
            f"{model}-WF-1",
            "A",
            today=localized,
        )
        if stop == "in_repair":
            return False
        part = repairs.Part("GY-100", "光纤陀螺", f"GY-{self.year - 3}-11", f"GY-{self.year}-40")
        number = repairs.record_repair(
            db,
            actor,
            line,
            "更换失效器件，重新标定",
            "陈工",
            "全温性能测试合格",
            [part],
            today=min(localized + 10 * DAY, self.today),
            certificate_no=f"ZM-{serial}",
        )
        self.add("repair_record", number)
        return stop != "repaired"

    def _accept(self, line: int, model: str, serial: str, stop: str) -> None:
        points = codelists.get_checklist(self.db, model)
        outcome = repairs.inspect_acceptance(
            self.db,
            self.actor,
            line,
            {p.id: (True, "") for p in points},
            inspector="刘检",
            passed=None if points else True,
            today=self.today,
            certificate_no=f"ZM-{serial}",
        )
        self.add("acceptance_inspection", outcome.number)
        if outcome.repair_record_number and stop == "nff_accepted":
            self.add("repair_record", outcome.repair_record_number)

    def repair_bench(self) -> None:
        """Lines in every state of the manufacturer's way, some late, one across National Day."""
        year, today, through = self.year, self.today, self.through
        through("GC-12A", f"GC12A-{year}101", 0, today - DAY, "dispatched")
        through("SF-3", f"SF3-{year}102", 2, today - DAY, "at_manufacturer")
        through("DY-3", f"DY3-{year}103", 3, today - 3 * DAY, "unboxed")
        # Received twelve days ago and still not localized: an overdue report goes out.
        through("GC-12A", f"GC12A-{year}104", 1, today - 12 * DAY, "localizing")
        through("SF-3", f"SF3-{year}105", 2, today - 4 * DAY, "localized")
        through("DY-3", f"DY3-{year}106", 3, today - 8 * DAY, "no_fault_found")
        through("DY-3", f"DY3-{year}112", 5, today - 25 * DAY, "nff_accepted")
        # Received before National Day: localization ran across the holidays, now in repair.
        national_day = dt.date(year if today >= dt.date(year, 10, 14) else year - 1, 9, 29)
        through("GC-12A", f"GC12A-{national_day.year}107", 0, national_day, "in_repair")
        # Seventy days in repair: escalated to the prime unit.
        through("SF-3", f"SF3-{year}108", 2, today - 70 * DAY, "in_repair")
        through("GC-12A-G", f"GCG-{year}109", 1, today - 20 * DAY, "repaired")
        through("GC-12A", f"GC12A-{year}110", 4, today - 30 * DAY, "accepted_after_repair")
        through("DY-3", f"DY3-{year}111", 4, today - 15 * DAY, "scrapped")

    # --- the way back -------------------------------------------------------------------------

    def back(self, model: str, n: int, received: dt.date, line: int = 0) -> int:
        serial = f"{SERIAL_PREFIX[model]}-{self.year}{n}"
        line = self.through(model, serial, n % 6, received, "accepted_after_repair", line)
        checks = {line: delivery.BackCheck(True, True, True)}
        day = min(received + 35 * DAY, self.today)
        done = delivery.receive_back(self.db, self.actor, checks, "陈工", "王敏", today=day)
        self.add("handover_record", done.handover_number)
        return line

    def kit_of(self, line: int) -> str:
        number = kitting.kit_of_line(self.db, line)
        assert number is not None
        kits = self.result.records.setdefault("kit_set", [])
        if number not in kits:
            kits.append(number)
        return number

    def _deliver(self, kit: str, completed: dt.date, delivered: dt.date) -> None:
        kitting.complete(self.db, self.actor, kit, completed)
        number = delivery.deliver(self.db, self.actor, kit, "李参谋", "王敏", today=delivered)
        self.add("handover_record", number)

    def way_back(self) -> None:
        """Lines back at the materials department, kitted, delivered and closed; a late kit set."""
        db, actor, today, year = self.db, self.actor, self.today, self.year
        # Delivered, followed up and closed.
        closed = self.kit_of(self.back("GC-12A", 201, today - 50 * DAY))
        self._deliver(closed, today - 8 * DAY, today - 7 * DAY)
        delivery.record_followup(db, actor, closed, 95, "用户对维修质量满意")
        # Delivered, the follow-up still open.
        waiting = self.kit_of(self.back("DY-3", 202, today - 45 * DAY))
        self._deliver(waiting, today - 2 * DAY, today - DAY)
        # Kitted, waiting for the user to come.
        ready = self.kit_of(self.back("SF-3", 203, today - 40 * DAY))
        kitting.complete(db, actor, ready, today)
        # Back at the materials department, the rest of its set not due yet.
        self.kit_of(self.back("GC-12A", 204, today - 38 * DAY))
        # Two days before its kitting deadline and incomplete: one back, one in repair, one
        # scrapped.
        items = [
            ("GC-12A", f"GC12A-{year}205", 0),
            ("SF-3", f"SF3-{year}206", 2),
            ("DY-3", f"DY3-{year}207", 3),
        ]
        first, second, third = self.intake(items, today - 40 * DAY, today + 2 * DAY)
        self.back("GC-12A", 205, today - 36 * DAY, first)
        self.through("SF-3", f"SF3-{year}206", 2, today - 36 * DAY, "in_repair", second)
        self.through("DY-3", f"DY3-{year}207", 3, today - 36 * DAY, "scrapped", third)
        assert self.kit_of(first)
        self.add("kitting_status_report", kitting.issue_status_report(db, actor, ready, today))
        plan = delivery.create_delivery_plan(
            db, actor, [second], today + 2 * DAY, "随齐套一并交付", today
        )
        self.add("delivery_plan", plan)


def demo_photo(width: int = 96, height: int = 64) -> bytes:
    """A small grey-gradient PNG standing in for an unboxing photo (no imaging library needed)."""
    raw = b"".join(
        b"\x00" + bytes((40 + (x * 180) // width + (y * 30) // height) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
