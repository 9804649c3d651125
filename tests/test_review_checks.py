"""SOP step 4: what the penyusun checks beside the indicator table — the evidence files per indicator, the
budget realisation per DPA line, and what the unit changed since its data was returned — on SQLite and
PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core import evidence, review
from core.errors import NotAllowed
from core.steps import isi_data, pengolahan
from db.models import BudgetLine, Evidence, Indicator
from tests import factories
from tests.factories import make_round, submission_of

PDF = factories.PDF


def ind(session, code: str) -> Indicator:
    return session.scalar(select(Indicator).where(Indicator.code == code))


def line(session, code: str) -> BudgetLine:
    return session.scalar(select(BudgetLine).where(BudgetLine.code == code, BudgetLine.year == 2026))


@pytest.fixture
def returned(session, actors):
    """BID-LATTAS's TW III data, submitted and returned by the penyusun."""
    rnd = make_round(session, at="pengolahan", state="diajukan", evidence=True)
    sub = submission_of(session, rnd, "BID-LATTAS")
    pengolahan.return_submission(session, actors["penyusun"], sub.id, "Realisasi IK-03 belum sesuai daftar penempatan.")
    session.commit()
    return sub


def test_penyusun_sees_each_indicators_files_and_can_read_them(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan", evidence=True)
    sub = submission_of(session, rnd, "BID-LATTAS")
    groups = review.evidence_by_indicator(session, actors["penyusun"], sub.id)
    assert [g.label.split()[0] for g in groups] == ["IKU-01", "IK-02", "IK-03", "IK-04", "IK-05"]
    ik03 = next(g for g in groups if g.label.startswith("IK-03"))
    assert [f.filename for f in ik03.files] == ["bukti-IK-03.pdf"] and ik03.needs_evidence
    name, media, data = evidence.read_evidence(session, actors["penyusun"], ik03.files[0].id)
    assert (name, media, data) == ("bukti-IK-03.pdf", "application/pdf", b"%PDF bukti IK-03")
    with pytest.raises(NotAllowed):
        review.evidence_by_indicator(session, actors["kabid_ind"], sub.id)


def test_penyusun_sees_the_budget_realisation_per_dpa_line_in_indonesian_format(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    b = review.budget_review(session, actors["penyusun"], sub.id)
    assert list(b.table["Kode"]) == ["2.07.03.2.01.0001", "2.07.04.2.01.0002"]
    first = b.table.iloc[0]
    assert first["Pagu"] == "Rp 1.250.000.000" and first["Realisasi TW"] == "Rp 250.000.000"
    assert first["Serapan %"].endswith(" %") and "," in first["Serapan %"]
    assert all(isinstance(v, str) for v in b.table.to_numpy().ravel())
    assert b.pagu == Decimal(1_425_000_000) and b.spent_quarter == Decimal(285_000_000)
    assert b.spent_total == b.spent_before + b.spent_quarter and b.year_elapsed == Decimal(75)
    assert b.summary.startswith("Serapan anggaran unit s.d. triwulan ini ")
    assert "dari pagu Rp 1.425.000.000" in b.summary and "75 %" in b.summary


def test_nothing_returned_means_no_changes_and_no_warning(session, actors):
    rnd = make_round(session, at="pengolahan", state="diajukan")
    sub = submission_of(session, rnd, "BID-LATTAS")
    result = review.changes_since_return(session, actors["penyusun"], sub.id)
    assert result.returned_at is None and result.changes == [] and not result.unchanged
    assert review.unchanged_since_return(session, actors["kabid_lattas"], sub.id) is None


def test_resubmission_without_any_change_is_flagged(session, actors, returned):
    sub = returned
    kabid = actors["kabid_lattas"]
    returned_at = review.unchanged_since_return(session, kabid, sub.id)
    assert returned_at is not None  # the unit's page can warn before Ajukan
    isi_data.submit(session, kabid, sub.id)
    session.commit()
    result = review.changes_since_return(session, actors["penyusun"], sub.id)
    assert result.unchanged and result.returned_at == returned_at and result.resubmitted_at is not None
    assert result.reason == "Realisasi IK-03 belum sesuai daftar penempatan."
    assert result.table().empty and list(result.table().columns)[4:6] == ["Sebelum", "Sesudah"]


def test_every_change_since_the_return_is_listed_field_by_field(session, actors, returned):
    sub = returned
    kabid = actors["kabid_lattas"]
    ik03, ik04 = ind(session, "IK-03"), ind(session, "IK-04")
    old = session.scalar(select(Evidence).where(Evidence.submission_id == sub.id, Evidence.filename == "bukti-IK-04.pdf"))
    old_value = next(r.value for r in sub.realizations if r.indicator_id == ik03.id)
    isi_data.save_entries(session, kabid, sub.id, {ik03.id: {"Realisasi TW": "1.175,5", "Kendala": "Lowongan terbatas.",
                                                   "Faktor pendorong": "Job fair kabupaten."}})
    isi_data.save_entries(session, kabid, sub.id, {ik04.id: {"Catatan": "sementara"}})
    isi_data.save_entries(session, kabid, sub.id, {ik04.id: {"Catatan": "Sesuai data."}})  # changed back: no change
    isi_data.save_budget(session, kabid, sub.id, {line(session, "2.07.04.2.01.0002").id: "40.000.000"})
    evidence.store_evidence(session, kabid, sub.id, ik03.id, "daftar-penempatan.pdf", PDF)
    evidence.store_evidence(session, kabid, sub.id, ik04.id, "bukti-IK-04-revisi.pdf", PDF + b"IK-04")
    evidence.delete_evidence(session, kabid, old.id)
    assert review.unchanged_since_return(session, kabid, sub.id) is None
    isi_data.submit(session, kabid, sub.id, confirm_flags=True)
    session.commit()

    result = review.changes_since_return(session, actors["penyusun"], sub.id)
    assert not result.unchanged
    rows = [(c.part, c.code, c.field, c.before, c.after) for c in result.changes]
    from core import fmt

    assert rows == [
        ("Indikator", "IK-03", "Realisasi TW", fmt.number(old_value), "1.175,5"),
        ("Indikator", "IK-03", "Faktor pendorong", "–", "Job fair kabupaten."),
        ("Indikator", "IK-03", "Kendala", "Cuaca dan jarak tempuh.", "Lowongan terbatas."),
        ("Anggaran", "2.07.04.2.01.0002", "Realisasi TW", "Rp 35.000.000", "Rp 40.000.000"),
        ("Bukti dukung", "IK-03", "Berkas", "–", "daftar-penempatan.pdf (ditambahkan)"),
        ("Bukti dukung", "IK-04", "Berkas", "–", "bukti-IK-04-revisi.pdf (ditambahkan)"),
        ("Bukti dukung", "IK-04", "Berkas", "bukti-IK-04.pdf", "(dihapus)"),
    ]
    assert {c.by for c in result.changes} == {"Agustinus Lawing, S.Sos."}
    table = result.table()
    assert list(table.columns) == review.CHANGE_COLUMNS and all(w.endswith("WIB") for w in table["Waktu"])


def test_a_second_return_compares_with_the_latest_returned_version(session, actors, returned):
    sub = returned
    kabid = actors["kabid_lattas"]
    ik03 = ind(session, "IK-03")
    isi_data.save_entries(session, kabid, sub.id, {ik03.id: {"Realisasi TW": "175", "Faktor pendorong": "Job fair."}})
    isi_data.submit(session, kabid, sub.id, confirm_flags=True)
    pengolahan.return_submission(session, actors["penyusun"], sub.id, "Bukti dukung IK-03 belum diunggah.")
    session.commit()
    assert review.changes_since_return(session, actors["penyusun"], sub.id).changes == []
    evidence.store_evidence(session, kabid, sub.id, ik03.id, "daftar.pdf", PDF)
    result = review.changes_since_return(session, actors["penyusun"], sub.id)
    assert [(c.part, c.after) for c in result.changes] == [("Bukti dukung", "daftar.pdf (ditambahkan)")]
    assert result.reason == "Bukti dukung IK-03 belum diunggah."


def test_accepted_data_has_no_unchanged_warning_and_other_units_cannot_read_the_changes(session, actors, returned):
    sub = returned
    isi_data.submit(session, actors["kabid_lattas"], sub.id)
    pengolahan.accept(session, actors["penyusun"], sub.id)
    assert review.unchanged_since_return(session, actors["kabid_lattas"], sub.id) is None
    with pytest.raises(NotAllowed):
        review.changes_since_return(session, actors["kabid_ind"], sub.id)
