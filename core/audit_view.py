"""Jejak Audit: the audit log as a filterable table, for those the matrix lets read it (audit.view).

Rows read as the office reads them: the action in Indonesian, the moment in the office's time zone (WIB),
and what changed field by field ("Realisasi TW: 3,71 → 3,70; Kendala: – → Cuaca buruk"). The action code
and the raw before/after JSON stay in the data (and the CSV) for whoever needs the exact record.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

import pandas as pd
from babel.dates import parse_pattern as parse_date_pattern
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import clock, fmt
from core.actor import ROLE_LABELS, Actor
from core.permissions import require
from core.states import ROUND_LABELS
from db.models import AuditLog, Indicator, OrgUnit, User

MAX_ROWS = 2000
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
_ZONE_NAME = parse_date_pattern("z")  # WIB / WITA / WIT in Indonesian


def time_column() -> str:
    """"Waktu (WIB)": the time column, named after the office's time zone (KINERJA_TIMEZONE)."""
    return f"Waktu ({_ZONE_NAME.apply(dt.datetime.now(clock.zone()), fmt.LOCALE)})"


def view_columns() -> list[str]:
    """What the page shows; the data frame (and the CSV) also carries the action code and the raw JSON."""
    return [time_column(), "Pengguna", "Nama", "Tindakan", "Entitas", "ID", "Perubahan"]


def columns() -> list[str]:
    return [time_column(), "Pengguna", "Nama", "Tindakan", "Kode tindakan", "Entitas", "ID", "Perubahan",
            "Sebelum (JSON)", "Sesudah (JSON)"]

# Every action the app records (tests/test_audit_view.py scans core/ and db/ for audit.record calls).
ACTION_LABELS: dict[str, str] = {
    # sign-in and accounts
    "auth.locked": "Akun terkunci (gagal masuk berulang)",
    "auth.login": "Masuk",
    "auth.login_refused": "Masuk ditolak",
    "auth.logout": "Keluar",
    "auth.sessions_revoked": "Semua sesi diakhiri",
    "auth.lockout_lifted": "Penguncian dicabut",
    "account.change_password": "Kata sandi diganti",
    "account.change_phone": "Nomor ponsel diganti",
    # steps 1–3
    "round.open": "Pengumpulan data dibuka",
    "round.advance": "Langkah SOP berlanjut",
    "round.distribute": "Disposisi diteruskan ke unit",
    "round.close": "Pengumpulan data ditutup",
    "submission.acknowledge": "Disposisi diterima unit",
    "submission.extend": "Batas waktu diperpanjang",
    "submission.remind": "Pengingat dikirim ke unit",
    "submission.draft": "Data menjadi draf",
    "submission.submit": "Data diajukan",
    "realization.save": "Realisasi indikator disimpan",
    "budget_realization.save": "Realisasi anggaran disimpan",
    "evidence.upload": "Bukti dukung diunggah",
    "evidence.delete": "Bukti dukung dihapus",
    # steps 4–9
    "submission.accept": "Data diterima",
    "submission.return": "Data dikembalikan",
    "comment.create": "Catatan pemeriksa dibuat",
    "comment.respond": "Catatan pemeriksa dijawab",
    "comment.resolve": "Catatan pemeriksa diselesaikan",
    "report.draf": "Draf laporan disusun",
    "report.koreksi": "Laporan hasil koreksi disusun",
    "report.final": "Laporan final disusun",
    "correction.create": "Koreksi dicatat",
    "correction.apply": "Koreksi diterapkan",
    "realization.correct": "Realisasi indikator dikoreksi",
    "budget_realization.correct": "Realisasi anggaran dikoreksi",
    "round.renja_footer": "Catatan Evaluasi Hasil Renja (E.81) disimpan",
    "round.renja_footer_correct": "Catatan Evaluasi Hasil Renja (E.81) dikoreksi",
    "archive.create": "Arsip laporan dibuat",
    # master data
    "unit.create": "Unit kerja ditambahkan",
    "unit.update": "Unit kerja diubah",
    "unit.move": "Unit kerja dipindahkan",
    "unit.activate": "Unit kerja diaktifkan",
    "unit.deactivate": "Unit kerja dinonaktifkan",
    "office.settings": "Pengaturan perangkat daerah diubah",
    "user.create": "Pengguna ditambahkan",
    "user.update": "Pengguna diubah",
    "user.activate": "Pengguna diaktifkan",
    "user.deactivate": "Pengguna dinonaktifkan",
    "user.reset_password": "Kata sandi disetel ulang",
    "renstra.create": "Periode Renstra ditambahkan",
    "renstra.update": "Periode Renstra diubah",
    "sasaran.create": "Sasaran ditambahkan",
    "sasaran.update": "Sasaran diubah",
    "indicator.create": "Indikator ditambahkan",
    "indicator.update": "Indikator diubah",
    "indicator.renstra": "Target Renstra / tingkat Renja indikator diubah",
    "renstra_budget.create": "Pagu akhir Renstra ditambahkan",
    "renstra_budget.update": "Pagu akhir Renstra diubah",
    "prior_realisation.create": "Realisasi tahun sebelum aplikasi ditambahkan",
    "prior_realisation.update": "Realisasi tahun sebelum aplikasi diubah",
    "prior_realisation.delete": "Realisasi tahun sebelum aplikasi dihapus",
    "regency.evaluator": "Penandatangan 'Dievaluasi' kabupaten diubah",
    "target.create": "Target ditambahkan",
    "target.update": "Target diubah",
    "target.copy_year": "Target disalin dari tahun lalu",
    "office.formula_settings": "Pengaturan rumus capaian diubah",
    "budget.create": "Baris anggaran ditambahkan",
    "budget.update": "Baris anggaran diubah",
    "budget.copy_year": "Baris anggaran disalin dari tahun lalu",
    "sop.update": "Langkah SOP diubah",
    # maintenance
    "backup.create": "Cadangan dibuat",
    "backup.restore": "Cadangan dipulihkan",
    "backup.restore_forced": "Pemulihan cadangan dipaksa",
    "seed.demo": "Data contoh dimuat",
}

ENTITY_LABELS: dict[str, str] = {
    "user": "Pengguna", "collection_round": "Pengumpulan data", "submission": "Data unit",
    "realization": "Realisasi indikator", "budget_realization": "Realisasi anggaran", "evidence": "Bukti dukung",
    "review_comment": "Catatan pemeriksa", "report": "Laporan", "correction": "Koreksi", "archive": "Arsip",
    "org_unit": "Unit kerja", "renstra_period": "Periode Renstra", "sasaran": "Sasaran", "indicator": "Indikator",
    "target": "Target", "budget_line": "Baris anggaran", "sop_step": "Langkah SOP", "backup": "Cadangan",
    "database": "Basis data", "session": "Sesi", "reminder": "Pengingat",
    "renstra_budget": "Pagu akhir Renstra", "prior_realisation": "Realisasi sebelum aplikasi",
}

# Keys of the before/after dicts (column names of the snapshotted rows and the services' extra keys).
FIELD_LABELS: dict[str, str] = {
    "id": "ID", "office_id": "Perangkat daerah", "year": "Tahun", "quarter": "Triwulan",
    "current_step": "Langkah SOP", "status": "Status", "instruction": "Instruksi", "deadline": "Batas waktu",
    "opened_by_id": "Dibuka oleh", "opened_at": "Dibuka pada", "closed_at": "Ditutup pada", "version": "Versi",
    "round_id": "Pengumpulan data", "unit_id": "Unit kerja", "state": "Status", "disposition": "Disposisi",
    "distributed_at": "Didistribusikan pada", "received_at": "Diterima unit pada", "received_by_id": "Diterima oleh",
    "first_submitted_at": "Pertama diajukan pada", "submitted_at": "Diajukan pada", "submitted_by_id": "Diajukan oleh",
    "accepted_at": "Diterima pada", "submission_id": "Data unit", "indicator_id": "Indikator",
    "value": "Realisasi TW", "not_measured_reason": "Alasan tidak diukur", "note": "Catatan", "kendala": "Kendala",
    "faktor_pendorong": "Faktor pendorong",
    "renstra_target": "Target Renstra akhir periode", "renja_level": "Tingkat pada Renja",
    "end_pagu": "Pagu akhir periode Renstra", "indikator_terkait": "Indikator terkait", "source": "Sumber",
    "evaluator_title": "Jabatan penandatangan 'Dievaluasi'", "evaluator_name": "Nama penandatangan 'Dievaluasi'",
    "evaluator_nip": "NIP penandatangan 'Dievaluasi'",
    "tindak_lanjut": "Tindak lanjut", "updated_by_id": "Diubah oleh", "updated_at": "Diubah pada",
    "budget_line_id": "Baris anggaran", "amount": "Realisasi anggaran TW", "realization_id": "Realisasi",
    "filename": "Nama berkas", "stored_path": "Lokasi berkas", "content_type": "Jenis berkas", "size": "Ukuran (bita)",
    "sha256": "SHA-256", "uploaded_by_id": "Diunggah oleh", "uploaded_at": "Diunggah pada", "text": "Catatan",
    "author_id": "Penulis", "created_at": "Dibuat pada", "response": "Jawaban", "responded_by_id": "Dijawab oleh",
    "responded_at": "Dijawab pada", "resolved": "Selesai", "resolved_by_id": "Diselesaikan oleh",
    "resolved_at": "Diselesaikan pada", "report_id": "Laporan", "line_key": "Baris laporan", "field": "Kolom",
    "proposed_value": "Nilai usulan", "applied_in_report_id": "Diterapkan pada laporan", "path": "Lokasi berkas",
    "manifest": "Manifes", "created_by_id": "Dibuat oleh", "created_by": "Dibuat oleh", "code": "Kode",
    "name": "Nama", "short_name": "Nama singkat", "kind": "Jenis", "parent_id": "Unit induk",
    "reports_data": "Melapor data", "sort_order": "Urutan", "active": "Aktif", "username": "Nama pengguna",
    "full_name": "Nama lengkap", "nip": "NIP", "jabatan": "Jabatan", "pangkat": "Pangkat/golongan",
    "email": "Surel", "role": "Peran", "password": "Kata sandi", "sesi": "Generasi sesi", "klien": "Alamat komputer", "percobaan_gagal": "Percobaan masuk gagal", "password_hash": "Kata sandi",
    "locked_until": "Terkunci sampai", "failed_logins": "Gagal masuk", "start_year": "Tahun awal",
    "end_year": "Tahun akhir", "period_id": "Periode Renstra", "sasaran_id": "Sasaran", "satuan": "Satuan",
    "polarity": "Polaritas", "combine": "Penggabungan triwulan", "is_iku": "IKU", "owner_unit_id": "Unit pemilik",
    "definition": "Definisi/formula", "data_source": "Sumber data", "needs_evidence": "Wajib bukti dukung",
    "annual": "Target tahunan", "annual_upper": "Batas atas target tahunan", "q1": "Target TW I",
    "q2": "Target TW II", "q3": "Target TW III", "q4": "Target TW IV", "source_pk": "Sumber (Perjanjian Kinerja)",
    "source_ra": "Sumber (Rencana Aksi)", "mismatch_accepted": "Selisih target diterima",
    "mismatch_reason": "Alasan selisih target", "negative_formula": "Rumus capaian indikator negatif",
    "predicate_labels": "Sebutan predikat", "capaian_rounding": "Pembulatan capaian", "program": "Program",
    "kegiatan": "Kegiatan", "sub_kegiatan": "Sub kegiatan", "pagu": "Pagu", "document": "Dokumen",
    "number": "Nomor langkah", "executor_roles": "Pelaksana", "inputs": "Masukan",
    "standard_minutes": "Waktu baku (menit)", "standard_label": "Waktu baku", "output": "Keluaran",
    "reason": "Alasan", "extension_id": "Perpanjangan", "confirmed_flags": "Nilai tak lazim yang dikonfirmasi",
    "from_target_id": "Disalin dari target", "from_budget_line_id": "Disalin dari baris anggaran",
    "files": "Berkas", "backend": "Basis data", "tables": "Tabel", "safety_backup": "Cadangan pengaman",
    "correction_id": "Koreksi", "author": "Pengusul", "rounds": "Pengumpulan data",
    "entry_lock_days": "Kunci jadwal (hari setelah tenggat)", "phone": "Nomor ponsel", "reopened": "Dibuka kembali",
    "closed": "Pengisian ditutup", "channel": "Saluran", "unit": "Unit kerja",
}
# Keys whose label depends on the entity (the same column name means something else there).
_ENTITY_FIELD_LABELS: dict[tuple[str, str], str] = {
    ("review_comment", "indicator_id"): "Indikator", ("archive", "version"): "Versi laporan",
    ("report", "version"): "Versi laporan", ("backup", "files"): "Berkas", ("reminder", "text"): "Isi pesan",
    # the demo seed's counts
    ("database", "units"): "Unit kerja", ("database", "users"): "Pengguna", ("database", "indicators"): "Indikator",
    ("database", "budget_lines"): "Baris anggaran", ("database", "rounds"): "Pengumpulan data",
}

_NUMBER_KEYS = frozenset({"value", "annual", "annual_upper", "q1", "q2", "q3", "q4", "size", "standard_minutes",
                          "failed_logins"})
_MONEY_KEYS = frozenset({"amount", "pagu"})
_SECRET_MARKS = ("password", "secret", "token", "hash")
_USER_KEYS = frozenset({"opened_by_id", "received_by_id", "submitted_by_id", "updated_by_id", "uploaded_by_id",
                        "author_id", "responded_by_id", "resolved_by_id", "created_by_id"})
_UNIT_KEYS = frozenset({"unit_id", "owner_unit_id", "parent_id", "office_id"})
_INDICATOR_KEYS = frozenset({"indicator_id"})
_ROUND_STATUS = ROUND_LABELS
# Bookkeeping that every save bumps: left out of a change when something else changed (kept in the JSON).
_BOOKKEEPING = frozenset({"version", "updated_at", "updated_by_id"})
_CREATE_SUFFIXES = ("create", "open", "distribute", "upload", "copy_year")


def action_label(code: str) -> str:
    """The Indonesian name of an action code; an unknown code (an older or newer app) shows as itself."""
    return ACTION_LABELS.get(code, code)


def entity_label(code: str) -> str:
    return ENTITY_LABELS.get(code, code)


def field_label(key: str, entity: str = "") -> str:
    """The Indonesian label of a before/after key; an unknown key shows as itself."""
    return _ENTITY_FIELD_LABELS.get((entity, key)) or FIELD_LABELS.get(key, key)


@dataclass(frozen=True)
class AuditFilter:
    start: Optional[dt.date] = None  # office (WIB) calendar days, both ends included
    end: Optional[dt.date] = None
    username: str = ""
    action: str = ""
    entity: str = ""
    text: str = ""


@dataclass
class _Names:
    """Names of the users, units and indicators the shown rows refer to by id (one query each)."""
    users: dict[int, str]
    units: dict[int, str]
    indicators: dict[int, str]

    @classmethod
    def load(cls, session: Optional[Session], rows: list[AuditLog]) -> _Names:
        wanted: dict[str, set[int]] = {"user": set(), "unit": set(), "indicator": set()}
        for entry in rows:
            for part in (entry.before, entry.after):
                for key, value in (part or {}).items() if isinstance(part, dict) else ():
                    kind = _ref_kind(key)
                    if kind and isinstance(value, int) and not isinstance(value, bool):
                        wanted[kind].add(value)
        if session is None:
            return cls({}, {}, {})

        def names(ids: set[int], query) -> dict[int, str]:
            return dict(session.execute(query).all()) if ids else {}

        return cls(
            names(wanted["user"], select(User.id, User.username).where(User.id.in_(wanted["user"]))),
            names(wanted["unit"], select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(wanted["unit"]))),
            names(wanted["indicator"], select(Indicator.id, Indicator.code)
                  .where(Indicator.id.in_(wanted["indicator"]))))


def _ref_kind(key: str) -> Optional[str]:
    if key in _USER_KEYS:
        return "user"
    if key in _UNIT_KEYS:
        return "unit"
    if key in _INDICATOR_KEYS:
        return "indicator"
    return None


def _json(value: Optional[dict[str, Any]]) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _moment(value: str) -> Optional[str]:
    """An ISO date or date-time (as audit.jsonable stores them) the Indonesian way; None if it is not one."""
    if len(value) == 10:
        try:
            return fmt.date(dt.date.fromisoformat(value))
        except ValueError:
            return None
    if len(value) >= 19 and value[10] == "T":
        try:
            return fmt.datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _number(value: Any, money: bool) -> Optional[str]:
    if isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    exact = max(0, -d.as_tuple().exponent)  # every stored decimal, trailing zeros dropped
    if money:
        return fmt.money(d) if d == d.to_integral_value() else "Rp " + fmt.number(d, 2, strip=False)
    return fmt.number(d, decimals=exact)


def _value(key: str, value: Any, entity: str, names: _Names) -> str:
    """One value as a person reads it."""
    if any(mark in key.lower() for mark in _SECRET_MARKS):
        return value if isinstance(value, str) and value.startswith("***") else "***"
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    kind = _ref_kind(key)
    if kind and isinstance(value, int):
        known = {"user": names.users, "unit": names.units, "indicator": names.indicators}[kind].get(value)
        return known or f"#{value}"
    if key in _MONEY_KEYS or key in _NUMBER_KEYS:
        shown = _number(value, key in _MONEY_KEYS)
        if shown is not None:
            return shown
    if key == "proposed_value" and isinstance(value, str):
        shown = _number(value, False)
        return shown if shown is not None else value
    if isinstance(value, str):
        labelled = _value_label(key, value, entity)
        if labelled is not None:
            return labelled
        return _moment(value) or value
    if isinstance(value, list):
        if key == "confirmed_flags":
            return ", ".join(str(f.get("message", f)) if isinstance(f, dict) else str(f) for f in value) or "–"
        return ", ".join(_value(key, v, entity, names) for v in value) or "–"
    if isinstance(value, dict):
        if key == "files" and entity == "report":
            return ", ".join(str(k) for k in value) or "–"
        inner = ", ".join(f"{field_label(str(k), entity)}: {_value(str(k), v, entity, names)}"
                          for k, v in value.items())
        return f"({inner})" if inner else "–"
    return str(value)


def _value_label(key: str, value: str, entity: str) -> Optional[str]:
    from core import masterdata, report_versions, states

    if key == "state":
        return states.SUBMISSION_LABELS.get(value)
    if key == "status" and entity == "collection_round":
        return _ROUND_STATUS.get(value)
    if key in ("role", "executor_roles"):
        return ROLE_LABELS.get(value)
    if key == "kind":
        table = masterdata.UNIT_KIND_LABELS if entity == "org_unit" else states.REPORT_KIND_LABELS
        return table.get(value)
    if key == "polarity":
        return masterdata.POLARITY_LABELS.get(value)
    if key == "combine":
        return masterdata.COMBINE_LABELS.get(value)
    if key == "field":
        return report_versions.FIELD_LABELS.get(value)
    return None


def _fields(part: dict[str, Any], entity: str, names: _Names, skip: frozenset[str] = frozenset()) -> str:
    return "; ".join(f"{field_label(k, entity)}: {_value(k, v, entity, names)}"
                     for k, v in part.items() if k not in skip)


def describe(action: str, entity: str, before: Optional[dict[str, Any]], after: Optional[dict[str, Any]],
             names: Optional[_Names] = None) -> str:
    """What an audit row changed, field by field: "Realisasi TW: 3,71 → 3,70; Kendala: – → Cuaca buruk".

    A created record reads "dibuat: …", a deleted one "dihapus: …"; an event that only records details
    (a lock-out, a restore) lists them. Passwords stay "***"."""
    names = names or _Names({}, {}, {})
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    creates = action.startswith("report.") or action.rsplit(".", 1)[-1] in _CREATE_SUFFIXES
    if creates and after:
        text = "dibuat: " + _fields(after, entity, names, skip=frozenset({"id"}))
        if before:
            text += "; disalin dari: " + _fields(before, entity, names)
        return text
    if before and not after:
        return "dihapus: " + _fields(before, entity, names, skip=frozenset({"id"}))
    if not before:
        return _fields(after, entity, names)
    changes, extra = [], []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in before and key in after:
            if before[key] == after[key]:
                continue
            changes.append((key, f"{_value(key, before[key], entity, names)} → {_value(key, after[key], entity, names)}"))
        elif key in after:  # details of the change (a reason, a note), not a field that had a value before
            extra.append((key, _value(key, after[key], entity, names)))
        else:
            changes.append((key, f"{_value(key, before[key], entity, names)} → –"))
    meaningful = [c for c in changes if c[0] not in _BOOKKEEPING]
    shown = (meaningful or changes) + extra
    return "; ".join(f"{field_label(k, entity)}: {v}" for k, v in shown)


def actions(session: Session, actor: Actor) -> list[str]:
    """Every action code in the log, for the filter's choices, in the order of their Indonesian names."""
    require(session, actor, "audit.view")
    codes = session.scalars(select(AuditLog.action).distinct())
    return sorted(codes, key=lambda c: (action_label(c).lower(), c))


def _utc_start_of(day: dt.date) -> dt.datetime:
    """The first moment of an office calendar day, as the naive UTC the database stores."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=clock.zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored moment as the office's wall-clock time (naive, for a table column)."""
    return clock.local(moment).replace(tzinfo=None)


def entries(session: Session, actor: Actor, flt: Optional[AuditFilter] = None, limit: int = MAX_ROWS) -> pd.DataFrame:
    """The newest audit rows matching the filter, newest first, readable (see the module docstring).

    An actor of an office sees that office's rows and the rows without an office (logins, system).
    """
    require(session, actor, "audit.view")
    flt = flt or AuditFilter()
    stmt = select(AuditLog, User.full_name).outerjoin(User, User.id == AuditLog.actor_id)
    if actor.office_id is not None and actor.role != "admin":
        stmt = stmt.where(or_(AuditLog.office_id == actor.office_id, AuditLog.office_id.is_(None)))
    if flt.start:
        stmt = stmt.where(AuditLog.at >= _utc_start_of(flt.start))
    if flt.end:
        stmt = stmt.where(AuditLog.at < _utc_start_of(flt.end + dt.timedelta(days=1)))
    if flt.username.strip():
        stmt = stmt.where(func.lower(AuditLog.actor_username) == flt.username.strip().lower())
    if flt.action.strip():
        stmt = stmt.where(AuditLog.action == flt.action.strip())
    if flt.entity.strip():
        stmt = stmt.where(AuditLog.entity == flt.entity.strip())
    stmt = stmt.order_by(AuditLog.id.desc()).limit(max(1, min(int(limit), MAX_ROWS)))
    found = session.execute(stmt).all()
    time = time_column()
    names = _Names.load(session, [entry for entry, _ in found])
    rows = []
    needle = flt.text.strip().lower()
    for entry, name in found:
        change = describe(entry.action, entry.entity, entry.before, entry.after, names)
        before, after = _json(entry.before), _json(entry.after)
        if needle and needle not in f"{entry.entity_id} {change} {before} {after}".lower():
            continue
        rows.append({time: local_time(entry.at), "Pengguna": entry.actor_username, "Nama": name or "",
                     "Tindakan": action_label(entry.action), "Kode tindakan": entry.action,
                     "Entitas": entity_label(entry.entity), "ID": entry.entity_id or "", "Perubahan": change,
                     "Sebelum (JSON)": before, "Sesudah (JSON)": after})
    return pd.DataFrame(rows, columns=columns())


def to_csv(df: pd.DataFrame) -> bytes:
    """The filtered log as a download: the recap CSV writer, so names and values are neutralised the same way;
    the time as the office writes it (01/12/2026 14:05:09, WIB)."""
    from core import exports

    out = df.copy()
    time = time_column()
    if time in out.columns:
        out[time] = [t.strftime(TIME_FORMAT) if pd.notna(t) else "" for t in out[time]]
    return exports.to_csv(out, "standar")
