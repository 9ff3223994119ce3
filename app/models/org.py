"""Units (用户, 总体, 物资, 承制, 设计, 质量, 主管) and the logins that belong to them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, StrEnumType, UtcDateTime, one_of, utcnow


class UnitKind(enum.StrEnum):
    user_unit = "user_unit"
    prime_unit = "prime_unit"
    materials_dept = "materials_dept"
    manufacturer = "manufacturer"
    design_dept = "design_dept"
    quality_dept = "quality_dept"
    competent_dept = "competent_dept"


class Role(enum.StrEnum):
    clerk = "clerk"
    engineer = "engineer"
    quality = "quality"
    manager = "manager"
    admin = "admin"


class Permission(enum.StrEnum):
    """What a role may do (DOMAIN.md's role table); a service checks one before it acts."""

    create_task = "create_task"
    import_list = "import_list"
    check_documents = "check_documents"
    decide_line = "decide_line"
    confirm_handover = "confirm_handover"
    dispatch = "dispatch"
    receive_back = "receive_back"
    kit = "kit"
    deliver = "deliver"
    print_labels = "print_labels"
    receive_at_manufacturer = "receive_at_manufacturer"
    unbox = "unbox"
    investigate = "investigate"
    repair = "repair"
    inspect_acceptance = "inspect_acceptance"
    plan_delivery = "plan_delivery"
    regroup_kit = "regroup_kit"
    approve_scrap = "approve_scrap"
    acknowledge_escalation = "acknowledge_escalation"
    manage_users = "manage_users"
    manage_master_data = "manage_master_data"
    manage_calendar = "manage_calendar"


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(one_of("kind", UnitKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[UnitKind] = mapped_column(StrEnumType(UnitKind, 20), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role"),
        CheckConstraint("failed_sign_ins >= 0", name="failed_sign_ins"),
        CheckConstraint("generation >= 0", name="generation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Wrong passwords since the last good one and when the last came: they set the wait before
    # the next try and, at the limit, the lock that only an admin lifts (issue 8).
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Raised whenever an admin changes what this login may do (deactivated, role or unit changed,
    # password reset): a window signed in under an older number is refused at its next write.
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    unit: Mapped[Unit] = relationship()
