"""Rekap & Unduh as users see it: filters, tables, charts, annual recap and downloads."""

from tests.apptest import logged_in, texts


def test_every_role_can_open_rekap_with_latest_quarter_selected(sqlite_url):
    at = logged_in("pemantau", "pages/rekap.py")
    assert not at.exception
    assert "Rekap & Unduh" in texts(at)
    assert at.selectbox(key="rekap_year").value == 2026
    assert at.selectbox(key="rekap_quarter").value == 2
    table = at.dataframe[0].value
    assert len(table) == 15 and "Capaian TW (%)" in table.columns
    assert table["Capaian TW (%)"].str.endswith(" %").all()
    labels = [m.label for m in at.metric]
    assert "Rata-rata capaian TW" in labels and "Serapan anggaran s.d. TW" in labels


def test_filters_narrow_the_recap_to_one_unit_and_iku(sqlite_url):
    at = logged_in("kabid_lattas", "pages/rekap.py")
    unit = at.selectbox(key="rekap_unit")
    lattas = next(o for o in unit.options if "Pelatihan" in o)
    unit.select(lattas).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Unit"]) == {"Bidang Pelatihan dan Penempatan Tenaga Kerja"} and len(table) == 5
    at.toggle(key="rekap_iku").set_value(True).run()
    assert list(at.dataframe[0].value["Kode"]) == ["IKU-01"]


def test_earlier_year_shows_four_quarters_in_the_annual_recap(sqlite_url):
    at = logged_in("kadis", "pages/rekap.py")
    at.selectbox(key="rekap_year").select(2025).run()
    assert not at.exception
    at.selectbox(key="rekap_quarter").select(4).run()
    assert not at.exception
    annual = next(d.value for d in at.dataframe if "Realisasi TW IV" in d.value.columns)
    assert annual["Realisasi TW IV"].ne("–").all() and annual["Capaian s.d. TW (%)"].ne("–").all()


def test_download_formats_are_offered(sqlite_url):
    at = logged_in("penyusun", "pages/rekap.py")
    assert "Unduh" in texts(at)
    at.radio(key="rekap_format").set_value("CSV Excel Indonesia").run()
    assert not at.exception
    assert "CSV Excel Indonesia memakai pemisah titik koma" in texts(at)


def _download_labels(at) -> list[str]:
    return [e.proto.label for e in at.get("download_button")]


def test_regency_tab_shows_each_office_and_offers_the_regency_file_to_pemantau_and_admin(sqlite_url):
    for username in ("pemantau", "admin"):
        at = logged_in(username, "pages/rekap.py")
        assert not at.exception
        assert "Seluruh Perangkat Daerah" in [t.label for t in at.tabs]
        assert "Unduh Rekap Kabupaten 2026 (XLSX)" not in _download_labels(at)  # computed only when opened
        at.session_state["rekap_tab"] = "Seluruh Perangkat Daerah"
        at.run()
        assert not at.exception
        summary = next(df.value for df in at.dataframe if "Perangkat Daerah" in df.value.columns)
        assert list(summary["Perangkat Daerah"]) == [
            "Dinas Tenaga Kerja, Perindustrian dan Transmigrasi Kabupaten Kapuas Hulu"]
        assert summary["Indikator"].iloc[0] > 0 and summary["Rata-rata capaian s.d. TW (%)"].iloc[0].endswith("%")
        assert "Unduh Rekap Kabupaten 2026 (XLSX)" in _download_labels(at)


def test_office_roles_do_not_see_other_offices(sqlite_url):
    at = logged_in("kadis", "pages/rekap.py")
    assert not at.exception
    assert "Seluruh Perangkat Daerah" not in [t.label for t in at.tabs]
    assert not any("Kabupaten" in label for label in _download_labels(at))


def test_the_office_formula_settings_are_what_the_recap_shows(sqlite_url):
    """After the administrator chose T / R, Sangat Baik … Sangat Kurang and truncation in Data Induk, the
    recap page shows the capaian and predikat computed that way (its cache key moves with the change)."""
    from core import masterdata as md
    from core.auth import actor_for
    from core.uow import unit_of_work

    at = logged_in("kadis", "pages/rekap.py")
    before = at.dataframe[0].value
    assert set(before["Predikat"]) - {"–"} <= {"Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah"}
    with unit_of_work(sqlite_url) as s:
        admin = actor_for(s, "admin")
        md.update_formula_settings(s, admin, admin.office_id, negative_formula="t_over_r", predicate_labels="baik",
                                   capaian_rounding="truncate")
    at.run()
    assert not at.exception, at.exception
    after = at.dataframe[0].value
    assert set(after["Predikat"]) - {"–"} <= {"Sangat Baik", "Baik", "Cukup", "Kurang", "Sangat Kurang"}
    assert set(after["Predikat"]) - {"–"}
    per_unit = next(d.value for d in at.dataframe if "Unit" in d.value.columns and "Sangat Baik" in d.value.columns)
    assert "Sangat Tinggi" not in per_unit.columns
    negatif = after[after["Kode"] == "IKU-01"]["Capaian TW (%)"].iloc[0]  # Tingkat Pengangguran Terbuka
    assert negatif != before[before["Kode"] == "IKU-01"]["Capaian TW (%)"].iloc[0]
