"""Data Induk and Impor Excel pages: the administrator works there; a Kepala Bidang never sees them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.auth import actor_for
from core.navigation import pages_for
from core.uow import unit_of_work
from db.models import OrgUnit, SopStep, User
from tests.apptest import logged_in, texts

ROOT = Path(__file__).resolve().parent.parent


def test_admin_sees_data_induk_group_and_kepala_bidang_does_not():
    assert [p.path for p in pages_for("admin")["Data Induk"]] == ["pages/data_induk.py", "pages/impor.py"]
    for role in ("kepala_bidang", "kepala_dinas", "sekretaris", "jft", "penyusun", "perencana", "pemantau"):
        assert "Data Induk" not in pages_for(role)


def _as(username: str, page: str, url: str) -> AppTest:
    """The page reached directly (not through the navigation) by `username`."""
    with unit_of_work(url) as s:
        actor = actor_for(s, username)
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["actor"] = actor
    return at.run()


def test_kepala_bidang_cannot_navigate_to_data_induk(sqlite_url):
    at = logged_in("kabid_lattas")
    with pytest.raises(ValueError):
        at.switch_page("pages/data_induk.py")


def test_kepala_bidang_is_refused_the_data_induk_page(sqlite_url):
    at = _as("kabid_lattas", "pages/data_induk.py", sqlite_url)
    assert "tidak tersedia untuk peran Kepala Bidang" in texts(at)
    assert not at.tabs and not at.get("form")


def test_kepala_bidang_is_refused_the_import_page(sqlite_url):
    at = _as("kabid_ind", "pages/impor.py", sqlite_url)
    assert "tidak tersedia untuk peran" in texts(at)
    assert not at.get("download_button") and not at.button


def test_admin_opens_data_induk_with_all_tabs(sqlite_url):
    at = logged_in("admin", "pages/data_induk.py")
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Unit kerja", "Pengguna", "Renstra & Indikator", "Target",
                                         "Anggaran DPA", "Langkah SOP", "Rumus capaian"]
    assert "Data Induk" in texts(at)


def test_admin_adds_a_unit_through_the_form(sqlite_url):
    at = logged_in("admin", "pages/data_induk.py")
    at.text_input(key="unit_baru_kode").input("BID-KOP")
    at.text_input(key="unit_baru_nama").input("Bidang Koperasi")
    at.button(key="unit_baru_simpan").click().run()
    assert not at.exception, at.exception
    assert "Unit 'Bidang Koperasi' ditambahkan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(OrgUnit.name).where(OrgUnit.code == "BID-KOP")) == "Bidang Koperasi"


def test_bad_nip_shows_an_indonesian_error_and_saves_nothing(sqlite_url):
    at = logged_in("admin", "pages/data_induk.py")
    at.text_input(key="pengguna_baru_nama").input("staf_baru")
    at.text_input(key="pengguna_baru_lengkap").input("Siti Aminah")
    at.text_input(key="pengguna_baru_nip").input("12345")
    at.text_input(key="pengguna_baru_sandi").input("rahasia2026")
    at.button(key="pengguna_baru_simpan").click().run()
    assert "NIP harus 18 angka" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(User).where(User.username == "staf_baru")) is None


def test_admin_changes_sop_step_standard_time(sqlite_url):
    at = logged_in("admin", "pages/data_induk.py")
    with unit_of_work(sqlite_url) as s:
        step_id = s.scalar(select(SopStep.id).where(SopStep.number == 1))
    at.number_input(key=f"sop_menit_{step_id}").set_value(20)
    at.text_input(key=f"sop_label_{step_id}").input("20 menit")
    at.button(key=f"sop_simpan_{step_id}").click().run()
    assert not at.exception, at.exception
    assert "Langkah SOP disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        step = s.scalar(select(SopStep).where(SopStep.number == 1))
        assert (step.standard_minutes, step.standard_label) == (20, "20 menit")
        assert step.executor_roles == ["kepala_dinas"]  # the executors shown as chosen were kept


def test_a_stale_sop_step_form_is_refused_and_lists_what_was_typed(sqlite_url):
    """A and B open step 1. A saves 20 minutes; B, drawn before, types 45 minutes and a new Output: refused,
    naming who, with B's own changes listed (in Indonesian numbers) and nothing of B's written."""
    a = logged_in("admin", "pages/data_induk.py")
    b = logged_in("admin", "pages/data_induk.py")
    with unit_of_work(sqlite_url) as s:
        step_id = s.scalar(select(SopStep.id).where(SopStep.number == 1))
    a.number_input(key=f"sop_menit_{step_id}").set_value(20)
    a.button(key=f"sop_simpan_{step_id}").click().run()
    assert "Langkah SOP disimpan." in texts(a) and [t.value for t in a.toast] == ["Langkah SOP disimpan."]
    b.number_input(key=f"sop_menit_{step_id}").set_value(1500)
    next(t for t in b.text_input if t.label == "Output").set_value("Surat perintah pengumpulan data")
    b.button(key=f"sop_simpan_{step_id}").click().run()
    assert not b.exception, b.exception
    shown = texts(b)
    assert "Data langkah SOP" in shown and "sudah diubah melalui akun Anda (Administrator Sistem)" in shown, shown
    assert "Isian Anda yang belum tersimpan:" in shown
    assert "- Waktu baku (menit): 1.500" in shown
    assert "- Output: Surat perintah pengumpulan data" in shown
    assert "- Kegiatan:" not in shown  # left alone: not listed
    # the form may be far down a long page: a toast in the window's corner points to the message
    assert [t.value for t in b.toast] == ["Tidak tersimpan. Baca pesannya di bagian atas halaman."]
    minutes = next(n for n in b.number_input if n.key and n.key.startswith(f"sop_menit_{step_id}"))
    assert minutes.value == 20  # drawn afresh with A's save
    with unit_of_work(sqlite_url) as s:
        step = s.get(SopStep, step_id)
        assert step.standard_minutes == 20 and step.output != "Surat perintah pengumpulan data"


def test_a_stale_user_form_lists_the_role_and_unit_by_their_names(sqlite_url):
    a = logged_in("admin", "pages/data_induk.py")
    b = logged_in("admin", "pages/data_induk.py")
    with unit_of_work(sqlite_url) as s:
        user_id = s.scalar(select(User.id).where(User.username == "penyusun"))
    for at in (a, b):
        at.selectbox(key="pengguna_pilih").set_value(user_id).run()
    [*_, role] = (t for t in a.selectbox if t.label == "Peran")  # the last: Ubah pengguna's, not Tambah's
    role.set_value("perencana")
    a.button(key=f"pengguna_simpan_{user_id}").click().run()
    assert "Perubahan pengguna disimpan." in texts(a)
    [*_, role] = (t for t in b.selectbox if t.label == "Peran")
    role.set_value("pemantau")
    b.button(key=f"pengguna_simpan_{user_id}").click().run()
    shown = texts(b)
    assert "sudah diubah melalui akun Anda (Administrator Sistem)" in shown, shown
    assert "- Peran: Pemantau" in shown, shown
    with unit_of_work(sqlite_url) as s:
        assert s.get(User, user_id).role == "perencana"


def test_admin_opens_import_page_with_template_download(sqlite_url):
    at = logged_in("admin", "pages/impor.py")
    assert not at.exception, at.exception
    assert "Impor Excel" in texts(at)
    assert "Siapkan tahun baru" in texts(at)


def _target_row(at, code):
    year = at.number_input(key="target_tahun").value
    key = f"target_editor_{year}_0"
    frame = at.session_state["_grid_held"]["data_induk_target"][1]
    return key, year, int(frame.index[frame["kode"] == code][0]), int(frame.loc[frame["kode"] == code,
                                                                                 "indicator_id"].iloc[0])


def test_admin_types_targets_the_indonesian_way(sqlite_url):
    from db.models import Target

    at = logged_in("admin", "pages/data_induk.py")
    key, year, row, ind = _target_row(at, "IK-04")
    at.session_state[key] = {"edited_rows": {row: {"tw4": "1.250", "alasan_selisih": "Uji ketik"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="simpan_target").click().run()
    assert not at.exception, at.exception
    assert "Target disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(Target.q4).where(Target.indicator_id == ind, Target.year == year)) == 1250
    shown_grid = next(d.value for d in at.dataframe if "tw4" in d.value.columns)
    assert "1.250" in set(shown_grid["tw4"])  # shown as typed, whatever the browser's locale


def test_a_stale_target_grid_is_refused_and_the_newer_target_stays(sqlite_url):
    from core import masterdata as md
    from db.models import Target

    at = logged_in("admin", "pages/data_induk.py")  # drawn at the targets' current versions
    key, year, row, ind = _target_row(at, "IK-04")
    with unit_of_work(sqlite_url) as s:  # the other administrator saves first
        admin = actor_for(s, "admin")
        md.save_target(s, admin, ind, year, q4="77", mismatch_reason="RA revisi")
    at.session_state[key] = {"edited_rows": {row: {"tw4": "88"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="simpan_target").click().run()
    shown = texts(at)
    assert "sudah diubah melalui akun Anda" in shown and "Yang Anda ketik, belum tersimpan: IK-04 TW IV: 88" in shown
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(Target.q4).where(Target.indicator_id == ind, Target.year == year)) == 77


def test_targets_that_do_not_add_up_are_saved_only_with_a_reason(sqlite_url):
    from db.models import AuditLog, Target

    at = logged_in("admin", "pages/data_induk.py")
    key, year, row, ind = _target_row(at, "IK-04")  # kumulatif: TW I–IV must add up to the annual target
    with unit_of_work(sqlite_url) as s:
        before = s.scalar(select(Target.q4).where(Target.indicator_id == ind, Target.year == year))
    at.session_state[key] = {"edited_rows": {row: {"tw4": "1.000"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="simpan_target").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Target belum disimpan" in shown and "Jumlah target TW I–IV" in shown
    assert "isi kolom 'Alasan selisih' pada baris itu" in shown
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(Target.q4).where(Target.indicator_id == ind, Target.year == year)) == before
    at.session_state[key] = {"edited_rows": {row: {"tw4": "1.000", "alasan_selisih": "RA direvisi setelah PK"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="simpan_target").click().run()
    shown = texts(at)
    assert "Target disimpan." in shown and "Disimpan dengan alasan: RA direvisi setelah PK" in shown
    with unit_of_work(sqlite_url) as s:
        t = s.scalar(select(Target).where(Target.indicator_id == ind, Target.year == year))
        assert (t.q4, t.mismatch_accepted, t.mismatch_reason) == (1000, True, "RA direvisi setelah PK")
        row_ = s.scalars(select(AuditLog).where(AuditLog.action == "target.update", AuditLog.entity_id == str(t.id))
                         ).all()[-1]
        assert row_.after["mismatch_reason"] == "RA direvisi setelah PK"


def test_admin_chooses_the_capaian_formula_and_sees_its_examples(sqlite_url):
    from core import masterdata as md
    from core.achievement import Formula
    from db.models import AuditLog

    at = logged_in("admin", "pages/data_induk.py")
    shown = texts(at)
    assert "target 8, realisasi 9 → capaian 87,50 % (Tinggi)" in shown  # the default, (2T − R) / T
    assert at.radio(key="rumus_negatif").value == "2t_minus_r"
    at.button(key="rumus_simpan").click().run()  # nothing chosen: nothing saved, nothing said to be recomputed
    assert "Tidak ada perubahan untuk disimpan." in texts(at) and "Rumus capaian disimpan" not in texts(at)
    at.radio(key="rumus_negatif").set_value("t_over_r")
    at.radio(key="rumus_predikat").set_value("baik")
    at.radio(key="rumus_pembulatan").set_value("truncate")
    at.button(key="rumus_simpan").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Rumus capaian disimpan" in shown
    assert "target 8, realisasi 9 → capaian 88,88 % (Baik)" in shown  # T / R, truncated, Baik
    assert "target 77, realisasi 91,76 → capaian 119,16 % (Sangat Baik)" in shown
    with unit_of_work(sqlite_url) as s:
        office = s.scalar(select(OrgUnit.id).where(OrgUnit.kind == "dinas"))
        assert md.formula_of(s, office) == Formula("t_over_r", "baik", "truncate")
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "office.formula_settings"))


def test_the_import_preview_warns_per_row_and_asks_for_the_reason_like_data_induk(sqlite_url):
    from core import imports
    from db.models import Indicator, Target
    from tests.test_imports import fill

    with unit_of_work(sqlite_url) as s:
        office = actor_for(s, "admin").office_id
        tpl = imports.template("RA", s, office, 2026)  # 2026: IK-03 annual 680, kumulatif
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def upload(at, data, n):
        at.radio(key="impor_jenis").set_value("RA").run()
        at.number_input(key="impor_tahun").set_value(2026).run()
        at.file_uploader(key=f"unggah_RA_2026_{n}").set_value((f"ra-{n}.xlsx", data, XLSX)).run()
        assert not at.exception, at.exception
        return at

    at = upload(logged_in("admin", "pages/impor.py"), fill(tpl, "RA", {"IK-03": {"Target TW IV": 100}}), 0)
    problems = next(d.value for d in at.dataframe if "Masalah" in d.value.columns)
    assert "IK-03: isi kolom 'Alasan Selisih' pada baris ini" in " ".join(problems["Masalah"])
    assert at.button(key="impor_simpan").disabled
    at = upload(logged_in("admin", "pages/impor.py"),
                fill(tpl, "RA", {"IK-03": {"Target TW IV": 100, "Alasan Selisih": "TW IV dialihkan ke APBD-P"}}), 0)
    assert "disimpan dengan alasannya" in texts(at)
    rows = next(d.value for d in at.dataframe if "Alasan Selisih" in d.value.columns).set_index("Kode")
    assert "Jumlah target TW I–IV" in rows.loc["IK-03", "Peringatan"]
    assert rows.loc["IK-03", "Alasan Selisih"] == "TW IV dialihkan ke APBD-P"
    at.button(key="impor_simpan").click().run()
    assert not at.exception, at.exception
    with unit_of_work(sqlite_url) as s:
        t = s.scalar(select(Target).join(Indicator).where(Indicator.code == "IK-03", Target.year == 2026))
        assert (t.q4, t.mismatch_reason) == (100, "TW IV dialihkan ke APBD-P")


# --- what the forms sent upward need (issue #18) -----------------------------------------------------------


def _held(at, family, code, id_col="id"):
    key, frame = at.session_state["_grid_held"][family]
    row = int(frame.index[frame["kode"] == code][0])
    return key, row, frame.loc[frame["kode"] == code, id_col].iloc[0]


def test_admin_types_the_renstra_end_target_and_renja_level_of_an_indicator(sqlite_url):
    from db.models import Indicator

    at = logged_in("admin", "pages/data_induk.py")
    assert "Target Renstra dan tingkat pada Renja" in texts(at)
    key, row, ind = _held(at, "data_induk_renstra", "IK-04")
    k2, row2, ind2 = _held(at, "data_induk_renstra", "IKU-01")
    at.session_state[key] = {"edited_rows": {row: {"target_renstra": "1.250", "tingkat_renja": "program"},
                                             row2: {"target_renstra": "73,5"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="simpan_renstra").click().run()
    assert not at.exception, at.exception
    assert "Target Renstra disimpan (2 indikator diperbarui)." in texts(at)
    with unit_of_work(sqlite_url) as s:
        a, b = s.get(Indicator, int(ind)), s.get(Indicator, int(ind2))
        assert (a.renstra_target, a.renja_level, b.renstra_target) == (1250, "program", Decimal("73.5"))
    shown = next(d.value for d in at.dataframe if "target_renstra" in d.value.columns).set_index("kode")
    assert shown.loc["IK-04", "target_renstra"] == "1.250" and shown.loc["IKU-01", "target_renstra"] == "73,5"


def test_an_english_number_in_the_renstra_grid_is_refused_with_nothing_saved(sqlite_url):
    from db.models import Indicator

    at = logged_in("admin", "pages/data_induk.py")
    key, row, ind = _held(at, "data_induk_renstra", "IK-04")
    with unit_of_work(sqlite_url) as s:
        before = s.get(Indicator, int(ind)).renstra_target
    at.session_state[key] = {"edited_rows": {row: {"target_renstra": "1,250.5"}}, "added_rows": [],
                             "deleted_rows": []}
    at.button(key="simpan_renstra").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Target Renstra belum disimpan." in shown and "1.250,5" in shown
    with unit_of_work(sqlite_url) as s:
        assert s.get(Indicator, int(ind)).renstra_target == before


def test_admin_keeps_the_renstra_pagu_and_the_years_before_the_app(sqlite_url):
    from db.models import PriorRealisation, RenstraBudget

    at = logged_in("admin", "pages/data_induk.py")
    shown = texts(at)
    assert "Target Renstra (Rp)" in shown and "Realisasi tahun sebelum aplikasi" in shown
    assert "dihitung dari data triwulannya" in shown
    assert at.selectbox(key="realisasi_lalu_tahun").options == ["2021", "2022", "2023", "2024"]
    key, row, _no = _held(at, "data_induk_renstra_rp", "2.07.03.2.01", "no")
    at.session_state[key] = {"edited_rows": {row: {"pagu_akhir": "Rp 2.500.000.000"}}, "added_rows": [],
                             "deleted_rows": []}
    at.button(key="simpan_renstra_rp").click().run()
    assert not at.exception, at.exception
    assert "Pagu akhir Renstra disimpan (1 baris diperbarui)." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(RenstraBudget.end_pagu).where(RenstraBudget.code == "2.07.03.2.01")) == 2_500_000_000
    kkey, krow, ind = _held(at, "data_induk_prior_k", "IKU-01")
    rkey, rrow, _no = _held(at, "data_induk_prior_rp", "2.07.03", "no")
    at.session_state[kkey] = {"edited_rows": {krow: {"realisasi": "73,5", "sumber": "LKjIP 2024"}},
                              "added_rows": [], "deleted_rows": []}
    at.session_state[rkey] = {"edited_rows": {rrow: {"realisasi": "1.250.000"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="simpan_realisasi_lalu").click().run()
    assert not at.exception, at.exception
    assert "Realisasi tahun 2024 disimpan (2 baris diperbarui)." in texts(at)
    with unit_of_work(sqlite_url) as s:
        k = s.scalar(select(PriorRealisation).where(PriorRealisation.year == 2024,
                                                    PriorRealisation.indicator_id == int(ind)))
        rp = s.scalar(select(PriorRealisation).where(PriorRealisation.year == 2024, PriorRealisation.code == "2.07.03"))
        assert (k.value, k.source, rp.amount) == (Decimal("73.5"), "LKjIP 2024", 1_250_000)


def test_admin_links_a_dpa_line_to_indicators_and_an_unknown_code_is_named(sqlite_url):
    from db.models import BudgetLine

    at = logged_in("admin", "pages/data_induk.py")
    key, frame = at.session_state["_grid_held"]["data_induk_dpa"]
    row = int(frame.index[frame["kode"] == "2.07.03.2.01.0001"][0])
    line_id = int(frame.loc[row, "id"])
    at.session_state[key] = {"edited_rows": {row: {"indikator_terkait": "IK-04, IK-99"}}, "added_rows": [],
                             "deleted_rows": []}
    at.button(key="simpan_dpa").click().run()
    assert not at.exception, at.exception
    assert "kode indikator IK-99 tidak dikenal" in texts(at)
    at.session_state[key] = {"edited_rows": {row: {"indikator_terkait": "IK-04, IKU-01"}}, "added_rows": [],
                             "deleted_rows": []}
    at.button(key="simpan_dpa").click().run()
    assert "1 baris anggaran disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert sorted(i.code for i in s.get(BudgetLine, line_id).indicators) == ["IK-04", "IKU-01"]


def test_admin_sets_the_regency_evaluator_and_a_bad_nip_is_refused(sqlite_url):
    at = logged_in("admin", "pages/data_induk.py")
    assert at.text_input(key="penilai_nama").value == "Ir. Yohanes Sanding, M.T."
    at.text_input(key="penilai_nip").set_value("12345")
    at.button(key="penilai_simpan").click().run()
    assert not at.exception, at.exception
    assert "NIP harus 18 angka" in texts(at)
    at.text_input(key="penilai_nama").set_value("Dr. Maria Ulfa, M.Si.")
    at.text_input(key="penilai_nip").set_value("197503122000032001")
    at.button(key="penilai_simpan").click().run()
    assert "Penandatangan 'Dievaluasi' disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        regency = s.scalar(select(OrgUnit).where(OrgUnit.kind == "pemkab"))
        assert (regency.evaluator_name, regency.evaluator_nip) == ("Dr. Maria Ulfa, M.Si.", "197503122000032001")


def test_two_administrators_edit_the_evaluator_form_and_neither_overwrites_the_other(sqlite_url):
    """Two sessions draw the form. A saves the name; B, drawn before, saves the NIP: A's name stays and B's form
    shows it afterwards. B then changes the name over A's: refused, naming who, and drawn afresh."""
    a = logged_in("admin", "pages/data_induk.py")
    b = logged_in("admin", "pages/data_induk.py")
    a.text_input(key="penilai_nama").set_value("Dr. Maria Ulfa, M.Si.")
    a.button(key="penilai_simpan").click().run()
    assert "Penandatangan 'Dievaluasi' disimpan." in texts(a)
    b.text_input(key="penilai_nip").set_value("197503122000032001")
    b.button(key="penilai_simpan").click().run()
    assert not b.exception, b.exception
    assert "Penandatangan 'Dievaluasi' disimpan." in texts(b)
    with unit_of_work(sqlite_url) as s:
        regency = s.scalar(select(OrgUnit).where(OrgUnit.kind == "pemkab"))
        assert (regency.evaluator_name, regency.evaluator_nip) == ("Dr. Maria Ulfa, M.Si.", "197503122000032001")
    name = next(t for t in b.text_input if t.key and t.key.startswith("penilai_nama"))
    assert name.value == "Dr. Maria Ulfa, M.Si."  # drawn afresh after the save, with A's name

    a.run()  # any later run of A's page draws the record afresh, saying so: B's NIP is there
    a_nip = next(t for t in a.text_input if t.key and t.key.startswith("penilai_nip"))
    assert a_nip.value == "197503122000032001"
    assert "Data ini baru saja diubah oleh pengguna lain" in texts(a)
    a_name = next(t for t in a.text_input if t.key and t.key.startswith("penilai_nama"))
    name.set_value("Ir. Markus, M.T.")  # B changes the name, then A, whose form was drawn before that
    b.button(key="penilai_simpan").click().run()
    a_name.set_value("Drs. Paulus, M.Si.")
    a.button(key="penilai_simpan").click().run()
    assert not a.exception, a.exception
    shown = texts(a)
    assert "Data penandatangan 'Dievaluasi' sudah diubah melalui akun Anda (Administrator Sistem)" in shown
    # what A typed, not saved, listed under the refusal (the fields A left alone are not)
    assert "Isian Anda yang belum tersimpan:" in shown and "- Nama (dengan gelar): Drs. Paulus, M.Si." in shown
    assert "- NIP (18 angka):" not in shown and "- Jabatan:" not in shown
    assert next(t for t in a.text_input if t.key and t.key.startswith("penilai_nama")).value == "Ir. Markus, M.T."
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(OrgUnit).where(OrgUnit.kind == "pemkab")).evaluator_name == "Ir. Markus, M.T."


def test_the_renstra_import_previews_per_row_problems_then_saves(sqlite_url):
    from core import imports
    from core.imports import renstra as ri
    from db.models import Indicator
    from tests.test_imports_renstra import fill

    with unit_of_work(sqlite_url) as s:
        office = actor_for(s, "admin").office_id
        tpl = imports.template("RENSTRA", s, office, 2026)
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def upload(data, n):
        at = logged_in("admin", "pages/impor.py")
        at.radio(key="impor_jenis").set_value("RENSTRA").run()
        at.number_input(key="impor_tahun").set_value(2026).run()
        assert "Periode Renstra 2021–2026" in texts(at)
        at.file_uploader(key=f"unggah_RENSTRA_2026_{n}").set_value((f"renstra-{n}.xlsx", data, XLSX)).run()
        assert not at.exception, at.exception
        return at

    at = upload(fill(tpl, ri.IND_SHEET, "Kode Indikator", {"IK-04": {"Target Renstra akhir periode": "1,250.5"}}), 0)
    problems = next(d.value for d in at.dataframe if "Masalah" in d.value.columns)
    assert list(problems["Kolom"]) == ["Indikator Renstra: Target Renstra akhir periode"]
    assert "1.250,5" in problems["Masalah"].iloc[0] and at.button(key="impor_simpan").disabled
    at = upload(fill(tpl, ri.IND_SHEET, "Kode Indikator", {"IK-04": {"Target Renstra akhir periode": "1.250"}}), 0)
    at.button(key="impor_simpan").click().run()
    assert not at.exception, at.exception
    assert "Impor RENSTRA 2026 tersimpan: 0 baris baru, 1 diubah" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(Indicator.renstra_target).where(Indicator.code == "IK-04")) == 1250
