"""Isi Data Kinerja (SOP step 3): a unit enters its quarter's realisations, budget and evidence, then submits."""

import streamlit as st

from core import entry, evidence, fmt, report_versions, review, unit_workbook
from core.errors import Conflict, InvalidInput, KinerjaError
from core.markup import md
from core.states import SubmissionState
from core.steps import isi_data, pengolahan
from core.uow import unit_of_work
from pages.parts import caches
from pages.parts import grid as grids
from pages.parts.common import (
    actor_or_stop,
    column_px,
    data_version,
    flash,
    parsed_once,
    show_flash,
    shown_errors,
)

actor = actor_or_stop("pages/isi_data.py")
GEN = "isi_data_gen"  # per grid, bumped after its save so it re-reads the database
DRAWN = "isi_data_drawn"  # (submission id, {grid: widget key}) of the last run
GRID_LABELS = {"ind": "Realisasi indikator", "bud": "Realisasi anggaran"}
UPLOADS = "isi_data_uploads"  # bumped after each action, so the uploaders start empty

st.title("Isi Data Kinerja")
intro = st.empty()  # the step's instruction, once the page knows whether the unit has DPA lines


show_flash("isi_data")  # the message of the last action; the answer to Ajukan is shown beside its button


def unsaved() -> list[str]:
    """The grids of the last run ("ind", "bud") that hold typed values not saved yet."""
    _sub, keys = st.session_state.get(DRAWN, (None, {}))
    return [g for g, key in keys.items() if grids.has_edits(key)]


def done(message: str, kind: str = "success", saved: tuple[str, ...] = (), details: tuple[str, ...] = (),
         where: str = "top") -> None:
    """Show `message` after a rerun that re-reads the data. The grids in `saved` are reloaded; another grid
    is reloaded only when it holds no unsaved edits: an upload or an answer never drops what was typed.
    `where`: beside which button the message is shown ("top" or "ajukan")."""
    keep = [g for g in unsaved() if g not in saved]
    if keep and kind == "success":
        kind = "warning"
        message += (f" Perubahan pada tabel {' dan '.join(GRID_LABELS[g] for g in keep)} belum disimpan; "
                    "tekan tombol simpannya, atau Ajukan.")
    gens = st.session_state.setdefault(GEN, {"ind": 0, "bud": 0})
    for g in gens:
        if g not in keep:
            gens[g] += 1
    st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1
    flash("isi_data", md(message) if kind == "error" else message, kind, details=details, where=where)


def show_problems(err: InvalidInput) -> None:
    """The refusal's headline and each problem once (core messages end with the problems joined)."""
    joined = " ".join(err.problems)
    headline = err.message[:-len(joined)].strip() if err.problems and err.message.endswith(joined) else err.message
    st.error(md(headline))
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
# Opening another collection would drop what was typed in this one's grids: stay on it, and say so.
_drawn_sub = st.session_state.get(DRAWN, (None, {}))[0]
_picked = st.session_state.get("isi_data_pilihan")
if _picked is not None and _drawn_sub is not None and _picked.id != _drawn_sub and unsaved():
    st.warning(f"Perubahan pada tabel {' dan '.join(GRID_LABELS[g] for g in unsaved())} belum disimpan. "
               "Simpan atau batalkan dulu sebelum membuka pengumpulan data lain.")
    st.session_state["isi_data_pilihan"] = next((c for c in choices if c.id == _drawn_sub), choices[0])
elif _picked is not None and _picked not in choices:  # the same submission, its label changed with its state
    st.session_state["isi_data_pilihan"] = next((c for c in choices if c.id == _picked.id), choices[0])
choice = st.selectbox("Pengumpulan data", choices, format_func=lambda c: c.label, key="isi_data_pilihan")
gens = st.session_state.setdefault(GEN, {"ind": 0, "bud": 0})
grid_key = f"grid_{choice.id}_{gens['ind']}"
budget_key = f"anggaran_{choice.id}_{gens['bud']}"
with unit_of_work() as session:
    view = entry.submission_view(session, actor, choice.id)
    # held while the person edits: saves are checked against the versions on the screen
    grid = grids.hold("isi_data_indikator", grid_key, entry.entry_table(session, actor, choice.id, exact=True))
    budget = grids.hold("isi_data_anggaran", budget_key, entry.budget_table(session, actor, choice.id, exact=True))
    files = evidence.list_evidence(session, actor, choice.id)
    # everything else the page shows, read in the same transaction (the page reruns on every edit)
    corrected = report_versions.corrections_of_submission(session, actor, view.id)
    review_notes, return_history = review.notes_for_unit(session, actor, view.id)
    flags = caches.plausibility_flags(data_version(actor.office_id), actor, view.id) if view.editable else []
    returned_unchanged = review.unchanged_since_return(session, actor, view.id) if view.editable else None
st.session_state[DRAWN] = (choice.id, {"ind": grid_key, "bud": budget_key})
intro.caption("Langkah 3 SOP: isi realisasi indikator" + (" dan anggaran" if len(budget) else "")
              + " triwulan unit Anda, lengkapi kendala, tindak lanjut dan bukti dukung, lalu ajukan sebelum tenggat.")
uploads = st.session_state.get(UPLOADS, 0)

# --- state banner ---------------------------------------------------------------------------------
deadline_text = f"Tenggat: **{view.deadline_label}**"
if view.state == SubmissionState.DIKEMBALIKAN:
    st.warning(f"**Data dikembalikan oleh pemeriksa.** Alasan: {md(view.return_reason) or '–'}  \n"
               f"Perbaiki data lalu ajukan kembali. {deadline_text}")
elif view.lock_message:
    st.error(f"**Kunci jadwal.** {md(view.lock_message)}", icon=":material/lock:")
elif view.state in (SubmissionState.BELUM_MULAI, SubmissionState.DRAF):
    note = f"  \nCatatan pengembalian terakhir: {md(view.return_reason)}" if view.return_reason else ""
    st.info(f"Status: **{view.state_label}** — data masih dapat diubah. {deadline_text}{note}")
elif view.state == SubmissionState.DIAJUKAN:
    st.success(f"Status: **Diajukan** pada {fmt.datetime(view.submitted_at)}. Data terkunci selama diperiksa; "
               "bila ada yang perlu diperbaiki, pemeriksa akan mengembalikannya.")
else:
    st.success("Status: **Diterima**. Data unit untuk triwulan ini sudah diterima pemeriksa.")
if view.reminded and view.round_open:
    st.warning(md(view.reminded), icon=":material/notifications_active:")
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
                    isi_data.acknowledge(session, actor, view.id)
                done("Disposisi ditandai diterima.")

# --- koreksi JFT Perencana (langkah 7) ---
if corrected:
    with st.expander(f"Nilai yang dikoreksi JFT Perencana ({len(corrected)})", expanded=True):
        st.caption("Koreksi yang diterapkan pada laporan mengubah data unit ini; laporan, rekap dan grafik "
                   "memakai nilai sesudah koreksi.")
        st.table([{"Kode": c.code, "Kolom": c.field_label, "Sebelum": c.before, "Sesudah": c.after,
                   "Catatan koreksi": c.note, "Oleh": c.author, "Waktu": fmt.datetime(c.applied_at)}
                  for c in corrected])

# --- catatan pemeriksa (A2) ---
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
                            pengolahan.respond_comment(session, actor, int(note.comment_id), answer)
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
               "Kendala dan Tindak lanjut wajib bila capaian di bawah target; Faktor pendorong wajib bila capaian "
               "mencapai atau melampaui target. Tekan **Simpan draf** untuk "
               "menyimpan; capaian dan predikat dihitung ulang setelah disimpan.")
editable_cols = set(entry.ENTRY_EDITABLE) if view.editable else set()
pen = " ✎" if view.editable else ""  # marks the columns the unit fills
earlier_cols = [c for c in grid.columns if c.startswith("Realisasi TW ")]
NUMBERS = {"Target tahunan (PK)": 4, "Target TW (RA)": 4, "Realisasi TW": 4, "Realisasi s.d. TW": 4,
           "Capaian TW %": 2, "Capaian s.d. TW %": 2, **{c: 4 for c in earlier_cols}}
# The columns a unit fills first, right after what identifies the row; context further right.
first = ["No", "Kode", "Indikator", "Satuan", "Target TW (RA)", "Realisasi TW", "Capaian TW %", "Predikat",
         "Faktor pendorong", "Kendala", "Tindak lanjut", "Alasan tidak diukur", "Catatan", "Bukti"]
order = first + [c for c in grid.columns if c not in first and c not in entry.HIDDEN]
# A phone: the grid's pinned columns fill the screen, so each indicator's figures are also listed in short
# (pages/parts/browser_ui.py shows this block on narrow screens only).
with st.container(key="hp_ringkas"):
    for row in entry.compact_rows(grid):
        st.markdown(f"**{md(row.title)}**  \n{md(row.figures)}")
    if view.editable:
        st.caption("Untuk mengisi, geser tabel di bawah ke samping atau gunakan layar yang lebih lebar.")
st.data_editor(
    grids.as_text(grid, NUMBERS, fixed=frozenset({"Capaian TW %", "Capaian s.d. TW %"})),
    key=grid_key,
    hide_index=True,
    num_rows="fixed",
    placeholder="–",
    column_order=order,
    disabled=[c for c in grid.columns if c not in editable_cols],
    column_config={
        "indicator_id": None,
        "version": None,
        "No": st.column_config.NumberColumn("No", width=44, pinned=True),
        "Kode": st.column_config.TextColumn("Kode", width=column_px("Kode", grid["Kode"]), pinned=True),
        "Indikator": st.column_config.TextColumn("Indikator", width=min(300, column_px("Indikator", grid["Indikator"])),
                                                 pinned=True),
        **{c: grids.number_column(c) for c in NUMBERS},
        # short headers for the figures beside what is filled: capaian and predikat in view after a save
        "Target TW (RA)": st.column_config.TextColumn("Target TW", alignment="right", width=96,
                                                      help="Target triwulan menurut Rencana Aksi (RA)."),
        "Capaian TW %": grids.number_column("Capaian TW %", width=112),
        "Realisasi TW": grids.number_column("Realisasi TW" + pen, editable=view.editable),
        "Bukti": st.column_config.NumberColumn("Bukti", width=60),
        "Alasan tidak diukur": st.column_config.TextColumn("Alasan tidak diukur" + pen),
        "Catatan": st.column_config.TextColumn("Catatan" + pen),
        "Faktor pendorong": st.column_config.TextColumn(
            "Faktor pendorong" + pen, help="Wajib bila capaian mencapai atau melampaui target (100 % atau lebih)."),
        "Kendala": st.column_config.TextColumn("Kendala" + pen),
        "Tindak lanjut": st.column_config.TextColumn("Tindak lanjut" + pen),
    },
    width="stretch",
)
ind_names = dict(zip(grid["indicator_id"], grid["Kode"])) if len(grid) else {}
line_names = dict(zip(budget["budget_line_id"], budget["Kode"])) if len(budget) else {}


def save_grids(which: tuple[str, ...]):
    """Save the unsaved edits of the grids in `which` ("ind", "bud") in one transaction: all or nothing.

    Checked against the versions the person saw (held since the grid was drawn): a save over a newer version
    is refused, naming who saved it, and what was typed is repeated so it is not lost from sight. Invalid
    input lists every problem and keeps what was typed. Returns {grid: rows changed} for the grids that had
    edits, or None when the save was refused."""
    ind, ind_versions = grids.edits(grid_key, grid, "indicator_id") if "ind" in which else ({}, {})
    bud, bud_versions = grids.edits(budget_key, budget, "budget_line_id") if "bud" in which else ({}, {})
    changed: dict[str, int] = {}
    try:
        with unit_of_work() as session:
            if ind:
                changed["ind"] = isi_data.save_entries(session, actor, view.id, ind, ind_versions).changed
            if bud:
                changed["bud"] = isi_data.save_budget(session, actor, view.id, bud, bud_versions).changed
    except Conflict as err:
        typed = grids.typed_summary(ind, ind_names) + ("; " if ind and bud else "") + grids.typed_summary(bud, line_names)
        done(str(err), kind="error", saved=which, details=(f"Yang Anda ketik, belum tersimpan: {typed}",))
    except InvalidInput as err:
        show_problems(err)
        return None
    except KinerjaError as err:
        st.error(str(err))
        return None
    return changed


def grid_buttons(g: str, key: str, label: str, button_key: str, saved: str) -> None:
    """The save button of one grid (and a way to drop its unsaved edits)."""
    c1, c2 = st.columns([1, 3])
    if c1.button(label, type="primary" if g == "ind" else "secondary", key=button_key):
        if not grids.has_edits(key):
            st.info("Tidak ada perubahan untuk disimpan.")
        else:
            changed = save_grids((g,))
            if changed is not None:
                done(saved.format(n=changed.get(g, 0)), saved=(g,))
    if grids.has_edits(key):
        c2.caption("Ada perubahan yang belum disimpan.")
        if c2.button("Batalkan perubahan", key=f"batal_{button_key}"):
            gens[g] += 1
            st.rerun()


if view.editable:
    grid_buttons("ind", grid_key, "Simpan draf", "simpan_indikator", "Draf disimpan ({n} indikator diperbarui).")

# --- budget grid --------------------------------------------------------------------------------------
st.subheader("Realisasi anggaran (DPA)")
if len(budget):
    BUDGET_NUMBERS = {"Pagu": 2, "Realisasi s.d. TW lalu": 2, "Realisasi TW": 2, "Realisasi s.d. TW": 2,
                      "Serapan %": 2}
    st.data_editor(
        grids.as_text(budget, BUDGET_NUMBERS, fixed=frozenset({"Serapan %"})),
        key=budget_key,
        hide_index=True,
        num_rows="fixed",
        placeholder="–",
        # the column the unit fills right after the line and its pagu: in view without scrolling sideways
        column_order=["Kode", "Sub kegiatan", "Pagu", "Realisasi TW", "Realisasi s.d. TW lalu", "Realisasi s.d. TW",
                      "Serapan %", "Program", "Kegiatan"],
        disabled=[c for c in budget.columns if not (view.editable and c in entry.BUDGET_EDITABLE)],
        column_config={
            "budget_line_id": None,
            "version": None,
            "Kode": st.column_config.TextColumn("Kode", width=column_px("Kode", budget["Kode"]), pinned=True),
            "Sub kegiatan": st.column_config.TextColumn(
                "Sub kegiatan", width=min(260, column_px("Sub kegiatan", budget["Sub kegiatan"])), pinned=True),
            "Pagu": grids.number_column("Pagu (Rp)", width=150),
            # a short header, so the figure beside what is typed is in view at 1400 px
            "Realisasi s.d. TW lalu": st.column_config.TextColumn(
                "S.d. TW lalu (Rp)", alignment="right", width=150,
                help="Realisasi anggaran s.d. triwulan sebelumnya (Rp)."),
            "Realisasi TW": grids.number_column("Realisasi TW (Rp)" + pen, editable=view.editable, width=170),
            "Realisasi s.d. TW": grids.number_column("Realisasi s.d. TW (Rp)"),
            "Serapan %": grids.number_column("Serapan %"),
        },
        width="stretch",
    )
    if view.editable:
        grid_buttons("bud", budget_key, "Simpan realisasi anggaran", "simpan_anggaran",
                     "Realisasi anggaran disimpan ({n} baris diperbarui).")
else:
    st.caption("Unit ini tidak memiliki baris DPA pada tahun ini.")

# --- evidence -----------------------------------------------------------------------------------------
st.subheader("Bukti dukung")
targets = {int(r["indicator_id"]): f"{r['Kode']} {r['Indikator']}" for _, r in grid.iterrows()}
targets[None] = "Umum (seluruh data unit)"
if view.editable:
    # outside the form: the form empties its uploader after each upload, the chosen indicator stays
    target = st.selectbox("Bukti untuk indikator", list(targets), format_func=targets.get,
                          key=f"bukti_indikator_{view.id}")
    with st.form(f"unggah_{view.id}", clear_on_submit=True):
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
                                   key=f"lembar_{view.id}_{uploads}")
    book_preview = None
    if book_upload is not None:
        with shown_errors():
            book_data = book_upload.getvalue()

            def _parse_book():
                with unit_of_work() as session:
                    return unit_workbook.parse_unit_workbook(session, actor, view.id, book_data)

            book_preview = parsed_once(f"lembar_pratinjau_{view.id}", book_data,
                                       (view.id, data_version(actor.office_id)), _parse_book)
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
            if unsaved():
                st.error(f"Perubahan pada tabel {' dan '.join(GRID_LABELS[g] for g in unsaved())} belum disimpan. "
                         "Simpan atau batalkan dulu, lalu terapkan lembar kerja.")
                st.stop()
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
    st.caption("Perubahan yang belum disimpan pada tabel di atas ikut disimpan saat Anda menekan Ajukan. Setelah "
               "diajukan, data terkunci sampai diperiksa.")
    if returned_unchanged:
        st.warning(f"Data ini dikembalikan pada {fmt.datetime(returned_unchanged)} dan belum ada yang diubah sejak "
                   "itu. Perbaiki sesuai alasan pengembalian sebelum mengajukan kembali; pemeriksa akan melihat "
                   "bahwa data diajukan kembali tanpa perubahan.")
    confirm = False
    if flags:
        st.warning("**Periksa kewajaran nilai berikut sebelum mengajukan** (nilai yang jauh dari target atau dari "
                   "triwulan sebelumnya sering berasal dari salah ketik):")
        st.markdown("\n".join(f"- {md(f.message)}" for f in flags))
        confirm = st.checkbox("Saya sudah memeriksa nilai di atas dan nilainya benar.", key=f"konfirmasi_{view.id}")
    if st.button("Ajukan", type="primary", key="ajukan"):
        pending = tuple(unsaved())
        changed = save_grids(pending) if pending else {}
        if changed is not None:
            try:
                with unit_of_work() as session:
                    isi_data.submit(session, actor, view.id, confirm_flags=confirm)
                done("Data kinerja diajukan. Terima kasih; data kini terkunci untuk diperiksa.", saved=pending)
            except InvalidInput as err:
                if not pending:
                    show_problems(err)
                else:  # the typed values are saved as a draft: reload the grids, then list what is missing here
                    done("Perubahan tabel disimpan sebagai draf. " + err.message, kind="error", saved=pending,
                         details=tuple(err.problems), where="ajukan")
            except KinerjaError as err:
                if pending:
                    done(f"Perubahan tabel disimpan sebagai draf. Data belum dapat diajukan: {err}",
                         kind="error", saved=pending, where="ajukan")
                st.error(str(err))
show_flash("isi_data", "ajukan")  # the answer to Ajukan, beside its button
