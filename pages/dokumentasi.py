"""Dokumentasi (SOP langkah 9): the penyusun documents the final report; everyone reads the archive of every
round's reports with versions, SHA-256 checksums and downloads, and can verify an archive bundle. What an
archive download holds (the whole bundle, or the part of the actor's unit) is decided in core."""

from functools import partial

import streamlit as st

from core import archive, exports, fmt, report_versions, review, round_status
from core.forms import lkjip
from core.markup import md
from core.permissions import can
from core.steps import dokumentasi
from core.uow import unit_of_work
from pages.parts.common import (
    actor_or_stop,
    executors_of,
    flash,
    job_outcome,
    job_running,
    pick_record,
    show_flash,
    shown_errors,
    start_job,
    table,
)

actor = actor_or_stop("pages/dokumentasi.py")


st.title("Dokumentasi")
st.caption("Laporan kinerja triwulan yang telah didokumentasikan tidak dapat diubah; koreksi sesudahnya "
           "diterbitkan sebagai versi baru dengan arsip baru.")
show_flash("dokumentasi")
DOC_JOB = "dokumentasi_job"  # this session's final report and archive, built on a thread of its own (core.jobs)


def _document(round_id: int, note: str) -> str:
    with unit_of_work() as session:
        arc = dokumentasi.document(session, actor, round_id, note)
        return (f"Laporan final versi {arc.version} didokumentasikan dan arsipnya tersimpan (sidik SHA-256 "
                f"{arc.sha256[:12]}…; lengkapnya di Arsip laporan di bawah).")


def _start_document(round_id: int) -> None:
    """The click's callback: the note as typed, read now (a value bound when the button was drawn could be
    older than what was typed just before the click)."""
    note = st.session_state.get("catatan_dokumentasi") or ""
    start_job(DOC_JOB, ("report.document", round_id), "Menyusun laporan final dan arsip",
              partial(_document, round_id, note))


def _start_reissue() -> None:
    """The click's callback: the round and reason as chosen and typed, read now."""
    target = st.session_state.get("terbit_ulang_ronde")
    reason = st.session_state.get("terbit_ulang_alasan") or ""
    st.session_state[REISSUE] = True
    start_job(DOC_JOB, ("report.document", target), "Menyusun versi final baru dan arsipnya",
              partial(_reissue, target, reason))


def _reissue(round_id: int, reason: str) -> str:
    with unit_of_work() as session:
        arc = dokumentasi.reissue(session, actor, round_id, reason)
        title = round_status.round_status(session, actor, round_id).label
        return f"Versi final {arc.version} diterbitkan dengan arsip baru ({title})."


def _doc_outcome(key: tuple | None) -> bool:
    """The final report being built (a progress bar; also one another session started), its error, or its
    message (the job's result)."""
    return job_outcome(DOC_JOB, lambda message: flash("dokumentasi", message), key=key)


with unit_of_work() as session:
    round_id = round_status.current_round_id(session, actor.office_id)
    state = round_status.round_status(session, actor, round_id) if round_id else None
    may_document = can(session, actor, "report.document")
    archives = archive.archives(session, actor.office_id)
    unarchived = archive.finished_without_archive(session, actor.office_id)
    documented = round_status.documentable_rounds(session, actor.office_id) if may_document else []

DOC_KEY = ("report.document", round_id)  # one final version of a round at a time in this process
# the bar is drawn where the person clicked: here, above Dokumentasikan; a reissue's at the end of the page
REISSUE = "dokumentasi_job_terbit_ulang"  # set while this session's job is a reissue
if st.session_state.get(REISSUE):
    documenting = job_running(DOC_JOB)
else:
    documenting = _doc_outcome(DOC_KEY if round_id else None)

if state is not None and state.step_code == "dokumentasi":
    with st.container(border=True):
        st.subheader(f"Dokumentasikan {state.title} (langkah 9)")
        if may_document:
            st.markdown(f"Laporan versi {state.latest_version} telah diserahkan {executors_of('serah')}. Dokumentasi "
                        "membuat laporan final, arsip berisi berkas laporan, data, bukti dukung dan riwayat, "
                        "lalu menutup pengumpulan data (datanya tidak dapat diubah lagi).")
            st.text_input("Catatan (boleh kosong)", key="catatan_dokumentasi")
            sure = st.checkbox("Saya memahami bahwa data pengumpulan ini menjadi tidak dapat diubah.",
                               key="yakin_dokumentasi")
            st.button("Dokumentasikan laporan final", type="primary", key="dokumentasikan",
                      disabled=not sure or documenting, icon=":material/inventory_2:", on_click=_start_document,
                      args=(state.id,))
        else:
            st.info(f"Laporan menunggu didokumentasikan oleh {executors_of('dokumentasi')}.")
elif state is not None:
    st.info(f"{state.title} sedang berada pada langkah {state.step_number}: {state.step_name}. "
            "Laporan didokumentasikan pada langkah terakhir.")



def lkjip_downloads(year: int, key: str) -> None:
    """The LKjIP measurement of the year of a TW IV round, made when a button is clicked."""
    def made(kind: str) -> bytes:
        with unit_of_work() as session:
            return lkjip.download(session, actor.office_id, year, kind)

    st.markdown(f"**Pengukuran Kinerja (LKjIP) Tahun {year}**")
    st.caption("Formulir Pengukuran Kinerja LKjIP tahun ini (PermenPAN-RB 53/2014), disusun dari data pengumpulan "
               "triwulan; juga tersedia untuk setiap tahun di Rekap & Unduh.")
    c = st.columns(2)
    c[0].download_button("Unduh Pengukuran Kinerja (Excel)", lambda: made("xlsx"),
                         file_name=lkjip.file_name(year, "xlsx"), mime=exports.XLSX_TYPE, icon=":material/download:",
                         on_click="ignore", key=f"{key}_xlsx")
    c[1].download_button("Unduh Pengukuran Kinerja (PDF)", lambda: made("pdf"),
                         file_name=lkjip.file_name(year, "pdf"), mime=exports.PDF_TYPE, icon=":material/download:",
                         on_click="ignore", key=f"{key}_pdf")


if state is not None and state.quarter == 4:
    with st.container(border=True):
        lkjip_downloads(state.year, "lkjip_ronde")

st.subheader("Arsip laporan")
if unarchived:
    st.caption(f"Selesai tanpa arsip di aplikasi: {', '.join(unarchived)}. Pengumpulan data ini tercatat selesai "
               "tanpa melalui langkah Dokumentasi di aplikasi ini (data riwayat), sehingga laporan final dan "
               "arsipnya tidak ada di sini; datanya tetap tersedia di Rekap & Unduh.")
if archives.empty:
    st.info("Belum ada laporan yang didokumentasikan melalui langkah Dokumentasi di aplikasi ini.")
    st.stop()

shown = archives.assign(
    Triwulan=[f"{fmt.quarter_label(q)} {y}" for y, q in zip(archives["year"], archives["quarter"])],
    Dibuat=[review.when(v) for v in archives["created_at"]],
    Ukuran=[f"{fmt.number(s / 1024, 1)} KB" for s in archives["size"]],
).rename(columns={"version": "Versi", "created_by": "Oleh", "note": "Catatan", "sha256": "SHA-256",
                  "members": "Berkas"})
table(shown[["Triwulan", "Versi", "Dibuat", "Oleh", "Catatan", "Berkas", "Ukuran", "SHA-256"]], "")

labels = {int(a): f"{t} — versi {v}" for a, t, v in zip(archives["archive_id"], shown["Triwulan"],
                                                       archives["version"])}
chosen = pick_record("Pilih arsip", labels, "pilih_arsip")
row = archives.set_index("archive_id").loc[chosen]

with unit_of_work() as session:
    files = report_versions.report_file_items(session, actor, int(row["report_id"]))
    try:  # only what the actor gets and whether the file is there: it is read when the button is clicked
        access = archive.archive_access(session, actor, chosen)
        missing = ""
    except Exception as err:  # noqa: BLE001 - shown to the user, the rest of the page still works
        access, missing = None, str(err)


def archive_bytes(archive_id: int) -> bytes:
    """The archive (or the actor's unit part of it), made when its button is clicked."""
    with unit_of_work() as session:
        return archive.archive_download(session, actor, archive_id)[1]


st.markdown("**Berkas laporan**")
for f in files:
    left, right = st.columns([3, 1])
    left.markdown(f"**{report_versions.file_label(f.name)}**  \n{f.name} · {fmt.number(f.size / 1024, 1)} KB  \n"
                  f"<small>SHA-256: `{f.sha256}`</small>",
                  unsafe_allow_html=True)
    right.download_button("Unduh", data=f.content, file_name=f.name, mime=f.media_type,
                          key=f"unduh_berkas_{chosen}_{f.name}", icon=":material/download:")
if int(row["quarter"]) == 4:
    lkjip_downloads(int(row["year"]), f"lkjip_arsip_{chosen}")
if access is not None:
    if not access.whole:
        st.caption(f"Arsip bagian unit Anda ({md(', '.join(access.unit_names))}): laporan final, riwayat langkah, "
                   "serta data, bukti dukung, hasil pemeriksaan, catatan pemeriksa dan koreksi unit Anda. Arsip "
                   "lengkap seluruh unit hanya dapat diunduh oleh pimpinan dan pengolah data.")
    # Two steps, the bytes held by this session: a deferred download (made on click) can be dropped by Streamlit
    # when another session's run ends at the moment of the click ("Deferred file … not found", nothing saved).
    ready = st.session_state.get("arsip_siap")
    if ready is None or ready[0] != chosen:
        if st.button(access.label.replace("Unduh", "Siapkan"), key=f"siapkan_arsip_{chosen}",
                     icon=":material/folder_zip:"):
            with shown_errors():
                st.session_state["arsip_siap"] = (chosen, archive_bytes(chosen))
                st.rerun()
    else:
        st.download_button(access.label, data=ready[1], file_name=access.file_name, mime="application/zip",
                           key=f"unduh_arsip_{chosen}", icon=":material/folder_zip:", type="primary")
else:
    st.error(missing)

if st.button("Verifikasi arsip", key=f"verifikasi_{chosen}", icon=":material/verified:"):
    with shown_errors():
        with unit_of_work() as session:
            check = archive.verify_archive(session, actor, chosen)
        labels_status = {"ok": "Sesuai", "changed": "Berubah", "missing": "Hilang", "extra": "Tambahan"}
        if check.ok:
            st.success(f"Arsip utuh: SHA-256 arsip dan {len(check.members)} berkas di dalamnya sesuai dengan "
                       "manifest saat didokumentasikan.")
        else:
            bad = check.members[check.members["status"] != "ok"]
            st.error(f"Arsip TIDAK utuh: berkas arsip {labels_status[check.file_status].lower()}, "
                     f"{len(bad)} berkas di dalamnya tidak sesuai manifest. Pulihkan dari cadangan.")
        st.dataframe(check.members.assign(Status=[labels_status.get(s, s) for s in check.members["status"]])
                     .rename(columns={"name": "Berkas", "expected": "SHA-256 tercatat",
                                      "actual": "SHA-256 sekarang"})[
                         ["Berkas", "Status", "SHA-256 tercatat", "SHA-256 sekarang"]],
                     hide_index=True, width="stretch")

if documented:
    st.divider()
    with st.expander("Terbitkan ulang laporan yang sudah didokumentasikan (versi baru)"):
        st.markdown("Koreksi sesudah dokumentasi tidak menimpa laporan lama: terbit versi final baru dengan "
                    "arsip baru, sedangkan versi dan arsip lama tetap utuh.")
        names = {r.id: f"{r.title} (versi terakhir {r.latest_version})" for r in documented}
        pick_record("Pengumpulan data", names, "terbit_ulang_ronde")
        st.text_area("Alasan penerbitan ulang (wajib)", key="terbit_ulang_alasan")
        st.button("Terbitkan ulang", key="terbit_ulang", icon=":material/new_releases:", disabled=documenting,
                  on_click=_start_reissue)
if st.session_state.get(REISSUE) and not _doc_outcome(None):
    st.session_state.pop(REISSUE, None)  # built (its message shown after the rerun) or refused (shown here)
