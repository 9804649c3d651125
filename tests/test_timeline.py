"""The round's timeline against the SOP's standard times, and the Peringatan about late units."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import timeline
from core.sop import step_by_code
from db.models import CollectionRound, Extension, StepRecord
from tests.factories import OPENED, make_round, submission_of

TODAY = dt.date(2026, 10, 5)
NOW = dt.datetime(2026, 10, 5, 9, 0)


def test_timeline_has_every_sop_step_with_its_standard(session):
    rnd = make_round(session, at="pengolahan")
    df = timeline.round_timeline(session, rnd.id, NOW)
    assert list(df["number"]) == list(range(1, 10))
    row = df.set_index("code").loc["koreksi"]
    assert row["standard_minutes"] == 24 * 60 and row["standard_label"] == "1 hari"
    assert row["executor"] == "JFT Perencana Ahli Muda" and row["status"] == "belum"
    assert row["duration_minutes"] is None or row["duration_minutes"] != row["duration_minutes"]


def test_finished_steps_show_actor_and_duration_and_the_running_step_counts_to_now(session):
    rnd = make_round(session, at="pengolahan")
    df = timeline.round_timeline(session, rnd.id, NOW).set_index("code")
    disposisi = df.loc["disposisi"]
    assert disposisi["status"] == "selesai" and disposisi["actor_name"] == "Drs. Yohanes Sudarsono, M.Si."
    assert disposisi["duration_minutes"] == 5 and not disposisi["over_standard"]
    running = df.loc["pengolahan"]
    assert running["status"] == "berjalan"
    assert running["duration_minutes"] == (NOW - running["started"]).total_seconds() / 60
    assert bool(running["over_standard"]) is True  # days at a 15-minute step


def test_step_that_ran_over_the_standard_is_flagged(session):
    rnd = make_round(session, at="penyusunan")
    number = step_by_code(session, "pengolahan").number
    rec = session.scalar(select(StepRecord).where(StepRecord.round_id == rnd.id, StepRecord.step_number == number))
    rec.finished_at = rec.started_at + dt.timedelta(minutes=40)
    session.flush()
    row = timeline.round_timeline(session, rnd.id, NOW).set_index("code").loc["pengolahan"]
    assert row["duration_minutes"] == 40 and bool(row["over_standard"]) is True
    table = timeline.timeline_table(timeline.round_timeline(session, rnd.id, NOW))
    assert table.set_index("Langkah").loc[number, "Melebihi waktu baku"] == "Ya"
    assert table.set_index("Langkah").loc[number, "Durasi"] == "40 menit"


def test_history_round_from_the_demo_has_a_complete_timeline(session):
    rnd = session.scalar(select(CollectionRound).where(CollectionRound.year == 2026, CollectionRound.quarter == 2))
    df = timeline.round_timeline(session, rnd.id, NOW)
    assert set(df["status"]) == {"selesai"}
    assert df.set_index("code").loc["dokumentasi", "actor_name"] == "Rizky Ramadhan, S.Kom."


def test_late_units_lists_outstanding_units_after_the_deadline_in_force(session, actors):
    rnd = make_round(session, at="isi_data", state="diajukan",
                     states={"BID-IND": "draf", "BID-TRANS": "dikembalikan", "JFT": "belum_mulai"},
                     deadline=dt.date(2026, 10, 2))
    trans = submission_of(session, rnd, "BID-TRANS")
    session.add(Extension(submission_id=trans.id, old_deadline=trans.deadline, new_deadline=dt.date(2026, 10, 4),
                          reason="Banjir di lokasi.", granted_by_id=actors["sekdis"].user_id))
    session.flush()
    session.expire_all()
    df = timeline.late_units(session, rnd.id, TODAY)
    assert list(df["unit"]) == ["Bidang Perindustrian", "Kelompok Jabatan Fungsional Tertentu", "Bidang Transmigrasi"]
    assert list(df["days_late"]) == [3, 3, 1]
    message = timeline.late_units_message(df)
    assert timeline.WARNING in message and "Bidang Perindustrian: terlambat 3 hari" in message


def test_no_late_units_before_the_deadline(session):
    rnd = make_round(session, at="isi_data", state="draf", deadline=dt.date(2026, 10, 10))
    assert timeline.late_units(session, rnd.id, TODAY).empty
    assert timeline.late_units_message(timeline.late_units(session, rnd.id, TODAY)) == ""


def test_unit_without_a_submission_is_late_after_the_round_deadline(session):
    rnd = make_round(session, at="isi_data", state="diajukan", skip_units=("BID-TRANS",),
                     deadline=dt.date(2026, 10, 1))
    df = timeline.late_units(session, rnd.id, TODAY)
    assert list(df["unit"]) == ["Bidang Transmigrasi"] and list(df["days_late"]) == [4]
    assert OPENED < NOW


def test_a_timeline_read_earlier_shows_now_what_a_timeline_read_now_shows(session):
    """Beranda keeps the timeline until the data changes and measures the running step at each view."""
    import pandas.testing as pdt

    rnd = make_round(session, at="pengolahan")
    number = step_by_code(session, "pengolahan").number
    rec = session.scalar(select(StepRecord).where(StepRecord.round_id == rnd.id, StepRecord.step_number == number,
                                                  StepRecord.finished_at.is_(None)))
    rec.started_at = NOW - dt.timedelta(minutes=10)  # the standard is 15 minutes
    session.flush()
    kept = timeline.round_timeline(session, rnd.id, NOW)
    for later in (dt.timedelta(0), dt.timedelta(minutes=4, seconds=30), dt.timedelta(minutes=6),
                  dt.timedelta(days=3, seconds=7), -dt.timedelta(minutes=20)):
        shown = timeline.as_of(kept, NOW + later)
        pdt.assert_frame_equal(shown, timeline.round_timeline(session, rnd.id, NOW + later))
    assert not kept.set_index("code").loc["pengolahan", "over_standard"]  # the kept frame is left as it was
    assert timeline.as_of(kept, NOW + dt.timedelta(minutes=6)).set_index("code").loc["pengolahan", "over_standard"]


def test_a_finished_round_is_the_same_at_any_time(session):
    rnd = session.scalar(select(CollectionRound).where(CollectionRound.year == 2026, CollectionRound.quarter == 2))
    kept = timeline.round_timeline(session, rnd.id, NOW)
    assert timeline.as_of(kept, NOW + dt.timedelta(days=30)) is kept
