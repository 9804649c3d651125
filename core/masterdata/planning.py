"""The Renstra: periods, sasaran and their indicators."""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import InvalidInput
from core.masterdata.common import _apply, _get, _office, _text, _unit_of_office
from core.permissions import require
from db.models import Indicator, RenstraPeriod, Sasaran

POLARITIES = ("positif", "negatif")
POLARITY_LABELS = {"positif": "Positif (makin tinggi makin baik)", "negatif": "Negatif (makin rendah makin baik)"}
COMBINES = ("sum", "last", "avg")
COMBINE_LABELS = {"sum": "Kumulatif (jumlah)", "last": "Nilai terakhir", "avg": "Rata-rata"}


def list_periods(session: Session, office_id: int) -> pd.DataFrame:
    rows = [{"id": p.id, "nama": p.name, "tahun_awal": p.start_year, "tahun_akhir": p.end_year,
             "jumlah_sasaran": len(p.sasaran)}
            for p in session.scalars(select(RenstraPeriod).where(RenstraPeriod.office_id == office_id)
                                     .order_by(RenstraPeriod.start_year))]
    return pd.DataFrame(rows, columns=["id", "nama", "tahun_awal", "tahun_akhir", "jumlah_sasaran"])


def _years(start: Any, end: Any) -> tuple[int, int]:
    try:
        s, e = int(start), int(end)
    except (TypeError, ValueError):
        raise InvalidInput("Tahun awal dan tahun akhir Renstra harus berupa tahun, misalnya 2021 dan 2026.") from None
    if not (2000 <= s <= 2100 and 2000 <= e <= 2100):
        raise InvalidInput("Tahun Renstra harus antara 2000 dan 2100.")
    if e < s:
        raise InvalidInput("Tahun akhir Renstra tidak boleh sebelum tahun awal.")
    return s, e


def create_period(session: Session, actor: Actor, office_id: int, name: str, start_year: int, end_year: int) -> int:
    require(session, actor, "masterdata.manage", office_id=office_id)
    _office(session, office_id)
    s, e = _years(start_year, end_year)
    p = RenstraPeriod(office_id=office_id, name=_text(name, "Nama periode Renstra", 200), start_year=s, end_year=e)
    session.add(p)
    session.flush()
    audit.record(session, actor, "renstra.create", "renstra_period", p.id, after=audit.snapshot(p),
                 office_id=office_id)
    return p.id


def update_period(session: Session, actor: Actor, period_id: int, name: str, start_year: int,
                  end_year: int) -> bool:
    p = _get(session, RenstraPeriod, period_id, "Periode Renstra")
    require(session, actor, "masterdata.manage", office_id=p.office_id)
    s, e = _years(start_year, end_year)
    return _apply(session, actor, p, {"name": _text(name, "Nama periode Renstra", 200), "start_year": s,
                                      "end_year": e}, "renstra.update", "renstra_period", p.office_id)


def list_sasaran(session: Session, office_id: int) -> pd.DataFrame:
    rows = []
    q = (select(Sasaran, RenstraPeriod).join(RenstraPeriod, Sasaran.period_id == RenstraPeriod.id)
         .where(RenstraPeriod.office_id == office_id).order_by(RenstraPeriod.start_year, Sasaran.sort_order))
    for s, p in session.execute(q):
        rows.append({"id": s.id, "periode_id": p.id, "periode": p.name, "kode": s.code, "nama": s.name,
                     "jumlah_indikator": len(s.indicators)})
    return pd.DataFrame(rows, columns=["id", "periode_id", "periode", "kode", "nama", "jumlah_indikator"])


def create_sasaran(session: Session, actor: Actor, period_id: int, code: str, name: str) -> int:
    p = _get(session, RenstraPeriod, period_id, "Periode Renstra")
    require(session, actor, "masterdata.manage", office_id=p.office_id)
    code = _text(code, "Kode sasaran", 40).upper()
    if session.scalar(select(Sasaran.id).where(Sasaran.period_id == p.id, Sasaran.code == code)) is not None:
        raise InvalidInput(f"Kode sasaran '{code}' sudah ada pada {p.name}.")
    order = (session.scalar(select(func.max(Sasaran.sort_order)).where(Sasaran.period_id == p.id)) or 0) + 1
    s = Sasaran(period_id=p.id, code=code, name=_text(name, "Nama sasaran", 400), sort_order=order)
    session.add(s)
    session.flush()
    audit.record(session, actor, "sasaran.create", "sasaran", s.id, after=audit.snapshot(s), office_id=p.office_id)
    return s.id


def update_sasaran(session: Session, actor: Actor, sasaran_id: int, code: str, name: str) -> bool:
    s = _get(session, Sasaran, sasaran_id, "Sasaran")
    require(session, actor, "masterdata.manage", office_id=s.period.office_id)
    code = _text(code, "Kode sasaran", 40).upper()
    other = session.scalar(select(Sasaran.id).where(Sasaran.period_id == s.period_id, Sasaran.code == code))
    if other is not None and other != s.id:
        raise InvalidInput(f"Kode sasaran '{code}' sudah dipakai sasaran lain.")
    return _apply(session, actor, s, {"code": code, "name": _text(name, "Nama sasaran", 400)},
                  "sasaran.update", "sasaran", s.period.office_id)


def list_indicators(session: Session, office_id: int, include_inactive: bool = True) -> pd.DataFrame:
    q = (select(Indicator).where(Indicator.office_id == office_id)
         .join(Sasaran, Indicator.sasaran_id == Sasaran.id).order_by(Sasaran.sort_order, Indicator.sort_order))
    if not include_inactive:
        q = q.where(Indicator.active.is_(True))
    rows = []
    for i in session.scalars(q):
        rows.append({"id": i.id, "kode": i.code, "nama": i.name, "sasaran_id": i.sasaran_id,
                     "sasaran": f"{i.sasaran.code} {i.sasaran.name}", "satuan": i.satuan, "polaritas": i.polarity,
                     "akumulasi": i.combine, "iku": i.is_iku, "unit_pemilik_id": i.owner_unit_id,
                     "unit_pemilik": i.owner_unit.name, "definisi": i.definition, "sumber_data": i.data_source,
                     "wajib_bukti": i.needs_evidence, "aktif": i.active})
    return pd.DataFrame(rows, columns=["id", "kode", "nama", "sasaran_id", "sasaran", "satuan", "polaritas",
                                       "akumulasi", "iku", "unit_pemilik_id", "unit_pemilik", "definisi",
                                       "sumber_data", "wajib_bukti", "aktif"])


def _indicator_values(session: Session, office_id: int, data: dict[str, Any],
                      check_owner: bool = True) -> dict[str, Any]:
    polarity = data.get("polarity", "positif")
    combine = data.get("combine", "sum")
    if polarity not in POLARITIES:
        raise InvalidInput("Polaritas harus 'positif' (makin tinggi makin baik) atau 'negatif' (makin rendah makin baik).")
    if combine not in COMBINES:
        raise InvalidInput("Cara akumulasi triwulan harus 'sum' (kumulatif), 'last' (nilai terakhir) atau 'avg' (rata-rata).")
    sasaran = _get(session, Sasaran, data.get("sasaran_id"), "Sasaran")
    if sasaran.period.office_id != office_id:
        raise InvalidInput("Sasaran yang dipilih bukan milik perangkat daerah ini.")
    if check_owner:
        owner_id = _unit_of_office(session, data.get("owner_unit_id"), office_id).id
    else:
        owner_id = data["owner_unit_id"]
    return {
        "sasaran_id": sasaran.id,
        "code": _text(data.get("code"), "Kode indikator", 40).upper(),
        "name": _text(data.get("name"), "Nama indikator", 400),
        "satuan": _text(data.get("satuan"), "Satuan", 40),
        "polarity": polarity,
        "combine": combine,
        "is_iku": bool(data.get("is_iku", False)),
        "owner_unit_id": owner_id,
        "definition": _text(data.get("definition", ""), "Definisi/formula", 5000, False),
        "data_source": _text(data.get("data_source", ""), "Sumber data", 300, False),
        "needs_evidence": bool(data.get("needs_evidence", True)),
    }


def create_indicator(session: Session, actor: Actor, office_id: int, *, sasaran_id: int, code: str, name: str,
                     satuan: str, polarity: str = "positif", combine: str = "sum", is_iku: bool = False,
                     owner_unit_id: Optional[int] = None, definition: str = "", data_source: str = "",
                     needs_evidence: bool = True) -> int:
    require(session, actor, "masterdata.manage", office_id=office_id)
    _office(session, office_id)
    values = _indicator_values(session, office_id, dict(
        sasaran_id=sasaran_id, code=code, name=name, satuan=satuan, polarity=polarity, combine=combine,
        is_iku=is_iku, owner_unit_id=owner_unit_id, definition=definition, data_source=data_source,
        needs_evidence=needs_evidence))
    if session.scalar(select(Indicator.id).where(Indicator.office_id == office_id,
                                                 Indicator.code == values["code"])) is not None:
        raise InvalidInput(f"Kode indikator '{values['code']}' sudah dipakai di perangkat daerah ini.")
    order = (session.scalar(select(func.max(Indicator.sort_order)).where(Indicator.office_id == office_id)) or 0) + 1
    ind = Indicator(office_id=office_id, sort_order=order, active=True, **values)
    session.add(ind)
    session.flush()
    audit.record(session, actor, "indicator.create", "indicator", ind.id, after=audit.snapshot(ind),
                 office_id=office_id)
    return ind.id


def update_indicator(session: Session, actor: Actor, indicator_id: int, shown: Optional[dict[str, Any]] = None,
                     **fields: Any) -> bool:
    """Change an indicator; fields as in create_indicator plus `active`. Unchanged fields may be omitted;
    `shown`: the indicator as the form drew it (common.touched)."""
    ind = _get(session, Indicator, indicator_id, "Indikator")
    require(session, actor, "masterdata.manage", office_id=ind.office_id)
    data = {k: getattr(ind, k) for k in ("sasaran_id", "code", "name", "satuan", "polarity", "combine", "is_iku",
                                         "owner_unit_id", "definition", "data_source", "needs_evidence")}
    unknown = set(fields) - set(data) - {"active"}
    if unknown:
        raise InvalidInput("Kolom indikator tidak dikenal: " + ", ".join(sorted(unknown)) + ".")
    data.update({k: v for k, v in fields.items() if k != "active"})
    # An unchanged owner may have been deactivated since: only a new owner must be active.
    values = _indicator_values(session, ind.office_id, data,
                               check_owner=fields.get("owner_unit_id", ind.owner_unit_id) != ind.owner_unit_id)
    if "active" in fields:
        values["active"] = bool(fields["active"])
    other = session.scalar(select(Indicator.id).where(Indicator.office_id == ind.office_id,
                                                      Indicator.code == values["code"]))
    if other is not None and other != ind.id:
        raise InvalidInput(f"Kode indikator '{values['code']}' sudah dipakai indikator lain.")
    return _apply(session, actor, ind, values, "indicator.update", "indicator", ind.office_id, shown=shown,
                  label=f"indikator {ind.code}")
