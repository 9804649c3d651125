"""SOP steps 4–9 through core, on SQLite and PostgreSQL: review, draft, dissemination, corrections in
versions, hand-over, documentation with a verifiable archive, and a reissue that never overwrites."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import archive, fmt, masterdata, report_versions, review, workflow
from core.errors import Conflict, InvalidInput, NotAllowed
from core.sop import step_by_code
from core.steps import disposisi, dokumentasi, isi_data, koreksi, pengolahan, penyusunan
from db.models import (
    Archive,
    AuditLog,
    BudgetLine,
    CollectionRound,
    Correction,
    Indicator,
    Realization,
    Report,
    ReportFile,
    Review,
    ReviewComment,
    StepRecord,
    Submission,
    Target,
)
from tests import factories
from tests.factories import make_round, resubmit, submission_of, unit

TODAY = dt.date(2026, 10, 5)
ALL_USERS = ("kadis", "sekdis", "kabid_lattas", "jft_mediator", "perencana", "penyusun", "admin", "pemantau")


def step_code(session, rnd) -> str:
    session.refresh(rnd)
    return next(s.code for s in [step_by_code(session, c) for c in (
        "disposisi", "distribusi", "isi_data", "pengolahan", "penyusunan", "sosialisasi", "koreksi", "serah",
        "dokumentasi")] if s.number == rnd.current_step)


def written(session) -> tuple[int, ...]:
    """Counts of every table a step 4–9 service writes to."""
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (
        AuditLog, Review, ReviewComment, Report, ReportFile, Correction, Archive, StepRecord))


def assert_refused_for_others(session, actors, allowed: set[str], call) -> None:
    """Every demo user outside `allowed` is refused with NotAllowed and nothing is written."""
    for username in ALL_USERS:
        if username in allowed:
            continue
        before = written(session)
        with pytest.raises(NotAllowed):
            call(actors[username])
        assert written(session) == before, f"{username} wrote something although refused"


def ind(session, code: str) -> Indicator:
    return session.scalar(select(Indicator).where(Indicator.code == code))


# --- step 4: pengolahan --------------------------------------------------------------------


def test_penyusun_accepts_every_submission_and_the_round_moves_to_penyusunan(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan")
    subs = list(rnd.submissions)
    for sub in subs[:-1]:
        pengolahan.accept(session, actors["penyusun"], sub.id, note="Lengkap.")
        assert step_code(session, rnd) == "pengolahan"
    pengolahan.accept(session, actors["penyusun"], subs[-1].id)
    session.commit()
    assert all(s.state == "diterima" for s in rnd.submissions)
    assert step_code(session, rnd) == "penyusunan"
    finished = session.scalar(select(StepRecord).where(StepRecord.round_id == rnd.id,
                                                       StepRecord.step_number == step_by_code(session, "pengolahan").number))
    assert finished.finished_at is not None and finished.actor_id == actors["penyusun"].user_id


def test_review_is_allowed_while_units_still_enter_data(session, actors):
    rnd = make_round(session, at="isi_data", states={"BID-LATTAS": "diajukan"}, state="draf")
    sub = submission_of(session, rnd, "BID-LATTAS")
    pengolahan.accept(session, actors["penyusun"], sub.id)
    assert sub.state == "diterima"
    assert step_code(session, rnd) == "isi_data"


def test_last_acceptance_at_isi_data_moves_the_round_past_pengolahan(session, actors):
    rnd = make_round(session, at="isi_data", state="diajukan")
    for sub in list(rnd.submissions):
        pengolahan.accept(session, actors["penyusun"], sub.id)
    assert step_code(session, rnd) == "penyusunan"


def test_round_waits_while_a_unit_has_no_submission(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan", skip_units=("BID-TRANS",))
    for sub in list(rnd.submissions):
        pengolahan.accept(session, actors["penyusun"], sub.id)
    assert step_code(session, rnd) == "pengolahan"
    overview = review.submissions_overview(session, factories.actor(session, "penyusun"), rnd.id, TODAY)
    missing = overview[overview["state"] == "tidak_ada"]
    assert list(missing["unit"]) == ["Bidang Transmigrasi"]


def test_return_needs_a_reason_and_every_return_stays_in_the_history(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    with pytest.raises(InvalidInput, match="alasan"):
        pengolahan.return_submission(session, actors["penyusun"], sub.id, "  ")
    pengolahan.return_submission(session, actors["penyusun"], sub.id, "Realisasi IK-03 belum sesuai data dukung.")
    assert sub.state == "dikembalikan"
    with pytest.raises(Conflict):
        pengolahan.accept(session, actors["penyusun"], sub.id)
    resubmit(session, sub)
    pengolahan.return_submission(session, actors["penyusun"], sub.id, "Bukti dukung IK-04 belum diunggah.")
    resubmit(session, sub)
    pengolahan.accept(session, actors["penyusun"], sub.id, note="Sudah diperbaiki.")
    session.commit()
    history = review.review_history(session, factories.actor(session, "penyusun"), sub.id)
    assert list(history["decision"]) == ["dikembalikan", "dikembalikan", "diterima"]
    assert history["reason"].iloc[0] == "Realisasi IK-03 belum sesuai data dukung."
    overview = review.submissions_overview(session, factories.actor(session, "penyusun"), rnd.id, TODAY).set_index("unit")
    assert overview.loc["Bidang Pelatihan dan Penempatan Tenaga Kerja", "returns"] == 2
    assert overview.loc["Bidang Pelatihan dan Penempatan Tenaga Kerja", "state"] == "diterima"


def test_only_submitted_data_can_be_decided(session, actors):
    rnd = make_round(session, at="pengolahan", states={"BID-IND": "draf"})
    sub = submission_of(session, rnd, "BID-IND")
    with pytest.raises(Conflict, match="diajukan"):
        pengolahan.accept(session, actors["penyusun"], sub.id)
    with pytest.raises(Conflict, match="diajukan"):
        pengolahan.return_submission(session, actors["penyusun"], sub.id, "Belum lengkap.")


def test_kepala_bidang_cannot_accept_own_submission(session, actors):
    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    before = written(session)
    with pytest.raises(NotAllowed, match="tidak berwenang"):
        pengolahan.accept(session, actors["kabid_lattas"], sub.id)
    assert written(session) == before and sub.state == "diajukan"


def test_only_the_penyusun_may_review(session, actors):
    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "BID-HIJS")
    assert_refused_for_others(session, actors, {"penyusun"}, lambda a: pengolahan.accept(session, a, sub.id))
    assert_refused_for_others(session, actors, {"penyusun"},
                              lambda a: pengolahan.return_submission(session, a, sub.id, "Alasan."))


def test_review_is_refused_once_the_draft_is_being_compiled(session, actors):
    rnd = make_round(session, at="penyusunan", state="diterima", states={"BID-IND": "diajukan"})
    sub = submission_of(session, rnd, "BID-IND")
    with pytest.raises(Conflict, match="langkah"):
        pengolahan.accept(session, actors["penyusun"], sub.id)


def test_overview_shows_deadline_in_force_lateness_and_returns(session, actors):
    from db.models import Extension

    rnd = make_round(session, at="pengolahan", state="diajukan", states={"BID-IND": "draf", "BID-TRANS": "draf"},
                     deadline=dt.date(2026, 10, 2))
    trans = submission_of(session, rnd, "BID-TRANS")
    session.add(Extension(submission_id=trans.id, old_deadline=trans.deadline, new_deadline=dt.date(2026, 10, 9),
                          reason="Data lapangan belum masuk.", granted_by_id=actors["sekdis"].user_id))
    session.flush()
    session.expire_all()
    df = review.submissions_overview(session, factories.actor(session, "penyusun"), rnd.id, TODAY).set_index("unit")
    assert df.loc["Bidang Perindustrian", "days_late"] == 3
    assert df.loc["Bidang Transmigrasi", "deadline"] == dt.date(2026, 10, 9)
    assert bool(df.loc["Bidang Transmigrasi", "extended"]) is True
    assert df.loc["Bidang Transmigrasi", "days_late"] == 0
    # submitted on 3 October against 2 October: one day late, even though accepted later
    assert df.loc["Bidang Pelatihan dan Penempatan Tenaga Kerja", "days_late"] == 1
    table = review.overview_table(df.reset_index())
    assert "2 Oktober 2026" in set(table["Tenggat"])


def test_detail_shows_values_against_targets_with_capaian_and_predikat(session, actors):
    rnd = make_round(session, at="pengolahan", factor=Decimal("0.9"))
    sub = submission_of(session, rnd, "BID-LATTAS")
    df = review.submission_detail(session, factories.actor(session, "penyusun"), sub.id).set_index("code")
    # positif: R / T = 0.9 → 90 % (Tinggi); negatif: (2T − 0.9T) / T = 110 % (Sangat Tinggi)
    target = session.scalar(select(Target).where(Target.indicator_id == ind(session, "IK-03").id, Target.year == 2026))
    assert df.loc["IK-03", "target_tw"] == target.q3
    assert df.loc["IK-03", "capaian_tw"] == Decimal("90.00")
    assert df.loc["IK-03", "predikat"] == "Tinggi"
    t, r = df.loc["IKU-01", "target_tw"], df.loc["IKU-01", "realisasi_tw"]
    assert df.loc["IKU-01", "capaian_tw"] == ((2 * t - r) / t * 100).quantize(Decimal("0.01"))
    assert df.loc["IKU-01", "capaian_tw"] > 100
    assert df.loc["IKU-01", "predikat"] == "Sangat Tinggi"
    assert df.loc["IK-03", "kendala"] == "Cuaca dan jarak tempuh."
    assert set(df.index) == {"IKU-01", "IK-02", "IK-03", "IK-04", "IK-05"}


def test_detail_shows_missing_value_as_reason_not_error(session, actors):
    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "BID-IND")
    real = next(r for r in sub.realizations if r.indicator.code == "IK-10")
    real.value = None
    session.flush()
    df = review.submission_detail(session, factories.actor(session, "penyusun"), sub.id).set_index("code")
    assert df.loc["IK-10", "capaian_tw"] is None
    assert df.loc["IK-10", "capaian_reason"] == "belum diisi"
    assert "– (belum diisi)" in list(review.detail_table(df.reset_index())["Capaian TW"])


def test_comment_flow_on_an_indicator_row_keeps_every_step(session, actors):
    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    ik03 = ind(session, "IK-03")
    c = pengolahan.add_comment(session, actors["penyusun"], sub.id, ik03.id, "Mohon lampirkan daftar penempatan.")
    with pytest.raises(InvalidInput):
        pengolahan.add_comment(session, actors["penyusun"], sub.id, ind(session, "IK-10").id, "Bukan indikator unit ini.")
    with pytest.raises(NotAllowed, match="unit lain"):
        pengolahan.respond_comment(session, actors["kabid_hijs"], c.id, "Bukan unit saya.")
    with pytest.raises(NotAllowed):
        pengolahan.respond_comment(session, actors["perencana"], c.id, "Saya perencana.")
    pengolahan.respond_comment(session, actors["kabid_lattas"], c.id, "Daftar penempatan sudah diunggah.")
    assert review.submission_detail(session, factories.actor(session, "penyusun"), sub.id).set_index("code").loc["IK-03", "open_comments"] == 1
    pengolahan.resolve_comment(session, actors["penyusun"], c.id)
    with pytest.raises(Conflict):
        pengolahan.respond_comment(session, actors["kabid_lattas"], c.id, "Ubah jawaban.")
    with pytest.raises(Conflict):
        pengolahan.resolve_comment(session, actors["penyusun"], c.id)
    session.commit()
    df = review.comments_for(session, factories.actor(session, "penyusun"), sub.id)
    assert len(df) == 1
    row = df.iloc[0]
    assert row["code"] == "IK-03" and row["text"] == "Mohon lampirkan daftar penempatan."
    assert row["response"] == "Daftar penempatan sudah diunggah."
    assert row["responded_by"] == "Agustinus Lawing, S.Sos." and bool(row["resolved"]) is True
    assert review.submission_detail(session, factories.actor(session, "penyusun"), sub.id).set_index("code").loc["IK-03", "open_comments"] == 0
    actions = set(session.scalars(select(AuditLog.action).where(AuditLog.entity == "review_comment")))
    assert actions == {"comment.create", "comment.respond", "comment.resolve"}


def test_kasubag_answers_for_the_sekretariat(session, actors):
    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "SEKRETARIAT")
    c = pengolahan.add_comment(session, actors["penyusun"], sub.id, None, "Serapan anggaran belum diisi.")
    pengolahan.respond_comment(session, actors["kasubag_keuren"], c.id, "Sudah kami lengkapi.")
    assert c.response == "Sudah kami lengkapi."


def test_only_the_penyusun_comments_and_resolves(session, actors):
    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    c = pengolahan.add_comment(session, actors["penyusun"], sub.id, None, "Catatan umum.")
    assert_refused_for_others(session, actors, {"penyusun"},
                              lambda a: pengolahan.add_comment(session, a, sub.id, None, "Catatan."))
    assert_refused_for_others(session, actors, {"penyusun"}, lambda a: pengolahan.resolve_comment(session, a, c.id))
    assert_refused_for_others(session, actors, {"kabid_lattas"},
                              lambda a: pengolahan.respond_comment(session, a, c.id, "Jawaban."))


# --- steps 5–9 -----------------------------------------------------------------------------


def _line(rep: Report, key: str) -> dict:
    return next(ln for ln in rep.lines if ln["key"] == key)


def _realization(session, rnd, code: str) -> Realization:
    return session.scalar(select(Realization).join(Submission).where(
        Submission.round_id == rnd.id, Realization.indicator_id == ind(session, code).id))


def _documented(session, actors, evidence: bool = True):
    rnd = make_round(session, at="penyusunan", state="diterima", evidence=evidence)
    penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    koreksi.hand_over(session, actors["perencana"], rnd.id)
    arc = dokumentasi.document(session, actors["penyusun"], rnd.id)
    session.commit()
    return rnd, arc


def test_draft_correct_twice_diff_hand_over_document_and_verify(session, actors):
    rnd = make_round(session, at="penyusunan", state="diterima", evidence=True)
    draft = penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    assert (draft.kind, draft.version) == ("draf", 1)
    assert draft.files and all(f.sha256 == hashlib.sha256(f.content).hexdigest() and f.size == len(f.content)
                               for f in draft.files)
    assert step_code(session, rnd) == "sosialisasi"

    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    assert step_code(session, rnd) == "koreksi"

    data_value = _line(draft, "IND:IK-03")["realisasi_tw"]
    c1 = koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "realisasi_tw",
                                  "Angka penempatan menurut SIAPkerja adalah 100 orang.", "100")
    with pytest.raises(Conflict, match="koreksi terbuka"):
        koreksi.hand_over(session, actors["perencana"], rnd.id)
    v2 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    assert (v2.kind, v2.version) == ("koreksi", 2)
    assert Decimal(_line(v2, "IND:IK-03")["realisasi_tw"]) == 100
    target = Decimal(_line(v2, "IND:IK-03")["target_tw"])
    assert Decimal(_line(v2, "IND:IK-03")["capaian_tw"]) == (Decimal(100) / target * 100).quantize(Decimal("0.01"))
    session.refresh(c1)
    assert c1.resolved and c1.applied_in_report_id == v2.id
    assert _line(draft, "IND:IK-03")["realisasi_tw"] == data_value  # the old version is untouched
    real = _realization(session, rnd, "IK-03")
    assert real.value == 100  # the correction changed the unit's data, not only the report

    with pytest.raises(Conflict, match="versi laporan terbaru"):
        koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "kendala", "Lama.")
    c2 = koreksi.add_correction(session, actors["perencana"], v2.id, "IND:IK-03", "realisasi_tw",
                                  "Keliru: gunakan angka yang dilaporkan bidang.",
                                  fmt.number(Decimal(data_value), 4))
    with pytest.raises(InvalidInput, match="Data Induk oleh Administrator"):
        koreksi.add_correction(session, actors["perencana"], v2.id, "BL:2.07.01.2.02.0001", "sub_kegiatan",
                                 "Nama sub kegiatan sesuai DPA.", "Penyediaan Gaji dan Tunjangan ASN (DPA)")
    # names are master data: the Administrator fixes them, the correction without a value re-reads the line
    line_id = session.scalar(select(BudgetLine.id).where(BudgetLine.code == "2.07.01.2.02.0001",
                                                         BudgetLine.year == 2026))
    masterdata.update_budget_line(session, actors["admin"], line_id,
                                  sub_kegiatan="Penyediaan Gaji dan Tunjangan ASN (DPA)")
    koreksi.add_correction(session, actors["perencana"], v2.id, "BL:2.07.01.2.02.0001", "sub_kegiatan",
                             "Nama sub kegiatan sesuai DPA (sudah diperbaiki di Data Induk).")
    v3 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    assert Decimal(_line(v3, "IND:IK-03")["realisasi_tw"]) == Decimal(data_value)
    assert _realization(session, rnd, "IK-03").value == Decimal(data_value)
    session.commit()

    diff12 = report_versions.diff_versions(session, factories.actor(session, "penyusun"), draft.id, v2.id)
    row = diff12[(diff12["line"] == "IND:IK-03") & (diff12["field"] == "realisasi_tw")].iloc[0]
    assert row["before"] == data_value and Decimal(row["after"]) == 100
    assert row["note"] == "Angka penempatan menurut SIAPkerja adalah 100 orang."
    assert "capaian_tw" in set(diff12[diff12["line"] == "IND:IK-03"]["field"])
    diff23 = report_versions.diff_versions(session, factories.actor(session, "penyusun"), v2.id, v3.id).set_index(["line", "field"])
    assert diff23.loc[("IND:IK-03", "realisasi_tw"), "note"] == c2.note
    assert diff23.loc[("BL:2.07.01.2.02.0001", "sub_kegiatan"), "after"] == "Penyediaan Gaji dan Tunjangan ASN (DPA)"
    assert report_versions.diff_versions(session, factories.actor(session, "penyusun"), draft.id, v3.id).set_index(["line", "field"]).index.isin(
        [("BL:2.07.01.2.02.0001", "sub_kegiatan")]).any()

    koreksi.hand_over(session, actors["perencana"], rnd.id)
    assert step_code(session, rnd) == "dokumentasi"
    arc = dokumentasi.document(session, actors["penyusun"], rnd.id)
    session.commit()
    final = session.get(Report, arc.report_id)
    assert (final.kind, final.version) == ("final", 4)
    assert _line(final, "BL:2.07.01.2.02.0001")["sub_kegiatan"] == "Penyediaan Gaji dan Tunjangan ASN (DPA)"
    rnd = session.get(CollectionRound, rnd.id)
    assert rnd.status == "selesai" and rnd.closed_at is not None
    assert all(r.finished_at is not None for r in rnd.step_records)
    assert list(report_versions.versions(session, factories.actor(session, "penyusun"), rnd.id)["kind"]) == ["draf", "koreksi", "koreksi", "final"]

    path = archive.archive_path(arc.path)
    assert path.is_file() and path.parent.parent == archive.get_settings().archive_dir
    assert not Path(arc.path).is_absolute()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == arc.sha256 and len(data) == arc.size
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {f"laporan/{f.name}" for f in final.files} <= names
    assert {"manifest.json", "data/realisasi-indikator.csv", "data/realisasi-anggaran.csv",
            "data/data-pengumpulan.json", "riwayat/langkah.csv", "riwayat/pemeriksaan.csv",
            "riwayat/catatan-pemeriksa.csv", "riwayat/koreksi.csv", "riwayat/riwayat.json"} <= names
    assert sum(1 for n in names if n.startswith("bukti/")) == 15
    history = zipfile.ZipFile(io.BytesIO(data)).read("riwayat/koreksi.csv").decode("utf-8-sig")
    assert "Angka penempatan menurut SIAPkerja" in history
    check = archive.verify_archive(session, actors["penyusun"], arc.id)
    assert check.ok and set(check.members["status"]) == {"ok"}
    assert len(check.members) == len(arc.manifest)


def test_tampering_with_the_archive_on_disk_is_detected(session, actors):
    _rnd, arc = _documented(session, actors)
    path = archive.archive_path(arc.path)
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            if name == "riwayat/langkah.csv":
                continue
            content = src.read(name)
            if name == "data/realisasi-indikator.csv":
                content = content.replace(b";", b",", 1)
            out.writestr(name, content)
    path.write_bytes(buf.getvalue())
    check = archive.verify_archive(session, actors["penyusun"], arc.id)
    status = dict(zip(check.members["name"], check.members["status"]))
    assert not check.ok and check.file_status == "changed"
    assert status["data/realisasi-indikator.csv"] == "changed"
    assert status["riwayat/langkah.csv"] == "missing"
    assert status["riwayat/riwayat.json"] == "ok"
    path.unlink()
    gone = archive.verify_archive(session, actors["penyusun"], arc.id)
    assert gone.file_status == "missing" and set(gone.members["status"]) == {"missing"}


def test_documented_round_refuses_every_change(session, actors):
    rnd, arc = _documented(session, actors, evidence=False)
    sub = submission_of(session, rnd, "BID-LATTAS")
    draft = session.scalar(select(Report).where(Report.round_id == rnd.id, Report.version == 1))
    attempts = [
        lambda: pengolahan.accept(session, actors["penyusun"], sub.id),
        lambda: pengolahan.return_submission(session, actors["penyusun"], sub.id, "Terlambat."),
        lambda: pengolahan.add_comment(session, actors["penyusun"], sub.id, None, "Catatan."),
        lambda: penyusunan.compile_draft(session, actors["penyusun"], rnd.id),
        lambda: koreksi.send_to_planner(session, actors["sekdis"], rnd.id),
        lambda: koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "kendala", "x"),
        lambda: koreksi.apply_corrections(session, actors["penyusun"], rnd.id),
        lambda: koreksi.hand_over(session, actors["perencana"], rnd.id),
        lambda: dokumentasi.document(session, actors["penyusun"], rnd.id),
        lambda: isi_data.submit(session, actors["kabid_lattas"], sub.id),
    ]
    for attempt in attempts:
        before = written(session)
        with pytest.raises(Conflict, match="didokumentasikan"):
            attempt()
        assert written(session) == before
    with pytest.raises(Conflict):
        workflow.ensure_open(rnd)


def test_reissue_makes_a_new_version_and_leaves_the_old_archive_byte_identical(session, actors):
    rnd, arc = _documented(session, actors)
    old_bytes = archive.archive_path(arc.path).read_bytes()
    old_report = session.get(Report, arc.report_id)
    old_files = {f.name: f.sha256 for f in old_report.files}
    with pytest.raises(InvalidInput, match="alasan"):
        dokumentasi.reissue(session, actors["penyusun"], rnd.id, " ")
    assert_refused_for_others(session, actors, {"penyusun"},
                              lambda a: dokumentasi.reissue(session, a, rnd.id, "Perbaikan."))
    before = written(session)
    with pytest.raises(InvalidInput, match="Data Induk oleh Administrator"):
        dokumentasi.reissue(session, actors["penyusun"], rnd.id, "Perbaikan nama sub kegiatan sesuai DPPA.",
                          changes=[("BL:2.07.01.2.02.0001", "sub_kegiatan", "Penyediaan Gaji ASN (DPPA)")])
    assert written(session) == before
    old_value = _realization(session, rnd, "IK-03").value
    arc2 = dokumentasi.reissue(session, actors["penyusun"], rnd.id, "Realisasi IK-03 sesuai daftar penempatan.",
                             changes=[("IND:IK-03", "realisasi_tw", "100")])
    session.commit()
    new_report = session.get(Report, arc2.report_id)
    assert (new_report.kind, new_report.version) == ("final", old_report.version + 1)
    assert arc2.version == arc.version + 1 and arc2.path != arc.path
    assert Decimal(_line(new_report, "IND:IK-03")["realisasi_tw"]) == 100
    real = _realization(session, rnd, "IK-03")
    assert real.value == 100 and real.updated_by_id == actors["penyusun"].user_id
    row = session.scalar(select(AuditLog).where(AuditLog.action == "realization.correct"))
    assert Decimal(row.before["value"]) == old_value and Decimal(row.after["value"]) == 100
    assert row.after["reason"]["note"] == "Realisasi IK-03 sesuai daftar penempatan."
    assert archive.archive_path(arc.path).read_bytes() == old_bytes
    session.refresh(old_report)
    assert {f.name: f.sha256 for f in old_report.files} == old_files
    assert Decimal(_line(old_report, "IND:IK-03")["realisasi_tw"]) == old_value
    penyusun = actors["penyusun"]
    assert archive.verify_archive(session, penyusun, arc.id).ok and archive.verify_archive(session, penyusun, arc2.id).ok
    assert len(archive.archives(session)) == 2


def test_reissue_is_only_for_documented_rounds(session, actors):
    rnd = make_round(session, at="koreksi", state="diterima")
    with pytest.raises(Conflict, match="sudah didokumentasikan"):
        dokumentasi.reissue(session, actors["penyusun"], rnd.id, "Perbaikan.")


def test_correction_must_point_at_a_real_line_and_field(session, actors):
    rnd = make_round(session, at="penyusunan", state="diterima")
    draft = penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    perencana = actors["perencana"]
    with pytest.raises(InvalidInput, match="Baris"):
        koreksi.add_correction(session, perencana, draft.id, "IND:TIDAK-ADA", "kendala", "x")
    with pytest.raises(InvalidInput, match="Kolom"):
        koreksi.add_correction(session, perencana, draft.id, "IND:IK-03", "warna", "x")
    with pytest.raises(InvalidInput, match="catatan"):
        koreksi.add_correction(session, perencana, draft.id, "IND:IK-03", "kendala", " ")
    with pytest.raises(InvalidInput, match="angka"):
        koreksi.add_correction(session, perencana, draft.id, "IND:IK-03", "realisasi_tw", "Salah.", "seratus")
    c = koreksi.add_correction(session, perencana, draft.id, "IND:IK-03", "realisasi_tw", "Salah.", "1.250,5")
    assert c.proposed_value == "1250.5"
    table = report_versions.corrections_table(session, factories.actor(session, "penyusun"), rnd.id)
    assert table.iloc[-1]["proposed_label"] == "1.250,5"  # shown as typed, the Indonesian way
    assert table.iloc[-1]["author"] == perencana.full_name
    koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    with pytest.raises(Conflict, match="Tidak ada koreksi"):
        koreksi.apply_corrections(session, actors["penyusun"], rnd.id)


def test_each_step_refuses_roles_that_may_not_do_it(session, actors):
    rnd = make_round(session, at="penyusunan", state="diterima")
    assert_refused_for_others(session, actors, {"penyusun"},
                              lambda a: penyusunan.compile_draft(session, a, rnd.id))
    draft = penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    assert_refused_for_others(session, actors, {"sekdis"}, lambda a: koreksi.send_to_planner(session, a, rnd.id))
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    assert_refused_for_others(session, actors, {"perencana"}, lambda a: koreksi.add_correction(
        session, a, draft.id, "IND:IK-03", "kendala", "Perlu dilengkapi."))
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "kendala", "Perlu dilengkapi.",
                             "Jarak tempuh.")
    assert_refused_for_others(session, actors, {"penyusun"},
                              lambda a: koreksi.apply_corrections(session, a, rnd.id))
    koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    assert_refused_for_others(session, actors, {"perencana"}, lambda a: koreksi.hand_over(session, a, rnd.id))
    koreksi.hand_over(session, actors["perencana"], rnd.id)
    assert_refused_for_others(session, actors, {"penyusun"}, lambda a: dokumentasi.document(session, a, rnd.id))
    dokumentasi.document(session, actors["penyusun"], rnd.id)


def test_steps_are_refused_out_of_order(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan")
    with pytest.raises(Conflict, match="Penyusunan Draf"):
        penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    with pytest.raises(Conflict):
        koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    with pytest.raises(Conflict):
        koreksi.hand_over(session, actors["perencana"], rnd.id)
    with pytest.raises(Conflict):
        dokumentasi.document(session, actors["penyusun"], rnd.id)


def test_correction_without_a_value_is_recomputed_from_the_data(session, actors):
    rnd = make_round(session, at="penyusunan", state="diterima")
    draft = penyusunan.compile_draft(session, actors["penyusun"], rnd.id)
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    sub = submission_of(session, rnd, "BID-LATTAS")
    real = next(r for r in sub.realizations if r.indicator.code == "IK-04")
    real.kendala = "Instruktur terbatas."  # e.g. fixed in the data after the draft was made
    session.flush()
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-04", "kendala",
                             "Kendala belum mutakhir; ambil dari data unit.")
    v2 = koreksi.apply_corrections(session, actors["penyusun"], rnd.id)
    assert _line(v2, "IND:IK-04")["kendala"] == "Instruktur terbatas."
    assert _line(draft, "IND:IK-04")["kendala"] == "Cuaca dan jarak tempuh."


def test_audit_rows_are_written_with_each_step(session, actors):
    rnd, arc = _documented(session, actors, evidence=False)
    actions = list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    for action in ("report.draf", "report.final", "round.advance", "round.close", "archive.create"):
        assert action in actions
    assert unit(session, "BID-LATTAS") is not None and arc.manifest


# --- the whole SOP round through core, by every role ---------------------------------------

PDF = factories.PDF
HEADS = {"BID-LATTAS": "kabid_lattas", "BID-HIJS": "kabid_hijs", "BID-IND": "kabid_ind",
         "BID-TRANS": "kabid_trans", "SEKRETARIAT": "kasubag_keuren", "JFT": "jft_mediator"}


def _fill_and_submit(session, actor, sub, factor=Decimal(1)) -> int:
    from core import evidence
    from core.steps import isi_data
    from db.models import BudgetLine

    uploaded = 0
    inds = list(session.scalars(select(Indicator).where(Indicator.owner_unit_id == sub.unit_id)))
    changes = {}
    for i in inds:
        t = session.scalar(select(Target).where(Target.indicator_id == i.id, Target.year == 2026))
        changes[i.id] = {"Realisasi TW": t.q3 * factor, "Catatan": "Sesuai data dukung.",
                         "Faktor pendorong": "Dukungan mitra kerja."}
    isi_data.save_entries(session, actor, sub.id, changes)
    for i in inds:
        if i.needs_evidence:
            evidence.store_evidence(session, actor, sub.id, i.id, f"bukti-{i.code}.pdf", PDF + i.code.encode())
            uploaded += 1
    lines = session.scalars(select(BudgetLine).where(BudgetLine.owner_unit_id == sub.unit_id,
                                                     BudgetLine.year == 2026))
    isi_data.save_budget(session, actor, sub.id, {bl.id: (bl.pagu / 10).quantize(Decimal(1)) for bl in lines})
    isi_data.submit(session, actor, sub.id)
    return uploaded


def test_full_round_through_core_by_every_sop_role(session, actors):
    from core import evidence
    from core.steps import isi_data

    rnd = disposisi.open_round(session, actors["kadis"], 2026, 3, "Kumpulkan data kinerja TW III 2026.",
                            dt.date(2026, 10, 15), today=TODAY)
    disposisi.distribute(session, actors["sekdis"], rnd.id)
    session.commit()
    assert step_code(session, rnd) == "isi_data"
    uploaded = 0
    for code, username in HEADS.items():
        sub = submission_of(session, rnd, code)
        isi_data.acknowledge(session, actors[username], sub.id)
        uploaded += _fill_and_submit(session, actors[username], sub)
    session.commit()
    assert step_code(session, rnd) == "pengolahan"

    penyusun = actors["penyusun"]
    lattas = submission_of(session, rnd, "BID-LATTAS")
    ik03 = ind(session, "IK-03")
    comment = pengolahan.add_comment(session, penyusun, lattas.id, ik03.id, "Angka penempatan belum sesuai daftar.")
    pengolahan.return_submission(session, penyusun, lattas.id, "Perbaiki realisasi IK-03 sesuai daftar penempatan.")
    session.commit()
    kabid = actors["kabid_lattas"]
    pengolahan.respond_comment(session, kabid, comment.id, "Sudah disesuaikan dengan daftar penempatan.")
    isi_data.save_entries(session, kabid, lattas.id, {ik03.id: {"Realisasi TW": Decimal(175), "Kendala": "Lowongan terbatas.",
                                                          "Tindak lanjut": "Job fair triwulan IV."}})
    isi_data.submit(session, kabid, lattas.id)
    pengolahan.resolve_comment(session, penyusun, comment.id)
    for sub in list(rnd.submissions):
        pengolahan.accept(session, penyusun, sub.id)
    session.commit()
    assert step_code(session, rnd) == "penyusunan"
    assert list(review.review_history(session, factories.actor(session, "penyusun"), lattas.id)["decision"]) == ["dikembalikan", "diterima"]

    draft = penyusunan.compile_draft(session, penyusun, rnd.id)
    assert _line(draft, "IND:IK-03")["realisasi_tw"].startswith("175")
    koreksi.send_to_planner(session, actors["sekdis"], rnd.id)
    koreksi.add_correction(session, actors["perencana"], draft.id, "IND:IK-03", "kendala",
                             "Tambahkan kendala pendataan.", "Pendataan penempatan di kecamatan terlambat.")
    v2 = koreksi.apply_corrections(session, penyusun, rnd.id)
    koreksi.hand_over(session, actors["perencana"], rnd.id)
    arc = dokumentasi.document(session, penyusun, rnd.id)
    session.commit()

    diff = report_versions.diff_versions(session, factories.actor(session, "penyusun"), draft.id, v2.id)
    assert list(diff["note"]) == ["Tambahkan kendala pendataan.", "Dihimpun ulang dari isian unit kerja."]
    assert list(diff["line"]) == ["IND:IK-03", "CATATAN"]  # the E.81 footer compiles the kendala
    check = archive.verify_archive(session, actors["penyusun"], arc.id)
    assert check.ok
    evidence_members = [n for n in check.members["name"] if n.startswith("bukti/")]
    assert len(evidence_members) == uploaded
    timeline_rows = __import__("core.timeline", fromlist=["round_timeline"]).round_timeline(
        session, rnd.id, dt.datetime(2026, 10, 6))
    assert set(timeline_rows["status"]) == {"selesai"}
    assert timeline_rows.set_index("code").loc["koreksi", "actor_name"] == "Dewi Kartika Sari, S.E., M.Ec.Dev."

    # documented: the round's data is read-only for everyone
    before = written(session)
    with pytest.raises(Conflict, match="didokumentasikan"):
        isi_data.save_entries(session, kabid, lattas.id, {ik03.id: {"Realisasi TW": Decimal(1)}})
    with pytest.raises(Conflict):
        isi_data.submit(session, kabid, lattas.id)
    with pytest.raises(Conflict):
        evidence.store_evidence(session, kabid, lattas.id, ik03.id, "lagi.pdf", PDF)
    with pytest.raises(Conflict, match="didokumentasikan"):
        pengolahan.accept(session, penyusun, lattas.id)
    with pytest.raises(Conflict, match="didokumentasikan"):
        pengolahan.respond_comment(session, kabid, comment.id, "Tambahan.")
    assert written(session) == before


def test_users_of_another_office_cannot_act_on_the_round(session, actors):
    import dataclasses

    rnd = make_round(session, at="pengolahan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    stranger = dataclasses.replace(actors["penyusun"], office_id=99999)
    before = written(session)
    with pytest.raises(NotAllowed, match="perangkat daerah lain"):
        pengolahan.accept(session, stranger, sub.id)
    with pytest.raises(NotAllowed, match="perangkat daerah lain"):
        pengolahan.add_comment(session, stranger, sub.id, None, "Catatan.")
    assert written(session) == before
    rnd2 = make_round(session, at="penyusunan", state="diterima", quarter=4)
    with pytest.raises(NotAllowed, match="perangkat daerah lain"):
        penyusunan.compile_draft(session, stranger, rnd2.id)
