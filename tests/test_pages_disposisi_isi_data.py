"""Disposisi and Isi Data Kinerja pages under AppTest, as the roles that use them (and those that may not)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import entry
from core.steps import disposisi, isi_data
from core.uow import unit_of_work
from tests.apptest import logged_in
from tests.apptest import texts as raw_texts
from tests.conftest import TODAY

DEADLINE = dt.date(2026, 10, 10)
ROOT = Path(__file__).resolve().parent.parent


def actor(url, username):
    from sqlalchemy import select

    from core.auth import actor_from_user
    from db.models import User

    with unit_of_work(url) as s:
        return actor_from_user(s, s.scalar(select(User).where(User.username == username)))


def open_round(url):
    with unit_of_work(url) as s:
        rnd = disposisi.open_round(s, actor(url, "kadis"), 2026, 3, "Kumpulkan data kinerja TW III 2026.", DEADLINE,
                                today=TODAY)
        return rnd.id


def distributed(url):
    round_id = open_round(url)
    with unit_of_work(url) as s:
        disposisi.distribute(s, actor(url, "sekdis"), round_id, None, "Diteruskan.")
    return round_id


def lattas_submission(url, round_id):
    kabid = actor(url, "kabid_lattas")
    with unit_of_work(url) as s:
        return next(c.id for c in entry.my_submissions(s, kabid))


def texts(at) -> str:
    """What the page shows, with markdown escapes removed (user text is escaped before display)."""
    return raw_texts(at).replace("\\", "")


def page_as(url, username, page):
    """The page file run directly, as a user whose navigation does not offer it (a typed URL)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["actor"] = actor(url, username)
    return at.run()


def button(at, label):
    return next(b for b in at.button if b.label == label)


# --- Disposisi --------------------------------------------------------------------------------------


def test_kepala_dinas_opens_the_round_with_the_form(sqlite_url):
    at = logged_in("kadis", "pages/disposisi.py")
    assert not at.exception
    assert "Buka pengumpulan data (Langkah 1 — Disposisi)" in texts(at)
    assert at.selectbox[0].value == 3  # TW III 2026 is the quarter to collect
    at.text_area[0].set_value("Kumpulkan data kinerja TW III 2026 paling lambat tanggal tenggat.")
    button(at, "Buka pengumpulan data").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Pengumpulan data TW III 2026 dibuka" in shown
    assert "Menunggu Sekretaris mendistribusikan" in shown
    button(at, "Buka pengumpulan data").click().run()
    assert "sudah dibuka" in texts(at)


def test_sekretaris_distributes_to_every_unit(sqlite_url):
    open_round(sqlite_url)
    at = logged_in("sekdis", "pages/disposisi.py")
    assert not at.exception
    shown = texts(at)
    assert "Distribusi kepada unit kerja (Langkah 2)" in shown
    assert "Buka pengumpulan data (Langkah 1" not in shown
    button(at, "Distribusikan").click().run()
    assert not at.exception
    shown = texts(at)
    assert "didistribusikan kepada 6 unit kerja" in shown
    assert "Unit kerja dan tanda terima disposisi" in shown and "Perpanjangan tenggat" in shown
    board = at.dataframe[0].value
    assert len(board) == 6 and set(board["Disposisi diterima"]) == {"Belum"}


def test_sekretaris_grants_an_extension_with_a_reason(sqlite_url):
    distributed(sqlite_url)
    at = logged_in("sekdis", "pages/disposisi.py")
    at.date_input[0].set_value(dt.date.today() + dt.timedelta(days=30))
    button(at, "Beri perpanjangan").click().run()
    assert "Isi alasan perpanjangan" in texts(at)
    at.text_area[0].set_value("Kegiatan lapangan.")
    button(at, "Beri perpanjangan").click().run()
    assert not at.exception
    assert "diperpanjang sampai" in texts(at)
    log = at.dataframe[-2].value
    assert log["Alasan"].tolist() == ["Kegiatan lapangan."]


def test_kepala_dinas_sees_the_distribution_board_but_cannot_extend(sqlite_url):
    distributed(sqlite_url)
    at = logged_in("kadis", "pages/disposisi.py")
    assert not at.exception
    shown = texts(at)
    assert "Unit kerja dan tanda terima disposisi" in shown and "Perpanjangan tenggat" not in shown


@pytest.mark.parametrize("username", ["kabid_lattas", "jft_mediator", "penyusun", "perencana", "admin", "pemantau"])
def test_disposisi_is_refused_to_other_roles(sqlite_url, username):
    at = page_as(sqlite_url, username, "pages/disposisi.py")
    assert "Halaman ini tidak tersedia untuk peran" in texts(at)
    assert not any(b.label == "Buka pengumpulan data" for b in at.button)


# --- Isi Data Kinerja ---------------------------------------------------------------------------------


def test_unit_without_a_distribution_is_told_to_wait(sqlite_url):
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception
    assert "Belum ada pengumpulan data yang berjalan untuk unit kerja Anda" in texts(at)
    assert "Status: **Diterima**" in texts(at) and not any(b.label == "Simpan draf" for b in at.button)
    assert "bukti-iku-01.pdf" in texts(at)  # last quarter's evidence, offered for download


def test_a_missing_evidence_file_is_named_on_its_row_not_a_crash(sqlite_url, tmp_path):
    import shutil

    shutil.rmtree(tmp_path / "uploads")  # e.g. a database restored without its files
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception
    assert "bukti-iku-01.pdf" in texts(at)
    assert "Berkas tidak ada di penyimpanan; hubungi administrator." in texts(at)


def test_kepala_bidang_acknowledges_and_sees_the_grid(sqlite_url):
    distributed(sqlite_url)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception
    assert "Status: **Belum mulai**" in texts(at)
    button(at, "Tandai disposisi diterima").click().run()
    assert "Disposisi ditandai diterima" in texts(at)
    assert not any(b.label == "Tandai disposisi diterima" for b in at.button)
    labels = {b.label for b in at.button}
    assert {"Simpan draf", "Ajukan", "Simpan realisasi anggaran"} <= labels


def test_saved_values_are_shown_after_reload(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    kabid = actor(sqlite_url, "kabid_lattas")
    with unit_of_work(sqlite_url) as s:
        grid = entry.entry_table(s, kabid, sub_id)
        ids = dict(zip(grid["Kode"], grid["indicator_id"]))
        isi_data.save_entries(s, kabid, sub_id, {ids["IK-03"]: {"Realisasi TW": "171", "Catatan": "Data Disnaker."}},
                           {ids["IK-03"]: 0})
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception
    grid = at.dataframe[0].value.set_index("Kode")
    assert grid.loc["IK-03", "Realisasi TW"] == "171" and grid.loc["IK-03", "Catatan"] == "Data Disnaker."
    assert "Status: **Draf**" in texts(at)


def test_save_draft_applies_the_edited_rows_of_the_grid(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    key = f"grid_{sub_id}_0"
    # AppTest cannot type into st.data_editor: give the editor the state a browser edit would produce.
    at.session_state[key] = {"edited_rows": {2: {"Realisasi TW": "1.250"}}, "added_rows": [], "deleted_rows": []}
    button(at, "Simpan draf").click().run()
    assert not at.exception
    assert "Draf disimpan (1 indikator diperbarui)" in texts(at)
    grid = at.dataframe[0].value.set_index("Kode")
    assert grid.loc["IK-03", "Realisasi TW"] == "1.250" and grid.loc["IK-03", "version"] == 1
    assert realisation(sqlite_url, sub_id, "IK-03") == Decimal("1250")


def realisation(url, sub_id, code):
    from db.models import Indicator, Realization

    with unit_of_work(url) as s:
        return s.scalar(select(Realization.value).join(Indicator, Indicator.id == Realization.indicator_id)
                        .where(Realization.submission_id == sub_id, Indicator.code == code))


def edit(at, key, rows):
    """The state a browser edit of st.data_editor produces (AppTest cannot type into the canvas grid)."""
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


def test_numbers_are_read_the_indonesian_way_and_english_habits_are_refused_with_nothing_saved(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    edit(at, f"grid_{sub_id}_0", {2: {"Realisasi TW": "73,5"}, 3: {"Realisasi TW": "40.5"}})
    button(at, "Simpan draf").click().run()
    shown = texts(at)
    assert "'40.5' tidak dibaca" in shown and "Tulis 40,5 bila itu yang Anda maksud." in shown
    assert realisation(sqlite_url, sub_id, "IK-03") is None  # nothing of that save written
    # what was typed stays in the grid to be fixed
    assert at.session_state[f"grid_{sub_id}_0"]["edited_rows"][3] == {"Realisasi TW": "40.5"}
    edit(at, f"grid_{sub_id}_0", {2: {"Realisasi TW": "73,5"}, 3: {"Realisasi TW": "40,5"}})
    button(at, "Simpan draf").click().run()
    assert "Draf disimpan (2 indikator diperbarui)" in texts(at)
    assert realisation(sqlite_url, sub_id, "IK-03") == Decimal("73.5")
    assert realisation(sqlite_url, sub_id, "IK-04") == Decimal("40.5")


def test_a_stale_grid_cannot_overwrite_a_newer_save_and_says_who_saved(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    at = logged_in("kabid_lattas", "pages/isi_data.py")  # this browser drew the grid at version 0
    kabid = actor(sqlite_url, "kabid_lattas")
    with unit_of_work(sqlite_url) as s:  # another browser of the unit saves first
        ids = dict(zip(*(lambda g: (g["Kode"], g["indicator_id"]))(entry.entry_table(s, kabid, sub_id))))
        isi_data.save_entries(s, kabid, sub_id, {ids["IK-03"]: {"Realisasi TW": "11"}}, {ids["IK-03"]: 0})
    edit(at, f"grid_{sub_id}_0", {2: {"Realisasi TW": "22"}})
    at.run()  # the rerun that the edit itself causes: the grid the person saw is kept
    button(at, "Simpan draf").click().run()
    shown = texts(at)
    assert "Data IK-03 sudah diubah melalui akun Anda" in shown and "tidak ada yang tertimpa" in shown
    assert "Yang Anda ketik, belum tersimpan: IK-03 Realisasi TW: 22" in shown
    assert realisation(sqlite_url, sub_id, "IK-03") == Decimal("11")
    grid = at.dataframe[0].value.set_index("Kode")  # reloaded with the newer value
    assert grid.loc["IK-03", "Realisasi TW"] == "11"


def test_ajukan_saves_unsaved_grid_edits_first(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    edit(at, f"grid_{sub_id}_0", {2: {"Realisasi TW": "1.250"}})
    button(at, "Ajukan").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Perubahan tabel disimpan sebagai draf. Data belum dapat diajukan" in shown
    assert realisation(sqlite_url, sub_id, "IK-03") == Decimal("1250")


def test_an_answer_or_upload_keeps_unsaved_grid_edits(sqlite_url):
    distributed(sqlite_url)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    sub_key = at.session_state["isi_data_drawn"][1]["ind"]
    edit(at, sub_key, {2: {"Realisasi TW": "12,5"}})
    at.run()
    button(at, "Tandai disposisi diterima").click().run()
    shown = texts(at)
    assert "Disposisi ditandai diterima." in shown and "belum disimpan" in shown
    assert at.session_state[sub_key]["edited_rows"] == {2: {"Realisasi TW": "12,5"}}


def test_ajukan_lists_every_problem(sqlite_url):
    distributed(sqlite_url)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    button(at, "Ajukan").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Data belum dapat diajukan; ada 5 hal yang perlu dilengkapi." in shown
    assert "IK-04 Jumlah peserta pelatihan berbasis kompetensi: isi Realisasi TW" in shown


def test_returned_data_shows_the_reason(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    from db.models import Review, Submission

    with unit_of_work(sqlite_url) as s:
        s.get(Submission, sub_id).state = "dikembalikan"
        s.add(Review(submission_id=sub_id, decision="dikembalikan", reason="Bukti IK-03 tidak terbaca.",
                     reviewer_id=actor(sqlite_url, "penyusun").user_id))
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception
    assert "Data dikembalikan oleh pemeriksa." in texts(at) and "Bukti IK-03 tidak terbaca." in texts(at)


def test_kepala_sub_bagian_fills_the_sekretariat(sqlite_url):
    distributed(sqlite_url)
    at = logged_in("kasubag_keuren", "pages/isi_data.py")
    assert not at.exception
    assert "Disposisi untuk Sekretariat" in texts(at)
    assert set(at.dataframe[0].value["Kode"]) == {"IKU-05", "IK-14", "IK-15"}


@pytest.mark.parametrize("username", ["kadis", "sekdis", "penyusun", "perencana", "admin", "pemantau"])
def test_isi_data_is_refused_to_other_roles(sqlite_url, username):
    distributed(sqlite_url)
    at = page_as(sqlite_url, username, "pages/isi_data.py")
    assert "Halaman ini tidak tersedia untuk peran" in texts(at)
    assert not at.dataframe
    assert not any(b.label == "Simpan draf" for b in at.button)


# --- Beranda: Tugas saya -----------------------------------------------------------------------------


def test_beranda_shows_my_tasks_with_a_link(sqlite_url):
    at = logged_in("kadis")
    assert not at.exception
    assert "Tugas saya" in texts(at)
    links = [p for p in at.get("page_link")]
    assert any("Buka pengumpulan data TW III 2026" in p.proto.label for p in links)


def test_an_implausible_value_is_flagged_before_ajukan_and_needs_a_confirmation(sqlite_url):
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    edit(at, f"grid_{sub_id}_0", {2: {"Realisasi TW": "125.000"}})  # IK-03: a thousand times its target
    button(at, "Simpan draf").click().run()
    shown = texts(at)
    assert "Periksa kewajaran nilai berikut sebelum mengajukan" in shown and "IK-03" in shown
    assert any(c.label == "Saya sudah memeriksa nilai di atas dan nilainya benar." for c in at.checkbox)


def test_the_entry_grid_shows_capaian_by_the_office_formula(sqlite_url):
    """A lower-is-better value typed by the unit: (2T − R) / T by default, T / R truncated with Sangat Baik …
    once the administrator chose them in Data Induk."""
    from core import achievement as ach
    from core import masterdata as md
    from core.fmt import number
    from db.models import Indicator

    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    kabid = actor(sqlite_url, "kabid_lattas")
    with unit_of_work(sqlite_url) as s:
        grid = entry.entry_table(s, kabid, sub_id, exact=True).set_index("Kode")
        negatif = next(k for k in grid.index
                       if s.get(Indicator, int(grid.loc[k, "indicator_id"])).polarity == "negatif")
        target = grid.loc[negatif, "Target TW (RA)"]
        value = target * Decimal("1.07")  # a little worse than the target
        isi_data.save_entries(s, kabid, sub_id, {int(grid.loc[negatif, "indicator_id"]): {"Realisasi TW": value}})
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    before = at.dataframe[0].value.set_index("Kode").loc[negatif]
    with unit_of_work(sqlite_url) as s:
        admin = actor(sqlite_url, "admin")
        md.update_formula_settings(s, admin, admin.office_id, negative_formula="t_over_r", predicate_labels="baik",
                                   capaian_rounding="truncate")
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception, at.exception
    after = at.dataframe[0].value.set_index("Kode").loc[negatif]
    chosen = ach.achievement(target, value, "negatif", formula=ach.Formula("t_over_r", "baik", "truncate"))
    default = ach.achievement(target, value, "negatif")
    assert chosen.percent != default.percent
    assert (before["Capaian TW %"], after["Capaian TW %"]) == (number(default.percent, strip=False),
                                                            number(chosen.percent, strip=False))
    assert before["Predikat"] == ach.predicate(default.percent) and after["Predikat"] == ach.predicate(
        chosen.percent, ach.Formula(labels="baik"))


def test_a_unit_without_dpa_lines_is_not_asked_for_budget(sqlite_url):
    """The JFT group has no DPA lines: its disposition and its page speak of indicators only; a Bidang with DPA
    lines is still asked for both."""
    distributed(sqlite_url)
    at = logged_in("jft_mediator", "pages/isi_data.py")
    assert not at.exception
    shown = texts(at)
    assert "isi realisasi indikator triwulan unit Anda" in shown and "anggaran" not in shown.split("Realisasi anggaran")[0]
    assert "Unit ini tidak memiliki baris DPA" in shown
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    shown = texts(at)
    assert "isi realisasi indikator dan anggaran triwulan unit Anda" in shown
    assert "realisasi anggaran" in shown  # its disposition


def test_the_evidence_picker_keeps_its_indicator_across_reruns(sqlite_url):
    """The picker sits outside the upload form (which empties itself after each upload): the chosen indicator
    stays chosen for the next file."""
    distributed(sqlite_url)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    sub_id = lattas_submission(sqlite_url, None)
    with unit_of_work(sqlite_url) as s:
        second = int(entry.entry_table(s, actor(sqlite_url, "kabid_lattas"), sub_id)["indicator_id"].iloc[1])
    next(s for s in at.selectbox if s.label == "Bukti untuk indikator").set_value(second).run()
    chosen = next(s for s in at.selectbox if s.label == "Bukti untuk indikator").value
    assert chosen == second
    next(b for b in at.button if b.label == "Unggah").click().run()  # the form is submitted (and emptied)
    assert "Pilih berkas terlebih dahulu." in texts(at)
    assert next(s for s in at.selectbox if s.label == "Bukti untuk indikator").value == second


def test_faktor_pendorong_column_is_saved_and_ajukan_asks_for_it_at_target(sqlite_url):
    """IK-03 at its target without faktor pendorong: Ajukan names it; typed in the grid's column, saved."""
    round_id = distributed(sqlite_url)
    sub_id = lattas_submission(sqlite_url, round_id)
    kabid = actor(sqlite_url, "kabid_lattas")
    with unit_of_work(sqlite_url) as s:
        grid = entry.entry_table(s, kabid, sub_id).set_index("Kode")
        target = grid.loc["IK-03", "Target TW (RA)"]
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    shown_grid = at.dataframe[0].value
    assert "Faktor pendorong" in shown_grid.columns
    edit(at, f"grid_{sub_id}_0", {2: {"Realisasi TW": str(int(target))}})
    button(at, "Ajukan").click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert ("IK-03 Jumlah tenaga kerja yang ditempatkan: capaian mencapai atau melampaui target; isi Faktor "
            "pendorong.") in shown
    edit(at, at.session_state["isi_data_drawn"][1]["ind"], {2: {"Faktor pendorong": "Job fair bersama APINDO."}})
    button(at, "Simpan draf").click().run()
    assert not at.exception, at.exception
    assert "Draf disimpan (1 indikator diperbarui)" in texts(at)
    from db.models import Indicator, Realization

    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(Realization.faktor_pendorong).join(Indicator, Indicator.id == Realization.indicator_id)
                        .where(Realization.submission_id == sub_id, Indicator.code == "IK-03")) \
            == "Job fair bersama APINDO."
    assert at.dataframe[0].value.set_index("Kode").loc["IK-03", "Faktor pendorong"] == "Job fair bersama APINDO."
