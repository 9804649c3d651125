"""Cadangan & Pemulihan: the administrator makes and downloads backups and restores from one."""

import datetime as dt

import streamlit as st

from core import backup, fmt
from core.config import get_settings
from core.uow import unit_of_work
from pages.parts.common import actor_or_stop, shown_errors

actor = actor_or_stop("pages/cadangan.py")
settings = get_settings()

st.title("Cadangan & Pemulihan")
st.caption(
    "Satu berkas cadangan (.zip) memuat salinan basis data yang utuh, seluruh bukti dukung, arsip laporan "
    "yang didokumentasikan, dan manifest berisi SHA-256 setiap berkas yang ditandatangani dengan kunci "
    "instalasi ini. Simpan cadangan di luar server (mis. diska eksternal) secara berkala, dan simpan salinan "
    "kunci instalasi (installation.key di folder data) di tempat terpisah."
)

st.subheader("Buat cadangan")
if st.button("Buat cadangan sekarang", type="primary", key="buat_cadangan"):
    with shown_errors():
        with st.spinner("Membuat cadangan…"):
            with unit_of_work() as session:
                made = backup.make_backup(session, actor)
        st.session_state["pilih_cadangan"] = made.name  # show the new one below
        st.success(f"Cadangan dibuat: {made.name}")

backups = backup.list_backups()
if backups:
    names = [b.name for b in backups]
    if st.session_state.get("pilih_cadangan") not in names:
        st.session_state.pop("pilih_cadangan", None)
    chosen = st.selectbox("Cadangan yang tersimpan di server (terbaru di atas)", names, key="pilih_cadangan")
    info = backups[names.index(chosen)]
    made_at = fmt.datetime(dt.datetime.fromisoformat(info.created_at)) if info.created_at else "–"
    st.text(
        f"Dibuat: {made_at} oleh {info.created_by or '–'} · basis data {info.backend} · "
        f"{fmt.number(info.files, 0)} berkas · {fmt.number(info.size / 1024 / 1024, 2)} MB\n"
        f"Asal: {info.origin_label}\n"
        f"SHA-256: {info.sha256}"
    )
    # read when clicked: a backup holds every evidence file and can be large
    st.download_button("Unduh cadangan ini", data=lambda: backup.backup_bytes(info.path), file_name=info.name,
                       mime="application/zip", key="unduh_cadangan", icon=":material/download:", on_click="ignore")
else:
    st.info("Belum ada cadangan di folder cadangan server.")

st.divider()
st.subheader("Pulihkan dari cadangan")
st.warning(
    "Pemulihan MENGGANTI seluruh data saat ini (basis data, bukti dukung, dan arsip) dengan isi cadangan. "
    "Data saat ini disimpan dahulu sebagai salinan pengaman di folder cadangan server."
)
uploaded = st.file_uploader("Berkas cadangan (.zip)", type=["zip"], key="unggah_cadangan")
sure = st.checkbox("Saya memahami bahwa data saat ini akan diganti dengan isi cadangan.", key="yakin_pulihkan")
typed = st.text_input("Ketik PULIHKAN untuk mengonfirmasi", key="ketik_pulihkan")
with st.expander("Cadangan yang tidak dibuat oleh instalasi ini (pemulihan paksa)"):
    st.caption(
        "Cadangan yang tidak bertanda tangan atau ditandatangani dengan kunci instalasi lain ditolak, karena "
        "bisa saja dipalsukan (mis. disisipi akun administrator). Pulihkan paksa hanya bila Anda yakin akan "
        "asal berkasnya; pemeriksaan SHA-256 tetap berlaku dan pemulihan paksa dicatat di jejak audit."
    )
    forced = st.text_input(f"Ketik {backup.FORCE_PHRASE} untuk memulihkan cadangan dari luar instalasi ini",
                           key="ketik_paksa")
if st.button("Pulihkan", key="pulihkan", disabled=uploaded is None or not sure or typed.strip() != "PULIHKAN"):
    with shown_errors():
        with st.spinner("Memeriksa dan memulihkan cadangan…"):
            result = backup.restore_uploaded_backup(uploaded.getvalue(), uploaded.name, settings.database_url,
                                                    actor, force_confirmation=forced or None)
        st.cache_data.clear()
        if result.forced:
            st.warning(f"Cadangan ini dipulihkan secara paksa ({result.origin_label}); "
                       "pemulihan paksa ini dicatat di jejak audit.")
        st.success(
            f"Pemulihan selesai dari {result.backup.name}: {fmt.number(sum(result.tables.values()), 0)} baris "
            f"data dan {fmt.number(result.files, 0)} berkas dipulihkan. Silakan keluar lalu masuk kembali."
        )
        if result.safety_backup:
            st.info(f"Salinan pengaman data sebelum pemulihan: {result.safety_backup.name}")
