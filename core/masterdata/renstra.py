"""What the forms sent upward need beyond the quarterly rounds (issue #18): the Renstra's end-of-period targets,
which indicators measure which program / kegiatan, the realisations of the years before the app, and who signs
"Dievaluasi" for the regency.

- `Indicator.renstra_target` (K) and `Indicator.renja_level` ('program' | 'kegiatan' | NULL = derived from the
  DPA lines linked to the indicator) — the indicator grid of Data Induk (`save_indicator_renstra`);
- `RenstraBudget`: the Renstra's end-of-period pagu per program / kegiatan code (`save_renstra_budgets`);
- `PriorRealisation`: a year's realisation from before the app, per indicator (K) or per program / kegiatan code
  (Rp), for the years of the Renstra before the first year with rounds (`save_prior_realisations`);
- the regency's evaluator (Kepala Bappeda) on the office's parent row of kind 'pemkab' (`update_evaluator`).

Every save checks `masterdata.manage` for the office, writes one audit row per record it changes, checks the
version the person saw where the row has one, and saves nothing when any row is wrong (Indonesian messages, all
of them at once). Numbers are read by core.parsing (the Indonesian way, whatever the browser's locale).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, clock, renja
from core.actor import Actor
from core.errors import InvalidInput, NotFound
from core.masterdata.common import _apply, _float, _office, _same, _text, to_decimal, touched
from core.masterdata.users import validate_nip
from core.permissions import require
from db.models import (
    BudgetLine,
    CollectionRound,
    Indicator,
    OrgUnit,
    PriorRealisation,
    RenstraBudget,
    RenstraPeriod,
    Sasaran,
)

# Tingkat pada Renja: NULL = derived from the linked DPA lines (core.renja / the E.81 form)
RENJA_LEVELS = {"otomatis": "Otomatis (dari DPA terkait)", "program": "Program (outcome)",
                "kegiatan": "Kegiatan (output)"}
MAX_VALUE = Decimal(10) ** 16


def _err(problems: list[str], what: str) -> InvalidInput:
    return InvalidInput(f"{what} belum disimpan. Perbaiki: " + " ".join(problems), problems)


def _level(value: Any, code: str) -> Optional[str]:
    """A Tingkat pada Renja as typed or chosen (key or label, any case) -> 'program' | 'kegiatan' | None."""
    s = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip().lower()
    if s in ("", "otomatis"):
        return None
    for key, label in RENJA_LEVELS.items():
        if s in (key, label.lower()) or label.lower().startswith(s):
            return None if key == "otomatis" else key
    raise InvalidInput(f"Tingkat pada Renja {code}: '{value}' tidak dikenal. Pilih salah satu: "
                       f"{'; '.join(RENJA_LEVELS.values())}.")


def _non_negative(value: Any, label: str) -> Optional[Decimal]:
    d = to_decimal(value, label)
    if d is not None and (d < 0 or d >= MAX_VALUE):
        raise InvalidInput(f"{label} harus angka 0 atau lebih (diisi '{value}').")
    return d


def _rupiah(value: Any, label: str) -> Optional[Decimal]:
    d = _non_negative(value, label)
    if d is not None and d != d.quantize(Decimal("0.01")):
        raise InvalidInput(f"{label} harus rupiah dengan paling banyak 2 angka desimal (diisi '{value}').")
    return d


# --- the indicators: end target and Renja level ------------------------------------------------------------


def list_indicator_renstra(session: Session, office_id: int, exact: bool = False) -> pd.DataFrame:
    """The office's indicators with their Renstra end target (float, or with `exact` the Decimal held), their
    Renja level (a key of RENJA_LEVELS) and the DPA codes linked to them (read-only)."""
    _f = _same if exact else _float
    links: dict[int, set[str]] = {}
    for ind_id, code in session.execute(
            select(Indicator.id, BudgetLine.code).join(BudgetLine.indicators)
            .where(Indicator.office_id == office_id)):
        links.setdefault(ind_id, set()).add(code)
    rows = []
    for i, period in session.execute(
            select(Indicator, RenstraPeriod.name).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
            .join(RenstraPeriod, Sasaran.period_id == RenstraPeriod.id).where(Indicator.office_id == office_id)
            .order_by(RenstraPeriod.start_year, Sasaran.sort_order, Indicator.sort_order, Indicator.id)):
        rows.append({"id": i.id, "kode": i.code, "nama": i.name, "satuan": i.satuan, "periode": period,
                     "target_renstra": _f(i.renstra_target), "tingkat_renja": i.renja_level or "otomatis",
                     "dpa_terkait": ", ".join(sorted(links.get(i.id, ()))), "aktif": i.active, "versi": 0})
    return pd.DataFrame(rows, columns=["id", "kode", "nama", "satuan", "periode", "target_renstra",
                                       "tingkat_renja", "dpa_terkait", "aktif", "versi"])


INDICATOR_RENSTRA_COLUMNS = {"target_renstra": "renstra_target", "tingkat_renja": "renja_level"}


def save_indicator_renstra(session: Session, actor: Actor, office_id: int, changes: dict[int, dict[str, Any]],
                           shown: Optional[dict[int, dict[str, Any]]] = None) -> int:
    """Save the edited rows of the indicator grid ({indicator id: {'target_renstra': '1.250', 'tingkat_renja':
    'program'}}), all or nothing; one audit row per indicator changed. Returns the number changed. `shown` is
    each row as the grid drew it (list_indicator_renstra(exact=True)): a column someone changed since is
    refused, naming who, instead of overwritten."""
    require(session, actor, "masterdata.manage", office_id=office_id)
    _office(session, office_id)
    problems: list[str] = []
    prepared: list[tuple[Indicator, dict[str, Any]]] = []
    for raw_id, cols in changes.items():
        ind = session.get(Indicator, int(raw_id))
        if ind is None or ind.office_id != office_id:
            problems.append(f"Indikator #{raw_id} bukan indikator perangkat daerah ini.")
            continue
        values: dict[str, Any] = {}
        for col, value in cols.items():
            attr = INDICATOR_RENSTRA_COLUMNS.get(col, col)
            try:
                if attr == "renstra_target":
                    values[attr] = _non_negative(value, f"Target Renstra akhir periode {ind.code}")
                elif attr == "renja_level":
                    values[attr] = _level(value, ind.code)
                else:
                    problems.append(f"{ind.code}: kolom '{col}' tidak dapat diubah di sini.")
            except InvalidInput as err:
                problems.append(err.message)
        prepared.append((ind, values))
    if problems:
        raise _err(problems, "Target Renstra")
    for i, (ind, values) in enumerate(prepared):
        drawn = (shown or {}).get(ind.id)
        if drawn is not None:  # as stored: 'otomatis' is no level
            drawn = {INDICATOR_RENSTRA_COLUMNS[c]: (None if v == "otomatis" else v)
                     for c, v in drawn.items() if c in INDICATOR_RENSTRA_COLUMNS}
            prepared[i] = (ind, touched(session, ind, values, drawn, f"Renstra indikator {ind.code}", "indicator",
                                         actor))
    n = 0
    for ind, values in prepared:
        changed = {k: v for k, v in values.items() if not _equal(getattr(ind, k), v)}
        if not changed:
            continue
        before = {k: getattr(ind, k) for k in changed}
        for k, v in changed.items():
            setattr(ind, k, v)
        session.flush()
        audit.record(session, actor, "indicator.renstra", "indicator", ind.id, before=before,
                     after={k: getattr(ind, k) for k in changed}, office_id=office_id)
        n += 1
    return n


def _equal(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return old == new


# --- which indicators a DPA line measures ---------------------------------------------------------------------


def indicators_of_codes(session: Session, office_id: int, text: Any, where: str) -> list[Indicator]:
    """The office's indicators named in a comma (or semicolon / line) separated list of codes; an unknown code
    is refused naming it."""
    raw = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    codes = [c.strip().upper() for c in raw.replace(";", ",").replace("\n", ",").split(",") if c.strip()]
    if not codes:
        return []
    found = {i.code.upper(): i for i in session.scalars(
        select(Indicator).where(Indicator.office_id == office_id, func.upper(Indicator.code).in_(codes)))}
    unknown = [c for c in dict.fromkeys(codes) if c not in found]
    if unknown:
        raise InvalidInput(f"{where}: kode indikator {', '.join(unknown)} tidak dikenal di perangkat daerah ini. "
                           "Tulis kode indikator dipisahkan koma, misalnya IK-03, IK-04.")
    return [found[c] for c in dict.fromkeys(codes)]


def codes_text(indicators: list[Indicator]) -> str:
    return ", ".join(sorted(i.code for i in indicators))


def lines_of_codes(session: Session, office_id: int, year: int, text: Any, where: str) -> list[BudgetLine]:
    """The office's DPA lines of `year` named in a comma separated list of codes: a sub kegiatan code is its line,
    a program or kegiatan code every line under it; a code matching no line is refused naming it."""
    raw = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    codes = [c.strip() for c in raw.replace(";", ",").replace("\n", ",").split(",") if c.strip()]
    if not codes:
        return []
    lines = list(session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id,
                                                          BudgetLine.year == int(year)).order_by(BudgetLine.code)))
    found: dict[int, BudgetLine] = {}
    unknown = []
    for code in dict.fromkeys(codes):
        matched = [b for b in lines if renja.under(b.code, code)]
        if not matched:
            unknown.append(code)
        found.update({b.id: b for b in matched})
    if unknown:
        raise InvalidInput(f"{where}: kode DPA {', '.join(unknown)} tidak ada pada DPA tahun {year}. Tulis kode "
                           "sub kegiatan, kegiatan atau program dari DPA, dipisahkan koma.")
    return list(found.values())


def set_indicator_links(session: Session, actor: Actor, office_id: int, year: int, indicator_id: int,
                        dpa_codes: Any) -> int:
    """Make the indicator measured by exactly the DPA lines of `year` named in `dpa_codes` (see lines_of_codes):
    each line that gains or loses it gets its version raised and one audit row. Returns the lines changed."""
    require(session, actor, "masterdata.manage", office_id=office_id)
    ind = session.get(Indicator, int(indicator_id))
    if ind is None or ind.office_id != office_id:
        raise InvalidInput(f"Indikator #{indicator_id} bukan indikator perangkat daerah ini.")
    wanted = {b.id for b in lines_of_codes(session, office_id, year, dpa_codes, f"Kode DPA terkait {ind.code}")}
    n = 0
    for b in session.scalars(select(BudgetLine).where(BudgetLine.office_id == office_id,
                                                      BudgetLine.year == int(year)).order_by(BudgetLine.code)):
        has = any(i.id == ind.id for i in b.indicators)
        if has == (b.id in wanted):
            continue
        before = {"indikator_terkait": codes_text(list(b.indicators)), "version": b.version}
        if has:
            b.indicators = [i for i in b.indicators if i.id != ind.id]
        else:
            b.indicators = [*b.indicators, ind]
        b.version += 1
        session.flush()
        audit.record(session, actor, "budget.update", "budget_line", b.id, before=before,
                     after={"indikator_terkait": codes_text(list(b.indicators)), "version": b.version},
                     office_id=office_id)
        n += 1
    return n


# --- the Renstra's end pagu per program / kegiatan -------------------------------------------------------------


def _period(session: Session, office_id: int, period_id: Any) -> RenstraPeriod:
    p = session.get(RenstraPeriod, int(period_id)) if period_id is not None else None
    if p is None or p.office_id != office_id:
        raise NotFound("Periode Renstra tidak ditemukan di perangkat daerah ini. Muat ulang halaman.")
    return p


def _dpa_codes(session: Session, office_id: int, years: range) -> dict[str, str]:
    """Program, kegiatan and sub kegiatan codes of the office's DPA lines in `years` -> their names."""
    names: dict[str, str] = {}
    for code, program, kegiatan, sub in session.execute(
            select(BudgetLine.code, BudgetLine.program, BudgetLine.kegiatan, BudgetLine.sub_kegiatan)
            .where(BudgetLine.office_id == office_id, BudgetLine.year.in_(list(years)))
            .order_by(BudgetLine.year.desc(), BudgetLine.code)):
        names.setdefault(renja.program_code(code), program)
        names.setdefault(renja.kegiatan_code(code), kegiatan)
        names.setdefault(code, sub)
    return names


def _level_of(code: str) -> str:
    parts = len(code.split("."))
    return "Sub kegiatan" if parts > 5 else "Kegiatan" if parts == 5 else "Program"


def list_renstra_budgets(session: Session, office_id: int, period_id: int, exact: bool = False) -> pd.DataFrame:
    """One row per program and kegiatan code of the period's DPA lines (and per code already saved): its name
    and the Renstra's end-of-period pagu. `no` numbers the rows (a grid needs an int key; rows may not exist)."""
    _f = _same if exact else _float
    p = _period(session, office_id, period_id)
    names = _dpa_codes(session, office_id, range(p.start_year, p.end_year + 1))
    saved = {b.code: b for b in session.scalars(select(RenstraBudget).where(RenstraBudget.period_id == p.id))}
    rows = []
    for n, code in enumerate(sorted(set(names) | set(saved)), start=1):
        b = saved.get(code)
        rows.append({"no": n, "kode": code, "tingkat": _level_of(code),
                     "nama": (b.name if b and b.name else names.get(code, "")),
                     "pagu_akhir": _f(b.end_pagu if b else None), "versi": b.version if b else 0})
    return pd.DataFrame(rows, columns=["no", "kode", "tingkat", "nama", "pagu_akhir", "versi"])


def save_renstra_budgets(session: Session, actor: Actor, office_id: int, period_id: int,
                         changes: dict[str, dict[str, Any]],
                         expected_versions: Optional[dict[str, int]] = None) -> int:
    """Save {code: {'pagu_akhir': '1.250.000.000', 'nama': ...}} for a Renstra period, all or nothing; a row made
    from an older version than the database holds is refused naming who saved it. Returns the rows changed."""
    require(session, actor, "masterdata.manage", office_id=office_id)
    p = _period(session, office_id, period_id)
    expected_versions = expected_versions or {}
    saved = {b.code: b for b in session.scalars(select(RenstraBudget).where(RenstraBudget.period_id == p.id))}
    problems: list[str] = []
    prepared: list[tuple[str, dict[str, Any]]] = []
    for raw_code, cols in changes.items():
        code = str(raw_code or "").strip()
        if not code or len(code) > 60:
            problems.append(f"Kode program/kegiatan '{raw_code}' tidak sah.")
            continue
        values: dict[str, Any] = {}
        for col, value in cols.items():
            try:
                if col in ("pagu_akhir", "end_pagu"):
                    values["end_pagu"] = _rupiah(value, f"Pagu akhir periode Renstra {code}")
                elif col in ("nama", "name"):
                    values["name"] = _text(value, f"Nama {code}", 300, required=False)
                else:
                    problems.append(f"{code}: kolom '{col}' tidak dapat diubah di sini.")
            except InvalidInput as err:
                problems.append(err.message)
        prepared.append((code, values))
    if problems:
        raise _err(problems, "Target Renstra (Rp)")
    for code, _values in prepared:
        b = saved.get(code)
        expected = expected_versions.get(code)
        if expected is not None and int(expected) != (b.version if b else 0):
            raise audit.stale_save(session, f"pagu Renstra {code}", "renstra_budget", b.id if b else None, actor)
    n = 0
    for code, values in prepared:
        b = saved.get(code)
        if b is None:
            if values.get("end_pagu") is None and not values.get("name"):
                continue
            b = RenstraBudget(office_id=office_id, period_id=p.id, code=code, name=values.get("name") or "",
                              end_pagu=values.get("end_pagu"), version=1)
            session.add(b)
            session.flush()
            audit.record(session, actor, "renstra_budget.create", "renstra_budget", b.id,
                         after=audit.snapshot(b, ["period_id", "code", "name", "end_pagu", "version"]),
                         office_id=office_id)
            n += 1
            continue
        changed = {k: v for k, v in values.items() if not _equal(getattr(b, k), v)}
        if not changed:
            continue
        before = {k: getattr(b, k) for k in changed} | {"version": b.version}
        for k, v in changed.items():
            setattr(b, k, v)
        b.version += 1
        session.flush()
        audit.record(session, actor, "renstra_budget.update", "renstra_budget", b.id, before=before,
                     after={k: getattr(b, k) for k in changed} | {"version": b.version}, office_id=office_id)
        n += 1
    return n


# --- realisations of the years before the app -------------------------------------------------------------------


def first_round_year(session: Session, office_id: int) -> Optional[int]:
    return session.scalar(select(func.min(CollectionRound.year)).where(CollectionRound.office_id == office_id))


def prior_years(session: Session, office_id: int, period_id: int) -> list[int]:
    """The years of the Renstra period before the first year with rounds in the app (up to last year when the
    office has no rounds yet): their realisations are entered; the later ones are computed from the rounds."""
    p = _period(session, office_id, period_id)
    first = first_round_year(session, office_id)
    last = (first - 1) if first is not None else clock.today().year - 1
    return list(range(p.start_year, min(p.end_year, last) + 1))


def _prior_year(session: Session, office_id: int, year: Any) -> int:
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(f"Tahun '{year}' bukan tahun, misalnya 2023.") from None
    first = first_round_year(session, office_id)
    if first is not None and y >= first:
        raise InvalidInput(f"Realisasi tahun {y} dihitung dari data triwulan di aplikasi (pengumpulan data sejak "
                           f"{first}); hanya tahun sebelum {first} yang diisi di sini.")
    if not (2000 <= y <= 2100):
        raise InvalidInput(f"Tahun {y} di luar rentang 2000–2100.")
    return y


def list_prior_indicators(session: Session, office_id: int, year: int, exact: bool = False) -> pd.DataFrame:
    """The office's indicators with their realisation (K) of a year before the app and its source."""
    _f = _same if exact else _float
    saved = {r.indicator_id: r for r in session.scalars(
        select(PriorRealisation).where(PriorRealisation.office_id == office_id, PriorRealisation.year == int(year),
                                       PriorRealisation.indicator_id.is_not(None)))}
    rows = []
    for i in session.scalars(select(Indicator).join(Sasaran, Indicator.sasaran_id == Sasaran.id)
                             .where(Indicator.office_id == office_id)
                             .order_by(Sasaran.sort_order, Indicator.sort_order, Indicator.id)):
        r = saved.get(i.id)
        rows.append({"id": i.id, "kode": i.code, "nama": i.name, "satuan": i.satuan,
                     "realisasi": _f(r.value if r else None), "sumber": r.source if r else "",
                     "versi": r.version if r else 0})
    return pd.DataFrame(rows, columns=["id", "kode", "nama", "satuan", "realisasi", "sumber", "versi"])


def list_prior_budgets(session: Session, office_id: int, year: int, period_id: int,
                       exact: bool = False) -> pd.DataFrame:
    """Program and kegiatan codes (of the period's DPA lines, its Renstra pagu, and saved ones) with their
    spending (Rp) of a year before the app and its source; `no` numbers the rows."""
    _f = _same if exact else _float
    p = _period(session, office_id, period_id)
    names = _dpa_codes(session, office_id, range(p.start_year, p.end_year + 1))
    for b in session.scalars(select(RenstraBudget).where(RenstraBudget.period_id == p.id)):
        names.setdefault(b.code, b.name)
    saved = {r.code: r for r in session.scalars(
        select(PriorRealisation).where(PriorRealisation.office_id == office_id, PriorRealisation.year == int(year),
                                       PriorRealisation.code.is_not(None)))}
    rows = []
    for n, code in enumerate(sorted(set(names) | set(saved)), start=1):
        r = saved.get(code)
        rows.append({"no": n, "kode": code, "tingkat": _level_of(code), "nama": names.get(code, ""),
                     "realisasi": _f(r.amount if r else None), "sumber": r.source if r else "",
                     "versi": r.version if r else 0})
    return pd.DataFrame(rows, columns=["no", "kode", "tingkat", "nama", "realisasi", "sumber", "versi"])


def save_prior_realisations(session: Session, actor: Actor, office_id: int, year: int, *,
                            indicators: Optional[dict[int, dict[str, Any]]] = None,
                            codes: Optional[dict[str, dict[str, Any]]] = None,
                            indicator_versions: Optional[dict[int, int]] = None,
                            code_versions: Optional[dict[str, int]] = None) -> int:
    """Save a year's realisations from before the app: {indicator id: {'realisasi': '73,5', 'sumber': ...}} (K)
    and {program/kegiatan code: {'realisasi': 'Rp 1.250.000', 'sumber': ...}} (Rp), all or nothing. An emptied
    realisation removes the row. Only years before the first year with rounds are taken."""
    require(session, actor, "masterdata.manage", office_id=office_id)
    _office(session, office_id)
    y = _prior_year(session, office_id, year)
    indicator_versions = {int(k): v for k, v in (indicator_versions or {}).items()}
    code_versions = code_versions or {}
    problems: list[str] = []
    # (key, subject label, kind, values)  kind: 'indicator' (value) or 'code' (amount)
    prepared: list[tuple[Any, str, str, dict[str, Any]]] = []
    for raw_id, cols in (indicators or {}).items():
        ind = session.get(Indicator, int(raw_id))
        if ind is None or ind.office_id != office_id:
            problems.append(f"Indikator #{raw_id} bukan indikator perangkat daerah ini.")
            continue
        prepared.append((ind.id, ind.code, "indicator", _prior_values(cols, ind.code, "value", problems)))
    for raw_code, cols in (codes or {}).items():
        code = str(raw_code or "").strip()
        if not code or len(code) > 60:
            problems.append(f"Kode program/kegiatan '{raw_code}' tidak sah.")
            continue
        prepared.append((code, code, "code", _prior_values(cols, code, "amount", problems)))
    if problems:
        raise _err(problems, f"Realisasi tahun {y}")
    saved_ind = {r.indicator_id: r for r in session.scalars(select(PriorRealisation).where(
        PriorRealisation.office_id == office_id, PriorRealisation.year == y, PriorRealisation.indicator_id.is_not(None)))}
    saved_code = {r.code: r for r in session.scalars(select(PriorRealisation).where(
        PriorRealisation.office_id == office_id, PriorRealisation.year == y, PriorRealisation.code.is_not(None)))}
    for key, label, kind, _values in prepared:
        r = (saved_ind if kind == "indicator" else saved_code).get(key)
        expected = (indicator_versions if kind == "indicator" else code_versions).get(key)
        if expected is not None and int(expected) != (r.version if r else 0):
            raise audit.stale_save(session, f"realisasi {y} {label}", "prior_realisation", r.id if r else None,
                                   actor)
    n = 0
    fields = ["year", "indicator_id", "code", "value", "amount", "source", "version"]
    for key, _label, kind, values in prepared:
        r = (saved_ind if kind == "indicator" else saved_code).get(key)
        number = "value" if kind == "indicator" else "amount"
        new_number = values.get(number, getattr(r, number) if r else None)
        new_source = values.get("source", r.source if r else "")
        if r is None:
            if new_number is None:
                continue  # nothing to keep (a source alone says nothing)
            r = PriorRealisation(office_id=office_id, year=y, indicator_id=key if kind == "indicator" else None,
                                 code=key if kind == "code" else None, source=new_source, version=1)
            setattr(r, number, new_number)
            session.add(r)
            session.flush()
            audit.record(session, actor, "prior_realisation.create", "prior_realisation", r.id,
                         after=audit.snapshot(r, fields), office_id=office_id)
            n += 1
        elif new_number is None:
            before = audit.snapshot(r, fields)
            rid = r.id
            session.delete(r)
            session.flush()
            audit.record(session, actor, "prior_realisation.delete", "prior_realisation", rid, before=before,
                         office_id=office_id)
            n += 1
        elif not _equal(getattr(r, number), new_number) or (r.source or "") != new_source:
            before = audit.snapshot(r, [number, "source", "version"])
            setattr(r, number, new_number)
            r.source = new_source
            r.version += 1
            session.flush()
            audit.record(session, actor, "prior_realisation.update", "prior_realisation", r.id, before=before,
                         after=audit.snapshot(r, [number, "source", "version"]), office_id=office_id)
            n += 1
    return n


def _prior_values(cols: dict[str, Any], label: str, number: str, problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for col, value in cols.items():
        try:
            if col in ("realisasi", "value", "amount"):
                values[number] = (_non_negative(value, f"Realisasi {label}") if number == "value"
                                  else _rupiah(value, f"Realisasi {label} (Rp)"))
            elif col in ("sumber", "source"):
                values["source"] = _text(value if not (isinstance(value, float) and value != value) else "",
                                         f"Sumber {label}", 200, required=False)
            else:
                problems.append(f"{label}: kolom '{col}' tidak dapat diubah di sini.")
        except InvalidInput as err:
            problems.append(err.message)
    return values


# --- the regency's evaluator ----------------------------------------------------------------------------------


def _regency(session: Session, office_id: int) -> OrgUnit:
    office = _office(session, office_id)
    regency = session.get(OrgUnit, office.parent_id) if office.parent_id else None
    if regency is None or regency.kind != "pemkab":
        raise InvalidInput(f"{office.name} tidak berada di bawah pemerintah kabupaten dalam data unit kerja; "
                           "penandatangan 'Dievaluasi' tidak dapat disimpan.")
    return regency


def evaluator_settings(session: Session, office_id: int) -> dict[str, str]:
    """Who signs "Dievaluasi" for the regency the office belongs to ('' where not set, or for no office)."""
    office = session.get(OrgUnit, office_id) if office_id is not None else None
    regency = session.get(OrgUnit, office.parent_id) if office is not None and office.parent_id else None
    if regency is None or regency.kind != "pemkab":
        return {"regency": "", "title": "", "name": "", "nip": ""}
    return {"regency": regency.name, "title": regency.evaluator_title or "", "name": regency.evaluator_name or "",
            "nip": regency.evaluator_nip or ""}


def update_evaluator(session: Session, actor: Actor, office_id: int, *, title: Any, name: Any, nip: Any,
                     shown: Optional[dict[str, Any]] = None) -> bool:
    """Set the regency's evaluator (jabatan, name with degrees, NIP of 18 digits) on the office's parent row of
    kind 'pemkab'; one audit row when anything changed. `shown`: the settings as the form drew them
    (evaluator_settings' keys; common.touched)."""
    require(session, actor, "masterdata.manage", office_id=office_id)
    regency = _regency(session, office_id)
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value, label in (("evaluator_title", title, "Jabatan penandatangan 'Dievaluasi'"),
                              ("evaluator_name", name, "Nama penandatangan 'Dievaluasi'")):
        try:
            values[key] = _text(value, label, 200, required=False) or None
        except InvalidInput as err:
            problems.append(err.message)
    try:
        values["evaluator_nip"] = validate_nip(nip)
    except InvalidInput as err:
        problems.append(err.message)
    if problems:
        raise _err(problems, "Penandatangan 'Dievaluasi'")
    drawn = None if shown is None else {f"evaluator_{k}": v for k, v in shown.items() if k in ("title", "name", "nip")}
    return _apply(session, actor, regency, values, "regency.evaluator", "org_unit", office_id, shown=drawn,
                  label="penandatangan 'Dievaluasi'")


__all__ = [
    "RENJA_LEVELS", "INDICATOR_RENSTRA_COLUMNS", "list_indicator_renstra", "save_indicator_renstra",
    "indicators_of_codes", "codes_text", "lines_of_codes", "set_indicator_links", "list_renstra_budgets", "save_renstra_budgets", "first_round_year",
    "prior_years", "list_prior_indicators", "list_prior_budgets", "save_prior_realisations",
    "evaluator_settings", "update_evaluator",
]
