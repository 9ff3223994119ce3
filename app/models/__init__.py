"""All tables; importing this package registers every model on Base.metadata."""

from app.models import (  # noqa: F401
    calendar,
    clocks,
    delivery,
    misc,
    org,
    products,
    records,
    repair,
    returns,
)
from app.models.base import Base

__all__ = ["Base"]
