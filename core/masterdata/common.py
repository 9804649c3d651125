"""The helpers every kind of master data shares: checked text and numbers, lookups, and the
one-audit-row update of changed fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import InvalidInput, NotFound
from core.parsing import parse_number
from db.models import OrgUnit


def _text(value: Any, label: str, max_len: int, required: bool = True) -> str:
    s = "" if value is None else str(value).strip()
    if required and not s:
        raise InvalidInput(f"{label} wajib diisi.")
    if len(s) > max_len:
        raise InvalidInput(f"{label} terlalu panjang: paling banyak {max_len} karakter.")
    return s


def to_decimal(value: Any, label: str, required: bool = False) -> Optional[Decimal]:
    """A Decimal from a widget or spreadsheet value (number or Indonesian text); None for empty."""
    if isinstance(value, float) and value != value:  # NaN from an empty DataFrame cell
        value = None
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None:
        if required:
            raise InvalidInput(f"{label} wajib diisi.")
        return None
    return parse_number(value, label, allow_negative=True)


def _get(session: Session, model: type, ident: Any, what: str) -> Any:
    obj = session.get(model, ident) if ident is not None else None
    if obj is None:
        raise NotFound(f"{what} tidak ditemukan (mungkin sudah dihapus). Muat ulang halaman.")
    return obj


def unit_office(session: Session, unit_id: Optional[int]) -> Optional[int]:
    """The office a unit belongs to (for the office check of core.permissions.require); None for none."""
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None:
        return None
    return unit.office_id if unit.office_id is not None else (unit.id if unit.kind == "dinas" else None)


def _changes(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


def _office(session: Session, office_id: Optional[int]) -> OrgUnit:
    office = session.get(OrgUnit, office_id) if office_id else None
    if office is None or office.kind != "dinas":
        raise NotFound("Perangkat daerah (dinas) tidak ditemukan.")
    return office


def _unit_of_office(session: Session, unit_id: Any, office_id: int, label: str = "Unit pemilik") -> OrgUnit:
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None:
        raise InvalidInput(f"{label} wajib dipilih dari daftar unit kerja.")
    if unit.office_id != office_id:
        raise InvalidInput(f"{label} '{unit.name}' bukan unit kerja perangkat daerah ini.")
    if not unit.active:
        raise InvalidInput(f"{label} '{unit.name}' sudah dinonaktifkan; pilih unit kerja yang aktif.")
    return unit


def _same_value(a: Any, b: Any) -> bool:
    """Equal as a form shows them: an empty text is no value, numbers by value."""
    a = None if a == "" else a
    b = None if b == "" else b
    if isinstance(a, (Decimal, int, float)) and isinstance(b, (Decimal, int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def touched(session: Session, obj: Any, values: dict[str, Any], shown: Optional[dict[str, Any]], label: str,
            entity: str, actor: Optional[Actor] = None) -> dict[str, Any]:
    """Of `values` (an edit form's fields, checked), those the person changed. `shown` is the row as the form
    drew it (model attribute names): a value equal to it was left alone and is dropped, so the database keeps
    its own, which someone may have changed since; a changed value over a field someone else changed since is
    refused (Conflict naming who and when; `actor`, the person saving) instead of overwriting it. Without
    `shown`, every value."""
    if shown is None:
        return values
    out = {}
    for k, v in values.items():
        if k in shown and _same_value(v, shown[k]):
            continue
        if k in shown and not _same_value(getattr(obj, k), shown[k]):
            if _same_value(getattr(obj, k), v):
                continue  # the other person made the same change
            raise audit.stale_save(session, label, entity, obj.id, actor, field=k)
        out[k] = v
    return out


def _apply(session: Session, actor: Actor, obj: Any, values: dict[str, Any], action: str, entity: str,
           office_id: Optional[int], hide: tuple[str, ...] = (), shown: Optional[dict[str, Any]] = None,
           label: Optional[str] = None) -> bool:
    """Set changed fields and write one audit row with before/after of the changed fields only; with `shown`
    (the row as the person's form drew it) only the fields the person changed, checked by `touched`."""
    values = touched(session, obj, values, shown, label or entity, entity, actor)
    changed = _changes(obj, values)
    if not changed:
        return False
    before = {k: ("***" if k in hide else getattr(obj, k)) for k in changed}
    for k, v in changed.items():
        setattr(obj, k, v)
    if hasattr(obj, "version") and isinstance(getattr(obj, "version", None), int):
        obj.version = obj.version + 1
    session.flush()
    after = {k: ("*** (diganti)" if k in hide else getattr(obj, k)) for k in changed}
    audit.record(session, actor, action, entity, obj.id, before=before, after=after, office_id=office_id)
    return True


def _float(value: Optional[Decimal]) -> Optional[float]:
    """Decimal → float only for a DataFrame shown in a widget; core logic stays Decimal."""
    return None if value is None else float(value)


def _same(value: Optional[Decimal]) -> Optional[Decimal]:
    return value
