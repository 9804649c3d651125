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
