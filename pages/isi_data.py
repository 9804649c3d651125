"""Isi Data Kinerja (SOP step 3): a unit enters its quarter's realisations, budget and evidence, then submits."""

import streamlit as st

from core import entry, evidence, fmt, rounds, unit_workbook
from core.errors import Conflict, InvalidInput, KinerjaError
from core.markup import md
from core.uow import unit_of_work
from pages._common import actor_or_stop, shown_errors

actor = actor_or_stop("pages/isi_data.py")
FLASH = "isi_data_flash"
GEN = "isi_data_gen"  # bumped after each save so the grids re-read the database

st.title("Isi Data Kinerja")
st.caption("Langkah 3 SOP: isi realisasi indikator dan anggaran triwulan unit Anda, lengkapi kendala, "
           "tindak lanjut dan bukti dukung, lalu ajukan sebelum tenggat.")
if FLASH in st.session_state:
    kind, message = st.session_state.pop(FLASH)
    getattr(st, kind)(message)


def done(message: str, kind: str = "success") -> None:
    st.session_state[FLASH] = (kind, message)
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1
    st.rerun()


def show_problems(err: InvalidInput) -> None:
    st.error(md(err.message))
    if err.problems:
        st.markdown("\n".join(f"- {md(p)}" for p in err.problems))


with unit_of_work() as session:
    choices = entry.my_submissions(session, actor)
if not choices:
    st.info("Belum ada disposisi pengumpulan data untuk unit kerja Anda. Data dapat diisi setelah Sekretaris "
            "mendistribusikan pengumpulan data.")
    st.stop()

if not any(c.round_open for c in choices):
    st.info("Belum ada pengumpulan data yang berjalan untuk unit kerja Anda. Data dapat diisi setelah Sekretaris "
            "mendistribusikan pengumpulan data; di bawah ini data triwulan sebelumnya (hanya baca).")
choice = st.selectbox("Pengumpulan data", choices, format_func=lambda c: c.label, key="isi_data_pilihan")
gen = st.session_state.get(GEN, 0)
with unit_of_work() as session:
    view = entry.submission_view(session, actor, choice.id)
    grid = entry.entry_table(session, actor, choice.id)
    budget = entry.budget_table(session, actor, choice.id)
    files = evidence.list_evidence(session, actor, choice.id)

# --- state banner ---------------------------------------------------------------------------------
deadline_text = f"Tenggat: **{view.deadline_label}**"
if view.state == "dikembalikan":
    st.warning(f"**Data dikembalikan oleh pemeriksa.** Alasan: {md(view.return_reason) or '–'}  \n"
               f"Perbaiki data lalu ajukan kembali. {deadline_text}")
elif view.state in ("belum_mulai", "draf"):
    note = f"  \nCatatan pengembalian terakhir: {md(view.return_reason)}" if view.return_reason else ""
    st.info(f"Status: **{view.state_label}** — data masih dapat diubah. {deadline_text}{note}")
elif view.state == "diajukan":
    st.success(f"Status: **Diajukan** pada {fmt.datetime(view.submitted_at)}. Data terkunci selama diperiksa; "
               "bila ada yang perlu diperbaiki, pemeriksa akan mengembalikannya.")
else:
    st.success("Status: **Diterima**. Data unit untuk triwulan ini sudah diterima pemeriksa.")
if not view.round_open:
    st.caption("Pengumpulan data ini sudah selesai dan didokumentasikan; data hanya dapat dibaca.")

with st.container(border=True):
    st.markdown(f"**Disposisi untuk {md(view.unit_name)}**")
    if view.instruction:
        st.markdown(f"Instruksi Kepala Dinas: {md(view.instruction)}")
    st.markdown(f"Disposisi Sekretaris: {md(view.disposition) or '–'}")
    if view.received_at:
        st.caption(f"Disposisi ditandai diterima pada {fmt.datetime(view.received_at)}.")
    elif view.round_open:
        if st.button("Tandai disposisi diterima"):
            with shown_errors():
                with unit_of_work() as session:
                    rounds.acknowledge(session, actor, view.id)
                done("Disposisi ditandai diterima.")

# --- catatan pemeriksa (A2) ---
from core import review  # noqa: E402

with unit_of_work() as session:
    review_notes, return_history = review.notes_for_unit(session, actor, view.id)
if not review_notes.empty or not return_history.empty:
    st.subheader("Catatan pemeriksa")
    open_notes = int((~review_notes["resolved"]).sum()) if not review_notes.empty else 0
    if open_notes and view.round_open:
        st.caption(f"{open_notes} catatan belum selesai. Jawab setiap catatan, perbaiki datanya, lalu ajukan "
                   "kembali bila data dikembalikan.")
    for note in review_notes.itertuples():
        with st.container(border=True):
            status_text = "selesai" if note.resolved else "belum selesai"
            st.markdown(f"**{md(note.code) or 'Umum'}** {md(note.indicator)} · _{status_text}_  \n{md(note.text)}  \n"
                        f"<small>{md(note.author)}, {review.when(note.created_at)}</small>", unsafe_allow_html=True)
            if note.response:
                st.markdown(f"↳ Jawaban Anda: {md(note.response)}  \n<small>{md(note.responded_by)}, "
                            f"{review.when(note.responded_at)}</small>", unsafe_allow_html=True)
            if note.can_answer:
                answer = st.text_input("Jawaban", value=note.response or "", key=f"jawab_{note.comment_id}")
                if st.button("Kirim jawaban", key=f"kirim_jawab_{note.comment_id}", icon=":material/reply:"):
                    with shown_errors():
                        with unit_of_work() as session:
                            review.respond_comment(session, actor, int(note.comment_id), answer)
                        done("Jawaban atas catatan pemeriksa tersimpan.")
    if not return_history.empty:
        with st.expander(f"Riwayat pengembalian ({len(return_history)} kali)"):
            st.dataframe(return_history.assign(Waktu=[review.when(v) for v in return_history["at"]]).rename(
                columns={"reason": "Alasan", "reviewer": "Pemeriksa"})[["Waktu", "Alasan", "Pemeriksa"]],
                hide_index=True, width="stretch")

# --- indicator grid -----------------------------------------------------------------------------------
st.subheader("Realisasi indikator kinerja")
if view.editable:
    st.caption("Isi kolom Realisasi TW, atau Alasan tidak diukur bila indikator tidak diukur triwulan ini. "
               "Kendala dan Tindak lanjut wajib bila capaian di bawah target. Tekan **Simpan draf** untuk "
               "menyimpan; capaian dan predikat dihitung ulang setelah disimpan.")
editable_cols = set(entry.ENTRY_EDITABLE) if view.editable else set()
pen = " ✎" if view.editable else ""  # marks the columns the unit fills
grid_key = f"grid_{view.id}_{gen}"
# The columns a unit fills first, right after what identifies the row; context further right.
first = ["No", "Kode", "Indikator", "Satuan", "Target TW (RA)", "Realisasi TW", "Capaian TW %", "Predikat",
         "Kendala", "Tindak lanjut", "Alasan tidak diukur", "Catatan", "Bukti"]
order = first + [c for c in grid.columns if c not in first and c not in entry.HIDDEN]
st.data_editor(
    grid,
    key=grid_key,
    hide_index=True,
    num_rows="fixed",
    placeholder="–",
    column_order=order,
    disabled=[c for c in grid.columns if c not in editable_cols],
    column_config={
        "indicator_id": None,
        "version": None,
        "No": st.column_config.NumberColumn("No", width="small", pinned=True),
        "Kode": st.column_config.TextColumn("Kode", width="small", pinned=True),
        "Indikator": st.column_config.TextColumn("Indikator", width="medium", pinned=True),
        "Target tahunan (PK)": st.column_config.NumberColumn(format="localized"),
        "Target TW (RA)": st.column_config.NumberColumn(format="localized"),
        "Realisasi TW": st.column_config.NumberColumn("Realisasi TW" + pen, min_value=0, format="localized",
                                                      help="Nilai realisasi triwulan ini"),
        "Realisasi s.d. TW": st.column_config.NumberColumn(format="localized"),
        "Capaian TW %": st.column_config.NumberColumn(format="localized"),
        "Capaian s.d. TW %": st.column_config.NumberColumn(format="localized"),
        "Bukti": st.column_config.NumberColumn("Bukti", width="small"),
        "Alasan tidak diukur": st.column_config.TextColumn("Alasan tidak diukur" + pen),
        "Catatan": st.column_config.TextColumn("Catatan" + pen),
        "Kendala": st.column_config.TextColumn("Kendala" + pen),
        "Tindak lanjut": st.column_config.TextColumn("Tindak lanjut" + pen),
    },
    width="stretch",
)


def rows_changed(key: str, frame, id_col: str) -> tuple[dict, dict]:
    """edited_rows of an editor as {entity id: {column: value}} and the versions the user saw."""
    edits = (st.session_state.get(key) or {}).get("edited_rows", {})
    changes, versions = {}, {}
    for idx, cols in edits.items():
        row = frame.iloc[int(idx)]
        changes[int(row[id_col])] = dict(cols)
        versions[int(row[id_col])] = int(row["version"])
    return changes, versions


def save_grid(key: str, frame, id_col: str, save, saved: str) -> None:
    """Save the edited rows of one grid with `save` (a core function); `saved` names what was updated.

    A conflict reloads the grid with the other person's values; invalid input lists every problem and keeps
    what was typed; nothing is saved unless all of it is."""
    changes, versions = rows_changed(key, frame, id_col)
    if not changes:
        st.info("Tidak ada perubahan untuk disimpan.")
        return
    try:
        with unit_of_work() as session:
            result = save(session, actor, view.id, changes, versions)
        done(saved.format(n=result.changed))
    except Conflict as err:
        done(str(err), kind="error")
    except InvalidInput as err:
        show_problems(err)
    except KinerjaError as err:
        st.error(str(err))


if view.editable and st.button("Simpan draf", type="primary", key="simpan_indikator"):
    save_grid(grid_key, grid, "indicator_id", entry.save_entries, "Draf disimpan ({n} indikator diperbarui).")

# --- budget grid --------------------------------------------------------------------------------------
st.subheader("Realisasi anggaran (DPA)")
if len(budget):
    budget_key = f"anggaran_{view.id}_{gen}"
    st.data_editor(
        budget,
        key=budget_key,
        hide_index=True,
        num_rows="fixed",
        placeholder="–",
        disabled=[c for c in budget.columns if not (view.editable and c in entry.BUDGET_EDITABLE)],
        column_config={
            "budget_line_id": None,
            "version": None,
            "Pagu": st.column_config.NumberColumn("Pagu (Rp)", format="localized"),
            "Realisasi s.d. TW lalu": st.column_config.NumberColumn("Realisasi s.d. TW lalu (Rp)", format="localized"),
            "Realisasi TW": st.column_config.NumberColumn("Realisasi TW (Rp)" + pen, min_value=0, format="localized"),
            "Realisasi s.d. TW": st.column_config.NumberColumn("Realisasi s.d. TW (Rp)", format="localized"),
            "Serapan %": st.column_config.NumberColumn(format="localized"),
        },
        width="stretch",
    )
    if view.editable and st.button("Simpan realisasi anggaran", key="simpan_anggaran"):
        save_grid(budget_key, budget, "budget_line_id", entry.save_budget,
                  "Realisasi anggaran disimpan ({n} baris diperbarui).")
else:
    st.caption("Unit ini tidak memiliki baris DPA pada tahun ini.")

# --- evidence -----------------------------------------------------------------------------------------
st.subheader("Bukti dukung")
targets = {int(r["indicator_id"]): f"{r['Kode']} {r['Indikator']}" for _, r in grid.iterrows()}
targets[None] = "Umum (seluruh data unit)"
if view.editable:
    with st.form(f"unggah_{view.id}_{gen}", clear_on_submit=True):
        target = st.selectbox("Bukti untuk indikator", list(targets), format_func=targets.get)
        upload = st.file_uploader(f"Berkas ({evidence.ALLOWED_LABEL}, paling besar {evidence.max_upload_mb()} MB)",
                                  type=evidence.UPLOAD_TYPES, max_upload_size=evidence.max_upload_mb())
        if st.form_submit_button("Unggah"):
            if upload is None:
                st.warning("Pilih berkas terlebih dahulu.")
            else:
                with shown_errors():
                    with unit_of_work() as session:
                        evidence.store_evidence(session, actor, view.id, target, upload.name, upload.getvalue())
                    done(f"Bukti '{upload.name}' diunggah.")
def evidence_bytes(evidence_id: int) -> bytes:
    """The file, read when its Unduh button is clicked (not every file on every rerun)."""
    with unit_of_work() as session:
        return evidence.read_evidence(session, actor, evidence_id)[2]


if files:
    for f in files:
        c1, c2, c3, c4 = st.columns([4, 4, 1, 1])
        c1.markdown(f"**{md(f.filename)}**  \n{fmt.number(f.size / 1024, 1)} KB · {md(f.uploaded_by)} · "
                    f"{f.uploaded_at}")
        c2.markdown(md(f.indicator_label))
        if f.stored:
            c3.download_button("Unduh", data=lambda i=f.id: evidence_bytes(i), file_name=f.filename,
                               mime=f.content_type, key=f"unduh_{f.id}", on_click="ignore")
        else:
            c3.caption(":red[Berkas tidak ada di penyimpanan; hubungi administrator.]")
        if view.editable and c4.button("Hapus", key=f"hapus_{f.id}"):
            with shown_errors():
                with unit_of_work() as session:
                    evidence.delete_evidence(session, actor, f.id)
                done(f"Bukti '{f.filename}' dihapus.")
else:
    st.caption("Belum ada bukti dukung.")

# --- Lembar kerja Excel (offline entry, same save as the grid) ----------------------------------------
st.subheader("Lembar kerja Excel")
st.caption("Unduh data unit ini sebagai Excel, isi sel berwarna kuning di luar aplikasi, lalu unggah kembali. "
           "Perubahan ditampilkan dahulu dan baru disimpan setelah Anda menekan Terapkan.")
def workbook_bytes(submission_id: int) -> bytes:
    """The unit's workbook, made when its button is clicked (not on every edit of the grid above)."""
    with unit_of_work() as session:
        return unit_workbook.unit_workbook(session, actor, submission_id)


with unit_of_work() as session:
    book_name = unit_workbook.workbook_name(session, actor, view.id)
st.download_button("Unduh lembar kerja (.xlsx)", data=lambda: workbook_bytes(view.id), file_name=book_name,
                   icon=":material/download:", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key=f"unduh_lembar_{view.id}")
if view.editable:
    book_upload = st.file_uploader("Unggah lembar kerja yang sudah diisi (.xlsx)", type=["xlsx"],
                                   key=f"lembar_{view.id}_{gen}")
    book_preview = None
    if book_upload is not None:
        with shown_errors():
            with unit_of_work() as session:
                book_preview = unit_workbook.parse_unit_workbook(session, actor, view.id, book_upload.getvalue())
    if book_preview is not None:
        if book_preview.errors:
            st.error("Lembar kerja belum dapat diterapkan. Perbaiki di Excel lalu unggah kembali:")
            st.markdown("\n".join(f"- {e}" for e in book_preview.errors))
        if book_preview.count:
            st.markdown(f"**{book_preview.count} perubahan** akan diterapkan:")
            st.dataframe(book_preview.changes, hide_index=True, width="stretch")
        elif book_preview.ok:
            st.info("Lembar kerja ini sama dengan data yang tersimpan; tidak ada yang perlu diterapkan.")
        if st.button("Terapkan", type="primary", disabled=not book_preview.ok or not book_preview.count,
                     key=f"terapkan_lembar_{view.id}"):
            try:
                with unit_of_work() as session:
                    applied = unit_workbook.apply_unit_workbook(session, actor, view.id, book_upload.getvalue())
                done(f"Lembar kerja diterapkan: {applied.indicators} indikator dan {applied.budget_lines} "
                     "baris anggaran diperbarui.")
            except InvalidInput as err:
                show_problems(err)
            except KinerjaError as err:
                st.error(str(err))

# --- Ajukan ---------------------------------------------------------------------------------------------
if view.editable:
    st.subheader("Ajukan")
    st.caption("Simpan dulu perubahan Anda. Setelah diajukan, data terkunci sampai diperiksa.")
    if st.button("Ajukan", type="primary", key="ajukan"):
        try:
            with unit_of_work() as session:
                entry.submit(session, actor, view.id)
            done("Data kinerja diajukan. Terima kasih; data kini terkunci untuk diperiksa.")
        except InvalidInput as err:
            show_problems(err)
        except KinerjaError as err:
            st.error(str(err))
