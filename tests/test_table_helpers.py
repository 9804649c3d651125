"""The shared table helpers of the pages: widths that show the text, numbers aligned as numbers, and the
per-indicator lines a phone shows instead of a grid."""

from decimal import Decimal

import pandas as pd

from core import entry
from pages.parts.common import column_px, fitted, named_columns, typed_fields


def test_a_column_is_as_wide_as_its_longest_text_within_bounds():
    assert column_px("Predikat", ["Sangat Tinggi", "Tinggi"]) >= len("Sangat Tinggi") * 7
    assert column_px("No", [1, 2]) >= 56  # never narrower than a header icon and two digits
    assert column_px("Indikator", ["x" * 400]) == 520  # a very long text is cut, the table stays usable


def test_fitted_keeps_what_a_page_set_and_hides_what_it_hid():
    frame = pd.DataFrame({"Unit": ["Bidang Pelatihan dan Penempatan Tenaga Kerja"], "id": [1],
                          "Capaian TW": ["87,50 %"], "Kode": ["IK-03"], "Lebar": ["a"]})
    config = fitted(frame, {"id": None, "Lebar": {"width": 300}, "Kode": "Kode indikator"})
    assert config["id"] is None
    assert config["Lebar"]["width"] == 300
    assert config["Kode"]["label"] == "Kode indikator" and config["Kode"]["width"] >= 56
    assert config["Unit"]["width"] >= len("Bidang Pelatihan dan Penempatan Tenaga Kerja") * 7
    assert config["Capaian TW"]["alignment"] == "right"
    assert "alignment" not in config["Kode"] or config["Kode"]["alignment"] != "right"


def test_indonesian_numbers_are_aligned_right_and_dpa_codes_and_nip_left():
    frame = pd.DataFrame({"Kode": ["2.07.01", "2.07.03.2.01.0001", ""], "Tahun": ["2025", "2026", "2024"],
                          "Pagu": ["Rp 1.250.000", "Rp 204", "–"], "Nilai": ["1.250", "73,5", "-4,2"],
                          "Capaian": ["87,50 %", "100 %", "–"], "Kode Rekening": ["5.1.02", "5.1.02.01", "5"],
                          "NIP": ["198609232011011007", "", "197204151998031007"]})  # an id: read as text
    config = fitted(frame)
    right = {c for c, cfg in config.items() if cfg.get("alignment") == "right"}
    assert right == {"Tahun", "Pagu", "Nilai", "Capaian"}


def test_named_columns_pin_the_code_and_a_capped_name_at_the_left():
    frame = pd.DataFrame({"Sasaran": ["S1"], "Kode": ["IKU-01"], "Indikator": ["Persentase " * 20],
                          "Capaian 2025": ["63,10 %"]})
    config = named_columns(frame, "Indikator", 300)
    assert set(config) == {"Sasaran", "Kode", "Indikator"}
    assert all(c["pinned"] for c in config.values())
    assert config["Indikator"]["width"] == 300
    assert named_columns(pd.DataFrame(), "Program", 300) == {}


def test_the_phone_lines_carry_target_realisation_and_capaian_or_say_what_is_missing():
    grid = pd.DataFrame([
        {"Kode": "IK-03", "Indikator": "Jumlah tenaga kerja yang ditempatkan", "Satuan": "orang",
         "Target TW (RA)": Decimal("204"), "Realisasi TW": Decimal("1250"), "Capaian TW %": Decimal("612.75"),
         "Predikat": "Sangat Tinggi"},
        {"Kode": "IKU-01", "Indikator": "Tingkat Pengangguran Terbuka", "Satuan": "%",
         "Target TW (RA)": Decimal("4.16"), "Realisasi TW": None, "Capaian TW %": None, "Predikat": ""},
    ])
    first, second = entry.compact_rows(grid)
    assert first.title == "IK-03 — Jumlah tenaga kerja yang ditempatkan"
    assert first.figures == ("Target TW: 204 orang · Realisasi TW: 1.250 orang · "
                             "Capaian TW: 612,75 % (Sangat Tinggi)")
    assert second.figures == "Target TW: 4,16 % · Realisasi TW: belum diisi · Capaian TW: –"


def test_typed_fields_lists_only_what_the_person_changed_as_they_saw_it():
    lines = typed_fields(
        ("Nama", "Drs. Paulus, M.Si.", "Ir. Markus"),  # changed
        ("NIP", "", None),  # empty either way: left alone
        ("Waktu baku (menit)", 1500, 30),  # a number the Indonesian way
        ("Target", Decimal("1250.5"), Decimal("1250.50")),  # the same figure: left alone
        ("Aktif", False, True),
        ("Pelaksana", ["Kepala Dinas", "Sekretaris"], ["Kepala Dinas"]),
        ("Jabatan", "  Analis  ", "Analis"),  # spaces around are not a change
        ("Nomor ponsel", "", "0812"),  # emptied
    )
    assert lines == [
        "Nama: Drs. Paulus, M.Si.",
        "Waktu baku (menit): 1.500",
        "Aktif: tidak",
        "Pelaksana: Kepala Dinas, Sekretaris",
        "Nomor ponsel: (kosong)",
    ]
