"""Units, product models with their kit tree, items: the master data other steps stand on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.models.org import Permission, Role, Unit, UnitKind, User
from app.models.products import ChecklistItem, Item, ProductModel
from app.models.returns import ReturnLine
from app.models.states import LineStatus
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
        existing = session.scalar(select(Unit).where(Unit.name == name.strip()))
        if existing is not None:
            retired = "" if existing.active else "（已停用，可在单位列表中重新启用）"
            raise DomainError(f"单位“{name.strip()}”已存在{retired}。")
        unit = ensure_unit(session, actor, name, kind)
        return UnitView(unit.id, unit.name, unit.kind)


def model_view(session: Session, m: ProductModel) -> ModelView:
    maker = session.get(Unit, m.manufacturer_unit_id) if m.manufacturer_unit_id else None
    return _view(m, maker.name if maker else "", m.parent.code if m.parent else "")


def _view(m: ProductModel, maker: str, parent: str) -> ModelView:
    return ModelView(m.id, m.code, m.name, m.drawing_no, m.level, maker, parent, m.from_import)


def list_models(db: Database) -> list[ModelView]:
    """Every model with its maker and parent, in three statements (one per model's parent
    before: 68 ms for 200 models on PostgreSQL, issue 10)."""
    with db.reading() as session:
        makers: dict[int, str] = {i: n for i, n in session.execute(select(Unit.id, Unit.name))}
        models = session.scalars(select(ProductModel).order_by(ProductModel.code)).all()
        codes = {m.id: m.code for m in models}
        return [
            _view(m, makers.get(m.manufacturer_unit_id or 0, ""), codes.get(m.parent_id or 0, ""))
            for m in models
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


# --- the admin's units page -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    """A unit as the admin sees it: retired ones too, with what still names it."""

    id: int
    name: str
    kind: str
    active: bool
    logins: int  # logins of this unit still in use
    models: int  # models this unit makes


def _unit_row(session: Session, unit: Unit) -> UnitRow:
    logins = session.scalar(
        select(func.count()).select_from(User).where(User.unit_id == unit.id, User.active)
    )
    models = session.scalar(
        select(func.count())
        .select_from(ProductModel)
        .where(ProductModel.manufacturer_unit_id == unit.id)
    )
    return UnitRow(unit.id, unit.name, unit.kind, unit.active, logins or 0, models or 0)


def list_all_units(db: Database, actor: Actor) -> list[UnitRow]:
    require(actor, Permission.manage_master_data)
    with db.reading() as session:
        units = sorted(
            session.scalars(select(Unit)),
            # In the order people think of them (user units first), in use before retired.
            key=lambda u: (list(UnitKind).index(u.kind), not u.active, u.name),
        )
        return [_unit_row(session, unit) for unit in units]


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("该单位已不存在，请刷新。")
    return unit


def rename_unit(db: Database, actor: Actor, unit_id: int, name: str) -> UnitRow:
    """A new name from now on; records already issued keep the name they were issued under."""
    require(actor, Permission.manage_master_data)
    name = " ".join(name.split())
    if not name:
        raise DomainError("单位名称不能为空。")
    with db.transaction() as session:
        unit = _unit(session, unit_id)
        if name == unit.name:
            return _unit_row(session, unit)
        other = session.scalar(select(Unit).where(Unit.name == name))
        if other is not None:
            state = "" if other.active else "（已停用）"
            raise DomainError(f"已有名为“{name}”的单位{state}，请换一个名称。")
        old = unit.name
        unit.name = name
        session.flush()
        audit.record(session, actor, "unit", unit.id, "rename", old, name)
        return _unit_row(session, unit)


def set_unit_retired(db: Database, actor: Actor, unit_id: int, retired: bool) -> UnitRow:
    """Retire: the unit leaves every choice but stays on the records and logins that name it."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        unit = _unit(session, unit_id)
        row = _unit_row(session, unit)
        if retired and row.logins:
            raise DomainError(
                f"“{unit.name}”还有 {row.logins} 个在用的登录，请先把它们改到别的单位或停用。"
            )
        if retired and row.models:
            raise DomainError(
                f"“{unit.name}”还是 {row.models} 个型号的承制单位，请先在型号页为它们改指定承制单位。"
            )
        if unit.active == (not retired):
            return row
        unit.active = not retired
        session.flush()
        audit.record(
            session, actor, "unit", unit.id, "retire" if retired else "reactivate", "", unit.name
        )
        return _unit_row(session, unit)


# --- the admin's models page ------------------------------------------------------------------


def _model(session: Session, code: str) -> ProductModel:
    model = session.scalar(select(ProductModel).where(ProductModel.code == code))
    if model is None:
        raise NotFound(f"型号 {code} 不存在，请刷新。")
    return model


def _maker_id(session: Session, manufacturer: str) -> int | None:
    if not manufacturer:
        return None
    maker = session.scalar(
        select(Unit).where(Unit.name == manufacturer, Unit.kind == UnitKind.manufacturer)
    )
    if maker is None:
        raise NotFound(f"承制单位“{manufacturer}”不存在。")
    return maker.id


def edit_model(
    db: Database,
    actor: Actor,
    code: str,
    name: str,
    drawing_no: str,
    level: str,
    manufacturer: str,
) -> ModelView:
    require(actor, Permission.manage_master_data)
    if level not in ("system", "subsystem", "unit"):
        raise DomainError(f"层级“{level}”无法识别。")
    with db.transaction() as session:
        model = _model(session, code)
        before = (model.name, model.drawing_no, model.level, model.manufacturer_unit_id)
        model.name = name.strip()
        model.drawing_no = drawing_no.strip()
        model.level = level
        model.manufacturer_unit_id = _maker_id(session, manufacturer.strip())
        after = (model.name, model.drawing_no, model.level, model.manufacturer_unit_id)
        if after != before:
            session.flush()
            audit.record(session, actor, "product_model", model.id, "edit", before, after)
        return model_view(session, model)


def move_model(db: Database, actor: Actor, code: str, parent_code: str) -> ModelView:
    """Put a model under another in the kit tree ("" for the top); a loop is refused."""
    require(actor, Permission.manage_master_data)
    with db.transaction() as session:
        model = _model(session, code)
        parent = _model(session, parent_code) if parent_code else None
        ancestor = parent
        while ancestor is not None:
            if ancestor.id == model.id:
                raise DomainError(
                    f"不能把 {code} 放到 {parent_code} 之下：{parent_code} 本身就在 {code} 之下。"
                )
            ancestor = ancestor.parent
        old = model.parent.code if model.parent else ""
        model.parent = parent
        session.flush()
        audit.record(session, actor, "product_model", model.id, "move", old, parent_code)
        return model_view(session, model)


# --- models still to complete -----------------------------------------------------------------

# Lines that wait for the model's manufacturer: on the desk and not yet dispatched.
_HELD = (LineStatus.registered, LineStatus.accepted)


@dataclass(frozen=True)
class ModelToComplete:
    code: str
    name: str
    drawing_no: str
    lines_held: int  # lines of this model that cannot be dispatched until it has a manufacturer
    missing: str  # what it lacks, in words


def models_to_complete(db: Database, actor: Actor) -> list[ModelToComplete]:
    """Models an import created that still lack a manufacturer, most lines held up first."""
    if not actor.system and actor.role not in (Role.admin, Role.manager):
        require(actor, Permission.manage_master_data)  # refuses with the usual sentence
    with db.reading() as session:
        held = (
            select(Item.model_id, func.count(ReturnLine.id).label("n"))
            .join(ReturnLine, ReturnLine.item_id == Item.id)
            .where(ReturnLine.status.in_(_HELD))
            .group_by(Item.model_id)
            .subquery()
        )
        rows = session.execute(
            select(ProductModel, func.coalesce(held.c.n, 0))
            .outerjoin(held, held.c.model_id == ProductModel.id)
            .where(ProductModel.from_import, ProductModel.manufacturer_unit_id.is_(None))
            .order_by(func.coalesce(held.c.n, 0).desc(), ProductModel.code)
        )
        return [ModelToComplete(m.code, m.name, m.drawing_no, int(n), "承制单位") for m, n in rows]


def model_routes(session: Session) -> dict[int, str]:
    """The kit tree from the top down to each model ("ZT-1 › GC-12A"): the way it came and goes
    back, from one read of the models."""
    models = {
        i: (code, parent)
        for i, code, parent in session.execute(
            select(ProductModel.id, ProductModel.code, ProductModel.parent_id)
        )
    }
    routes = {}
    for model_id in models:
        chain: list[str] = []
        node: int | None = model_id
        while node is not None and node in models and len(chain) < 10:
            chain.append(models[node][0])
            node = models[node][1]
        routes[model_id] = " › ".join(reversed(chain))
    return routes
