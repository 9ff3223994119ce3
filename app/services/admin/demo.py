"""A realistic demo data set built around today, so a newcomer sees a working program at once."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import Database
from app.errors import DomainError
from app.models.org import Role, Unit, UnitKind, User
from app.models.products import ProductModel
from app.models.returns import DocumentKind, ReturnTask
from app.models.states import Decision
from app.services.admin import codelists, masterdata
from app.services.dispatch import dispatching
from app.services.handover import returns
from app.services.kernel import auth, store_kind
from app.services.kernel.context import Actor, local_today
from app.services.kernel.terms import role_label
from app.services.oversight import deadlines
from app.services.repair import repairs
from app.services.way_back import delivery, kitting

DEMO_PASSWORD = "fanxiu123"

UNITS = (
    ("总体设计部", UnitKind.prime_unit),
    ("物资管理部门", UnitKind.materials_dept),
    ("惯性导航研究所", UnitKind.manufacturer),
    ("伺服机构厂", UnitKind.manufacturer),
    ("电源分厂", UnitKind.manufacturer),
    ("设计部", UnitKind.design_dept),
    ("质量部", UnitKind.quality_dept),
    ("科研生产部", UnitKind.competent_dept),
    ("某部队修理所", UnitKind.user_unit),
    ("某训练基地", UnitKind.user_unit),
)
LOGINS = (
    ("wangmin", "王敏", Role.clerk, "物资管理部门"),
    ("chengong", "陈工", Role.engineer, "惯性导航研究所"),
    ("liujian", "刘检", Role.quality, "质量部"),
    ("zhaozong", "赵总", Role.manager, "总体设计部"),
    ("admin", "系统管理员", Role.admin, "物资管理部门"),
)
CHECKLIST = ("外观无损伤、标识清晰", "通电自检正常", "性能测试符合出厂技术条件", "文件资料齐全")
MODELS = (
    # code, name, drawing, level, manufacturer, parent
    ("ZT-1", "某型制导系统", "ZT1-0000", "system", "", ""),
    ("GC-12A", "惯性测量组合", "GC12A-1000", "subsystem", "惯性导航研究所", "ZT-1"),
    ("GC-12A-G", "光纤陀螺", "GC12AG-1100", "unit", "惯性导航研究所", "GC-12A"),
    ("SF-3", "舵机", "SF3-2000", "subsystem", "伺服机构厂", "ZT-1"),
    ("DY-3", "二次电源", "DY3-3000", "unit", "电源分厂", "ZT-1"),
)
FAULTS = (
    "通电后自检不通过，报陀螺通道故障",
    "零位漂移超差（出厂要求≤0.05°/h）",
    "舵机回零异常，伴有异响",
    "输出电压纹波偏大，负载时掉电",
    "外壳磕碰，连接器插针弯曲",
    "低温（-40℃）试验后启动时间过长",
)


@dataclass
class DemoResult:
    tasks: list[str] = field(default_factory=list)
    records: dict[str, list[str]] = field(default_factory=dict)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)


def _is_empty(db: Database) -> bool:
    with db.reading() as session:
        tasks = session.scalar(select(func.count()).select_from(ReturnTask)) or 0
        models = session.scalar(select(func.count()).select_from(ProductModel)) or 0
        return tasks == 0 and models == 0


def load_demo(db: Database, today: dt.date | None = None) -> DemoResult:
    """Fill an empty store; refuses one that already holds models or tasks."""
    if not _is_empty(db):
        raise DomainError("数据库中已有数据，演示数据只能载入空数据库。")
    with db.transaction() as session:  # marked first: --today and the demo password (issue 8)
        store_kind.mark_demo(session)
    today = today or local_today()
    actor = Actor(None, "演示数据", None, None, system=True)
    result = DemoResult()
    with db.reading() as session:
        have_units = set(session.scalars(select(Unit.name)))
        have_logins = set(session.scalars(select(User.login)))
    for name, kind in UNITS:
        if name not in have_units:
            masterdata.add_unit(db, actor, name, kind)
    for login, name, role, unit in LOGINS:
        if login not in have_logins:
            auth.create_user(db, actor, login, name, DEMO_PASSWORD, role, unit)
            result.logins.append((login, DEMO_PASSWORD, role_label(role), unit))
    for code, name, drawing, level, maker, parent in MODELS:
        masterdata.add_model(
            db, actor, code, name, drawing, level, maker, parent, CHECKLIST if parent else ()
        )

    def task(
        user_unit: str, days_ago: int, items: list[tuple[str, str, int]], decide: bool
    ) -> returns.TaskView:
        started = today - dt.timedelta(days=days_ago)
        view = returns.create_task(
            db,
            actor,
            user_unit,
            node_date=started + dt.timedelta(days=2),
            kitting_deadline=started + dt.timedelta(days=75),
            today=today,
        )
        result.tasks.append(view.number)
        for n, (model, serial, fault) in enumerate(items):
            line = returns.add_line(db, actor, view.id, model, serial, FAULTS[fault])
            if not decide:
                if n == 0:  # a task being counted: the first item's documents are half checked
                    returns.set_document(db, actor, line.id, DocumentKind.certificate, True, True)
                    returns.set_document(db, actor, line.id, DocumentKind.fault_report, True, None)
                continue
            missing = serial.endswith("9")
            for kind in DocumentKind:
                lacking = missing and kind == DocumentKind.packing_list
                returns.set_document(
                    db, actor, line.id, kind, not lacking, None if lacking else True
                )
            if missing:
                returns.decide_line(
                    db, actor, line.id, Decision.reject, "装箱清单缺失，文物无法核对"
                )
            else:
                returns.decide_line(db, actor, line.id, Decision.accept)
        return view

    def confirm(view: returns.TaskView, days_ago: int) -> None:
        done = returns.confirm_handover(
            db,
            actor,
            view.id,
            "李参谋",
            "王敏",
            "" if days_ago else "外包装箱一角受潮，已拍照记录",
            today=today - dt.timedelta(days=days_ago),
        )
        result.records.setdefault("handover_record", []).append(done.handover_number)
        if done.rejection_notice_number:
            result.records.setdefault("rejection_notice", []).append(done.rejection_notice_number)

    year = today.year
    # Confirmed 10 days ago: the dispatch deadline (7 days) has passed; one item was refused.
    late = task(
        "某部队修理所",
        10,
        [
            ("GC-12A", f"GC12A-{year}001", 0),
            ("SF-3", f"SF3-{year}017", 2),
            ("DY-3", f"DY3-{year}009", 3),
        ],
        True,
    )
    confirm(late, 10)
    # Confirmed 5 days ago: due within two working days.
    soon = task(
        "某训练基地",
        5,
        [("GC-12A-G", f"GCG-{year}105", 1), ("DY-3", f"DY3-{year}021", 5)],
        True,
    )
    confirm(soon, 5)
    # Confirmed today: the clock has just started.
    fresh = task(
        "某部队修理所",
        0,
        [("SF-3", f"SF3-{year}033", 2), ("GC-12A", f"GC12A-{year}044", 4)],
        True,
    )
    confirm(fresh, 0)
    # Every item refused: the task closes at confirmation.
    refused = task("某训练基地", 3, [("DY-3", f"DY3-{year}029", 3)], True)
    confirm(refused, 3)
    _repair_bench(db, actor, result, today)
    # Still at the desk: items registered, documents being checked.
    task(
        "某部队修理所",
        0,
        [
            ("GC-12A", f"GC12A-{year}052", 0),
            ("SF-3", f"SF3-{year}061", 2),
            ("DY-3", f"DY3-{year}070", 3),
        ],
        False,
    )
    result.records.setdefault("overdue_report", [])
    result.records.setdefault("escalation", [])
    for number in deadlines.sweep(db, today):
        result.records["escalation" if number.startswith("SJ") else "overdue_report"].append(number)
    return result


def _way_back(db, actor, result, today, intake, through) -> None:  # type: ignore[no-untyped-def]
    """Lines back at the materials department, kitted, delivered and closed; a late kit set."""
    year = today.year
    day = dt.timedelta(days=1)
    add = result.records.setdefault
    models = {"GC-12A": "GC12A", "DY-3": "DY3", "SF-3": "SF3"}

    def back(model: str, n: int, received: dt.date, line: int = 0) -> int:
        line = through(
            model, f"{models[model]}-{year}{n}", n % 6, received, "accepted_after_repair", line
        )
        done = delivery.receive_back(
            db,
            actor,
            {line: delivery.BackCheck(True, True, True)},
            "陈工",
            "王敏",
            today=min(received + 35 * day, today),
        )
        add("handover_record", []).append(done.handover_number)
        return line

    def kit_of(line: int) -> str:
        number = kitting.kit_of_line(db, line)
        assert number is not None
        add("kit_set", [])
        if number not in result.records["kit_set"]:
            result.records["kit_set"].append(number)
        return number

    # Delivered, followed up and closed.
    closed = kit_of(back("GC-12A", 201, today - 50 * day))
    kitting.complete(db, actor, closed, today - 8 * day)
    add("handover_record", []).append(
        delivery.deliver(db, actor, closed, "李参谋", "王敏", today=today - 7 * day)
    )
    delivery.record_followup(db, actor, closed, 95, "用户对维修质量满意")
    # Delivered, the follow-up still open.
    waiting = kit_of(back("DY-3", 202, today - 45 * day))
    kitting.complete(db, actor, waiting, today - 2 * day)
    add("handover_record", []).append(
        delivery.deliver(db, actor, waiting, "李参谋", "王敏", today=today - day)
    )
    # Kitted, waiting for the user to come.
    ready = kit_of(back("SF-3", 203, today - 40 * day))
    kitting.complete(db, actor, ready, today)
    # Back at the materials department, the rest of its set not due yet.
    kit_of(back("GC-12A", 204, today - 38 * day))
    # Two days before its kitting deadline and incomplete: one back, one in repair, one scrapped.
    first, second, third = intake(
        [
            ("GC-12A", f"GC12A-{year}205", 0),
            ("SF-3", f"SF3-{year}206", 2),
            ("DY-3", f"DY3-{year}207", 3),
        ],
        today - 40 * day,
        today + 2 * day,
    )
    back("GC-12A", 205, today - 36 * day, first)
    through("SF-3", f"SF3-{year}206", 2, today - 36 * day, "in_repair", second)
    through("DY-3", f"DY3-{year}207", 3, today - 36 * day, "scrapped", third)
    late_kit = kit_of(first)
    add("kitting_status_report", []).append(kitting.issue_status_report(db, actor, ready, today))
    add("delivery_plan", []).append(
        delivery.create_delivery_plan(db, actor, [second], today + 2 * day, "随齐套一并交付", today)
    )
    assert late_kit


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


def _repair_bench(db: Database, actor: Actor, result: DemoResult, today: dt.date) -> None:
    """Lines in every state of the manufacturer's way, some late, one across National Day."""
    year = today.year
    add = result.records.setdefault
    day = dt.timedelta(days=1)

    def intake(
        items: list[tuple[str, str, int]], confirmed: dt.date, kitting_deadline: dt.date
    ) -> list[int]:
        """A return task whose items are all accepted at the handover on `confirmed`."""
        view = returns.create_task(
            db,
            actor,
            "某部队修理所",
            node_date=confirmed,
            kitting_deadline=kitting_deadline,
            today=confirmed,
        )
        result.tasks.append(view.number)
        ids = []
        for model, serial, fault in items:
            line = returns.add_line(db, actor, view.id, model, serial, FAULTS[fault]).id
            for kind in DocumentKind:
                returns.set_document(db, actor, line, kind, True, True)
            returns.decide_line(db, actor, line, Decision.accept)
            ids.append(line)
        done = returns.confirm_handover(db, actor, view.id, "李参谋", "王敏", today=confirmed)
        add("handover_record", []).append(done.handover_number)
        return ids

    def through(
        model: str, serial: str, fault: int, received: dt.date, stop: str, line: int = 0
    ) -> int:
        """Take one item from the user's handover up to the state `stop`."""
        if not line:
            (line,) = intake([(model, serial, fault)], received - 3 * day, received + 80 * day)
        sent = dispatching.dispatch(db, actor, [line], sender_name="王敏", today=received - day)
        add("handover_record", []).append(sent.handover_number)
        if stop == "dispatched":
            return line
        repairs.receive(db, actor, sent.handover_number, "陈工", today=received)
        if stop == "at_manufacturer":
            return line
        add("unboxing_inspection", []).append(
            repairs.record_unboxing(
                db,
                actor,
                line,
                repairs.Unboxing(True, True, fault != 4, True, True, "李参谋", "包装完好"),
                photos=[(f"{serial}-开箱.png", demo_photo())],
                today=received,
            )
        )
        if stop == "unboxed":
            return line
        add("investigation_plan", []).append(
            repairs.write_investigation_plan(
                db,
                actor,
                line,
                f"{model}-PC-{serial[-3:]}",
                "A",
                "陈工",
                "故障排查方案",
                today=received + day,
            )
        )
        if stop == "localizing":
            return line
        localized = min(received + 5 * day, today)
        if stop in ("no_fault_found", "nff_accepted"):
            add("localization_report", []).append(
                repairs.no_fault_found(
                    db, actor, line, "常温、高低温复测各 3 次，功能性能均正常", localized
                )
            )
        else:
            add("localization_report", []).append(
                repairs.localize(
                    db,
                    actor,
                    line,
                    fault_mode="功能失效" if fault != 1 else "性能超差",
                    cause_category="元器件",
                    faulty_part="X 轴陀螺" if model.startswith("GC") else "功率模块",
                    conclusion="故障复现，定位到器件失效，需更换",
                    today=localized,
                )
            )
        if stop in ("localized", "scrapped", "no_fault_found"):
            if stop == "scrapped":
                repairs.scrap(db, actor, line, "壳体断裂，无修复价值", today)
            return line
        if stop != "nff_accepted":
            repairs.plan_repair(
                db,
                actor,
                line,
                "更换失效器件并重新标定",
                localized + 20 * day,
                f"{model}-WF-1",
                "A",
                today=localized,
            )
            if stop == "in_repair":
                return line
            add("repair_record", []).append(
                repairs.record_repair(
                    db,
                    actor,
                    line,
                    "更换失效器件，重新标定",
                    "陈工",
                    "全温性能测试合格",
                    [repairs.Part("GY-100", "光纤陀螺", f"GY-{year - 3}-11", f"GY-{year}-40")],
                    today=min(localized + 10 * day, today),
                    certificate_no=f"ZM-{serial}",
                )
            )
            if stop == "repaired":
                return line
        points = codelists.get_checklist(db, model)
        outcome = repairs.inspect_acceptance(
            db,
            actor,
            line,
            {p.id: (True, "") for p in points},
            inspector="刘检",
            passed=None if points else True,
            today=today,
            certificate_no=f"ZM-{serial}",
        )
        add("acceptance_inspection", []).append(outcome.number)
        if outcome.repair_record_number and stop == "nff_accepted":
            add("repair_record", []).append(outcome.repair_record_number)
        return line

    through("GC-12A", f"GC12A-{year}101", 0, today - day, "dispatched")
    through("SF-3", f"SF3-{year}102", 2, today - day, "at_manufacturer")
    through("DY-3", f"DY3-{year}103", 3, today - 3 * day, "unboxed")
    # Received twelve days ago and still not localized: an overdue report goes out.
    through("GC-12A", f"GC12A-{year}104", 1, today - 12 * day, "localizing")
    through("SF-3", f"SF3-{year}105", 2, today - 4 * day, "localized")
    through("DY-3", f"DY3-{year}106", 3, today - 8 * day, "no_fault_found")
    through("DY-3", f"DY3-{year}112", 5, today - 25 * day, "nff_accepted")
    # Received before National Day: localization ran across the holidays, now in repair.
    national_day = dt.date(year if today >= dt.date(year, 10, 14) else year - 1, 9, 29)
    through("GC-12A", f"GC12A-{national_day.year}107", 0, national_day, "in_repair")
    # Seventy days in repair: escalated to the prime unit.
    through("SF-3", f"SF3-{year}108", 2, today - 70 * day, "in_repair")
    through("GC-12A-G", f"GCG-{year}109", 1, today - 20 * day, "repaired")
    through("GC-12A", f"GC12A-{year}110", 4, today - 30 * day, "accepted_after_repair")
    through("DY-3", f"DY3-{year}111", 4, today - 15 * day, "scrapped")
    _way_back(db, actor, result, today, intake, through)
