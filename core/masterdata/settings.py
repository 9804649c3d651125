"""The capaian settings of an office: the lower-is-better formula, the predicate labels and the rounding.

They are columns of the office's row in `org_units` (NULL = the default of core.achievement.Formula).
Every page, file and recap reads them once per request with `formula_of` and hands the Formula to
core.achievement, where capaian and predikat are computed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from sqlalchemy.orm import Session

from core import achievement as ach
from core.actor import Actor
from core.errors import InvalidInput
from core.masterdata.common import _apply, _office
from core.permissions import require
from db.models import OrgUnit

FIELDS = {"negative_formula": ach.NEGATIVE_FORMULAS, "predicate_labels": ach.PREDICATE_LABELS,
          "capaian_rounding": ach.ROUNDINGS}
LABELS = {"negative_formula": "Rumus capaian indikator negatif", "predicate_labels": "Sebutan predikat",
          "capaian_rounding": "Pembulatan capaian"}


def formula_of(session: Session, office_id: Optional[int]) -> ach.Formula:
    """The office's Formula; the defaults for no office (or one that is not a dinas)."""
    office = session.get(OrgUnit, office_id) if office_id is not None else None
    if office is None:
        return ach.DEFAULT
    return ach.Formula.of(office.negative_formula, office.predicate_labels, office.capaian_rounding)


def formula_settings(session: Session, office_id: int) -> dict[str, str]:
    """The three settings of the office, each as its key (the default where none is stored)."""
    f = formula_of(session, office_id)
    return {"negative_formula": f.negative, "predicate_labels": f.labels, "capaian_rounding": f.rounding}


def update_formula_settings(session: Session, actor: Actor, office_id: int, *,
                            negative_formula: Optional[str] = None, predicate_labels: Optional[str] = None,
                            capaian_rounding: Optional[str] = None, shown: Optional[dict[str, Any]] = None) -> bool:
    """Set the office's capaian settings (None leaves one as it is); one audit row when anything changed.

    A default is stored as NULL, so an office that never chose keeps following the default."""
    office = _office(session, office_id)
    require(session, actor, "masterdata.manage", office_id=office.id)
    given = {"negative_formula": negative_formula, "predicate_labels": predicate_labels,
             "capaian_rounding": capaian_rounding}
    values: dict[str, Optional[str]] = {}
    for field, value in given.items():
        if value is None:
            continue
        allowed = FIELDS[field]
        if value not in allowed:
            raise InvalidInput(f"{LABELS[field]} '{value}' tidak dikenal. Pilih salah satu: "
                               f"{'; '.join(allowed.values())}.")
        values[field] = None if value == next(iter(allowed)) else value
    # what the form drew, as stored: the default as NULL
    drawn = None if shown is None else {f: None if v == next(iter(FIELDS[f])) else v
                                        for f, v in shown.items() if f in FIELDS}
    return _apply(session, actor, office, values, "office.formula_settings", "org_unit", office.id, shown=drawn,
                  label="rumus capaian")


def formula_examples(formula: ach.Formula) -> list[str]:
    """Worked examples of a Formula, to show beside the choice (DOMAIN.md's figures)."""
    from core.fmt import number, percent

    out = []
    for polarity, target, value, what in (
        ("negatif", Decimal("8"), Decimal("9"), "Indikator negatif (makin rendah makin baik)"),
        ("negatif", Decimal("7"), Decimal("6.5"), "Indikator negatif"),
        ("positif", Decimal("77"), Decimal("91.76"), "Indikator positif"),
    ):
        a = ach.achievement(target, value, polarity, formula=formula)
        out.append(f"{what}: target {number(target)}, realisasi {number(value)} → capaian "
                   f"{percent(a.percent)} ({ach.predicate(a.percent, formula)})")
    return out
