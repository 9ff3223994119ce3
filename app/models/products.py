"""Product models with their kit tree and acceptance checklist, serialized items, certificates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UtcDateTime, utcnow


class ProductModel(Base):
    __tablename__ = "product_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    drawing_no: Mapped[str] = mapped_column(String(64), default="")
    # 总体 / 分系统 / 单机
    level: Mapped[str] = mapped_column(String(20), default="unit")
    manufacturer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("product_model.id"))
    # Added from an imported list; an admin still has to name its manufacturer before dispatch.
    from_import: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    parent: Mapped[ProductModel | None] = relationship(remote_side="ProductModel.id")


class ChecklistItem(Base):
    """One point of a model's acceptance checklist (出厂验收要求)."""

    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("model_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_model.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    # What passes (合格判据), and whether the inspector writes down a measured value (实测值)
    # or only ticks 合格 / 不合格.
    criterion: Mapped[str] = mapped_column(String(200), default="", server_default="")
    measured: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Replaced points stay for the inspections that used them.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("model_id", "serial_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_model.id"))
    serial_no: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    model: Mapped[ProductModel] = relationship()


class QualityCertificate(Base):
    """The item's 产品质量证明文件; repair records are appended to it over the years."""

    __tablename__ = "quality_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), unique=True)
    certificate_no: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
