"""Report builds on a thread of their own (core.jobs): the work's result or its Indonesian error, one job per key,
progress said by the build itself, and the Pengolahan page's progress bar and message after it (AppTest, with
the page not waiting for the build)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import func, select

from core import jobs, round_status
from core.auth import actor_for
from core.config import get_settings
from core.errors import Conflict
from core.steps import dokumentasi, penyusunan
from core.uow import unit_of_work
from db.models import Report
from tests.apptest import logged_in, texts
from tests.factories import make_round


def test_step_outside_a_job_says_nothing_and_fails_nothing():
    jobs.step("Menyusun", 0.5)  # no job on this thread: nothing to tell


def test_a_job_runs_its_work_and_keeps_the_result_and_what_it_last_said():
    def work():
        jobs.step("Langkah pertama", 0.3)
        jobs.step("Langkah kedua", 0.2)  # the bar never goes back
        return 42

    job = jobs.start(("uji", "hasil"), "Menguji", work)
    assert job.wait(10)
    assert job.result == 42 and job.error is None and job.done
    assert job.progress == 1.0 and job.message == "Langkah kedua"
    assert jobs.get(job.id) is job and jobs.running(("uji", "hasil")) is None


def test_a_second_start_of_a_running_key_joins_it_instead_of_running_twice():
    release = threading.Event()
    runs = []

    def work():
        runs.append(1)
        release.wait(10)
        return len(runs)

    first = jobs.start(("uji", "sekali"), "Menguji", work)
    second = jobs.start(("uji", "sekali"), "Menguji", work)
    assert second is first and jobs.running(("uji", "sekali")) is first and not first.done
    release.set()
    assert first.wait(10) and first.result == 1 and runs == [1]
    third = jobs.start(("uji", "sekali"), "Menguji", lambda: "lagi")  # done: a new click is a new job
    assert third is not first and third.wait(10) and third.result == "lagi"


def test_a_refusal_is_kept_in_indonesian_and_anything_else_is_logged_and_said_plainly(caplog):
    def refused():
        raise Conflict("Langkah ini sudah dikerjakan pengguna lain.")

    job = jobs.start(("uji", "tolak"), "Menguji", refused)
    assert job.wait(10) and job.error == "Langkah ini sudah dikerjakan pengguna lain." and job.result is None

    def broken():
        raise RuntimeError("disk penuh")

    with caplog.at_level(logging.ERROR, logger="core.jobs"):
        job = jobs.start(("uji", "rusak"), "Menguji", broken)
        assert job.wait(10)
    assert job.error == jobs.UNEXPECTED and "disk penuh" in caplog.text


def test_compile_draft_as_a_job_says_each_file_it_builds_and_stores_the_report(db_url):
    with unit_of_work(db_url) as s:
        rid = make_round(s, at="penyusunan", state="diterima").id
    said: list[tuple[str, float]] = []
    real_step = jobs.step

    def work():
        with unit_of_work(db_url) as s:
            return penyusunan.compile_draft(s, actor_for(s, "penyusun"), rid).version

    def recording(message, fraction):
        said.append((message, fraction))
        real_step(message, fraction)

    jobs.step, saved = recording, jobs.step
    try:
        job = jobs.start(("report.compile", rid, db_url), "Menyusun draf laporan", work)
        assert job.wait(120), "the draft was not built within two minutes"
    finally:
        jobs.step = saved
    assert job.error is None and job.result == 1
    messages = [m for m, _f in said]
    assert messages[0].startswith("Menghitung capaian") and messages[-1] == "Menyimpan laporan"
    assert any("E.81 (PDF)" in m for m in messages) and any("laporan (PDF)" in m for m in messages)
    fractions = [f for _m, f in said]
    assert fractions == sorted(fractions)
    with unit_of_work(db_url) as s:  # what the database holds: the draft with its four files, the round moved on
        rep = s.scalars(select(Report).where(Report.round_id == rid)).one()
        assert rep.version == 1 and len(rep.files) == 4
        assert round_status.round_status(s, actor_for(s, "penyusun"), rid).step_code == "sosialisasi"


def test_pengolahan_shows_a_progress_bar_then_the_draft_message(sqlite_url, monkeypatch):
    monkeypatch.setenv("KINERJA_FOREGROUND_SECONDS", "0")  # the page does not wait: the bar's path
    get_settings.cache_clear()
    with unit_of_work(sqlite_url) as s:
        rid = make_round(s, at="penyusunan", state="diterima").id
    at = logged_in("penyusun", "pages/pengolahan.py")
    assert not at.exception
    at.button(key="susun_draf").click().run()
    assert not at.exception, at.exception
    job = jobs.running(("report.compile", rid))
    if job is not None:  # still building on this run (it nearly always is): the bar names the work
        bars = at.get("progress")
        assert bars and "Menyusun draf laporan" in bars[0].proto.text, [b.proto for b in bars]
        assert job.wait(120)
    at.run()  # the fragment's next tick, or the person's next click: the page reads the outcome
    assert not at.exception, at.exception
    assert "Draf laporan versi 1 disusun" in texts(at)
    assert not at.get("progress")
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(Report).where(Report.round_id == rid)) == 1


def test_a_refused_build_is_shown_as_its_message_and_stores_nothing(sqlite_url, monkeypatch):
    """The build is refused in core (here: as if the round had moved on under it): the page shows the job's
    Indonesian message, and no report is stored."""
    monkeypatch.setenv("KINERJA_FOREGROUND_SECONDS", "0")
    get_settings.cache_clear()
    with unit_of_work(sqlite_url) as s:
        rid = make_round(s, at="penyusunan", state="diterima").id

    def refused(session, actor, round_id, note=""):
        raise Conflict("Langkah 'Penyusunan Draf' sudah dikerjakan; muat ulang halaman.")

    monkeypatch.setattr(penyusunan, "compile_draft", refused)
    at = logged_in("penyusun", "pages/pengolahan.py")
    at.button(key="susun_draf").click().run()
    shown = " ".join(str(e.value).replace("\\", "") for e in at.error)  # refused at once: said on the click's own run
    newest = max(jobs._jobs)  # the job this click started
    assert jobs.get(newest).wait(30)
    at.run()
    assert not at.exception, at.exception
    shown += " ".join(str(e.value).replace("\\", "") for e in at.error)
    assert shown.count("sudah dikerjakan; muat ulang halaman") == 1, shown
    at.run()  # said once, then forgotten
    assert "sudah dikerjakan" not in " ".join(str(e.value) for e in at.error)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(Report).where(Report.round_id == rid)) == 0


def test_a_second_browser_follows_the_running_build_and_cannot_start_another(sqlite_url, monkeypatch):
    """Two Staf Penyusun on Pengolahan: the second sees the first one's build (its bar, the button disabled),
    then the same message; one draft is stored."""
    monkeypatch.setenv("KINERJA_FOREGROUND_SECONDS", "0")
    get_settings.cache_clear()
    with unit_of_work(sqlite_url) as s:
        rid = make_round(s, at="penyusunan", state="diterima").id
    release = threading.Event()
    real = penyusunan.compile_draft

    def held(session, actor, round_id, note=""):
        release.wait(30)  # the build is still running while the second browser looks
        return real(session, actor, round_id, note)

    monkeypatch.setattr(penyusunan, "compile_draft", held)
    first = logged_in("penyusun", "pages/pengolahan.py")
    first.button(key="susun_draf").click().run()
    assert not first.exception, first.exception
    assert first.button(key="susun_draf").disabled  # drawn after the click's callback started the build
    second = logged_in("penyusun", "pages/pengolahan.py")
    assert not second.exception, second.exception
    bars = second.get("progress")
    assert bars and "Menyusun draf laporan" in bars[0].proto.text
    assert second.button(key="susun_draf").disabled
    job = jobs.running(("report.compile", rid))
    release.set()
    assert job.wait(120)
    for at in (first, second):
        at.run()
        assert not at.exception, at.exception
        assert "Draf laporan versi 1 disusun" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(Report).where(Report.round_id == rid)) == 1


def test_the_e81_figures_of_a_line_read_as_indonesian_numbers_in_the_version_comparison():
    from core.report_versions import display_value

    assert display_value("real_q", ["42.2200", "61.2500", "64.8000", None]) == "42,22; 61,25; 64,8; –"
    assert display_value("real_q", ["4200000", None], "anggaran") == "Rp 4.200.000; –"
    assert display_value("renstra_years", {"2023": "12.5", "2024": None}) == "2023: 12,5; 2024: –"
    assert display_value("end_pagu", {"2.07.05": "1250000"}) == "2.07.05: Rp 1.250.000"
    assert display_value("renstra_prev_missing", [2023, 2024]) == "2023, 2024"  # years, not thousands
    assert display_value("budget_codes", ["2.07.05.2.02.0001"]) == "2.07.05.2.02.0001"
    assert display_value("spent_prev_missing", {"2.07": [2023]}) == "2.07: 2023"


def test_a_reissue_shows_its_bar_at_the_end_of_dokumentasi_then_its_message(sqlite_url, monkeypatch):
    """Terbitkan ulang sits at the end of Dokumentasi: its bar is drawn there (not at the top of a page scrolled
    down), the reason typed just before the click is the one stored, and the message names the round."""
    from db.models import Archive
    from tests.test_pages_steps_4_9 import _at_dokumentasi

    rid = _at_dokumentasi(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        dokumentasi.document(s, actor_for(s, "penyusun"), rid)
    monkeypatch.setenv("KINERJA_FOREGROUND_SECONDS", "0")
    get_settings.cache_clear()
    release = threading.Event()
    real = dokumentasi.reissue

    def held(session, actor, round_id, reason):
        release.wait(30)
        return real(session, actor, round_id, reason)

    monkeypatch.setattr(dokumentasi, "reissue", held)
    at = logged_in("penyusun", "pages/dokumentasi.py")
    at.text_area(key="terbit_ulang_alasan").input("Perbaikan tanda tangan Kepala Dinas.")
    at.button(key="terbit_ulang").click().run()
    assert not at.exception, at.exception
    bars = at.get("progress")
    assert len(bars) == 1 and "Menyusun versi final baru dan arsipnya" in bars[0].proto.text
    last = at.main.children[max(at.main.children)]  # the bar is the page's last element, under the expander
    assert "Progress()" in str(last)
    job = jobs.running(("report.document", rid))
    release.set()
    assert job.wait(120)
    at.run()
    assert not at.exception, at.exception
    assert "Versi final 3 diterbitkan dengan arsip baru (TW III 2026)." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert len(list(s.scalars(select(Archive)))) == 2
        assert s.scalars(select(Report).where(Report.round_id == rid, Report.version == 3)).one().note == \
            "Perbaikan tanda tangan Kepala Dinas."
