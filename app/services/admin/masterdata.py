"""Units, product models with their kit tree, items: the master data other steps stand on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Permission, Unit, UnitKind
from app.models.products import ChecklistItem, Item, ProductModel
from app.services.kernel import audit
from app.services.kernel.context import Actor, require
from app.services.kernel.views import ModelView, UnitView


def list_units(db: Database, kind: UnitKind | None = None) -> list[UnitView]:
    with db.reading() as session:
        stmt = select(Unit).where(Unit.active).order_by(Unit.kind, Unit.name)
        if kind:
            stmt = stmt.where(Unit.kind == kind)
        return [UnitView(u.id, u.name, u.kind) for u in session.scalars(stmt)]


def ensure_unit(session: Session, actor: Actor, name: str, kind: UnitKind) -> Unit:
    """The unit by name; a user unit named on a handover list is added when new."""
    name = name.strip()
    unit = session.scalar(select(Unit).where(Unit.name == name))
    if unit is not None:
        return unit
    try:
        # A savepoint: another desk may add the same new unit at this moment.
        with session.begin_nested():
            unit = Unit(name=name, kind=kind)
            session.add(unit)
            session.flush()
    except IntegrityError:
        return session.scalars(select(Unit).where(Unit.name == name)).one()
    audit.record(session, actor, "unit", unit.id, "create", "", f"{name} {kind}")
    return unit


def add_unit(db: Database, actor: Actor, name: str, kind: UnitKind) -> UnitView:
    require(actor, Permission.manage_master_data)
    if not name.strip():
        raise DomainError("单位名称不能为空。")
    with db.transaction() as session:
        if session.scalar(select(Unit).where(Unit.name == name.strip())):
            raise DomainError(f"单位“{name}”已存在。")
        unit = ensure_unit(session, actor, name, kind)
        return UnitView(unit.id, unit.name, unit.kind)


def model_view(session: Session, m: ProductModel) -> ModelView:
    maker = session.get(Unit, m.manufacturer_unit_id) if m.manufacturer_unit_id else None
    return ModelView(
        m.id,
        m.code,
        m.name,
        m.drawing_no,
        m.level,
        maker.name if maker else "",
        m.parent.code if m.parent else "",
        m.from_import,
    )


def list_models(db: Database) -> list[ModelView]:
    with db.reading() as session:
        return [
            model_view(session, m)
            for m in session.scalars(select(ProductModel).order_by(ProductModel.code))
        ]


def add_model(
    db: Database,
    actor: Actor,
    code: str,
    name: str,
    drawing_no: str = "",
    level: str = "unit",
    manufacturer: str = "",
    parent_code: str = "",
    checklist: tuple[str, ...] = (),
) -> ModelView:
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        return model_view(
            session,
            _add_model(
                session, actor, code, name, drawing_no, level, manufacturer, parent_code, checklist
            ),
        )


def _add_model(
    session: Session,
    actor: Actor,
    code: str,
    name: str,
    drawing_no: str,
    level: str,
    manufacturer: str,
    parent_code: str,
    checklist: tuple[str, ...],
) -> ProductModel:
    code = code.strip()
    if not code:
        raise DomainError("型号代号不能为空。")
    if session.scalar(select(ProductModel).where(ProductModel.code == code)):
        raise DomainError(f"型号 {code} 已存在。")
    maker_id = None
    if manufacturer:
        maker = session.scalar(select(Unit).where(Unit.name == manufacturer))
        if maker is None or maker.kind != UnitKind.manufacturer:
            raise DomainError(f"承制单位“{manufacturer}”不存在。")
        maker_id = maker.id
    parent = None
    if parent_code:
        parent = session.scalar(select(ProductModel).where(ProductModel.code == parent_code))
        if parent is None:
            raise NotFound(f"上级型号 {parent_code} 不存在。")
    model = ProductModel(
        code=code,
        name=name.strip(),
        drawing_no=drawing_no.strip(),
        level=level,
        manufacturer_unit_id=maker_id,
        parent=parent,
    )
    session.add(model)
    session.flush()
    for i, text in enumerate(checklist, start=1):
        session.add(ChecklistItem(model_id=model.id, position=i, text=text))
    audit.record(session, actor, "product_model", model.id, "create", "", code)
    return model


def set_model_manufacturer(db: Database, actor: Actor, code: str, manufacturer: str) -> ModelView:
    """A model added from a list gets its manufacturer here, before its items can be dispatched."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        model = session.scalar(select(ProductModel).where(ProductModel.code == code))
        if model is None:
            raise NotFound(f"型号 {code} 不存在。")
        maker = session.scalar(
            select(Unit).where(Unit.name == manufacturer, Unit.kind == UnitKind.manufacturer)
        )
        if maker is None:
            raise NotFound(f"承制单位“{manufacturer}”不存在。")
        old = model.manufacturer_unit_id
        model.manufacturer_unit_id = maker.id
        audit.record(session, actor, "product_model", model.id, "set_manufacturer", old, maker.id)
        return model_view(session, model)


def find_item(session: Session, model_id: int, serial_no: str) -> Item | None:
    return session.scalar(
        select(Item).where(Item.model_id == model_id, Item.serial_no == serial_no)
    )


def item_code(model_code: str, serial_no: str) -> str:
    """What item barcodes and labels encode (DOMAIN.md)."""
    return f"{model_code}/{serial_no}"
