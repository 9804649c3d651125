"""Pengolahan (SOP langkah 4–5): the penyusun checks each unit's data, accepts or returns it, comments on
indicator rows, and compiles the draft report once every unit's data is accepted."""

from functools import partial

import streamlit as st

from core import clock, evidence, fmt, plausibility, review, round_status, states
from core.errors import Conflict, KinerjaError
from core.forms import renja_eval
from core.markup import md
from core.states import SubmissionState
from core.steps import pengolahan, penyusunan
from core.uow import unit_of_work
from pages.parts.common import (
    actor_or_stop,
    edit_form,
    executors_of,
    flash,
    forget_edit,
    gen_key,
    job_outcome,
    job_running,
    may,
    pick_record,
    show_flash,
    shown_errors,
    start_job,
    table,
    typed_fields,
    unsaved,
)

actor = actor_or_stop("pages/pengolahan.py")
today = clock.today()


st.title("Pengolahan")
show_flash("pengolahan")
DRAFT_JOB = "pengolahan_job_draf"  # this session's Susun draf, built on a thread of its own (core.jobs)


def _compile_draft(round_id: int) -> int:
    with unit_of_work() as session:
        return penyusunan.compile_draft(session, actor, round_id).version


def _draft_outcome(key: tuple) -> bool:
    """The draft being built (a progress bar; also one another session of this process started), its error,
    or its message once built (the round has moved on). True while it is being built."""
    return job_outcome(DRAFT_JOB, lambda version: flash(
        "pengolahan", f"Draf laporan versi {version} disusun. Berkasnya (laporan dan Evaluasi Hasil Renja E.81, "
                      "Excel dan PDF) dapat diunduh di halaman **Sosialisasi & Koreksi**. Langkah berikutnya: "
                      f"{executors_of('sosialisasi')} mensosialisasikan draf kepada {executors_of('koreksi')}."),
        key=key)


with unit_of_work() as session:
    round_id = round_status.current_round_id(session, actor.office_id)
    state = round_status.round_status(session, actor, round_id) if round_id else None
    overview = review.submissions_overview(session, actor, round_id, today) if round_id else None

if state is None:
    st.info(f"Belum ada pengumpulan data yang berjalan. Data unit dapat diolah setelah {executors_of('disposisi')} "
            f"membuka pengumpulan data dan {executors_of('distribusi')} mendistribusikannya.")
    st.stop()

DRAFT_KEY = ("report.compile", state.id)  # one build of a round's draft at a time in this process
# the build's bar is drawn beside its button (step 5, below); once built the round has moved on, and its
# message is shown from here
building = job_running(DRAFT_JOB, DRAFT_KEY) if state.step_code == "penyusunan" else _draft_outcome(DRAFT_KEY)

st.caption(f"{state.title} — langkah {state.step_number}: {state.step_name}")
can_review = state.step_code in pengolahan.REVIEW_STEPS

accepted = int((overview["state"] == SubmissionState.DITERIMA).sum())
submitted = int((overview["state"] == SubmissionState.DIAJUKAN).sum())
returned = int((overview["state"] == SubmissionState.DIKEMBALIKAN).sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("Unit", len(overview))
c2.metric("Menunggu diperiksa", submitted)
c3.metric("Dikembalikan", returned)
c4.metric("Diterima", f"{accepted} dari {len(overview)}")

st.subheader("Data unit kerja")
table(review.overview_table(overview), "Belum ada unit yang menerima distribusi.")

if state.step_code == "penyusunan" and may(actor, "report.renja_footer"):
    # The save is checked against the footer this browser drew (edit_form), not the one read in the submit's own
    # run (which let a form drawn before another person's save overwrite it); only the fields typed in are sent.
    with unit_of_work() as session:
        footer = penyusunan.renja_footer(session, actor, state.id)
    drawn, gen = edit_form("e81", state.id, {"stored": footer.stored, "texts": footer.texts}, "e81_simpan")
    seen_stored, seen_texts = drawn["stored"], drawn["texts"]
    show_flash("pengolahan", "catatan")
    with st.form("catatan_e81", border=True):
        st.subheader("Catatan Evaluasi Hasil Renja (E.81)")
        st.caption("Isian awal disusun dari isian unit kerja: faktor pendorong indikator yang mencapai target, "
                   "kendala dan tindak lanjut indikator yang belum mencapai target. Sesuaikan bila perlu; catatan "
                   "dimuat pada draf laporan yang disusun berikutnya dan dapat dikoreksi JFT Perencana.")
        texts = {f: st.text_area(label, value=seen_texts[f], key=gen_key(f"e81_{f}", gen), height=110)
                 for f, label in renja_eval.FOOTER_LABELS.items()}
        # while the draft is built its footer is already read: a note saved now would miss it
        if st.form_submit_button("Simpan catatan", icon=":material/save:", disabled=building, key="e81_simpan"):
            changed = {f: v for f, v in texts.items() if (v or "").strip() != (seen_texts[f] or "").strip()}
            if not changed:
                st.info("Tidak ada perubahan catatan untuk disimpan.")
            else:
                try:
                    with unit_of_work() as session:
                        penyusunan.save_renja_footer(session, actor, state.id, changed, expected=seen_stored)
                except Conflict as err:  # drawn again with the newer texts; what was typed listed under the message
                    forget_edit("e81")
                    typed = typed_fields(*((renja_eval.FOOTER_LABELS[f], v, seen_texts[f]) for f, v in changed.items()))
                    flash("pengolahan", unsaved(md(str(err)), typed), "error", where="catatan", details=typed)
                except KinerjaError as err:  # e.g. too long: the typed texts stay in the form to shorten
                    st.error(md(str(err)))
                else:
                    forget_edit("e81")
                    flash("pengolahan", "Catatan Evaluasi Hasil Renja (E.81) disimpan. Catatan dimuat pada draf "
                                        "laporan yang disusun berikutnya.")

if state.step_code == "penyusunan":
    with st.container(border=True):
        st.subheader("Susun draf laporan (langkah 5)")
        st.markdown("Seluruh data unit sudah diterima. Susun draf Laporan Capaian Kinerja Triwulan; draf "
                    f"kemudian disosialisasikan {executors_of('sosialisasi')} kepada {executors_of('koreksi')}.")
        # started by the click's callback, before this run: the run draws the button disabled, the bar below it
        st.button("Susun draf laporan", type="primary", key="susun_draf", icon=":material/description:",
                  disabled=building, on_click=start_job,
                  args=(DRAFT_JOB, DRAFT_KEY, "Menyusun draf laporan", partial(_compile_draft, state.id)))
        _draft_outcome(DRAFT_KEY)
elif not can_review:
    st.info(f"Pemeriksaan data unit sudah selesai; pengumpulan data berada pada langkah '{state.step_name}'.")

with_data = overview[overview["submission_id"].notna()]
if with_data.empty:
    st.info("Belum ada data unit untuk diperiksa.")
    st.stop()

st.divider()
st.subheader("Periksa data unit")
ids_by_unit = {r.unit: int(r.submission_id) for r in with_data.itertuples()}
labels = {sid: unit for unit, sid in ids_by_unit.items()}
waiting = [u for u, state in zip(with_data["unit"], with_data["state"]) if state == SubmissionState.DIAJUKAN]
units = list(ids_by_unit)
chosen_unit = st.selectbox("Unit kerja", units, index=units.index(waiting[0]) if waiting else 0,
                           key="pengolahan_unit")
choice = ids_by_unit[chosen_unit]
sub_state = with_data.set_index("submission_id").loc[choice, "state"]
st.caption(f"Status: {states.submission_label(sub_state)}")

with unit_of_work() as session:
    detail = review.submission_detail(session, actor, choice)
    history = review.review_history(session, actor, choice)
    comments = review.comments_for(session, actor, choice)
    files = review.evidence_by_indicator(session, actor, choice)
    budget = review.budget_review(session, actor, choice)
    changes = review.changes_since_return(session, actor, choice)
    checked = plausibility.review_flags(session, actor, choice)
    factor = plausibility.factor()


def evidence_bytes(evidence_id: int) -> bytes:
    """The file, read when its Unduh button is clicked (not every file on every rerun)."""
    with unit_of_work() as session:
        return evidence.read_evidence(session, actor, evidence_id)[2]


st.markdown("**Realisasi terhadap target, capaian dan predikat**")
table(review.detail_table(detail), "Unit ini tidak memiliki indikator pada tahun ini.")

st.markdown("**Bukti dukung per indikator**")
st.caption("Buka setiap berkas dan cocokkan dengan realisasi yang dilaporkan.")
for group in files:
    with st.container(border=True):
        st.markdown(f"**{md(group.label)}**")
        if not group.files:
            st.markdown(":orange[Belum ada bukti dukung (wajib untuk indikator ini).]" if group.needs_evidence
                        else "Tidak ada berkas (bukti dukung tidak wajib untuk indikator ini).")
        for f in group.files:
            c1, c2 = st.columns([5, 1])
            c1.markdown(f"{md(f.filename)}  \n<small>{fmt.number(f.size / 1024, 1)} KB · {md(f.uploaded_by)} · "
                        f"{f.uploaded_at}</small>", unsafe_allow_html=True)
            if f.stored:
                c2.download_button("Unduh", data=lambda i=f.id: evidence_bytes(i), file_name=f.filename,
                                   mime=f.content_type, key=f"unduh_bukti_{f.id}", on_click="ignore",
                                   icon=":material/download:")
            else:
                c2.caption(":red[Berkas tidak ada di penyimpanan; hubungi administrator.]")

st.markdown("**Realisasi anggaran per baris DPA**")
if budget.table.empty:
    st.caption("Unit ini tidak memiliki baris anggaran DPA pada tahun ini.")
else:
    table(budget.table, "Tidak ada baris anggaran.")
    st.markdown(budget.summary)

if changes.returned_at is not None:
    st.markdown("**Perubahan sejak dikembalikan**")
    st.caption(f"Dikembalikan pada {fmt.datetime(changes.returned_at)} dengan alasan: {md(changes.reason)}")
    if changes.unchanged:
        if sub_state == SubmissionState.DIAJUKAN:
            st.warning(f"Diajukan kembali tanpa perubahan sejak dikembalikan pada {fmt.datetime(changes.returned_at)}. "
                       "Periksa apakah alasan pengembalian sudah ditindaklanjuti.", icon=":material/warning:")
        else:
            st.caption("Belum ada perubahan sejak dikembalikan.")
    else:
        table(changes.table(), "Belum ada perubahan sejak dikembalikan.")

if can_review and sub_state == SubmissionState.DIAJUKAN:
    st.markdown("**Pemeriksaan kewajaran nilai**")
    if checked.flags:
        for shown in checked.flags:
            status = ("Unit telah mengonfirmasi nilai ini benar saat mengajukan." if shown.confirmed
                      else "Belum dikonfirmasi oleh unit.")
            st.warning(f"{md(shown.flag.message)}  \n_{status}_", icon=":material/error:")
    else:
        st.caption(f"Tidak ada nilai yang tampak tidak wajar (batas {fmt.number(factor)}× target triwulan, "
                   "median triwulan sebelumnya, atau rata-rata realisasi anggaran).")
    left, right = st.columns(2)
    with left, st.form("form_terima", border=True):
        st.markdown("**Terima data**")
        note = st.text_input("Catatan (boleh kosong)", key="catatan_terima")
        if st.form_submit_button("Terima", type="primary", icon=":material/check:"):
            with shown_errors():
                with unit_of_work() as session:
                    pengolahan.accept(session, actor, choice, note)
                flash("pengolahan", f"Data {labels[choice]} diterima.")
    with right, st.form("form_kembalikan", border=True):
        st.markdown("**Kembalikan untuk diperbaiki**")
        reason = st.text_area("Alasan pengembalian (wajib)", key="alasan_kembali",
                              placeholder="Contoh: Realisasi IK-03 belum sesuai daftar penempatan.")
        if st.form_submit_button("Kembalikan", icon=":material/undo:"):
            with shown_errors():
                with unit_of_work() as session:
                    pengolahan.return_submission(session, actor, choice, reason)
                flash("pengolahan", f"Data {labels[choice]} dikembalikan kepada unit dengan alasannya.")
elif sub_state == SubmissionState.DITERIMA:
    st.success("Data unit ini sudah diterima.")
elif sub_state == SubmissionState.DIKEMBALIKAN:
    st.warning("Data unit ini dikembalikan dan menunggu perbaikan oleh unit.")
else:
    st.info("Unit belum mengajukan data; data dapat diperiksa setelah diajukan.")

if not history.empty:
    st.markdown("**Riwayat pemeriksaan**")
    table(history.assign(Waktu=[review.when(v) for v in history["at"]])[
        ["Waktu", "decision_label", "reason", "reviewer"]].rename(columns={
            "decision_label": "Keputusan", "reason": "Alasan / catatan", "reviewer": "Pemeriksa"}),
        "Belum ada pemeriksaan.")

st.markdown("**Catatan pada baris indikator**")
if comments.empty:
    st.caption("Belum ada catatan.")
for c in comments.itertuples():
    with st.container(border=True):
        status = "selesai" if c.resolved else "terbuka"
        st.markdown(f"**{md(c.code) or 'Umum'}** {md(c.indicator)} · _{status}_  \n{md(c.text)}  \n"
                    f"<small>{md(c.author)}, {review.when(c.created_at)}</small>", unsafe_allow_html=True)
        if c.response:
            st.markdown(f"↳ Jawaban unit: {md(c.response)}  \n<small>{md(c.responded_by)}, {review.when(c.responded_at)}"
                        "</small>", unsafe_allow_html=True)
        if not c.resolved and can_review:
            if st.button("Tandai selesai", key=f"selesai_{c.comment_id}", icon=":material/task_alt:"):
                with shown_errors():
                    with unit_of_work() as session:
                        pengolahan.resolve_comment(session, actor, int(c.comment_id))
                    flash("pengolahan", "Catatan ditandai selesai.")

if can_review:
    with st.form("form_catatan", border=True, clear_on_submit=True):
        st.markdown("**Tambah catatan**")
        names = {None: "Seluruh data unit"} | {int(i): f"{c} — {n}" for i, c, n in
                                               zip(detail["indicator_id"], detail["code"], detail["indicator"])}
        target = pick_record("Baris indikator", names, "catatan_baris")
        text = st.text_area("Catatan", key="catatan_isi")
        if st.form_submit_button("Simpan catatan", icon=":material/comment:"):
            with shown_errors():
                with unit_of_work() as session:
                    pengolahan.add_comment(session, actor, choice, target, text)
                flash("pengolahan", "Catatan disimpan; unit dapat menjawabnya di halaman Isi Data Kinerja.")
