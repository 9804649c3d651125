"""DPA / DPPA budget lines and their pagu history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core import audit, fmt
from core.actor import Actor
from core.errors import InvalidInput
from core.masterdata.common import _apply, _float, _get, _office, _same, _text, _unit_of_office, to_decimal
from core.permissions import require
from db.models import BudgetLine, PaguHistory

DOCUMENTS = ("DPA", "DPPA")


def list_budget_lines(session: Session, office_id: int, year: int, exact: bool = False) -> pd.DataFrame:
    """The office's DPA lines of a year; pagu as float, or with `exact` as the Decimal the database holds."""
    _f = _same if exact else _float
    rows = []
    for b in session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id, BudgetLine.year == year)
                             .options(selectinload(BudgetLine.indicators), selectinload(BudgetLine.pagu_history),
                                      selectinload(BudgetLine.owner_unit))
                             .order_by(BudgetLine.code)):
        rows.append({"id": b.id, "kode": b.code, "program": b.program, "kegiatan": b.kegiatan,
                     "sub_kegiatan": b.sub_kegiatan, "pagu": _f(b.pagu), "dokumen": b.document,
                     "unit_pemilik_id": b.owner_unit_id, "unit_pemilik": b.owner_unit.name,
                     "pagu_sebelumnya": ", ".join(f"{h.document} {fmt.money(h.pagu)}" for h in b.pagu_history),
                     "indikator_terkait": ", ".join(sorted(i.code for i in b.indicators)),
                     "versi": b.version})
    return pd.DataFrame(rows, columns=["id", "kode", "program", "kegiatan", "sub_kegiatan", "pagu", "dokumen",
                                       "unit_pemilik_id", "unit_pemilik", "pagu_sebelumnya", "indikator_terkait",
                                       "versi"])


def _pagu(value: Any, code: str) -> Decimal:
    pagu = to_decimal(value, f"Pagu {code}", required=True)
    assert pagu is not None
    if pagu < 0:
        raise InvalidInput(f"Pagu {code} tidak boleh negatif.")
    if pagu >= Decimal(10) ** 16 or pagu != pagu.quantize(Decimal("0.01")):
        raise InvalidInput(f"Pagu {code} harus rupiah dengan paling banyak 2 angka desimal.")
    return pagu


def _budget_values(session: Session, office_id: int, data: dict[str, Any], check_owner: bool = True
                   ) -> dict[str, Any]:
    code = _text(data.get("code"), "Kode rekening", 60)
    document = str(data.get("document") or "DPA").upper()
    if document not in DOCUMENTS:
        raise InvalidInput(f"Dokumen anggaran {code} harus DPA atau DPPA.")
    owner_id = (_unit_of_office(session, data.get("owner_unit_id"), office_id).id if check_owner
                else data["owner_unit_id"])
    return {"code": code, "program": _text(data.get("program"), f"Program {code}", 300),
            "kegiatan": _text(data.get("kegiatan"), f"Kegiatan {code}", 300),
            "sub_kegiatan": _text(data.get("sub_kegiatan"), f"Sub kegiatan {code}", 300),
            "pagu": _pagu(data.get("pagu"), code), "document": document, "owner_unit_id": owner_id}


def create_budget_line(session: Session, actor: Actor, office_id: int, year: int, *, code: str, program: str,
                       kegiatan: str, sub_kegiatan: str, pagu: Any, owner_unit_id: Optional[int],
                       document: str = "DPA") -> int:
    require(session, actor, "masterdata.manage", office_id=office_id)
    _office(session, office_id)
    values = _budget_values(session, office_id, dict(code=code, program=program, kegiatan=kegiatan,
                                                     sub_kegiatan=sub_kegiatan, pagu=pagu,
                                                     owner_unit_id=owner_unit_id, document=document))
    if session.scalar(select(BudgetLine.id).where(BudgetLine.office_id == office_id, BudgetLine.year == int(year),
                                                  BudgetLine.code == values["code"])) is not None:
        raise InvalidInput(f"Kode rekening '{values['code']}' sudah ada pada anggaran tahun {year}.")
    b = BudgetLine(office_id=office_id, year=int(year), version=1, **values)
    session.add(b)
    session.flush()
    audit.record(session, actor, "budget.create", "budget_line", b.id, after=audit.snapshot(b), office_id=office_id)
    return b.id


def update_budget_line(session: Session, actor: Actor, line_id: int, *, expected_version: Optional[int] = None,
                       **fields: Any) -> bool:
    """Change a DPA line. A new pagu keeps the earlier one (and its document) in the pagu history.
    `indicator_codes` ('IK-03, IK-04') sets the indicators the line's outputs and outcomes are measured by."""
    b = _get(session, BudgetLine, line_id, "Baris anggaran")
    require(session, actor, "masterdata.manage", office_id=b.office_id)
    if expected_version is not None and expected_version != b.version:
        raise audit.stale_save(session, f"baris anggaran {b.code}", "budget_line", b.id, actor)
    links = None
    if "indicator_codes" in fields:
        from core.masterdata.renstra import codes_text, indicators_of_codes

        links = indicators_of_codes(session, b.office_id, fields.pop("indicator_codes"),
                                    f"Indikator terkait {b.code}")
        if codes_text(links) == codes_text(list(b.indicators)):
            links = None
    keys = ("code", "program", "kegiatan", "sub_kegiatan", "pagu", "document", "owner_unit_id")
    unknown = set(fields) - set(keys)
    if unknown:
        raise InvalidInput("Kolom anggaran tidak dikenal: " + ", ".join(sorted(unknown)) + ".")
    data = {k: getattr(b, k) for k in keys}
    data.update(fields)
    values = _budget_values(session, b.office_id, data,
                            check_owner=fields.get("owner_unit_id", b.owner_unit_id) != b.owner_unit_id)
    other = session.scalar(select(BudgetLine.id).where(BudgetLine.office_id == b.office_id,
                                                       BudgetLine.year == b.year, BudgetLine.code == values["code"]))
    if other is not None and other != b.id:
        raise InvalidInput(f"Kode rekening '{values['code']}' sudah dipakai baris lain tahun {b.year}.")
    if values["pagu"] != b.pagu:
        session.add(PaguHistory(budget_line_id=b.id, pagu=b.pagu, document=b.document,
                                replaced_by_id=actor.user_id or None))
    if links is None:
        return _apply(session, actor, b, values, "budget.update", "budget_line", b.office_id)
    # the links change too: one audit row with the changed fields and the codes before and after
    from core.masterdata.common import _changes
    from core.masterdata.renstra import codes_text

    changed = _changes(b, values)
    before = {k: getattr(b, k) for k in changed} | {"indikator_terkait": codes_text(list(b.indicators)),
                                                    "version": b.version}
    for k, v in changed.items():
        setattr(b, k, v)
    b.indicators = links
    b.version += 1
    session.flush()
    audit.record(session, actor, "budget.update", "budget_line", b.id, before=before,
                 after={k: getattr(b, k) for k in changed} | {"indikator_terkait": codes_text(links),
                                                              "version": b.version}, office_id=b.office_id)
    return True


BUDGET_COLUMNS = {"kode": "code", "program": "program", "kegiatan": "kegiatan", "sub_kegiatan": "sub_kegiatan",
                  "pagu": "pagu", "dokumen": "document", "unit_pemilik_id": "owner_unit_id",
                  "indikator_terkait": "indicator_codes"}


def save_budget_lines(session: Session, actor: Actor, changes: dict[int, dict[str, Any]],
                      expected_versions: Optional[dict[int, int]] = None) -> int:
    """Save the edited rows of the DPA grid ({line id: {column: value}}) in one go; the number changed."""
    require(session, actor, "masterdata.manage")
    expected_versions = expected_versions or {}
    n = 0
    for raw_id, cols in changes.items():
        fields = {}
        for col, value in cols.items():
            if col not in BUDGET_COLUMNS:
                raise InvalidInput(f"Kolom '{col}' tidak dapat diubah di tabel anggaran.")
            fields[BUDGET_COLUMNS[col]] = value
        if update_budget_line(session, actor, int(raw_id), expected_version=expected_versions.get(int(raw_id)),
                              **fields):
            n += 1
    return n
