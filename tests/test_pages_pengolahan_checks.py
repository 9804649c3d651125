"""Pengolahan through AppTest: the penyusun sees the evidence files with download buttons, the budget
realisation per DPA line, the plausibility flags the unit confirmed, and what changed since the return."""

from __future__ import annotations

from sqlalchemy import select

from core.auth import actor_for
from core.steps import isi_data, pengolahan
from core.uow import unit_of_work
from db.models import CollectionRound, Indicator
from tests.apptest import _UNESCAPE, logged_in, texts
from tests.factories import make_round, submission_of

LATTAS = "Bidang Pelatihan dan Penempatan Tenaga Kerja"


def _ok(at):
    assert not at.exception, at.exception
    return at


def _returned_and_resubmitted(url, change: bool) -> int:
    with unit_of_work(url) as s:
        rnd = make_round(s, at="pengolahan", state="diajukan", evidence=True)
        sub = submission_of(s, s.get(CollectionRound, rnd.id), "BID-LATTAS")
        pengolahan.return_submission(s, actor_for(s, "penyusun"), sub.id, "Realisasi IK-03 belum sesuai daftar.")
        kabid = actor_for(s, "kabid_lattas")
        if change:
            ik03 = s.scalar(select(Indicator).where(Indicator.code == "IK-03"))
            isi_data.save_entries(s, kabid, sub.id, {ik03.id: {"Realisasi TW": "5.000",
                                                         "Faktor pendorong": "Job fair kabupaten."}})
        isi_data.submit(s, kabid, sub.id, confirm_flags=change)
        return sub.id


def test_penyusun_sees_files_budget_flags_and_changes_of_a_resubmitted_unit(sqlite_url):
    _returned_and_resubmitted(sqlite_url, change=True)
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    at.selectbox(key="pengolahan_unit").set_value(LATTAS).run()
    _ok(at)
    shown = texts(at)

    assert "Bukti dukung per indikator" in shown and "bukti-IK-03.pdf" in shown
    downloads = at.get("download_button")
    assert len(downloads) == 5 and all(d.proto.label == "Unduh" for d in downloads)

    assert "Realisasi anggaran per baris DPA" in shown
    budget = next(d.value for d in at.dataframe if "Serapan %" in d.value.columns)
    assert list(budget["Pagu"]) == ["Rp 1.250.000.000", "Rp 175.000.000"]
    assert "Serapan anggaran unit s.d. triwulan ini" in shown and "dari pagu Rp 1.425.000.000" in shown

    assert "Pemeriksaan kewajaran nilai" in shown
    warnings = [_UNESCAPE.sub(r"\1", w.value) for w in at.warning]
    assert any("IK-03 Jumlah tenaga kerja yang ditempatkan: realisasi 5.000 orang lebih dari 10× target triwulan"
               in w and "Unit telah mengonfirmasi" in w for w in warnings)

    assert "Perubahan sejak dikembalikan" in shown and "Realisasi IK-03 belum sesuai daftar." in shown
    changes = next(d.value for d in at.dataframe if "Sebelum" in d.value.columns)
    row = changes.iloc[0]
    assert (row["Kode"], row["Kolom"], row["Sesudah"]) == ("IK-03", "Realisasi TW", "5.000")
    assert not any("tanpa perubahan" in w for w in warnings)
    assert any(b.label == "Terima" for b in at.button) and any(b.label == "Kembalikan" for b in at.button)


def test_penyusun_is_warned_of_a_resubmission_without_change(sqlite_url):
    _returned_and_resubmitted(sqlite_url, change=False)
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    at.selectbox(key="pengolahan_unit").set_value(LATTAS).run()
    _ok(at)
    assert any(_UNESCAPE.sub(r"\1", w.value).startswith("Diajukan kembali tanpa perubahan sejak dikembalikan pada ") for w in at.warning)
    assert "Tidak ada nilai yang tampak tidak wajar" in texts(at)


def test_pengolahan_shows_capaian_by_the_office_formula(sqlite_url):
    """With Sangat Baik … Sangat Kurang and T / R chosen in Data Induk, the penyusun sees them."""
    from core import masterdata as md

    with unit_of_work(sqlite_url) as s:
        make_round(s, at="pengolahan", state="diajukan")
        admin = actor_for(s, "admin")
        md.update_formula_settings(s, admin, admin.office_id, negative_formula="t_over_r", predicate_labels="baik")
    at = _ok(logged_in("penyusun", "pages/pengolahan.py"))
    at.selectbox(key="pengolahan_unit").set_value(LATTAS).run()
    _ok(at)
    table = next(d.value for d in at.dataframe if "Predikat" in d.value.columns)
    shown = set(table["Predikat"]) - {"", "–"}
    assert shown and shown <= {"Sangat Baik", "Baik", "Cukup", "Kurang", "Sangat Kurang"}
