"""Pengolahan, Sosialisasi & Koreksi and Dokumentasi pages through AppTest, as each role that uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import archive, report_versions, round_status
from core.auth import actor_for
from core.steps import dokumentasi, koreksi, pengolahan, penyusunan
from core.uow import unit_of_work
from db.models import (
    Archive,
    CollectionRound,
    Correction,
    Indicator,
    Realization,
    Report,
    Review,
    ReviewComment,
    Submission,
)
from tests import factories
from tests.apptest import logged_in, texts
from tests.factories import make_round, submission_of

ROOT = Path(__file__).resolve().parent.parent
REFUSAL = "Halaman ini tidak tersedia untuk peran"


def _round(url, **kw) -> int:
    with unit_of_work(url) as s:
        return make_round(s, **kw).id


def _step(url, round_id) -> str:
    with unit_of_work(url) as s:
        return round_status.round_status(s, factories.actor(s, "penyusun"), round_id).step_code


def _ok(at):
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("username,page", [
    ("kabid_lattas", "pages/pengolahan.py"), ("perencana", "pages/pengolahan.py"), ("sekdis", "pages/pengolahan.py"),
    ("kadis", "pages/koreksi.py"), ("kabid_lattas", "pages/koreksi.py"), ("pemantau", "pages/koreksi.py"),
])
def test_roles_outside_the_step_are_refused(sqlite_url, username, page):
    with pytest.raises(ValueError):  # the navigation does not offer the page
        logged_in(username).switch_page(page)
    # typed as a URL, the page itself refuses before showing anything
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    with unit_of_work(sqlite_url) as s:
        at.session_state["actor"] = actor_for(s, username)
    at = _ok(at.run())
    assert REFUSAL in texts(at)
    assert not at.button and not at.dataframe


def test_dokumentasi_is_listed_for_every_role_and_the_others_only_for_their_roles():
    from core.navigation import page_allowed

    assert all(page_allowed(r, "pages/dokumentasi.py") for r in ("kepala_dinas", "pemantau", "admin", "kepala_bidang",
                                                                "jft", "penyusun", "perencana"))
    assert page_allowed("penyusun", "pages/pengolahan.py") and not page_allowed("kepala_bidang", "pages/pengolahan.py")
    assert {r for r in ("sekretaris", "perencana", "penyusun", "kepala_dinas") if
            page_allowed(r, "pages/koreksi.py")} == {"sekretaris", "perencana", "penyusun"}


def test_pengolahan_without_a_round_says_so(sqlite_url):
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    assert "Belum ada pengumpulan data yang berjalan" in texts(at)


def test_penyusun_accepts_returns_and_comments_on_pengolahan(sqlite_url):
    rid = _round(sqlite_url, at="pengolahan", state="diajukan")
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    shown = texts(at)
    assert "Pengolahan" in shown and "Realisasi terhadap target, capaian dan predikat" in shown
    assert at.dataframe[0].value["Unit"].tolist()[0] == "Sekretariat"
    first_unit = at.selectbox(key="pengolahan_unit").value
    first_unit_label = at.selectbox(key="pengolahan_unit").options[at.selectbox(key="pengolahan_unit").index]

    # return without a reason: refused, in Indonesian
    at.button[[b.label for b in at.button].index("Kembalikan")].click().run()
    assert "Tuliskan alasan pengembalian" in texts(at)

    at.text_area(key="alasan_kembali").input("Bukti dukung belum lengkap.")
    at.button[[b.label for b in at.button].index("Kembalikan")].click().run()
    _ok(at)
    assert "dikembalikan kepada unit" in texts(at)

    at.selectbox(key="catatan_baris").select(None)
    at.text_area(key="catatan_isi").input("Mohon periksa kembali satuan.")
    at.button[[b.label for b in at.button].index("Simpan catatan")].click().run()
    _ok(at)
    assert "Mohon periksa kembali satuan." in texts(at)
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("selesai_"))).click().run()
    _ok(at)
    assert "Catatan ditandai selesai." in texts(at)

    unit_box = at.selectbox(key="pengolahan_unit")
    unit_box.select_index(next(i for i, o in enumerate(unit_box.options) if o != first_unit_label)).run()
    at.button[[b.label for b in at.button].index("Terima")].click().run()
    _ok(at)
    with unit_of_work(sqlite_url) as s:
        decisions = list(s.scalars(select(Review.decision).join(Review.submission).where(
            Review.submission.has(round_id=rid))))
        assert sorted(decisions) == ["dikembalikan", "diterima"]
        assert s.scalar(select(ReviewComment.resolved)) is True
    assert first_unit is not None


def test_penyusun_compiles_the_draft_when_everything_is_accepted(sqlite_url):
    rid = _round(sqlite_url, at="penyusunan", state="diterima")
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    at.button(key="susun_draf").click().run()
    _ok(at)
    assert "Draf laporan versi 1 disusun" in texts(at)
    assert _step(sqlite_url, rid) == "sosialisasi"


def test_sekretaris_disseminates_the_draft(sqlite_url):
    rid = _round(sqlite_url, at="penyusunan", state="diterima")
    with unit_of_work(sqlite_url) as s:
        penyusunan.compile_draft(s, actor_for(s, "penyusun"), rid)
    at = _ok(logged_in("perencana", "pages/koreksi.py"))
    assert "menunggu disosialisasikan oleh Sekretaris" in texts(at)
    at = _ok(logged_in("sekdis", "pages/koreksi.py"))
    assert "Rekap draf laporan — versi 1" in texts(at)
    at.button[[b.label for b in at.button].index("Sosialisasikan draf")].click().run()
    _ok(at)
    assert "Draf disampaikan kepada JFT Perencana" in texts(at)
    assert _step(sqlite_url, rid) == "koreksi"


def _at_koreksi(url) -> int:
    rid = _round(url, at="penyusunan", state="diterima")
    with unit_of_work(url) as s:
        penyusunan.compile_draft(s, actor_for(s, "penyusun"), rid)
        koreksi.send_to_planner(s, actor_for(s, "sekdis"), rid)
    return rid


def test_perencana_notes_a_correction_and_cannot_hand_over_while_it_is_open(sqlite_url):
    rid = _at_koreksi(sqlite_url)
    at = _ok(logged_in("perencana", "pages/koreksi.py"))
    at.selectbox(key="koreksi_baris").set_value("IND:IK-03").run()
    at.selectbox(key="koreksi_kolom").set_value("realisasi_tw").run()
    at.text_area(key="koreksi_catatan").input("Sesuaikan dengan daftar penempatan.")
    at.text_input(key="koreksi_nilai").input("120")
    at.button(key="simpan_koreksi").click().run()
    _ok(at)
    assert "Koreksi dicatat" in texts(at)
    assert "Masih ada 1 koreksi terbuka" in texts(at)
    # the form is empty for the next correction; a failed save would have kept what was typed
    assert at.text_area(key="koreksi_catatan").value == "" and at.text_input(key="koreksi_nilai").value == ""
    at.button(key="simpan_koreksi").click().run()
    assert "Tuliskan catatan koreksi" in texts(at)
    assert at.button(key="serahkan").disabled
    with unit_of_work(sqlite_url) as s:
        c = s.scalar(select(Correction))
        assert (c.line_key, c.field, c.proposed_value) == ("IND:IK-03", "realisasi_tw", "120")
    assert _step(sqlite_url, rid) == "koreksi"


def test_kolom_offers_only_the_entered_fields_in_indonesian_and_says_the_data_changes(sqlite_url):
    _at_koreksi(sqlite_url)
    at = _ok(logged_in("perencana", "pages/koreksi.py"))
    at.selectbox(key="koreksi_baris").set_value("IND:IK-03").run()
    assert at.selectbox(key="koreksi_kolom").options == [
        "(seluruh baris, dibaca ulang dari data)", "Realisasi TW", "Kendala", "Tindak lanjut", "Alasan tidak diukur",
        "Faktor pendorong"]
    at.selectbox(key="koreksi_baris").set_value("BL:2.07.01.2.02.0001").run()
    assert at.selectbox(key="koreksi_kolom").options == ["(seluruh baris, dibaca ulang dari data)", "Realisasi TW"]
    assert "Menerapkan koreksi mengubah data unit kerja" in texts(at)


def test_a_text_correction_starts_from_the_lines_text_on_several_lines(sqlite_url):
    """The planner correcting the E.81's faktor penghambat sees the text the line holds now, in a text area,
    and proposes an edited text of several lines; what is stored is that whole text."""
    rid = _at_koreksi(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        current = report_versions.latest_report(s, rid).lines
    penghambat = next(x for x in current if x["key"] == "CATATAN")["faktor_penghambat"]
    at = _ok(logged_in("perencana", "pages/koreksi.py"))
    at.selectbox(key="koreksi_baris").set_value("CATATAN").run()
    at.selectbox(key="koreksi_kolom").set_value("faktor_penghambat").run()
    area = at.text_area(key="koreksi_teks_CATATAN_faktor_penghambat")
    assert area.value == penghambat and penghambat
    assert not at.text_input  # no one-line box for a text
    edited = penghambat + "\n• Banjir di Kecamatan Embaloh Hulu pada bulan Agustus."
    area.input(edited)
    at.text_area(key="koreksi_catatan").input("Tambahkan faktor banjir.")
    at.button(key="simpan_koreksi").click().run()
    _ok(at)
    with unit_of_work(sqlite_url) as s:
        c = s.scalar(select(Correction))
        assert (c.line_key, c.field, c.proposed_value) == ("CATATAN", "faktor_penghambat", edited)
    # the form is drawn again from the line's text (the correction is applied by the penyusun, later)
    at.selectbox(key="koreksi_kolom").set_value("faktor_penghambat").run()
    assert at.text_area(key="koreksi_teks_CATATAN_faktor_penghambat").value == penghambat
    assert at.text_area(key="koreksi_catatan").value == ""


def test_penyusun_applies_corrections_and_sees_the_diff_then_perencana_hands_over(sqlite_url):
    rid = _at_koreksi(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        draft = report_versions.latest_report(s, rid)
        koreksi.add_correction(s, actor_for(s, "perencana"), draft.id, "IND:IK-03", "realisasi_tw",
                                 "Sesuaikan dengan daftar penempatan.", "120")
    at = _ok(logged_in("penyusun", "pages/koreksi.py"))
    at.button(key="terapkan_koreksi").click().run()
    _ok(at)
    assert "Koreksi diterapkan pada versi 2" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(Realization.value).join(Indicator).join(Submission).where(
            Indicator.code == "IK-03", Submission.round_id == rid)) == 120  # the unit's data, not only the report
    diff = at.table[-1].value
    assert "Sesuaikan dengan daftar penempatan." in diff["Catatan koreksi"].tolist()
    assert "120" in diff["Sesudah"].tolist()

    at = _ok(logged_in("perencana", "pages/koreksi.py"))
    assert not at.button(key="serahkan").disabled
    at.button(key="serahkan").click().run()
    _ok(at)
    assert _step(sqlite_url, rid) == "dokumentasi"


def _at_dokumentasi(url) -> int:
    rid = _at_koreksi(url)
    with unit_of_work(url) as s:
        koreksi.hand_over(s, actor_for(s, "perencana"), rid)
    return rid


def test_penyusun_documents_and_verifies_the_archive(sqlite_url):
    rid = _at_dokumentasi(sqlite_url)
    at = _ok(logged_in("penyusun", "pages/dokumentasi.py"))
    assert at.button(key="dokumentasikan").disabled
    at.checkbox(key="yakin_dokumentasi").check().run()
    at.button(key="dokumentasikan").click().run()
    _ok(at)
    assert "Laporan final versi 2 didokumentasikan" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.get(CollectionRound, rid).status == "selesai"
        arc_id = s.scalar(select(Archive.id))
    at.button(key=f"verifikasi_{arc_id}").click().run()
    _ok(at)
    assert "Arsip utuh" in texts(at)
    # the zip is prepared in this session first, then offered as bytes (never a deferred file that can vanish)
    at.button(key=f"siapkan_arsip_{arc_id}").click().run()
    buttons = {b.label: b for b in at.get("download_button")}
    assert "Unduh arsip (.zip)" in buttons
    assert buttons["Unduh arsip (.zip)"].proto.url  # served from this session's bytes


def test_every_role_reads_the_archive_but_only_the_penyusun_documents(sqlite_url):
    rid = _at_dokumentasi(sqlite_url)
    at = _ok(logged_in("pemantau", "pages/dokumentasi.py"))
    assert "menunggu didokumentasikan oleh Staf Penyusun" in texts(at)
    assert not any(b.key == "dokumentasikan" for b in at.button)
    with unit_of_work(sqlite_url) as s:
        dokumentasi.document(s, actor_for(s, "penyusun"), rid)
    for username in ("kadis", "kabid_lattas", "perencana", "pemantau"):
        at = _ok(logged_in(username, "pages/dokumentasi.py"))
        assert "Arsip laporan" in texts(at)
        assert "TW III 2026" in at.dataframe[0].value["Triwulan"].tolist()
        assert not any(b.key == "terbit_ulang" for b in at.button)
        # who gets which archive is core's read rule (tests/test_download_scope.py checks the bytes)
        labels = [b.label for b in at.button]
        if username == "kabid_lattas":
            assert "Siapkan arsip bagian unit Anda (.zip)" in labels and "Siapkan arsip (.zip)" not in labels
            assert "Arsip bagian unit Anda (Bidang" in texts(at)
        else:
            assert "Siapkan arsip (.zip)" in labels and "Arsip bagian unit Anda" not in texts(at)


def test_tampered_archive_is_reported_on_the_page(sqlite_url):
    rid = _at_dokumentasi(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        arc = dokumentasi.document(s, actor_for(s, "penyusun"), rid)
        path, arc_id = archive.archive_path(arc.path), arc.id
    with open(path, "ab") as f:
        f.write(b"tambahan")
    at = _ok(logged_in("kadis", "pages/dokumentasi.py"))
    at.button(key=f"verifikasi_{arc_id}").click().run()
    assert "Arsip TIDAK utuh" in texts(at)


def test_penyusun_reissues_a_documented_round(sqlite_url):
    rid = _at_dokumentasi(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        dokumentasi.document(s, actor_for(s, "penyusun"), rid)
    at = _ok(logged_in("penyusun", "pages/dokumentasi.py"))
    at.text_area(key="terbit_ulang_alasan").input("Perbaikan tanda tangan.")
    at.button(key="terbit_ulang").click().run()
    _ok(at)
    assert "Versi final 3 diterbitkan dengan arsip baru (TW III 2026)." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert [r.version for r in s.scalars(select(Report).where(Report.round_id == rid))] == [1, 2, 3]
        assert len(list(s.scalars(select(Archive)))) == 2


def test_penyusun_sees_the_comment_and_the_units_answer(sqlite_url):
    rid = _round(sqlite_url, at="pengolahan")
    with unit_of_work(sqlite_url) as s:
        sub = submission_of(s, s.get(CollectionRound, rid), "BID-LATTAS")
        c = pengolahan.add_comment(s, actor_for(s, "penyusun"), sub.id, None, "Lengkapi bukti.")
        pengolahan.respond_comment(s, actor_for(s, "kabid_lattas"), c.id, "Sudah dilengkapi.")
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    at.selectbox(key="pengolahan_unit").set_value("Bidang Pelatihan dan Penempatan Tenaga Kerja").run()
    shown = texts(at)
    assert "Lengkapi bukti." in shown and "Jawaban unit: Sudah dilengkapi." in shown


def test_unit_answers_the_reviewers_note_and_sees_the_return_reasons_on_isi_data(sqlite_url):
    rid = _round(sqlite_url, at="pengolahan", state="diajukan")
    with unit_of_work(sqlite_url) as s:
        sub = submission_of(s, s.get(CollectionRound, rid), "BID-LATTAS")
        penyusun = actor_for(s, "penyusun")
        c = pengolahan.add_comment(s, penyusun, sub.id, None, "Lampirkan daftar hadir pelatihan.")
        pengolahan.return_submission(s, penyusun, sub.id, "Bukti dukung IK-04 belum lengkap.")
        comment_id = c.id
    at = _ok(logged_in("kabid_lattas", "pages/isi_data.py"))
    shown = texts(at)
    assert "Catatan pemeriksa" in shown and "Lampirkan daftar hadir pelatihan." in shown
    assert "Bukti dukung IK-04 belum lengkap." in shown
    at.text_input(key=f"jawab_{comment_id}").input("Daftar hadir sudah diunggah.")
    at.button(key=f"kirim_jawab_{comment_id}").click().run()
    _ok(at)
    assert "Jawaban atas catatan pemeriksa tersimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.get(ReviewComment, comment_id).response == "Daftar hadir sudah diunggah."


def test_other_units_do_not_see_the_note(sqlite_url):
    rid = _round(sqlite_url, at="pengolahan", state="diajukan")
    with unit_of_work(sqlite_url) as s:
        sub = submission_of(s, s.get(CollectionRound, rid), "BID-LATTAS")
        pengolahan.add_comment(s, actor_for(s, "penyusun"), sub.id, None, "Catatan khusus Bidang Pelatihan.")
    at = _ok(logged_in("kabid_ind", "pages/isi_data.py"))
    assert "Catatan khusus Bidang Pelatihan." not in texts(at)


def test_beranda_shows_the_timeline_and_warns_about_late_units(sqlite_url):
    import datetime as dt

    _round(sqlite_url, at="isi_data", state="diajukan", states={"BID-IND": "draf"}, deadline=dt.date(2026, 10, 2))
    at = _ok(logged_in("kadis"))
    shown = texts(at)
    assert "Linimasa pengumpulan data" in shown
    assert "kegiatan pelaporan akan terhambat" in shown and "Bidang Perindustrian: terlambat" in shown
    assert "Melebihi waktu baku SOP" in shown and "Langkah 3 Isi Data Kinerja" in shown
    table = next(d.value for d in at.dataframe if "Waktu baku" in d.value.columns)
    assert list(table["Langkah"]) == list(range(1, 10))


def test_beranda_without_a_round_has_no_timeline(sqlite_url):
    at = _ok(logged_in("pemantau"))
    assert "Linimasa pengumpulan data" not in texts(at)


def test_dokumentasi_names_the_finished_rounds_that_have_no_archive(sqlite_url):
    """The demo's history rounds are finished without step 9 in the app: the page says so, instead of 'no report
    documented' beside a round list that shows them as Selesai."""
    at = _ok(logged_in("penyusun", "pages/dokumentasi.py"))
    shown = texts(at)
    assert "Selesai tanpa arsip di aplikasi: TW II 2026, TW I 2026, TW IV 2025" in shown
    assert "tanpa melalui langkah Dokumentasi di aplikasi ini" in shown
    rid = _at_dokumentasi(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        dokumentasi.document(s, actor_for(s, "penyusun"), rid)
    shown = texts(_ok(logged_in("penyusun", "pages/dokumentasi.py")))
    assert "TW III 2026" not in shown.split("Selesai tanpa arsip di aplikasi:")[1].split(".")[0]
