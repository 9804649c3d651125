"""Data Induk: the administrator keeps units, users, Renstra and indicators, targets, DPA lines and SOP steps."""

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core import achievement as ach
from core import auth, clock, fmt, markup, sessions
from core import masterdata as md
from core.actor import ROLE_LABELS, ROLES
from core.config import get_settings
from core.errors import Conflict, KinerjaError
from core.uow import unit_of_work
from pages.parts import grid as grids
from pages.parts.common import (
    actor_or_stop,
    edit_form,
    fitted,
    flash,
    forget_edit,
    gen_key,
    pick_record,
    show_flash,
    shown_errors,
    typed_fields,
    unsaved,
)

actor = actor_or_stop("pages/data_induk.py")
office_id = actor.office_id

st.title("Data Induk")
st.caption("Unit kerja, pengguna, Renstra dan indikator, target PK/RA, anggaran DPA/DPPA, langkah SOP, dan "
           "rumus capaian. "
           "Setiap perubahan tercatat di jejak audit. Untuk mengisi banyak data sekaligus gunakan halaman "
           "Impor Excel.")

with unit_of_work() as session:
    units = md.list_units(session, office_id)
    unit_names = md.unit_choices(session, office_id)
    all_units = md.unit_choices(session, office_id, active_only=False)
    settings = md.office_settings(session, office_id)



@contextmanager
def action(message: str, edit: str | None = None, typed: list[str] = ()) -> Iterator:
    """One save: a unit of work whose core error is shown; on success a message and a fresh page. `edit`: the
    edit form (common.edit_form) saved, drawn afresh after the save, or after a refusal over somebody else's
    newer save (its message says who, `typed` lists what the person had changed; the form then shows the
    newer values)."""
    done = False
    with shown_errors():
        try:
            with unit_of_work() as session:
                yield session
            done = True
        except Conflict as err:
            if edit is None:
                raise
            forget_edit(edit)
            flash("data_induk", unsaved(markup.md(str(err)), typed), kind="error", details=typed)
    if done:
        if edit is not None:
            forget_edit(edit)
        flash("data_induk", message)


show_flash("data_induk", toast=True)
GENS = st.session_state.setdefault("data_induk_gen", {"target": 0, "dpa": 0})


def grid_save(family: str, typed: str, call):
    """One save of a grid (`call(session)`); a save over a newer version reloads the grid with the newer
    values, says who saved them and repeats what was typed (nothing is overwritten). None when refused."""
    try:
        with unit_of_work() as session:
            return call(session)
    except Conflict as err:
        GENS[family] += 1
        flash("data_induk", f"{err} Yang Anda ketik, belum tersimpan: {typed}", kind="error")
    except KinerjaError as err:
        st.error(markup.md(str(err)))
    return None


def saved(family: str, message: str) -> None:
    GENS[family] += 1
    flash("data_induk", message)


# keyed: the tab in use stays open after a save reruns the page (it went back to "Unit kerja")
tabs = st.tabs(["Unit kerja", "Pengguna", "Renstra & Indikator", "Target", "Anggaran DPA", "Langkah SOP",
                "Rumus capaian"], key="data_induk_tab", on_change="rerun")


# --- Unit kerja ------------------------------------------------------------------------------------------
with tabs[0]:
    shown_units = units.assign(jenis=units["jenis"].map(md.UNIT_KIND_LABELS))
    st.dataframe(
        shown_units,
        hide_index=True, width="stretch",
        column_order=["kode", "nama", "nama_singkat", "jenis", "melapor", "aktif"],
        column_config=fitted(shown_units, {
            "kode": "Kode", "nama": "Nama unit", "nama_singkat": "Nama singkat", "jenis": "Jenis",
            "melapor": st.column_config.CheckboxColumn("Melapor data"),
            "aktif": st.column_config.CheckboxColumn("Aktif")}),
    )
    left, right = st.columns(2)
    with left, st.form("unit_baru", clear_on_submit=True):
        st.subheader("Tambah unit kerja")
        code = st.text_input("Kode unit", placeholder="mis. BID-KOP", key="unit_baru_kode")
        name = st.text_input("Nama unit", key="unit_baru_nama")
        short = st.text_input("Nama singkat")
        kind = st.selectbox("Jenis", [k for k in md.UNIT_KINDS if k not in ("pemkab", "dinas")],
                            format_func=md.UNIT_KIND_LABELS.get)
        parent = st.selectbox("Di bawah unit", list(unit_names), format_func=unit_names.get)
        reports = st.checkbox("Unit ini melaporkan data kinerja", value=True)
        if st.form_submit_button("Tambah unit", type="primary", key="unit_baru_simpan"):
            with action(f"Unit '{name}' ditambahkan.") as session:
                md.create_unit(session, actor, code=code, name=name, kind=kind, parent_id=parent,
                               short_name=short, reports_data=reports)
    with right:
        st.subheader("Ubah unit kerja")
        uid = pick_record("Unit", all_units, "unit_pilih")
        row = units[units["id"] == uid].iloc[0] if uid is not None else None
        if row is not None:
            drawn, gen = edit_form("unit", uid, {
                "name": row["nama"].strip(), "short_name": row["nama_singkat"], "reports_data": bool(row["melapor"]),
                "parent_id": row["parent_id"], "active": bool(row["aktif"])}, f"unit_simpan_{uid}")
            with st.form(gen_key(f"unit_ubah_{uid}", gen)):
                new_name = st.text_input("Nama unit", value=drawn["name"])
                new_short = st.text_input("Nama singkat", value=drawn["short_name"] or "")
                new_reports = st.checkbox("Melaporkan data kinerja", value=drawn["reports_data"])
                parents = {k: v for k, v in unit_names.items() if k != uid}
                current = drawn["parent_id"] if drawn["parent_id"] in parents else None
                # The office itself has its parent outside this list: show no parent rather than a wrong one.
                new_parent = st.selectbox("Pindahkan ke bawah unit", list(parents), format_func=parents.get,
                                          index=list(parents).index(current) if current is not None else None,
                                          placeholder="Unit teratas kantor (tidak dapat dipindahkan)",
                                          disabled=current is None)
                active = st.checkbox("Aktif", value=drawn["active"])
                if st.form_submit_button("Simpan perubahan unit", key=f"unit_simpan_{uid}"):
                    with action("Perubahan unit disimpan.", edit="unit", typed=typed_fields(
                            ("Nama unit", new_name, drawn["name"]), ("Nama singkat", new_short, drawn["short_name"]),
                            ("Melaporkan data kinerja", new_reports, drawn["reports_data"]),
                            ("Pindahkan ke bawah unit", parents.get(new_parent), parents.get(current)),
                            ("Aktif", active, drawn["active"]))) as session:
                        md.rename_unit(session, actor, uid, new_name, new_short, new_reports, shown=drawn)
                        if current is not None and new_parent != current:
                            md.move_unit(session, actor, uid, new_parent, shown=drawn)
                        if active != drawn["active"]:
                            md.set_unit_active(session, actor, uid, active, shown=drawn)

    if office_id is not None:
        drawn, gen = edit_form("kunci_jadwal", office_id, {"entry_lock_days": settings["entry_lock_days"]},
                               "kunci_jadwal_simpan")
        with st.form(gen_key("kunci_jadwal", gen)):
            st.subheader("Kunci jadwal pengisian data")
            st.caption("Pengisian data unit kerja ditutup sekian hari setelah tenggat yang berlaku (termasuk "
                       "perpanjangan). Sekretaris dapat membukanya kembali untuk unit tertentu dengan alasan dan "
                       "tenggat baru. Bila tidak diaktifkan, pengisian tidak pernah ditutup.")
            days = drawn["entry_lock_days"]
            lock_on = st.checkbox("Aktifkan kunci jadwal", value=days is not None,
                                  key=gen_key("kunci_jadwal_aktif", gen))
            lock_days = st.number_input("Ditutup setelah tenggat lewat (hari)", min_value=0, max_value=90, step=1,
                                        value=int(days) if days is not None else 3,
                                        key=gen_key("kunci_jadwal_hari", gen))
            if st.form_submit_button("Simpan kunci jadwal", key="kunci_jadwal_simpan"):
                with action("Kunci jadwal disimpan." if lock_on else "Kunci jadwal dinonaktifkan.",
                            edit="kunci_jadwal", typed=typed_fields(
                                ("Aktifkan kunci jadwal", lock_on, days is not None),
                                ("Ditutup setelah tenggat lewat (hari)", int(lock_days) if lock_on else None,
                                 days))) as session:
                    md.set_entry_lock_days(session, actor, office_id, int(lock_days) if lock_on else None,
                                           shown=drawn)

# --- Pengguna --------------------------------------------------------------------------------------------
with tabs[1]:
    with unit_of_work() as session:
        users = md.list_users(session, office_id)
    st.dataframe(users, hide_index=True, width="stretch",
                 column_order=["username", "nama", "nip", "jabatan", "pangkat", "telepon", "peran_label", "unit",
                               "aktif", "terkunci"],
                 column_config=fitted(users, {
                     "username": "Nama pengguna", "nama": "Nama lengkap", "nip": "NIP",
                     "telepon": "Nomor ponsel (WhatsApp)",
                     "jabatan": "Jabatan", "pangkat": "Pangkat/golongan", "peran_label": "Peran",
                     "unit": "Unit kerja", "aktif": st.column_config.CheckboxColumn("Aktif"),
                     "terkunci": st.column_config.CheckboxColumn("Terkunci")}))
    left, right = st.columns(2)
    with left, st.form("pengguna_baru", clear_on_submit=True):
        st.subheader("Tambah pengguna")
        username = st.text_input("Nama pengguna", placeholder="huruf kecil, mis. kabid_kop", key="pengguna_baru_nama")
        full_name = st.text_input("Nama lengkap (dengan gelar)", key="pengguna_baru_lengkap")
        nip = st.text_input("NIP (18 angka, kosongkan bila bukan ASN)", key="pengguna_baru_nip")
        jabatan = st.text_input("Jabatan")
        pangkat = st.text_input("Pangkat/golongan", placeholder="mis. Penata (III/c)")
        phone = st.text_input("Nomor ponsel (WhatsApp, boleh kosong)", placeholder="mis. 0812-3456-7890",
                              key="pengguna_baru_telepon")
        role = st.selectbox("Peran", ROLES, format_func=ROLE_LABELS.get, index=ROLES.index("kepala_bidang"))
        unit = st.selectbox("Unit kerja", list(unit_names), format_func=unit_names.get)
        password = st.text_input("Kata sandi awal", type="password",
                                 help="Minimal 8 karakter, memuat huruf dan angka. Minta pengguna menggantinya.",
                                 key="pengguna_baru_sandi")
        if st.form_submit_button("Tambah pengguna", type="primary", key="pengguna_baru_simpan"):
            with action(f"Pengguna '{username}' ditambahkan.") as session:
                md.create_user(session, actor, username=username, full_name=full_name, password=password,
                               role=role, unit_id=unit, nip=nip, jabatan=jabatan, pangkat=pangkat, phone=phone)
    with right:
        st.subheader("Ubah pengguna")
        user_map = dict(zip(users["id"], users["username"] + " — " + users["nama"]))
        user_id = pick_record("Pengguna", user_map, "pengguna_pilih")
        if user_id is not None:
            u = users[users["id"] == user_id].iloc[0]
            drawn, gen = edit_form("pengguna", user_id, {
                "full_name": u["nama"], "nip": u["nip"], "jabatan": u["jabatan"], "pangkat": u["pangkat"],
                "phone": u["telepon"], "role": u["peran"], "unit_id": u["unit_id"], "active": bool(u["aktif"])},
                f"pengguna_simpan_{user_id}")
            with st.form(gen_key(f"pengguna_ubah_{user_id}", gen)):
                e_name = st.text_input("Nama lengkap", value=drawn["full_name"])
                e_nip = st.text_input("NIP", value=drawn["nip"] or "")
                e_jab = st.text_input("Jabatan", value=drawn["jabatan"] or "")
                e_pkt = st.text_input("Pangkat/golongan", value=drawn["pangkat"] or "")
                e_phone = st.text_input("Nomor ponsel (WhatsApp, boleh kosong)", value=drawn["phone"] or "",
                                        placeholder="mis. 0812-3456-7890",
                                        key=gen_key(f"pengguna_telepon_{user_id}", gen))
                e_role = st.selectbox("Peran", ROLES, format_func=ROLE_LABELS.get, index=ROLES.index(drawn["role"]))
                e_unit = st.selectbox("Unit kerja", list(unit_names), format_func=unit_names.get,
                                      index=list(unit_names).index(drawn["unit_id"])
                                      if drawn["unit_id"] in unit_names else 0)
                e_active = st.checkbox("Aktif (dapat masuk)", value=drawn["active"])
                if st.form_submit_button("Simpan perubahan pengguna", key=f"pengguna_simpan_{user_id}"):
                    with action("Perubahan pengguna disimpan.", edit="pengguna", typed=typed_fields(
                            ("Nama lengkap", e_name, drawn["full_name"]), ("NIP", e_nip, drawn["nip"]),
                            ("Jabatan", e_jab, drawn["jabatan"]), ("Pangkat/golongan", e_pkt, drawn["pangkat"]),
                            ("Nomor ponsel", e_phone, drawn["phone"]),
                            ("Peran", ROLE_LABELS.get(e_role), ROLE_LABELS.get(drawn["role"])),
                            ("Unit kerja", unit_names.get(e_unit), unit_names.get(drawn["unit_id"])),
                            ("Aktif (dapat masuk)", e_active, drawn["active"]))) as session:
                        md.update_user(session, actor, int(user_id), full_name=e_name, nip=e_nip, jabatan=e_jab,
                                       pangkat=e_pkt, role=e_role, unit_id=e_unit, phone=e_phone, shown=drawn)
                        if e_active != drawn["active"]:
                            md.set_user_active(session, actor, int(user_id), e_active, shown=drawn)
            with st.form(f"pengguna_sandi_{user_id}", clear_on_submit=True):
                new_pw = st.text_input("Kata sandi baru", type="password")
                if st.form_submit_button("Setel ulang kata sandi"):
                    with action("Kata sandi disetel ulang; kunci akun (bila ada) dibuka.") as session:
                        md.reset_password(session, actor, int(user_id), new_pw)
            if st.button("Akhiri semua sesi pengguna ini", key=f"pengguna_akhiri_sesi_{user_id}",
                         help="Untuk laptop yang hilang atau kata sandi yang diketahui orang lain: pengguna harus "
                              "masuk kembali di setiap peramban."):
                with action(f"Semua sesi '{u['username']}' diakhiri; pengguna harus masuk kembali.") as session:
                    sessions.end_sessions_of(session, actor, int(user_id))

    st.subheader("Percobaan masuk yang gagal")
    with unit_of_work() as session:
        failures = auth.lockouts(session, actor)
    if not failures:
        st.caption(f"Tidak ada percobaan masuk yang gagal dalam {get_settings().lockout_minutes} menit terakhir.")
    else:
        st.caption("Akun yang terkunci tetap dapat dipakai di sesi yang sudah terbuka; penguncian berakhir sendiri "
                   f"setelah {get_settings().lockout_minutes} menit, atau dibuka di sini.")
        st.dataframe(
            [{"Nama pengguna": f["username"], "Komputer": f["client"], "Gagal": f["failures"],
              "Terakhir": fmt.datetime(f["last"]),
              "Terkunci": "ya" if f["locked"] else "belum"} for f in failures],
            hide_index=True, width="stretch")
        names = sorted({f["username"] for f in failures})
        chosen = st.selectbox("Akun", names, key="penguncian_akun")
        if st.button("Buka penguncian akun ini", key="penguncian_buka"):
            with action(f"Penguncian akun '{chosen}' dibuka.") as session:
                auth.lift_lockout(session, actor, chosen)

# --- Renstra & Indikator ---------------------------------------------------------------------------------
with tabs[2]:
    with unit_of_work() as session:
        periods = md.list_periods(session, office_id)
        sasaran = md.list_sasaran(session, office_id)
        indicators = md.list_indicators(session, office_id)
    st.subheader("Periode Renstra dan sasaran strategis")
    c1, c2 = st.columns(2)
    c1.dataframe(periods, hide_index=True, width="stretch", column_order=["nama", "tahun_awal", "tahun_akhir",
                                                                          "jumlah_sasaran"],
                 column_config={"nama": "Periode", "tahun_awal": st.column_config.NumberColumn("Awal", format="%d"),
                                "tahun_akhir": st.column_config.NumberColumn("Akhir", format="%d"),
                                "jumlah_sasaran": "Sasaran"})
    c2.dataframe(sasaran, hide_index=True, width="stretch", column_order=["periode", "kode", "nama",
                                                                          "jumlah_indikator"],
                 column_config={"periode": "Periode", "kode": "Kode", "nama": "Sasaran strategis",
                                "jumlah_indikator": "Indikator"})
    with c1.form("renstra_baru", clear_on_submit=True):
        p_name = st.text_input("Nama periode", placeholder="Renstra 2027–2031")
        y1, y2 = st.columns(2)
        p_start = y1.number_input("Tahun awal", 2000, 2100, clock.today().year, step=1)
        p_end = y2.number_input("Tahun akhir", 2000, 2100, clock.today().year + 4, step=1)
        if st.form_submit_button("Tambah periode Renstra"):
            with action("Periode Renstra ditambahkan.") as session:
                md.create_period(session, actor, office_id, p_name, int(p_start), int(p_end))
    period_map = dict(zip(periods["id"], periods["nama"]))
    with c2.form("sasaran_baru", clear_on_submit=True):
        s_period = st.selectbox("Periode", list(period_map), format_func=period_map.get)
        s_code = st.text_input("Kode sasaran", placeholder="S6")
        s_name = st.text_input("Sasaran strategis")
        if st.form_submit_button("Tambah sasaran"):
            with action("Sasaran ditambahkan.") as session:
                md.create_sasaran(session, actor, s_period, s_code, s_name)

    st.subheader("Indikator kinerja")
    shown_indicators = indicators.assign(polaritas=indicators["polaritas"].map(md.POLARITY_LABELS),
                                         akumulasi=indicators["akumulasi"].map(md.COMBINE_LABELS))
    st.dataframe(
        shown_indicators,
        hide_index=True, width="stretch",
        column_order=["kode", "nama", "satuan", "polaritas", "akumulasi", "iku", "unit_pemilik", "wajib_bukti",
                      "aktif"],
        column_config=fitted(shown_indicators, {
            "kode": "Kode", "nama": "Indikator", "satuan": "Satuan", "polaritas": "Polaritas",
            "akumulasi": "Akumulasi triwulan", "iku": st.column_config.CheckboxColumn("IKU"),
            "unit_pemilik": "Unit pemilik", "wajib_bukti": st.column_config.CheckboxColumn("Wajib bukti"),
            "aktif": st.column_config.CheckboxColumn("Aktif")}))
    sasaran_map = dict(zip(sasaran["id"], sasaran["periode"] + " · " + sasaran["kode"] + " " + sasaran["nama"]))
    ind_map = {0: "— indikator baru —", **dict(zip(indicators["id"], indicators["kode"] + " " + indicators["nama"]))}
    chosen = pick_record("Tambah atau ubah indikator", ind_map, "indikator_pilih")
    cur = indicators[indicators["id"] == chosen].iloc[0] if chosen else None
    # an existing indicator: the form is drawn from, and its save checked against, the row as held (edit_form)
    IND_FIELDS = {"kode": "code", "satuan": "satuan", "nama": "name", "sasaran_id": "sasaran_id",
                  "polaritas": "polarity", "akumulasi": "combine", "unit_pemilik_id": "owner_unit_id",
                  "definisi": "definition", "sumber_data": "data_source", "iku": "is_iku",
                  "wajib_bukti": "needs_evidence", "aktif": "active"}
    ind_drawn, ind_gen = edit_form("indikator", chosen, {a: cur[c] for c, a in IND_FIELDS.items()}
                                   if cur is not None else {}, f"indikator_simpan_{chosen}")

    def val(col, default):
        return ind_drawn[IND_FIELDS[col]] if cur is not None else default

    with st.form(gen_key(f"indikator_{chosen}", ind_gen)):
        a, b = st.columns(2)
        i_code = a.text_input("Kode indikator (unik)", value=val("kode", ""))
        i_satuan = b.text_input("Satuan", value=val("satuan", ""), placeholder="%, orang, dokumen, hari…")
        i_name = st.text_input("Nama indikator", value=val("nama", ""))
        s_ids = list(sasaran_map)
        i_sasaran = st.selectbox("Sasaran strategis", s_ids, format_func=sasaran_map.get,
                                 index=s_ids.index(val("sasaran_id", s_ids[0] if s_ids else None)) if s_ids else 0)
        a, b, c = st.columns(3)
        i_pol = a.selectbox("Polaritas", md.POLARITIES, format_func=md.POLARITY_LABELS.get,
                            index=md.POLARITIES.index(val("polaritas", "positif")))
        i_comb = b.selectbox("Akumulasi triwulan", md.COMBINES, format_func=md.COMBINE_LABELS.get,
                             index=md.COMBINES.index(val("akumulasi", "sum")))
        owner_ids = list(all_units)
        i_owner = c.selectbox("Unit pemilik", owner_ids, format_func=all_units.get,
                              index=owner_ids.index(val("unit_pemilik_id", owner_ids[0])))
        i_def = st.text_area("Definisi / formula", value=val("definisi", ""))
        i_src = st.text_input("Sumber data", value=val("sumber_data", ""))
        a, b, c = st.columns(3)
        i_iku = a.checkbox("Indikator Kinerja Utama (IKU)", value=bool(val("iku", False)))
        i_ev = b.checkbox("Wajib bukti dukung", value=bool(val("wajib_bukti", True)))
        i_act = c.checkbox("Aktif", value=bool(val("aktif", True)))
        if st.form_submit_button("Simpan indikator", type="primary", key=f"indikator_simpan_{chosen}"):
            fields = dict(sasaran_id=i_sasaran, code=i_code, name=i_name, satuan=i_satuan, polarity=i_pol,
                          combine=i_comb, is_iku=i_iku, owner_unit_id=i_owner, definition=i_def,
                          data_source=i_src, needs_evidence=i_ev)
            with action("Indikator disimpan.", edit="indikator", typed=typed_fields(
                    ("Kode indikator (unik)", i_code, val("kode", "")), ("Satuan", i_satuan, val("satuan", "")),
                    ("Nama indikator", i_name, val("nama", "")),
                    ("Sasaran strategis", sasaran_map.get(i_sasaran), sasaran_map.get(val("sasaran_id", None))),
                    ("Polaritas", md.POLARITY_LABELS.get(i_pol), md.POLARITY_LABELS.get(val("polaritas", None))),
                    ("Akumulasi triwulan", md.COMBINE_LABELS.get(i_comb),
                     md.COMBINE_LABELS.get(val("akumulasi", None))),
                    ("Unit pemilik", all_units.get(i_owner), all_units.get(val("unit_pemilik_id", None))),
                    ("Definisi / formula", i_def, val("definisi", "")), ("Sumber data", i_src, val("sumber_data", "")),
                    ("Indikator Kinerja Utama (IKU)", i_iku, bool(val("iku", False))), ("Wajib bukti dukung", i_ev, bool(val("wajib_bukti", True))),
                    ("Aktif", i_act, bool(val("aktif", True))))) as session:
                if chosen:
                    md.update_indicator(session, actor, int(chosen), shown=ind_drawn, active=i_act, **fields)
                else:
                    md.create_indicator(session, actor, office_id, **fields)

    # --- what the forms sent upward need (E.81 Renja evaluation, LKjIP) ---------------------------------------
    st.subheader("Target Renstra dan tingkat pada Renja")
    st.caption("Target akhir periode Renstra tiap indikator (K), untuk evaluasi Renja (E.81) dan LKjIP. Tingkat pada "
               "Renja: indikator program (outcome) atau kegiatan (output); 'Otomatis' mengikuti baris DPA yang "
               "terkait dengan indikator (kolom 'Indikator terkait' di tab Anggaran DPA).")
    GENS.setdefault("renstra", 0)
    r_key = f"renstra_editor_{GENS['renstra']}"
    with unit_of_work() as session:
        renstra_rows = grids.hold("data_induk_renstra", r_key, md.list_indicator_renstra(session, office_id,
                                                                                          exact=True))
    RENSTRA_COLS = {"kode": st.column_config.TextColumn("Kode", pinned=True),
                    "nama": st.column_config.TextColumn("Indikator", width="medium"), "satuan": "Satuan",
                    "target_renstra": grids.number_column("Target Renstra akhir periode", editable=True),
                    "tingkat_renja": st.column_config.SelectboxColumn(
                        "Tingkat pada Renja", options=list(md.RENJA_LEVELS), required=True,
                        format_func=lambda k: md.RENJA_LEVELS.get(k, k)),
                    "dpa_terkait": "DPA terkait", "periode": "Periode Renstra"}
    st.container(key="renstra_grid").data_editor(
        grids.as_text(renstra_rows, {"target_renstra": 4}), key=r_key, hide_index=True, num_rows="fixed",
        width="stretch", placeholder="–",
        disabled=[c for c in renstra_rows.columns if c not in ("target_renstra", "tingkat_renja")],
        column_order=["kode", "nama", "satuan", "target_renstra", "tingkat_renja", "dpa_terkait", "periode"],
        column_config=RENSTRA_COLS,
    )
    if st.button("Simpan target Renstra", type="primary", key="simpan_renstra"):
        changes, _versions = grids.edits(r_key, renstra_rows, "id", "versi")
        if not changes:
            st.info("Tidak ada perubahan untuk disimpan.")
        else:
            drawn = renstra_rows.set_index("id")
            shown = {i: {"target_renstra": grids.held_value(drawn.at[i, "target_renstra"]),
                         "tingkat_renja": drawn.at[i, "tingkat_renja"]} for i in changes}
            n = grid_save("renstra", grids.typed_summary(changes, dict(zip(renstra_rows["id"], renstra_rows["kode"])),
                                                     RENSTRA_COLS),
                          lambda session: md.save_indicator_renstra(session, actor, office_id, changes, shown))
            if n is not None:
                saved("renstra", f"Target Renstra disimpan ({n} indikator diperbarui).")

    if not period_map:
        st.info("Tambahkan periode Renstra terlebih dahulu.")
    else:
        st.subheader("Target Renstra (Rp)")
        st.caption("Pagu akhir periode Renstra tiap program, kegiatan dan sub kegiatan (kolom 5 Rp pada evaluasi "
                   "Renja). Kode diambil dari baris DPA tahun-tahun periode ini. Program atau kegiatan yang "
                   "dibiarkan kosong dihitung dari jumlah baris di bawahnya.")
        pids = list(period_map)
        rp_period = st.selectbox("Periode Renstra", pids, format_func=period_map.get, index=len(pids) - 1,
                                 key="renstra_rp_periode")
        GENS.setdefault("renstra_rp", 0)
        rp_key = f"renstra_rp_editor_{rp_period}_{GENS['renstra_rp']}"
        with unit_of_work() as session:
            rp_rows = grids.hold("data_induk_renstra_rp", rp_key,
                                 md.list_renstra_budgets(session, office_id, int(rp_period), exact=True))
            years_before = md.prior_years(session, office_id, int(rp_period))
        RENSTRA_RP_COLS = {"kode": st.column_config.TextColumn("Kode", pinned=True), "tingkat": "Tingkat",
                           "nama": st.column_config.TextColumn("Nama program/kegiatan/sub kegiatan", width="large"),
                           "pagu_akhir": grids.number_column("Pagu akhir periode Renstra (Rp)", editable=True)}
        st.data_editor(
            grids.as_text(rp_rows, {"pagu_akhir": 2}), key=rp_key, hide_index=True, num_rows="fixed",
            width="stretch", placeholder="–",
            disabled=[c for c in rp_rows.columns if c not in ("nama", "pagu_akhir")],
            column_order=["kode", "tingkat", "nama", "pagu_akhir"],
            column_config=RENSTRA_RP_COLS,
        )
        if st.button("Simpan pagu Renstra", type="primary", key="simpan_renstra_rp"):
            changes, versions = grids.edits(rp_key, rp_rows, "no", "versi")
            by_no = dict(zip(rp_rows["no"], rp_rows["kode"]))
            if not changes:
                st.info("Tidak ada perubahan untuk disimpan.")
            else:
                n = grid_save("renstra_rp", grids.typed_summary(changes, by_no, RENSTRA_RP_COLS),
                              lambda session: md.save_renstra_budgets(
                                  session, actor, office_id, int(rp_period),
                                  {by_no[k]: v for k, v in changes.items()},
                                  {by_no[k]: v for k, v in versions.items()}))
                if n is not None:
                    saved("renstra_rp", f"Pagu akhir Renstra disimpan ({n} baris diperbarui).")

        st.subheader("Realisasi tahun sebelum aplikasi")
        st.caption("Realisasi tahunan (K dan Rp) tahun-tahun periode Renstra sebelum data triwulan dikumpulkan di "
                   "aplikasi, dari LKjIP atau evaluasi Renja tahun itu. Tahun yang sudah memiliki pengumpulan data "
                   "di aplikasi dihitung dari data triwulannya dan tidak diisi di sini.")
        if not years_before:
            st.info("Semua tahun periode ini sudah memiliki data triwulan di aplikasi; tidak ada yang perlu diisi.")
        else:
            pr_year = st.selectbox("Tahun", years_before, index=len(years_before) - 1, key="realisasi_lalu_tahun")
            GENS.setdefault("prior", 0)
            pk_key = f"prior_k_{rp_period}_{pr_year}_{GENS['prior']}"
            pr_key = f"prior_rp_{rp_period}_{pr_year}_{GENS['prior']}"
            with unit_of_work() as session:
                pk_rows = grids.hold("data_induk_prior_k", pk_key,
                                     md.list_prior_indicators(session, office_id, int(pr_year), exact=True))
                pr_rows = grids.hold("data_induk_prior_rp", pr_key, md.list_prior_budgets(
                    session, office_id, int(pr_year), int(rp_period), exact=True))
            st.markdown(f"**Indikator (K), tahun {pr_year}**")
            PRIOR_K_COLS = {"kode": st.column_config.TextColumn("Kode", pinned=True),
                            "nama": st.column_config.TextColumn("Indikator", width="medium"), "satuan": "Satuan",
                            "realisasi": grids.number_column(f"Realisasi {pr_year}", editable=True),
                            "sumber": st.column_config.TextColumn("Sumber", max_chars=200)}
            st.data_editor(
                grids.as_text(pk_rows, {"realisasi": 4}), key=pk_key, hide_index=True, num_rows="fixed",
                width="stretch", placeholder="–",
                disabled=[c for c in pk_rows.columns if c not in ("realisasi", "sumber")],
                column_order=["kode", "nama", "satuan", "realisasi", "sumber"],
                column_config=PRIOR_K_COLS,
            )
            st.markdown(f"**Program, kegiatan dan sub kegiatan (Rp), tahun {pr_year}**")
            st.caption("Program atau kegiatan yang dibiarkan kosong dihitung dari jumlah baris di bawahnya; "
                       "angka yang diisi pada program atau kegiatan itu sendiri yang dipakai.")
            PRIOR_RP_COLS = {"kode": st.column_config.TextColumn("Kode", pinned=True), "tingkat": "Tingkat",
                             "nama": st.column_config.TextColumn("Nama program/kegiatan/sub kegiatan", width="medium"),
                             "realisasi": grids.number_column(f"Realisasi {pr_year} (Rp)", editable=True),
                             "sumber": st.column_config.TextColumn("Sumber", max_chars=200)}
            st.data_editor(
                grids.as_text(pr_rows, {"realisasi": 2}), key=pr_key, hide_index=True, num_rows="fixed",
                width="stretch", placeholder="–",
                disabled=[c for c in pr_rows.columns if c not in ("realisasi", "sumber")],
                column_order=["kode", "tingkat", "nama", "realisasi", "sumber"],
                column_config=PRIOR_RP_COLS,
            )
            if st.button(f"Simpan realisasi {pr_year}", type="primary", key="simpan_realisasi_lalu"):
                k_changes, k_versions = grids.edits(pk_key, pk_rows, "id", "versi")
                r_changes, r_versions = grids.edits(pr_key, pr_rows, "no", "versi")
                by_no = dict(zip(pr_rows["no"], pr_rows["kode"]))
                if not k_changes and not r_changes:
                    st.info("Tidak ada perubahan untuk disimpan.")
                else:
                    typed = "; ".join(t for t in (
                        grids.typed_summary(k_changes, dict(zip(pk_rows["id"], pk_rows["kode"])), PRIOR_K_COLS),
                        grids.typed_summary(r_changes, by_no, PRIOR_RP_COLS)) if t)
                    n = grid_save("prior", typed, lambda session: md.save_prior_realisations(
                        session, actor, office_id, int(pr_year), indicators=k_changes,
                        codes={by_no[k]: v for k, v in r_changes.items()}, indicator_versions=k_versions,
                        code_versions={by_no[k]: v for k, v in r_versions.items()}))
                    if n is not None:
                        saved("prior", f"Realisasi tahun {pr_year} disimpan ({n} baris diperbarui).")

# --- Target ----------------------------------------------------------------------------------------------
with tabs[3]:
    year = st.number_input("Tahun target", 2000, 2100, clock.today().year, step=1, key="target_tahun")
    st.caption("Target tahunan dari Perjanjian Kinerja (PK) dan target triwulan dari Rencana Aksi (RA). "
               "Indikator kumulatif: TW I + … + TW IV = target tahunan; nilai terakhir: TW IV = target tahunan; "
               "rata-rata: rerata TW I–IV = target tahunan. Target yang tidak cocok hanya dapat disimpan dengan "
               "alasan di kolom 'Alasan selisih'.")
    key = f"target_editor_{year}_{GENS['target']}"
    with unit_of_work() as session:
        targets = grids.hold("data_induk_target", key, md.list_targets(session, office_id, int(year), exact=True))
    editable = ["tahunan", "batas_atas", "tw1", "tw2", "tw3", "tw4", "sumber_pk", "sumber_ra", "alasan_selisih"]
    numbers = {"tahunan": 4, "batas_atas": 4, "tw1": 4, "tw2": 4, "tw3": 4, "tw4": 4}
    num = {c: grids.number_column(label, editable=True)
           for c, label in (("tahunan", "Target tahunan (PK)"), ("batas_atas", "Batas atas"), ("tw1", "TW I"),
                            ("tw2", "TW II"), ("tw3", "TW III"), ("tw4", "TW IV"))}
    TARGET_COLS = {"kode": st.column_config.TextColumn("Kode", pinned=True),
                   "indikator": st.column_config.TextColumn("Indikator", pinned=True, width="medium"),
                   "satuan": "Satuan", "akumulasi": "Akumulasi",
                   "sumber_pk": "Sumber PK", "sumber_ra": "Sumber RA",
                   "alasan_selisih": st.column_config.TextColumn(
                       "Alasan selisih", width="medium", max_chars=500,
                       help="Wajib bila target triwulan tidak cocok dengan target tahunan"),
                   "peringatan": "Peringatan", **num}
    st.data_editor(
        grids.as_text(targets.assign(akumulasi=targets["akumulasi"].map(md.COMBINE_LABELS)), numbers), key=key,
        hide_index=True, num_rows="fixed", width="stretch", placeholder="–",
        disabled=[c for c in targets.columns if c not in editable],
        column_order=["kode", "indikator", "satuan", "akumulasi", *editable, "peringatan"],
        column_config=TARGET_COLS,
    )
    if st.button("Simpan target", type="primary", key="simpan_target"):
        changes, versions = grids.edits(key, targets, "indicator_id", "versi")
        names = dict(zip(targets["indicator_id"], targets["kode"]))
        if not changes:
            st.info("Tidak ada perubahan untuk disimpan.")
        else:
            result = grid_save("target", grids.typed_summary(changes, names, TARGET_COLS), lambda session: md.save_targets(
                session, actor, int(year), changes, versions))
            if result is not None and result.saved:
                saved("target", "Target disimpan." + (
                    " Disimpan dengan alasan selisih: " + " ".join(result.warnings) if result.warnings else ""))
            elif result is not None:
                st.warning("Target belum disimpan: target triwulan (RA) tidak cocok dengan target tahunan (PK).")
                for w in result.warnings:
                    st.warning(w)
                st.info("Perbaiki angkanya, atau isi kolom 'Alasan selisih' pada baris itu lalu simpan lagi. "
                        "Yang Anda ketik masih ada di tabel.")
    flagged = targets[targets["peringatan"] != ""]
    for _, r in flagged.iterrows():
        if r["alasan_selisih"]:
            st.info(f"{r['kode']}: {r['peringatan']} Disimpan dengan alasan: {r['alasan_selisih']}")
        else:
            st.warning(f"{r['kode']}: {r['peringatan']}")

# --- Anggaran DPA ----------------------------------------------------------------------------------------
with tabs[4]:
    b_year = st.number_input("Tahun anggaran", 2000, 2100, clock.today().year, step=1, key="dpa_tahun")
    b_key = f"dpa_editor_{b_year}_{GENS['dpa']}"
    with unit_of_work() as session:
        lines = grids.hold("data_induk_dpa", b_key, md.list_budget_lines(session, office_id, int(b_year), exact=True))
    st.caption(f"{len(lines)} baris, total pagu {fmt.money(sum(lines['pagu']) if len(lines) else 0)}. "
               "Mengubah pagu dengan dokumen DPPA menyimpan pagu sebelumnya di riwayat.")
    b_edit = ["program", "kegiatan", "sub_kegiatan", "pagu", "dokumen", "unit_pemilik_id", "indikator_terkait"]
    DPA_COLS = {"kode": st.column_config.TextColumn("Kode rekening", pinned=True), "program": "Program",
                "kegiatan": "Kegiatan", "sub_kegiatan": "Sub kegiatan",
                "pagu": grids.number_column("Pagu (Rp)", editable=True),
                "dokumen": st.column_config.SelectboxColumn("Dokumen", options=list(md.DOCUMENTS)),
                "unit_pemilik_id": st.column_config.SelectboxColumn(
                    "Unit pemilik", options=list(unit_names), format_func=lambda i: all_units.get(i, i)),
                "indikator_terkait": st.column_config.TextColumn(
                    "Indikator terkait", max_chars=500,
                    help="Kode indikator yang mengukur program/kegiatan baris ini, dipisahkan koma "
                         "(mis. IK-03, IK-04)"),
                "pagu_sebelumnya": "Pagu sebelumnya"}
    st.data_editor(
        grids.as_text(lines, {"pagu": 2}), key=b_key, hide_index=True, num_rows="fixed", width="stretch",
        placeholder="–",
        disabled=[c for c in lines.columns if c not in b_edit],
        column_order=["kode", "program", "kegiatan", "sub_kegiatan", "pagu", "dokumen", "unit_pemilik_id",
                      "indikator_terkait", "pagu_sebelumnya"],
        column_config=DPA_COLS,
    )
    if st.button("Simpan anggaran", type="primary", key="simpan_dpa"):
        changes, versions = grids.edits(b_key, lines, "id", "versi")
        if not changes:
            st.info("Tidak ada perubahan untuk disimpan.")
        else:
            n = grid_save("dpa", grids.typed_summary(changes, dict(zip(lines["id"], lines["kode"])), DPA_COLS),
                          lambda session: md.save_budget_lines(session, actor, changes, versions))
            if n is not None:
                saved("dpa", f"{len(changes)} baris anggaran disimpan.")
    with st.expander("Tambah baris anggaran"), st.form("dpa_baru", clear_on_submit=True):
        d_code = st.text_input("Kode rekening", placeholder="2.07.03.2.01.0001")
        d_prog = st.text_input("Program")
        d_keg = st.text_input("Kegiatan")
        d_sub = st.text_input("Sub kegiatan")
        d_pagu = st.text_input("Pagu (Rp)", placeholder="1.250.000.000")
        d_doc = st.selectbox("Dokumen", md.DOCUMENTS)
        d_unit = st.selectbox("Unit pemilik", list(unit_names), format_func=unit_names.get)
        if st.form_submit_button("Tambah baris"):
            with action(f"Baris {d_code} ditambahkan.") as session:
                md.create_budget_line(session, actor, office_id, int(b_year), code=d_code, program=d_prog,
                                      kegiatan=d_keg, sub_kegiatan=d_sub, pagu=d_pagu, owner_unit_id=d_unit,
                                      document=d_doc)

# --- Langkah SOP -----------------------------------------------------------------------------------------
with tabs[5]:
    with unit_of_work() as session:
        steps = md.list_sop_steps(session)
    st.dataframe(steps, hide_index=True, width="stretch",
                 column_order=["nomor", "nama_singkat", "kegiatan", "pelaksana_label", "waktu_label", "kelengkapan",
                               "output"],
                 column_config=fitted(steps, {
                     "nomor": "No", "nama_singkat": "Langkah",
                     # capped (the full text in the cell's overlay), Waktu baku beside Pelaksana: in view at 1400 px
                     "kegiatan": {"label": "Kegiatan", "width": 300},
                     "pelaksana_label": {"label": "Pelaksana", "width": 200}, "kelengkapan": "Kelengkapan",
                     "waktu_label": "Waktu baku", "output": "Output"}))
    step_map = dict(zip(steps["id"], steps["nomor"].astype(str) + ". " + steps["nama_singkat"]))
    step_id = pick_record("Ubah langkah", step_map, "sop_pilih")
    if step_id is not None:
        s = steps[steps["id"] == step_id].iloc[0]
        drawn, gen = edit_form("sop", step_id, {
            "name": s["kegiatan"], "short_name": s["nama_singkat"], "executor_roles": list(s["pelaksana"]),
            "standard_minutes": int(s["waktu_menit"]), "standard_label": s["waktu_label"],
            "inputs": s["kelengkapan"], "output": s["output"]}, f"sop_simpan_{step_id}")
        with st.form(gen_key(f"sop_{step_id}", gen)):
            st.caption(f"Nomor langkah ({s['nomor']}) dan urutannya dalam SOP tetap; yang dapat diubah ada di bawah ini.")
            e_name = st.text_input("Kegiatan", value=drawn["name"])
            e_short = st.text_input("Nama singkat", value=drawn["short_name"])
            # eight fixed roles: all shown at once, the executors highlighted
            e_roles = st.pills("Pelaksana", ROLES, selection_mode="multi", default=drawn["executor_roles"],
                               format_func=ROLE_LABELS.get, key=gen_key(f"sop_pelaksana_{step_id}", gen))
            a, b = st.columns(2)
            e_min = a.number_input("Waktu baku (menit)", 1, 60 * 24 * 60, drawn["standard_minutes"], step=1,
                                   key=gen_key(f"sop_menit_{step_id}", gen))
            e_label = b.text_input("Label waktu baku", value=drawn["standard_label"],
                                   key=gen_key(f"sop_label_{step_id}", gen),
                                   help="Bila waktu baku diubah dan label ini dibiarkan atau dikosongkan, label "
                                        "mengikuti waktu baku yang baru (mis. 1.500 menit → '1 hari 1 jam').")
            e_inputs = st.text_input("Kelengkapan", value=drawn["inputs"])
            e_output = st.text_input("Output", value=drawn["output"])
            if st.form_submit_button("Simpan langkah", type="primary", key=f"sop_simpan_{step_id}"):
                with action("Langkah SOP disimpan.", edit="sop", typed=typed_fields(
                        ("Kegiatan", e_name, drawn["name"]), ("Nama singkat", e_short, drawn["short_name"]),
                        ("Pelaksana", [ROLE_LABELS.get(r) for r in e_roles],
                         [ROLE_LABELS.get(r) for r in drawn["executor_roles"]]),
                        ("Waktu baku (menit)", e_min, drawn["standard_minutes"]),
                        ("Label waktu baku", e_label, drawn["standard_label"]),
                        ("Kelengkapan", e_inputs, drawn["inputs"]), ("Output", e_output, drawn["output"]))) as session:
                    md.update_sop_step(session, actor, int(step_id), executor_roles=e_roles,
                                       standard_minutes=e_min, standard_label=e_label, inputs=e_inputs,
                                       output=e_output, name=e_name, short_name=e_short, shown=drawn)

# --- Rumus capaian ---------------------------------------------------------------------------------------
with tabs[6]:
    with unit_of_work() as session:
        current, f_gen = edit_form("rumus", office_id, md.formula_settings(session, office_id), "rumus_simpan")
    st.caption("Cara perangkat daerah ini menghitung dan menyebut capaian. Berlaku di tabel Isi Data, Pengolahan, "
               "laporan (XLSX/PDF), rekap dan Status Triwulan sejak disimpan. Batas predikat tetap "
               "(Permendagri 86/2017): ≥ 91; 76 s.d. < 91; 66 s.d. < 76; 51 s.d. < 66; < 51.")
    with st.form(gen_key("rumus_capaian", f_gen)):
        f_neg = st.radio("Rumus capaian indikator negatif (makin rendah makin baik)", list(ach.NEGATIVE_FORMULAS),
                         format_func=ach.NEGATIVE_FORMULAS.get,
                         index=list(ach.NEGATIVE_FORMULAS).index(current["negative_formula"]),
                         key=gen_key("rumus_negatif", f_gen),
                         help="T = target, R = realisasi. Dengan T / R, realisasi 0 tidak dapat dihitung (–).")
        f_lab = st.radio("Sebutan predikat", list(ach.PREDICATE_LABELS), format_func=ach.PREDICATE_LABELS.get,
                         index=list(ach.PREDICATE_LABELS).index(current["predicate_labels"]),
                         key=gen_key("rumus_predikat", f_gen))
        f_rnd = st.radio("Pembulatan capaian", list(ach.ROUNDINGS), format_func=ach.ROUNDINGS.get,
                         index=list(ach.ROUNDINGS).index(current["capaian_rounding"]),
                         key=gen_key("rumus_pembulatan", f_gen),
                         help="Contoh 91,76 / 77: dibulatkan 119,17 %; dipotong 119,16 %.")
        submitted = st.form_submit_button("Simpan rumus capaian", type="primary", key="rumus_simpan")
        if submitted and (f_neg, f_lab, f_rnd) == (current["negative_formula"], current["predicate_labels"],
                                                   current["capaian_rounding"]):
            st.info("Tidak ada perubahan untuk disimpan.")  # nothing is recomputed
        elif submitted:
            with action("Rumus capaian disimpan; semua capaian dihitung ulang dengan rumus ini.", edit="rumus",
                        typed=typed_fields(("Rumus capaian indikator negatif", ach.NEGATIVE_FORMULAS.get(f_neg),
                                     ach.NEGATIVE_FORMULAS.get(current["negative_formula"])),
                                    ("Sebutan predikat", ach.PREDICATE_LABELS.get(f_lab),
                                     ach.PREDICATE_LABELS.get(current["predicate_labels"])),
                                    ("Pembulatan capaian", ach.ROUNDINGS.get(f_rnd),
                                     ach.ROUNDINGS.get(current["capaian_rounding"])))) as session:
                md.update_formula_settings(session, actor, office_id, negative_formula=f_neg,
                                           predicate_labels=f_lab, capaian_rounding=f_rnd, shown=current)
    st.markdown("**Contoh dengan rumus yang berlaku:**")
    for line in md.formula_examples(ach.Formula.of(current["negative_formula"], current["predicate_labels"],
                                                   current["capaian_rounding"])):
        st.markdown(f"- {markup.md(line)}")

    with unit_of_work() as session:
        evaluator, e_gen = edit_form("penilai", office_id, md.evaluator_settings(session, office_id),
                                     "penilai_simpan")
    st.subheader("Penandatangan 'Dievaluasi' (evaluasi Renja)")
    st.caption("Pejabat kabupaten yang menandatangani kolom 'Dievaluasi' pada evaluasi Renja (E.81), biasanya "
               f"Kepala Bappeda. Pengaturan ini milik {evaluator['regency'] or 'pemerintah kabupaten'} dan "
               "berlaku untuk semua perangkat daerahnya.")
    with st.form(gen_key("penilai_kabupaten", e_gen)):
        e_title = st.text_input("Jabatan", value=evaluator["title"], key=gen_key("penilai_jabatan", e_gen),
                                placeholder="Kepala Bappeda Kabupaten …")
        e_name = st.text_input("Nama (dengan gelar)", value=evaluator["name"], key=gen_key("penilai_nama", e_gen))
        e_nip = st.text_input("NIP (18 angka)", value=evaluator["nip"], key=gen_key("penilai_nip", e_gen))
        submitted = st.form_submit_button("Simpan penandatangan", type="primary", key="penilai_simpan")
        if submitted and [v.strip() for v in (e_title, e_name, e_nip)] == [evaluator[k] for k in ("title", "name",
                                                                                                 "nip")]:
            st.info("Tidak ada perubahan untuk disimpan.")
        elif submitted:
            with action("Penandatangan 'Dievaluasi' disimpan.", edit="penilai", typed=typed_fields(
                    ("Jabatan", e_title, evaluator["title"]), ("Nama (dengan gelar)", e_name, evaluator["name"]),
                    ("NIP (18 angka)", e_nip, evaluator["nip"]))) as session:
                md.update_evaluator(session, actor, office_id, title=e_title, name=e_name, nip=e_nip,
                                    shown=evaluator)

