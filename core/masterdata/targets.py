"""Targets of the indicators: annual (Perjanjian Kinerja) and quarterly (Rencana Aksi)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import InvalidInput
from core.masterdata.common import _apply, _float, _get, _same, _text, to_decimal
from core.permissions import require
from db.models import Indicator, Sasaran, Target

QUARTERS = ("q1", "q2", "q3", "q4")


def mismatch_warning(combine: str, annual: Optional[Decimal], quarters: list[Optional[Decimal]]) -> Optional[str]:
    """Why the RA's quarterly targets do not combine to the PK's annual target, or None when they do.

    Checked only when the annual target and the quarters the rule needs are all filled in: a target whose
    quarterly targets are not (all) filled in gives no warning. The rules, by how quarters combine:
    sum (kumulatif): TW I + TW II + TW III + TW IV = annual; last (nilai terakhir): TW IV = annual;
    avg (rata-rata): (TW I + TW II + TW III + TW IV) / 4 = annual, compared exactly (no rounding).
    """
    if annual is None:
        return None
    if combine == "last":
        q4 = quarters[3]
        if q4 is None or q4 == annual:
            return None
        return (f"Target TW IV ({_n(q4)}) tidak sama dengan target tahunan ({_n(annual)}); "
                "untuk indikator 'nilai terakhir' target TW IV harus sama dengan target tahunan.")
    if any(q is None for q in quarters):
        return None
    qs = [q for q in quarters if q is not None]
    if combine == "sum":
        total = sum(qs, Decimal(0))
        if total == annual:
            return None
        return (f"Jumlah target TW I–IV ({_n(total)}) tidak sama dengan target tahunan ({_n(annual)}); "
                "untuk indikator kumulatif jumlah keempat triwulan harus sama dengan target tahunan.")
    mean = sum(qs, Decimal(0)) / 4
    if mean == annual:
        return None
    return (f"Rata-rata target TW I–IV ({_n(mean)}) tidak sama dengan target tahunan ({_n(annual)}); "
            "untuk indikator rata-rata, rerata keempat triwulan harus sama dengan target tahunan.")


def _n(value: Decimal) -> str:
    from core.fmt import number

    return number(value, 4)


@dataclass
class TargetResult:
    """What save_target did: saved or not, and the warnings the admin must accept to save."""

    saved: bool
    target_id: Optional[int] = None
    changed: bool = False
    warnings: list[str] = field(default_factory=list)


def list_targets(session: Session, office_id: int, year: int, exact: bool = False) -> pd.DataFrame:
    """Every active indicator of the office with its target row for the year (empty when none yet).

    Target values are floats (NaN when empty), or with `exact` the Decimals the database holds."""
    _f = _same if exact else _float
    targets = {t.indicator_id: t for t in session.scalars(
        select(Target).join(Indicator, Target.indicator_id == Indicator.id)
        .where(Indicator.office_id == office_id, Target.year == year))}
    rows = []
    inds = session.scalars(select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
                           .where(Indicator.office_id == office_id, Indicator.active.is_(True))
                           .order_by(Sasaran.sort_order, Indicator.sort_order))
    for i in inds:
        t = targets.get(i.id)
        qs = [t.quarter(q) if t else None for q in (1, 2, 3, 4)]
        warning = mismatch_warning(i.combine, t.annual if t else None, qs) if t else None
        rows.append({
            "indicator_id": i.id, "kode": i.code, "indikator": i.name, "satuan": i.satuan, "akumulasi": i.combine,
            "target_id": t.id if t else None, "tahunan": _f(t.annual if t else None),
            "batas_atas": _f(t.annual_upper if t else None),
            "tw1": _f(qs[0]), "tw2": _f(qs[1]), "tw3": _f(qs[2]), "tw4": _f(qs[3]),
            "sumber_pk": t.source_pk if t else "", "sumber_ra": t.source_ra if t else "",
            "selisih_diterima": bool(t.mismatch_accepted) if t else False,
            "alasan_selisih": (t.mismatch_reason or "") if t else "",
            "peringatan": warning or "", "versi": t.version if t else 0,
        })
    df = pd.DataFrame(rows, columns=["indicator_id", "kode", "indikator", "satuan", "akumulasi", "target_id",
                                     "tahunan", "batas_atas", "tw1", "tw2", "tw3", "tw4", "sumber_pk",
                                     "sumber_ra", "selisih_diterima", "alasan_selisih", "peringatan",
                                     "versi"])
    if not exact:
        numeric = ["tahunan", "batas_atas", "tw1", "tw2", "tw3", "tw4"]
        df[numeric] = df[numeric].astype("float64")  # an empty cell is NaN (shown blank), never "None"
    return df


_KEEP = object()
REASON_MAX = 500
NEEDS_REASON = ("Isi alasan selisih (misalnya 'RA mengikuti jadwal kegiatan; PK perubahan belum ditetapkan') "
                "untuk tetap menyimpannya, atau perbaiki angkanya.")


def _reason(value: Any, code: str) -> Optional[str]:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = " ".join(str(value).split())
    if len(text) > REASON_MAX:
        raise InvalidInput(f"Alasan selisih target {code} terlalu panjang: paling banyak {REASON_MAX} karakter.")
    return text or None


def save_target(session: Session, actor: Actor, indicator_id: int, year: int, *, annual: Any = _KEEP,
                q1: Any = _KEEP, q2: Any = _KEEP, q3: Any = _KEEP, q4: Any = _KEEP, annual_upper: Any = _KEEP,
                source_pk: Optional[str] = None, source_ra: Optional[str] = None, mismatch_reason: Any = _KEEP,
                expected_version: Optional[int] = None) -> TargetResult:
    """Create or update the target row of an indicator-year.

    Omitted values stay as they are. When the quarters (RA) do not combine to the annual target (PK) by
    the indicator's rule, nothing is saved and the warning comes back, unless there is a reason: the
    `mismatch_reason` given, or (omitted) the one already stored with the target. Then it is saved with
    `mismatch_accepted` and the reason, both audited. A target whose figures agree keeps no reason.
    `expected_version` is the version the admin saw (0 = no row yet); a different one means someone saved first.
    """
    ind = _get(session, Indicator, indicator_id, "Indikator")
    require(session, actor, "masterdata.manage", office_id=ind.office_id)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput("Tahun target harus berupa tahun, misalnya 2027.") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("Tahun target harus antara 2000 dan 2100.")
    t = session.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == year))
    seen = 0 if t is None else t.version
    if expected_version is not None and expected_version != seen:
        raise audit.stale_save(session, f"target {ind.code} tahun {year}", "target", t.id if t else None, actor)
    labels = {"annual": "Target tahunan", "annual_upper": "Batas atas target", "q1": "Target TW I",
              "q2": "Target TW II", "q3": "Target TW III", "q4": "Target TW IV"}
    given = {"annual": annual, "annual_upper": annual_upper, "q1": q1, "q2": q2, "q3": q3, "q4": q4}
    values: dict[str, Any] = {}
    for k, v in given.items():
        if v is _KEEP:
            values[k] = getattr(t, k) if t is not None else None
        else:
            values[k] = to_decimal(v, f"{labels[k]} {ind.code}")
    for k, v in values.items():
        if v is not None and (v < 0 or abs(v) >= Decimal(10) ** 16):
            raise InvalidInput(f"{labels[k]} {ind.code} harus angka 0 atau lebih (diisi {_n(v)}).")
    if values["annual_upper"] is not None:
        if values["annual"] is None or values["annual_upper"] < values["annual"]:
            raise InvalidInput(f"Batas atas target {ind.code} harus diisi bersama target tahunan dan tidak boleh "
                               "lebih kecil darinya.")
    warning = mismatch_warning(ind.combine, values["annual"], [values[q] for q in QUARTERS])
    reason = (t.mismatch_reason if t is not None else None) if mismatch_reason is _KEEP else _reason(
        mismatch_reason, ind.code)
    if warning and not reason:
        return TargetResult(saved=False, target_id=t.id if t else None,
                            warnings=[f"{ind.code}: {warning} {NEEDS_REASON}"])
    values["mismatch_accepted"] = bool(warning)
    values["mismatch_reason"] = reason if warning else None
    if source_pk is not None:
        values["source_pk"] = _text(source_pk, "Sumber PK", 200, False)
    if source_ra is not None:
        values["source_ra"] = _text(source_ra, "Sumber RA", 200, False)
    if t is None:
        t = Target(indicator_id=ind.id, year=year, version=1,
                   source_pk=values.pop("source_pk", ""), source_ra=values.pop("source_ra", ""), **values)
        session.add(t)
        session.flush()
        audit.record(session, actor, "target.create", "target", t.id, after=audit.snapshot(t), office_id=ind.office_id)
        return TargetResult(saved=True, target_id=t.id, changed=True, warnings=[warning] if warning else [])
    changed = _apply(session, actor, t, values, "target.update", "target", ind.office_id)
    return TargetResult(saved=True, target_id=t.id, changed=changed, warnings=[warning] if warning else [])


TARGET_COLUMNS = {"tahunan": "annual", "batas_atas": "annual_upper", "tw1": "q1", "tw2": "q2", "tw3": "q3",
                  "tw4": "q4", "sumber_pk": "source_pk", "sumber_ra": "source_ra",
                  "alasan_selisih": "mismatch_reason"}


def save_targets(session: Session, actor: Actor, year: int, changes: dict[int, dict[str, Any]],
                 expected_versions: Optional[dict[int, int]] = None) -> TargetResult:
    """Save the edited rows of the target grid ({indicator id: {column: value}}), all or nothing.

    When a row's quarters do not combine to its annual target and the row has no reason (typed in its
    'alasan_selisih' cell, or stored before), nothing at all is saved and the warnings come back.
    Saved, the warnings of the rows kept with their reason come back.
    """
    require(session, actor, "masterdata.manage")
    expected_versions = expected_versions or {}
    prepared: list[tuple[int, dict[str, Any]]] = []
    warnings: list[str] = []
    missing: list[str] = []
    for raw_id, cols in changes.items():
        ind = _get(session, Indicator, int(raw_id), "Indikator")
        require(session, actor, "masterdata.manage", office_id=ind.office_id)
        kwargs: dict[str, Any] = {}
        for col, value in cols.items():
            attr = TARGET_COLUMNS.get(col, col)
            if attr not in ("annual", "annual_upper", *QUARTERS, "source_pk", "source_ra", "mismatch_reason"):
                raise InvalidInput(f"Kolom '{col}' tidak dapat diubah di tabel target.")
            if attr == "mismatch_reason":
                kwargs[attr] = _reason(value, ind.code)
            elif attr.startswith("source"):
                kwargs[attr] = "" if value is None or (isinstance(value, float) and value != value) else str(value)
            else:
                kwargs[attr] = to_decimal(value, f"{ind.code} {col}")
        t = session.scalar(select(Target).where(Target.indicator_id == ind.id, Target.year == int(year)))
        merged = {k: (kwargs[k] if k in kwargs else (getattr(t, k) if t else None)) for k in ("annual", *QUARTERS)}
        w = mismatch_warning(ind.combine, merged["annual"], [merged[q] for q in QUARTERS])
        reason = kwargs["mismatch_reason"] if "mismatch_reason" in kwargs else (t.mismatch_reason if t else None)
        if w and not reason:
            missing.append(f"{ind.code}: {w} {NEEDS_REASON}")
        elif w:
            warnings.append(f"{ind.code}: {w} Alasan: {reason}")
        prepared.append((ind.id, kwargs))
    if missing:
        return TargetResult(saved=False, warnings=missing)
    changed = False
    for ind_id, kwargs in prepared:
        res = save_target(session, actor, ind_id, year, **kwargs, expected_version=expected_versions.get(ind_id))
        changed = changed or res.changed
    return TargetResult(saved=True, changed=changed, warnings=warnings)
