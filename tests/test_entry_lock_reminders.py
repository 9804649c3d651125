"""Deadlines that hold (issue #19): the period lock with its reopening, and reminders without e-mail."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from core import clock, entry, reminders
from core.entry_lock import entry_lock, is_locked, office_lock_days
from core.errors import Conflict, InvalidInput, NotAllowed
from core.status import quarter_status
from core.steps import disposisi, isi_data
from db.models import AuditLog, Reminder, User
from tests import factories

DEADLINE = factories.DEADLINE  # 10 Oktober 2026


def set_lock_days(session, days):
    factories.office(session).entry_lock_days = days
    session.flush()


def on(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def _indicator(session, sub):
    from db.models import Indicator

    return session.scalar(select(Indicator.id).where(Indicator.owner_unit_id == sub.unit_id).order_by(Indicator.id))


# --- the lock ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state, locked", [("belum_mulai", True), ("draf", True), ("dikembalikan", False),
                                           ("diajukan", False), ("diterima", False)])
def test_lock_closes_the_day_after_deadline_plus_days_for_each_state(state, locked):
    last = DEADLINE + dt.timedelta(days=3)
    assert not is_locked(state, DEADLINE, 3, last)
    assert is_locked(state, DEADLINE, 3, last + dt.timedelta(days=1)) is locked
    assert not is_locked(state, DEADLINE, None, last + dt.timedelta(days=365))  # the default: never


def test_the_office_setting_is_never_locked_by_default(session):
    assert office_lock_days(session, factories.office(session).id) is None


def test_entry_is_refused_after_the_lock_with_who_may_reopen(session, actors, monkeypatch):
    rnd = factories.make_round(session, at="isi_data", state="draf")
    set_lock_days(session, 3)
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    ind = _indicator(session, sub)
    on(monkeypatch, DEADLINE + dt.timedelta(days=3))  # the last day: still open
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind: {"Realisasi TW": "5"}})
    on(monkeypatch, DEADLINE + dt.timedelta(days=4))
    with pytest.raises(Conflict) as refused:
        isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {ind: {"Realisasi TW": "6"}})
    sekdis = factories.user(session, "sekdis").full_name
    assert "ditutup sejak 14 Oktober 2026" in refused.value.message
    assert "tenggat 10 Oktober 2026 telah lewat lebih dari 3 hari" in refused.value.message
    assert f"Sekretaris Dinas ({sekdis})" in refused.value.message
    with pytest.raises(Conflict):
        isi_data.submit(session, actors["kabid_lattas"], sub.id)
    view = entry.submission_view(session, actors["kabid_lattas"], sub.id)
    assert not view.editable and "dibuka kembali oleh Sekretaris Dinas" in view.lock_message


def test_a_returned_unit_may_still_correct_after_the_lock(session, actors, monkeypatch):
    rnd = factories.make_round(session, at="pengolahan", state="dikembalikan")
    set_lock_days(session, 0)
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    on(monkeypatch, DEADLINE + dt.timedelta(days=30))
    assert entry_lock(session, sub) is None
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {_indicator(session, sub): {"Catatan": "Ok."}})


def test_sekretaris_reopens_a_closed_entry_with_reason_and_new_date_audited(session, actors, monkeypatch):
    rnd = factories.make_round(session, at="isi_data", state="belum_mulai")
    set_lock_days(session, 2)
    sub = factories.submission_of(session, rnd, "BID-TRANS")
    today = DEADLINE + dt.timedelta(days=5)
    on(monkeypatch, today)
    assert entry_lock(session, sub) is not None
    with pytest.raises(InvalidInput):  # a reason is required
        disposisi.grant_extension(session, actors["sekdis"], sub.id, today + dt.timedelta(days=2), " ")
    with pytest.raises(InvalidInput) as past:  # a new date that would leave it closed
        disposisi.grant_extension(session, actors["sekdis"], sub.id, today - dt.timedelta(days=1), "Sakit.")
    assert "Pembukaan kembali" in past.value.message and "15 Oktober 2026" in past.value.message
    for who in ("kabid_trans", "penyusun", "kadis", "admin"):
        with pytest.raises(NotAllowed):
            disposisi.grant_extension(session, actors[who], sub.id, today + dt.timedelta(days=2), "Sakit.")
    ext = disposisi.grant_extension(session, actors["sekdis"], sub.id, today + dt.timedelta(days=2),
                                    "Kepala bidang sakit.", today=today)
    assert ext.reopened is True
    assert entry_lock(session, sub) is None
    isi_data.save_entries(session, actors["kabid_trans"], sub.id, {_indicator(session, sub): {"Realisasi TW": "1"}})
    row = session.scalar(select(AuditLog).where(AuditLog.action == "submission.extend",
                                                AuditLog.entity_id == str(sub.id)))
    assert row.after["reopened"] is True and row.after["reason"] == "Kepala bidang sakit."
    assert row.before["closed"] is True


def test_status_board_shows_closed_and_reopened_units(session, actors, monkeypatch):
    rnd = factories.make_round(session, at="isi_data", state="draf")
    set_lock_days(session, 1)
    today = DEADLINE + dt.timedelta(days=4)
    on(monkeypatch, today)
    trans = factories.submission_of(session, rnd, "BID-TRANS")
    disposisi.grant_extension(session, actors["sekdis"], trans.id, today + dt.timedelta(days=3), "Banjir.",
                              today=today)
    qs = quarter_status(session, rnd.office_id, rnd.id, today)
    states = dict(zip(qs.board["Unit"], qs.board["Status"]))
    lattas = factories.unit(session, "BID-LATTAS").name
    assert states[lattas] == "Draf — ditutup (kunci jadwal)"
    assert states[factories.unit(session, "BID-TRANS").name] == "Draf — dibuka kembali"


# --- reminders --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, stored", [("0812-3456-7890", "6281234567890"), ("+62 812 3456 7890", "6281234567890"),
                                         ("62 813.1111.2222", "6281311112222"), ("", None), ("  ", None)])
def test_phone_numbers_are_normalised_for_wa_me(raw, stored):
    assert reminders.normalize_phone(raw) == stored


@pytest.mark.parametrize("raw", ["021-5551234", "0812", "phone", "+62+812345678"])
def test_a_number_that_is_not_an_indonesian_mobile_is_refused_in_indonesian(raw):
    with pytest.raises(InvalidInput) as bad:
        reminders.normalize_phone(raw)
    assert "0812-3456-7890" in bad.value.message


def test_reminder_text_names_the_head_the_deadline_and_what_is_missing(session, actors):
    rnd = factories.make_round(session, at="isi_data", state="draf")  # no evidence uploaded
    kabid = factories.user(session, "kabid_lattas")
    kabid.phone = "6281234567890"
    session.flush()
    today = DEADLINE + dt.timedelta(days=2)
    rems = {r.unit: r for r in reminders.round_reminders(session, actors["sekdis"], rnd.id, today)}
    lattas = rems[factories.unit(session, "BID-LATTAS").name]
    assert lattas.text.startswith(f"Yth. {kabid.jabatan} ({kabid.full_name}),")
    assert "data kinerja TW III 2026" in lattas.text and "belum diajukan" in lattas.text
    assert "tenggat 10 Oktober 2026 (terlambat 2 hari)" in lattas.text
    assert "(bukti dukung)" in lattas.text
    (recipient, url), = lattas.wa_links
    assert url.startswith("https://wa.me/6281234567890?text=")
    assert unquote(url.split("text=", 1)[1]) == lattas.text
    assert lattas.last_reminder == "Belum pernah diingatkan"


def test_sekretaris_records_reminders_and_the_unit_sees_when_it_was_reminded(session, actors):
    rnd = factories.make_round(session, at="isi_data", state="draf",
                               states={"BID-HIJS": "diajukan"})
    today = DEADLINE + dt.timedelta(days=1)
    rems = reminders.round_reminders(session, actors["sekdis"], rnd.id, today)
    hijs = factories.submission_of(session, rnd, "BID-HIJS")
    assert hijs.id not in {r.submission_id for r in rems}  # handed in: nothing to remind
    assert "Yth. Bapak/Ibu" in reminders.combined_text(rems, "TW III 2026", actors["sekdis"])
    with pytest.raises(NotAllowed):
        disposisi.remind(session, actors["kabid_lattas"], rnd.id, [rems[0].submission_id], today=today)
    with pytest.raises(Conflict):
        disposisi.remind(session, actors["sekdis"], rnd.id, [hijs.id], today=today)
    sent = disposisi.remind(session, actors["sekdis"], rnd.id, [r.submission_id for r in rems], "whatsapp",
                            today=today)
    assert len(sent) == len(rems) == session.scalar(select(func.count()).select_from(Reminder))
    assert session.scalar(select(func.count()).select_from(AuditLog)
                          .where(AuditLog.action == "submission.remind")) == len(rems)
    lattas = factories.submission_of(session, rnd, "BID-LATTAS")
    view = entry.submission_view(session, actors["kabid_lattas"], lattas.id)
    sekdis = session.scalar(select(User).where(User.username == "sekdis"))
    assert view.reminded.startswith(f"Diingatkan oleh {sekdis.full_name} pada ")
    again = reminders.round_reminders(session, actors["sekdis"], rnd.id, today)
    assert again[0].last_reminder.startswith(f"Terakhir diingatkan oleh {sekdis.full_name}")


def test_report_notes_list_the_reopened_units(session, actors, monkeypatch):
    from core.report_doc import NOTES_HEADING, build_report, collection_notes

    rnd = factories.make_round(session, at="isi_data", state="draf")
    set_lock_days(session, 0)
    today = DEADLINE + dt.timedelta(days=2)
    on(monkeypatch, today)
    trans = factories.submission_of(session, rnd, "BID-TRANS")
    lattas = factories.submission_of(session, rnd, "BID-LATTAS")
    disposisi.grant_extension(session, actors["sekdis"], trans.id, today + dt.timedelta(days=3), "Banjir di Putussibau.",
                              today=today)
    set_lock_days(session, None)  # an ordinary extension (entry open) is not a reopening
    disposisi.grant_extension(session, actors["sekdis"], lattas.id, today + dt.timedelta(days=3), "Rapat.",
                              today=today)
    notes = collection_notes(session, rnd.id)
    assert len(notes) == 1
    assert notes[0].startswith(f"Pengisian data {factories.unit(session, 'BID-TRANS').name} dibuka kembali")
    assert "tenggat baru 15 Oktober 2026: Banjir di Putussibau." in notes[0]
    bundle = build_report(session, rnd.id, "draf", 1, charts=False)
    import io

    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(bundle.files[0].content)).active
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert NOTES_HEADING in cells and notes[0] in cells


# --- notices in Tugas saya --------------------------------------------------------------------------


def _task_texts(session, actor, today):
    from core import tasks

    return [t.text for t in tasks.my_tasks(session, actor, today)]


@pytest.mark.parametrize("days_before, words", [(4, None), (3, "tiga hari lagi"), (1, "besok"), (0, "hari ini")])
def test_notices_three_days_before_and_on_the_day(session, actors, days_before, words):
    factories.make_round(session, at="isi_data", state="draf", states={"BID-HIJS": "diajukan"})
    today = DEADLINE - dt.timedelta(days=days_before)
    unit_tasks = _task_texts(session, actors["kabid_lattas"], today)
    sek_tasks = _task_texts(session, actors["sekdis"], today)
    lattas = factories.unit(session, "BID-LATTAS").name
    hijs = factories.unit(session, "BID-HIJS").name
    if words is None:
        assert "Isi data kinerja TW III 2026 — tenggat 10 Oktober 2026" in unit_tasks
        assert not [t for t in sek_tasks if t.startswith("Tenggat ")]
        return
    assert (f"Tenggat data kinerja TW III 2026 {words} (10 Oktober 2026): lengkapi dan ajukan data unit Anda"
            in unit_tasks)
    assert f"Tenggat {lattas} untuk TW III 2026 {words} (10 Oktober 2026); data belum diajukan" in sek_tasks
    assert not [t for t in sek_tasks if t.startswith(f"Tenggat {hijs} ")]  # handed in: no notice
    assert not [t for t in _task_texts(session, actors["penyusun"], today) if t.startswith("Tenggat ")]


def test_after_the_deadline_the_sekretaris_is_asked_to_remind_and_a_closed_unit_to_ask_for_reopening(
        session, actors):
    factories.make_round(session, at="isi_data", state="draf", states={"BID-HIJS": "diajukan"})
    set_lock_days(session, 1)
    today = DEADLINE + dt.timedelta(days=3)
    sek = _task_texts(session, actors["sekdis"], today)
    assert any(t.startswith("Kirim pengingat kepada ") and t.endswith("unit kerja yang terlambat — TW III 2026")
               for t in sek)
    assert ("Pengisian data kinerja TW III 2026 ditutup (kunci jadwal) — minta Sekretaris membukanya kembali"
            in _task_texts(session, actors["kabid_lattas"], today))


def test_a_documented_round_stays_read_only_as_before(session, actors, monkeypatch):
    rnd = factories.make_round(session, at="isi_data", state="draf")
    set_lock_days(session, 3)
    rnd.status = "selesai"
    session.flush()
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    on(monkeypatch, DEADLINE + dt.timedelta(days=30))
    with pytest.raises(Conflict) as refused:
        isi_data.save_entries(session, actors["kabid_lattas"], sub.id, {_indicator(session, sub): {"Catatan": "x"}})
    assert "kunci jadwal" not in refused.value.message  # refused as a documented round, as before
    with pytest.raises(Conflict):  # and it cannot be reopened either
        disposisi.grant_extension(session, actors["sekdis"], sub.id, DEADLINE + dt.timedelta(days=31), "Alasan.")
    view = entry.submission_view(session, actors["kabid_lattas"], sub.id)
    assert not view.editable and view.lock_message == "" and not view.round_open
    with pytest.raises(Conflict):
        disposisi.remind(session, actors["sekdis"], rnd.id, [sub.id])


def test_the_sekretariat_reminder_greets_the_kasubag_who_reports_for_it(session, actors):
    """The Sekretariat's data is entered by the Kepala Sub Bagian of its Sub Bagian: the reminder names her, as
    the status board does, instead of "Yth. Kepala Sekretariat" with no name."""
    rnd = factories.make_round(session, at="isi_data", state="draf")
    today = DEADLINE + dt.timedelta(days=1)
    sekretariat = factories.unit(session, "SEKRETARIAT").name
    rem = next(r for r in reminders.round_reminders(session, actors["sekdis"], rnd.id, today) if r.unit == sekretariat)
    kasubag = factories.user(session, "kasubag_keuren")
    assert rem.text.startswith(f"Yth. {kasubag.jabatan} ({kasubag.full_name}),"), rem.text
