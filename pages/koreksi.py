"""Sosialisasi & Koreksi (SOP langkah 6–8): the Sekretaris sends the draft to the JFT Perencana, who notes
corrections against its lines; the penyusun applies them as a new version; the planner hands it over."""

from functools import partial

import streamlit as st

from core import report_versions, review, round_status
from core.steps import koreksi
from core.uow import unit_of_work
from pages.parts.common import (
    actor_or_stop,
    executors_of,
    flash,
    job_outcome,
    job_running,
    may,
    named_columns,
    pick_record,
    show_flash,
    shown_errors,
    start_job,
    table,
)

actor = actor_or_stop("pages/koreksi.py")


def done(message: str, clear: tuple[str, ...] = ()) -> None:
    """Show `message` after the rerun, with the text fields in `clear` emptied for the next entry."""
    st.session_state["koreksi_kosongkan"] = clear
    flash("koreksi", message)


# Widgets may only be reset before they are drawn: empty the fields a successful save asked to clear.
for _key in st.session_state.pop("koreksi_kosongkan", ()):
    if _key.startswith("koreksi_teks_"):
        st.session_state.pop(_key, None)  # drawn again from the line's text
    else:
        st.session_state[_key] = ""


st.title("Sosialisasi & Koreksi")
show_flash("koreksi")
APPLY_JOB = "koreksi_job_terapkan"  # this session's new version, built on a thread of its own (core.jobs)


def _apply(round_id: int) -> int:
    with unit_of_work() as session:
        return koreksi.apply_corrections(session, actor, round_id).version


def _apply_outcome(key: tuple | None) -> bool:
    """The new version being built (a progress bar; also one another session started), its error or message."""
    return job_outcome(APPLY_JOB, lambda version: done(f"Koreksi diterapkan pada versi {version}."), key=key)


with unit_of_work() as session:
    round_id = round_status.current_round_id(session, actor.office_id)
    state = round_status.round_status(session, actor, round_id) if round_id else None
    versions = report_versions.versions(session, actor, round_id) if round_id else None

APPLY_KEY = ("correction.apply", round_id)  # one new version of a round at a time in this process
# the new version's bar is drawn beside its button (step 7, below); its message once built from there too
applying = job_running(APPLY_JOB, APPLY_KEY if round_id else None)

if state is None:
    st.info("Belum ada pengumpulan data yang berjalan.")
    st.stop()

st.caption(f"{state.title} — langkah {state.step_number}: {state.step_name}")
if state.latest_report_id is None:
    st.info(f"Draf laporan belum disusun. {executors_of('penyusunan')} menyusunnya di halaman Pengolahan setelah "
            "seluruh data unit diterima.")
    st.stop()

# --- step 6: the Sekretaris disseminates the draft -------------------------------------------
if state.step_code == "sosialisasi":
    if may(actor, "report.send"):
        with st.form("form_sosialisasi", border=True):
            st.markdown(f"**Sosialisasikan draf laporan versi {state.latest_version} kepada "
                        f"{executors_of('koreksi')} (langkah 6)**")
            note = st.text_area("Disposisi (boleh kosong)", key="disposisi_sosialisasi",
                                placeholder="Mohon direkap dan dikoreksi.")
            if st.form_submit_button("Sosialisasikan draf", type="primary", icon=":material/send:"):
                with shown_errors():
                    with unit_of_work() as session:
                        koreksi.send_to_planner(session, actor, state.id, note)
                    done(f"Draf disampaikan kepada {executors_of('koreksi')} untuk direkap dan dikoreksi.")
    else:
        st.info(f"Draf laporan menunggu disosialisasikan oleh {executors_of('sosialisasi')} kepada "
                f"{executors_of('koreksi')}.")

with unit_of_work() as session:
    lines = report_versions.lines_table(session, actor, state.latest_report_id)
    corrections = report_versions.corrections_table(session, actor, state.id)
    files = report_versions.report_file_items(session, actor, state.latest_report_id)

st.subheader(f"Rekap draf laporan — versi {state.latest_version} ({state.latest_kind})")
cols = st.columns(2)
for i, f in enumerate(files):
    cols[i % 2].download_button(f"Unduh {report_versions.file_label(f.name)}", data=f.content, file_name=f.name,
                                mime=f.media_type, key=f"unduh_{f.name}", icon=":material/download:")
shown_lines = lines.drop(columns=["key"])
table(shown_lines, "Draf laporan tidak memiliki baris.",  # which line stays in view while the figures scroll
      config=named_columns(shown_lines, "Uraian", 260, lead=("Jenis", "Kode")))

# --- step 7: corrections ---------------------------------------------------------------------
at_correction = state.step_code == "koreksi"
if at_correction and may(actor, "correction.create"):
    with st.container(border=True):
        st.markdown("**Catat koreksi pada baris laporan (langkah 7)**")
        st.caption("Menerapkan koreksi mengubah data unit kerja: nilai usulan untuk Realisasi TW, Kendala, "
                   "Tindak lanjut, Alasan tidak diukur, atau realisasi anggaran disimpan ke data unit, lalu "
                   "versi laporan baru disusun ulang dari data. Target, pagu, dan nama adalah data induk "
                   "(diubah Administrator di Data Induk); capaian, predikat, serapan, dan nilai s.d. TW "
                   "dihitung ulang. Koreksi tanpa nilai usulan membaca ulang baris dari data. Baris E.81 memuat "
                   "catatan Evaluasi Hasil Renja (faktor pendorong, faktor penghambat, tindak lanjut): nilai "
                   "usulannya menjadi catatan pengumpulan data ini.")
        names = dict(zip(lines["key"], [f"{k} — {u}" for k, u in zip(lines["Kode"], lines["Uraian"])]))
        key = pick_record("Baris", names, "koreksi_baris")
        with unit_of_work() as session:
            fields = report_versions.line_fields(session, actor, state.latest_report_id, key)
        field = st.selectbox("Kolom", [""] + fields,
                             format_func=lambda f: report_versions.FIELD_LABELS.get(f, f) if f
                             else "(seluruh baris, dibaca ulang dari data)",
                             key="koreksi_kolom")
        note = st.text_area("Catatan koreksi (wajib)", key="koreksi_catatan")
        if field and field not in report_versions.NUMERIC_FIELDS:
            # a text (kendala, faktor penghambat…): start from what the line says now, on as many lines as it needs
            with unit_of_work() as session:
                current = report_versions.line_text(session, actor, state.latest_report_id, key, field)
            text_key = f"koreksi_teks_{key}_{field}"
            proposed = st.text_area("Teks yang diusulkan (isi saat ini sudah dimuat; ubah seperlunya, kosongkan "
                                    "untuk dihitung ulang dari data unit)", value=current, key=text_key, height=140)
        else:
            text_key = ""
            proposed = st.text_input("Nilai yang diusulkan (kosongkan untuk dihitung ulang dari data unit)",
                                     key="koreksi_nilai")
        if st.button("Simpan koreksi", type="primary", key="simpan_koreksi", icon=":material/edit:"):
            with shown_errors():
                with unit_of_work() as session:
                    koreksi.add_correction(session, actor, state.latest_report_id, key, field, note, proposed)
                done(f"Koreksi dicatat. {executors_of('penyusunan')} menerapkannya menjadi versi baru.",
                     clear=("koreksi_catatan", "koreksi_nilai", *([text_key] if text_key else [])))

st.subheader("Koreksi")
if corrections.empty:
    st.caption("Belum ada koreksi.")
else:
    line_names = dict(zip(lines["key"], [f"{k} — {u}" for k, u in zip(lines["Kode"], lines["Uraian"])]))
    shown = corrections.assign(line_key=[line_names.get(k, k) for k in corrections["line_key"]]).rename(columns={
        "report_version": "Versi", "line_key": "Baris", "field_label": "Kolom", "note": "Catatan",
        "proposed_label": "Nilai usulan", "author": "Oleh", "status_label": "Status"})
    table(shown[["Versi", "Baris", "Kolom", "Catatan", "Nilai usulan", "Oleh", "Status"]], "Belum ada koreksi.")

if at_correction and may(actor, "correction.apply"):
    if state.open_corrections:
        st.caption("Menerapkan koreksi mengubah data unit kerja yang dikoreksi (tercatat di Jejak Audit); versi "
                   "laporan baru disusun dari data tersebut.")
        # started by the click's callback, before this run: the run draws the button disabled, the bar below
        st.button(f"Terapkan {state.open_corrections} koreksi menjadi versi baru", type="primary",
                  key="terapkan_koreksi", icon=":material/published_with_changes:", disabled=applying,
                  on_click=start_job, args=(APPLY_JOB, APPLY_KEY, "Menyusun versi laporan hasil koreksi",
                                            partial(_apply, state.id)))
    else:
        st.info("Tidak ada koreksi terbuka untuk diterapkan.")

_apply_outcome(APPLY_KEY)  # the bar under the button while it is built; its message or error once built

# --- step 8: hand over -----------------------------------------------------------------------
if state.step_code in ("koreksi", "serah") and may(actor, "report.hand_over"):
    with st.container(border=True):
        st.markdown("**Serahkan untuk didokumentasikan (langkah 8)**")
        if state.open_corrections:
            st.warning(f"Masih ada {state.open_corrections} koreksi terbuka; laporan dapat diserahkan setelah "
                       f"{executors_of('penyusunan')} menerapkannya.")
        if st.button("Serahkan laporan", key="serahkan", disabled=bool(state.open_corrections),
                     icon=":material/move_to_inbox:"):
            with shown_errors():
                with unit_of_work() as session:
                    koreksi.hand_over(session, actor, state.id)
                done(f"Laporan hasil koreksi diserahkan kepada {executors_of('dokumentasi')} untuk didokumentasikan.")

# --- versions and their differences ----------------------------------------------------------
st.subheader("Versi laporan")
table(versions.assign(Dibuat=[f"{review.when(v)}" for v in versions["created_at"]]).rename(
    columns={"version": "Versi", "kind_label": "Jenis", "created_by": "Oleh", "note": "Catatan"})[
    ["Versi", "Jenis", "Dibuat", "Oleh", "Catatan"]], "Belum ada versi laporan.")
if len(versions) >= 2:
    ids = list(versions["report_id"])
    label = {int(i): f"Versi {v} ({k})" for i, v, k in zip(versions["report_id"], versions["version"],
                                                           versions["kind_label"])}
    a_col, b_col = st.columns(2)
    a = a_col.selectbox("Bandingkan versi", ids[:-1], index=len(ids) - 2, format_func=label.get, key="versi_a")
    b = b_col.selectbox("dengan versi", ids, index=len(ids) - 1, format_func=label.get, key="versi_b")
    with unit_of_work() as session:
        diff = report_versions.diff_versions(session, actor, int(a), int(b))
    if diff.empty:
        st.caption("Tidak ada perbedaan.")
    else:
        # a plain table: a few lines the planner reads in full (and the browser can find and print)
        st.table(diff.rename(columns={"line_label": "Baris", "field_label": "Kolom", "before_label": "Sebelum",
                                      "after_label": "Sesudah", "note": "Catatan koreksi"})[
            ["Baris", "Kolom", "Sebelum", "Sesudah", "Catatan koreksi"]].set_index("Baris"))
