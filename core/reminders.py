"""Reminders without e-mail: a ready Indonesian message for each late or incomplete unit, to copy or to send
by WhatsApp click-to-chat (wa.me), the way offices chase reports today.

The texts are built here; sending happens outside the app. The Sekretaris records what was sent
(core.steps.disposisi.remind), and the unit's Isi Data page reads the last record ("Diingatkan oleh …").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.actor import ROLES, Actor
from core.errors import InvalidInput
from core.fmt import date as fmt_date
from core.fmt import datetime as fmt_datetime
from core.permissions import allowed_roles, require_office
from core.round_status import round_label
from core.states import OUTSTANDING, SubmissionState
from db.models import CollectionRound, OrgUnit, Reminder, User

# --- phone numbers ----------------------------------------------------------------------------------

PHONE_HELP = "Nomor ponsel Indonesia, misalnya 0812-3456-7890 atau +62 812 3456 7890."


def normalize_phone(raw: Optional[str]) -> Optional[str]:
    """An Indonesian mobile number as wa.me wants it ('6281234567890'); None when empty.

    Accepts 0812-3456-7890, 0812 3456 7890, +62 812 3456 7890, 62812…, 812…; refuses anything else with a
    clear message."""
    text = (raw or "").strip()
    if not text:
        return None
    if re.search(r"[^\d\s().+-]", text) or text.count("+") > 1 or ("+" in text and not text.startswith("+")):
        raise InvalidInput(f"Nomor telepon '{text}' tidak sah: hanya angka, spasi, tanda hubung dan awalan +. "
                           + PHONE_HELP)
    digits = re.sub(r"\D", "", text)
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if not national.startswith("8") or not 9 <= len(national) <= 12:
        raise InvalidInput(f"Nomor telepon '{text}' bukan nomor ponsel Indonesia. " + PHONE_HELP)
    return "62" + national


def phone_label(phone: Optional[str]) -> str:
    """'+62 812-3456-7890' for a stored number."""
    if not phone:
        return ""
    n = phone[2:]
    return f"+62 {n[:3]}-{n[3:7]}-{n[7:]}"


def wa_link(phone: str, text: str) -> str:
    """WhatsApp click-to-chat with the text filled in."""
    return f"https://wa.me/{phone}?text={quote(text, safe='')}"


# --- the texts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    name: str
    jabatan: str
    phone: Optional[str]

    @property
    def wa_label(self) -> str:
        return f"{self.name} ({phone_label(self.phone)})"


@dataclass(frozen=True)
class UnitReminder:
    """The reminder for one unit of a round."""

    submission_id: int
    unit_id: int
    unit: str
    days_late: int
    recipients: tuple[Recipient, ...]
    text: str
    reminded_at: Optional[dt.datetime]
    reminded_by: str

    @property
    def wa_links(self) -> list[tuple[Recipient, str]]:
        return [(r, wa_link(r.phone, self.text)) for r in self.recipients if r.phone]

    @property
    def last_reminder(self) -> str:
        if self.reminded_at is None:
            return "Belum pernah diingatkan"
        return f"Terakhir diingatkan oleh {self.reminded_by} pada {fmt_datetime(self.reminded_at)}"


def _missing_words(no_value: list[str], no_reason: list[str], no_evidence: list[str],
                   no_pendorong: tuple[str, ...] | list[str] = ()) -> str:
    """'IK-03, IK-04 (bukti dukung), IK-05 (kendala/tindak lanjut), IK-06 (faktor pendorong)'"""
    parts: dict[str, list[str]] = {}
    for code in no_value:
        parts.setdefault(code, []).append("")
    for code in no_reason:
        parts.setdefault(code, []).append("kendala/tindak lanjut")
    for code in no_pendorong:
        parts.setdefault(code, []).append("faktor pendorong")
    for code in no_evidence:
        parts.setdefault(code, []).append("bukti dukung")
    out = []
    for code, what in parts.items():
        words = [w for w in what if w]
        out.append(f"{code} ({', '.join(words)})" if words and "" not in what else code)
    return ", ".join(out)


def greeting(unit: str, recipients: tuple[Recipient, ...]) -> str:
    if recipients:
        r = recipients[0]
        title = r.jabatan.strip() or f"Kepala {unit}"
        return f"Yth. {title} ({r.name})"
    return f"Yth. Kepala {unit}"


def unit_text(label: str, unit: str, recipients: tuple[Recipient, ...], deadline: Optional[dt.date],
              days_late: int, missing: str, state_note: str, sender: Actor, closed: bool = False) -> str:
    late = f" (terlambat {days_late} hari)" if days_late > 0 else ""
    ask = ("Pengisian data sudah ditutup (kunci jadwal); mohon hubungi Sekretaris untuk membukanya kembali, lalu "
           "segera lengkapi dan ajukan melalui aplikasi Kinerja (menu Isi Data Kinerja). Terima kasih." if closed
           else "Mohon segera dilengkapi dan diajukan melalui aplikasi Kinerja (menu Isi Data Kinerja). Terima kasih.")
    lines = [
        f"{greeting(unit, recipients)},",
        f"data kinerja {label} {unit} {state_note}; tenggat {fmt_date(deadline)}{late}"
        + (f"; yang belum: {missing}." if missing else "."),
        ask,
        "",
        sender.full_name + (f"\n{sender.jabatan}" if sender.jabatan else ""),
    ]
    return "\n".join(lines)


def _recipients(session: Session, office_id: int) -> dict[int, tuple[Recipient, ...]]:
    """Per unit, the active users who enter and submit its data, heads first."""
    roles = sorted(allowed_roles(session, "submission.submit"), key=ROLES.index)
    rows = session.execute(
        select(User.unit_id, OrgUnit.parent_id, User.full_name, User.jabatan, User.phone, User.role)
        .join(OrgUnit, OrgUnit.id == User.unit_id)
        .where(User.active.is_(True), User.role.in_(roles), OrgUnit.office_id == office_id)
        .order_by(User.id)).all()
    out: dict[int, list[tuple[int, Recipient]]] = {}
    above: dict[int, list[tuple[int, Recipient]]] = {}
    for unit_id, parent_id, name, jabatan, phone, role in rows:
        person = (roles.index(role), Recipient(name, jabatan or "", phone))
        out.setdefault(unit_id, []).append(person)
        if parent_id is not None:  # a Kasubag answers for the Sekretariat above its Sub Bagian
            above.setdefault(parent_id, []).append(person)
    for unit_id, people in above.items():
        out.setdefault(unit_id, people)
    return {u: tuple(r for _i, r in sorted(v, key=lambda x: x[0])) for u, v in out.items()}


def round_reminders(session: Session, actor: Actor, round_id: int,
                    today: Optional[dt.date] = None) -> list[UnitReminder]:
    """A reminder for every unit of the round that has not handed in its data, the latest first."""
    from core.status import quarter_status

    today = today or clock.today()
    rnd = session.get(CollectionRound, round_id)
    if rnd is None:
        return []
    require_office(actor, rnd.office_id)
    qs = quarter_status(session, rnd.office_id, rnd.id, today)
    people = _recipients(session, rnd.office_id)
    label = round_label(rnd.year, rnd.quarter)
    out = []
    for u in sorted(qs.units, key=lambda u: -u.days_late):
        if u.state not in OUTSTANDING:
            continue
        recipients = people.get(u.unit_id, ())
        note = ("belum diajukan" if u.state != SubmissionState.DIKEMBALIKAN
                else "sudah dikembalikan untuk diperbaiki dan belum diajukan kembali")
        text = unit_text(label, u.unit, recipients, u.deadline, u.days_late,
                         _missing_words(u.no_value, u.no_reason, u.no_evidence, u.no_pendorong), note, actor, closed=u.locked)
        out.append(UnitReminder(u.submission_id, u.unit_id, u.unit, u.days_late, recipients, text,
                                u.reminded_at, u.reminded_by))
    return out


def combined_text(reminders: list[UnitReminder], label: str, sender: Actor) -> str:
    """One message for every listed unit of a round (for the office's group chat)."""
    lines = ["Yth. Bapak/Ibu Kepala Unit Kerja,",
             f"data kinerja {label} dari unit kerja berikut belum diajukan:"]
    for i, r in enumerate(reminders, 1):
        late = f"terlambat {r.days_late} hari" if r.days_late else "belum lewat tenggat"
        lines.append(f"{i}. {r.unit} ({late})")
    lines += ["Mohon segera dilengkapi dan diajukan melalui aplikasi Kinerja (menu Isi Data Kinerja). "
              "Terima kasih.", "", sender.full_name + (f"\n{sender.jabatan}" if sender.jabatan else "")]
    return "\n".join(lines)


def last_reminder(session: Session, submission_id: int) -> str:
    """'Diingatkan oleh Nama pada 12 Oktober 2026 09.15 WIB', or '' (for the unit's Isi Data page)."""
    row = session.execute(select(Reminder.sent_at, User.full_name).join(User, User.id == Reminder.sent_by_id)
                          .where(Reminder.submission_id == submission_id)
                          .order_by(Reminder.id.desc()).limit(1)).first()
    if row is None:
        return ""
    return f"Diingatkan oleh {row[1]} pada {fmt_datetime(row[0])}."
