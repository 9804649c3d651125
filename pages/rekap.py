"""Rekap & Unduh: recaps by quarter, year-to-date and year, by unit and indicator; charts; CSV and Excel; the LKjIP
measurement form of a year (core.forms.lkjip)."""


import streamlit as st

from core import charts, clock, exports, fmt, recap, timeliness
from core.forms import lkjip
from core.markup import md
from core.permissions import can
from core.uow import unit_of_work
from pages.parts.caches import (
    note_regency_viewed,
    prepare_regency,
    recap_bundle,
    recap_xlsx,
    regency_annual,
    regency_annual_xlsx,
)
from pages.parts.common import actor_or_stop, data_version, named_columns, pick_record, shown_errors, table

actor = actor_or_stop("pages/rekap.py")

st.title("Rekap & Unduh")
if actor.office_id is None:
    st.info("Akun Anda tidak terhubung dengan kantor mana pun.")
    st.stop()

with unit_of_work() as session:
    options = recap.filter_options(session, actor.office_id)
version = data_version(actor.office_id)

if not options["years"]:
    st.info("Belum ada data pengumpulan triwulan untuk direkap.")
    st.stop()

latest_year, latest_q = options["latest"]
units = dict(options["units"])
sasaran = dict(options["sasaran"])

with st.container(border=True):
    c = st.columns([1, 1, 2, 2, 1])
    year = c[0].selectbox("Tahun", options["years"], index=options["years"].index(latest_year), key="rekap_year")
    quarter = c[1].selectbox("Triwulan", [1, 2, 3, 4], index=(latest_q if year == latest_year else 4) - 1,
                             format_func=fmt.quarter_label, key="rekap_quarter")
    unit_id = c[2].selectbox("Unit", [None, *units], format_func=lambda i: "Semua unit" if i is None else units[i],
                             key="rekap_unit")
    sasaran_id = c[3].selectbox("Sasaran", [None, *sasaran],
                                format_func=lambda i: "Semua sasaran" if i is None else sasaran[i],
                                key="rekap_sasaran")
    iku_only = c[4].toggle("Hanya IKU", key="rekap_iku")


with st.spinner("Menyusun rekap…"), shown_errors():
    b = recap_bundle(version, actor.office_id, year, quarter, unit_id, sasaran_id, iku_only)

period = f"{fmt.quarter_label(quarter)} Tahun {year}"
scope = " · ".join(x for x in (units.get(unit_id), sasaran.get(sasaran_id), "IKU" if iku_only else None) if x)
st.caption(f"Periode {period}{' · ' + scope if scope else ''}. Data langsung dari basis data "
           f"(termasuk data yang belum diterima).")

if b.indicators.empty:
    st.warning("Tidak ada indikator untuk pilihan ini. Ubah penyaring di atas.")
    st.stop()

h = recap.headline(b)
m = st.columns(4)
m[0].metric("Indikator", f"{h['indicators']}", help=f"Dapat dinilai: {h['assessed']}")
partial = h["assessed"] < h["indicators"]
m[1].metric("Rata-rata capaian TW", fmt.percent(h["average"], 1),
            delta=f"dari {h['assessed']} dari {h['indicators']} indikator" if partial and h["assessed"] else None,
            delta_color="off", delta_arrow="off",
            help=", ".join(f"{k}: {v}" for k, v in h["counts"].items()) or "Belum ada realisasi yang dapat dinilai.")
# "semua tercapai" only when every indicator has been assessed: two entered values are not "all reached"
below_note = ("perlu perhatian" if h["below"] else "belum ada yang dinilai" if not h["assessed"]
              else f"{h['indicators'] - h['assessed']} belum dinilai" if partial else "semua tercapai")
m[2].metric("Di bawah target", f"{h['below']}", delta=below_note,
            delta_color="inverse" if h["below"] else "normal" if not partial else "off", delta_arrow="off")
m[3].metric("Serapan anggaran s.d. TW", fmt.percent(h["absorption"], 1),
            help=f"Tahun berjalan {fmt.percent(h['elapsed'], 0)}." + (
                "" if h["spent_tw"] else f" Belum ada realisasi anggaran {fmt.quarter_label(quarter)} yang diisi: "
                                         "angka ini realisasi sampai triwulan sebelumnya."))

regency = can(None, actor, "recap.regency")
if regency:
    prepare_regency(year)  # the offices' rows for the regency tab, read on the server's thread meanwhile
# The tabs report which one is open, so the regency tab (every office) is computed only when looked at.
tabs = st.tabs(["Per Indikator", "Per Unit", "Per Sasaran", "Anggaran", "Rekap Tahunan", "Grafik", "Durasi SOP",
                "Ketepatan Waktu", "Pengukuran Kinerja (LKjIP)", *(["Seluruh Perangkat Daerah"] if regency else [])],
               key="rekap_tab",
               on_change="rerun")
with tabs[0]:
    per_indicator = recap.for_display(b.indicators, recap.INDICATOR_SCREEN)
    table(per_indicator, "Belum ada indikator.", width="content",
          config=named_columns(per_indicator, "Indikator", 300))
with tabs[1]:
    table(recap.for_display(b.units, recap.unit_view(b.formula)), "Belum ada data unit.", width="content")
    st.altair_chart(charts.achievement_by(b.units, "unit"), width="stretch")
with tabs[2]:
    table(recap.for_display(b.sasaran, recap.sasaran_view(b.formula)), "Belum ada sasaran.", width="content")
    st.altair_chart(charts.achievement_by(b.sasaran, "sasaran"), width="stretch")
with tabs[3]:
    table(recap.for_display(b.budget, recap.BUDGET_SCREEN), "Belum ada baris anggaran.", width="content")
    st.altair_chart(charts.budget_absorption(b.budget_by_unit, "unit"), width="stretch")
with tabs[4]:
    st.caption("Empat triwulan berdampingan dengan capaian s.d. triwulan terakhir yang dilaporkan "
               "(bahan LKjIP).")
    annual = recap.for_display(b.annual, recap.ANNUAL_VIEW)
    table(annual, "Belum ada data tahunan.", width="content", config=named_columns(annual, "Indikator", 300))
with tabs[5]:
    names = {k: f"{k} {n}" for k, n in zip(b.indicators["code"], b.indicators["name"])}
    code = pick_record("Indikator", names, "rekap_chart_ind")
    st.altair_chart(charts.realisation_vs_target(b.quarterly, code), width="stretch")
    st.altair_chart(charts.indicator_achievement(b.indicators), width="stretch")
    st.altair_chart(charts.trend_chart(b.quarterly), width="stretch")
    st.altair_chart(charts.projection_chart(b.projection), width="stretch")
    if h["at_risk"]:
        st.warning("Berisiko tidak mencapai target tahunan: "
                   + ", ".join(f"{k} ({fmt.percent(v, 1)})" for k, v in h["at_risk"]))
with tabs[6]:
    st.altair_chart(charts.step_durations_chart(b.steps), width="stretch")
if tabs[7].open:
    with tabs[7], shown_errors():
        st.caption("Ketepatan waktu dan kelengkapan pengajuan data tiap unit kerja pada delapan pengumpulan data "
                   "terakhir: tepat waktu, terlambat berapa hari dari tenggat yang berlaku, perpanjangan, "
                   "pengembalian oleh pemeriksa, dan kelengkapan data.")
        today = clock.today()
        with st.spinner("Menyusun rekap ketepatan waktu…"), unit_of_work() as session:
            tl = timeliness.timeliness(session, actor, actor.office_id, today)
        st.markdown(f"**Per unit kerja** — periode {tl.period}")
        st.dataframe(timeliness.for_screen(tl.by_unit), hide_index=True,
                     column_config={"Unit": st.column_config.TextColumn(width="large", pinned=True)})
        st.altair_chart(timeliness.chart(tl), width="stretch")
        st.markdown("**Per triwulan** (tingkat ketepatan waktu pelaporan)")
        st.dataframe(timeliness.for_screen(tl.by_round), hide_index=True)

        def timeliness_file() -> bytes:
            with unit_of_work() as session:
                return timeliness.xlsx(session, actor, actor.office_id, today)

        st.download_button("Unduh Ketepatan Waktu (XLSX)", timeliness_file,
                           file_name=f"ketepatan-waktu-pelaporan-{today.isoformat()}.xlsx", mime=exports.XLSX_TYPE,
                           icon=":material/download:", on_click="ignore", key="rekap_ketepatan_xlsx")
if tabs[8].open:
    with tabs[8], shown_errors():
        st.caption("Formulir Pengukuran Kinerja LKjIP (PermenPAN-RB 53/2014) satu tahun: per sasaran strategis "
                   "target PK, realisasi, capaian dan predikat, realisasi dan capaian dua tahun sebelumnya, progres "
                   "terhadap target akhir Renstra, anggaran per program dan efisiensi. Berkas Excel dan PDF (F4 tegak) "
                   "dengan blok tanda tangan Kepala Dinas.")
        with unit_of_work() as session:
            lk_years = lkjip.years_with_data(session, actor.office_id)
            lk_default = lkjip.default_year(session, actor.office_id)
        lk_year = st.selectbox("Tahun pengukuran kinerja", lk_years,
                               index=lk_years.index(lk_default) if lk_default in lk_years else 0, key="lkjip_year")
        with st.spinner("Menyusun pengukuran kinerja…"), unit_of_work() as session:
            measured = lkjip.measurement(session, actor.office_id, lk_year)
        st.markdown(f"**{md(measured.title)}** — {md(measured.subtitle)}")
        # the code and the name stay in view (capped, as on Isi Data) while the years scroll beside them
        lk_rows = lkjip.preview_frame(measured)
        table(lk_rows, "Tidak ada indikator pada periode Renstra tahun ini.", width="content",
              config=named_columns(lk_rows, "Indikator", 260))
        for note in measured.notes:
            st.caption(md(note))
        st.markdown(f"**Anggaran per program {lk_year}**")
        lk_budget = lkjip.budget_frame(measured)
        table(lk_budget, "Tidak ada baris DPA pada tahun ini.", width="content",
              config=named_columns(lk_budget, "Program", 400))
        st.markdown("**Efisiensi: capaian kinerja terhadap serapan anggaran**")
        lk_efficiency = lkjip.efficiency_frame(measured)
        table(lk_efficiency, "Tidak ada program untuk dibandingkan.", width="content",
              config=named_columns(lk_efficiency, "Program", 260))

        def lkjip_file(kind: str) -> bytes:
            with unit_of_work() as session:
                return lkjip.download(session, actor.office_id, lk_year, kind)

        dl = st.columns(2)
        dl[0].download_button("Unduh Pengukuran Kinerja (Excel)", lambda: lkjip_file("xlsx"),
                              file_name=lkjip.file_name(lk_year, "xlsx"), mime=exports.XLSX_TYPE,
                              icon=":material/download:", on_click="ignore", key="lkjip_xlsx")
        dl[1].download_button("Unduh Pengukuran Kinerja (PDF)", lambda: lkjip_file("pdf"),
                              file_name=lkjip.file_name(lk_year, "pdf"), mime=exports.PDF_TYPE,
                              icon=":material/download:", on_click="ignore", key="lkjip_pdf")
if regency and tabs[9].open:
    regency_version = data_version()  # every office's changes
    note_regency_viewed(year)  # the server reads again each office that changes, off the request
    with tabs[9], shown_errors():
        st.caption(f"Rekap tahunan {year} semua perangkat daerah dalam aplikasi ini: capaian s.d. triwulan "
                   "terakhir yang dilaporkan tiap perangkat daerah. Berkas Excel memuat ringkasan ini dan "
                   "seluruh indikator semua perangkat daerah.")
        with st.spinner("Menyusun rekap seluruh perangkat daerah…"):
            _df, summary = regency_annual(regency_version, actor, year)
        shown = summary.copy()
        shown["Rata-rata capaian s.d. TW (%)"] = [fmt.percent(v, 2) for v in shown["Rata-rata capaian s.d. TW (%)"]]
        table(shown, "Belum ada data perangkat daerah.", width="content")
        st.download_button(f"Unduh Rekap Kabupaten {year} (XLSX)",
                           lambda: regency_annual_xlsx(regency_version, actor, year, clock.today()),
                           file_name=f"rekap-kinerja-kabupaten-{year}.xlsx", mime=exports.XLSX_TYPE,
                           icon=":material/download:", on_click="ignore", key="rekap_kabupaten_xlsx")

st.subheader("Unduh")
views = recap.views(b)
d = st.columns([2, 2, 3])
kind = d[1].radio("Format", ["XLSX (semua tabel)", "CSV standar", "CSV Excel Indonesia"], key="rekap_format")
base = f"rekap-kinerja-{year}-tw{quarter}"
title = f"Rekap Capaian Kinerja {period}"
with d[2]:
    if kind.startswith("XLSX"):
        period_line = f"Periode {period}" + (f" · {scope}" if scope else "")
        data = lambda: recap_xlsx(version, actor.office_id, year, quarter, unit_id, sasaran_id,  # noqa: E731
                                  iku_only, title, period_line, clock.today())
        st.download_button("Unduh Excel (XLSX)", data, file_name=base + ".xlsx", mime=exports.XLSX_TYPE,
                           icon=":material/download:", type="primary", on_click="ignore")
    else:
        view_name = d[0].selectbox("Tabel", list(views), key="rekap_view")
        dialect = "standar" if kind == "CSV standar" else "excel_id"
        data = exports.to_csv(views[view_name], dialect)
        slug = view_name.lower().replace(" ", "-")
        st.download_button(f"Unduh CSV ({view_name})", data, file_name=f"{base}-{slug}-{dialect}.csv",
                           mime=exports.CSV_TYPE, icon=":material/download:", type="primary", on_click="ignore")
    st.caption("CSV Excel Indonesia memakai pemisah titik koma dan koma desimal; "
               "XLSX berisi satu lembar per tabel dengan blok tanda tangan.")
