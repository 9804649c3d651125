"""Beranda's Status Triwulan section as a Kepala Dinas and a Kepala Bidang see it."""

from tests.apptest import logged_in, texts


def test_kepala_dinas_sees_status_triwulan_of_latest_round(sqlite_url):
    at = logged_in("kadis")
    assert not at.exception
    shown = texts(at)
    assert "Status Triwulan" in shown and "Papan status unit" in shown
    assert "Unit terlambat" in [m.label for m in at.metric]
    assert at.selectbox(key="status_round").value is not None
    boards = [d.value for d in at.dataframe if "Kepala Unit" in d.value.columns and "Diajukan" in d.value.columns]
    assert len(boards) == 1 and len(boards[0]) == 6
    assert "Bidang Transmigrasi" in set(boards[0]["Unit"])


def test_kepala_bidang_sees_the_same_board(sqlite_url):
    at = logged_in("kabid_lattas")
    assert not at.exception
    assert "Indikator di bawah target" in texts(at)


def _opened_not_distributed(url) -> None:
    """Step 2 of TW III 2026: the Kepala Dinas has ordered the collection, nothing is distributed yet."""
    import datetime as dt

    from core import clock
    from core.auth import actor_for
    from core.steps import disposisi
    from core.uow import unit_of_work

    with unit_of_work(url) as s:
        disposisi.open_round(s, actor_for(s, "kadis"), 2026, 3, "Kumpulkan data kinerja TW III 2026.",
                             clock.today() + dt.timedelta(days=7))


def test_before_distribution_beranda_claims_nothing_that_is_not_true(sqlite_url):
    """At step 2 nobody has reported: no 'every indicator reached its target', no 'every unit complete', no
    serapan figure for the quarter, no empty board (it said "empty")."""
    _opened_not_distributed(sqlite_url)
    at = logged_in("kadis")
    assert not at.exception
    shown = texts(at)
    assert "Semua indikator mencapai target" not in shown
    assert "Data semua unit sudah lengkap" not in shown
    assert "Belum ada realisasi indikator triwulan ini yang dapat dihitung capaiannya." in shown
    assert "belum didistribusikan kepada unit kerja" in shown
    metrics = {m.label: m for m in at.metric}
    assert metrics["Serapan anggaran"].value == "–"
    assert "Serapan s.d. triwulan sebelumnya" in metrics["Serapan anggaran"].proto.help
    assert "tepat waktu" not in (metrics["Unit terlambat"].proto.body or "") + str(metrics["Unit terlambat"].delta)
    assert not [d for d in at.dataframe if "Kepala Unit" in d.value.columns]


def test_once_units_enter_budget_the_quarter_has_a_serapan(session):
    """The serapan metric comes back as soon as some spending of the quarter is entered."""
    import datetime as dt

    from core import status
    from tests.factories import make_round, office

    rnd = make_round(session, at="isi_data", state="draf")
    session.flush()
    qs = status.quarter_status(session, office(session).id, rnd.id, dt.date(2026, 10, 5))
    assert qs.budget_reported and qs.absorption_ytd is not None and qs.measured > 0


def test_a_few_entries_above_target_are_not_every_indicator_reaching_it(sqlite_url):
    """Only some units have entered values, all above target: Beranda says how many indicators that is, not
    "Semua indikator mencapai target", and the average capaian says what it covers; Rekap likewise."""
    from decimal import Decimal

    from core.uow import unit_of_work
    from tests.factories import make_round

    with unit_of_work(sqlite_url) as s:
        make_round(s, at="isi_data", state="draf", factor=Decimal("1.2"),
                   skip_units=("BID-HIJS", "BID-IND", "BID-TRANS", "JFT", "SEKRETARIAT"))
    at = logged_in("kadis")
    assert not at.exception
    shown = texts(at)
    assert "Semua indikator mencapai target" not in shown
    assert "Dihitung dari 5 dari 15 indikator yang sudah diisi realisasinya" in shown  # IKU-01 lags (negatif)
    capaian = next(m for m in at.metric if m.label == "Capaian TW")
    assert " dari 15 indikator" in str(capaian.delta)
    at.switch_page("pages/rekap.py").run()
    average = next(m for m in at.metric if m.label == "Rata-rata capaian TW")
    assert "dari 5 dari 15 indikator" in str(average.delta)
