"""Backups that only this installation made: the manifest is signed with the installation's key, a
restore refuses a backup made elsewhere (or forged and re-hashed) unless the administrator forces it
by typing PULIHKAN PAKSA, and an uploaded backup that is refused is not kept."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from core import backup, config, masterdata
from core.config import get_settings
from core.errors import InvalidInput, NotAllowed
from core.uow import unit_of_work
from db.models import AuditLog, User
from tests.apptest import logged_in, texts

ROOT = Path(__file__).resolve().parent.parent
INTRUDER = "penyusup"
OTHER_KEY = "kunci-instalasi-lain-" + "7" * 24
REFUSED = "tidak dibuat oleh instalasi Kinerja ini"


def _counts(url: str) -> dict[str, int]:
    with unit_of_work(url) as s:
        return backup.table_counts(s)


def _intruder_exists(url: str) -> bool:
    with unit_of_work(url) as s:
        return s.scalar(select(User.id).where(User.username == INTRUDER)) is not None


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write_zip(dest: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


def _rehashed(base: Path, replace: dict[str, bytes], dest: Path, *, keep_signature: bool) -> Path:
    """`base` with some members replaced and the manifest re-hashed to match, as a forger would do."""
    members = _members(base)
    manifest = json.loads(members[backup.MANIFEST])
    for name, data in replace.items():
        members[name] = data
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    manifest["created_by"] = "admin"
    members[backup.MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    if not keep_signature:
        members.pop(backup.SIGNATURE)
    return _write_zip(dest, members)


@dataclass
class Forged:
    genuine: Path  # made here, before the intruder
    variants: dict[str, tuple[Path, str]]  # name -> (archive, expected origin)


def _forge(url: str, actors, tmp_path: Path, monkeypatch) -> Forged:
    """A genuine backup, and forgeries holding the same office plus an intruding administrator."""
    admin = actors["admin"]
    genuine = backup.make_backup(url, admin, tmp_path / "asli")
    # The "other installation": the same data with an extra administrator, signed with its own key.
    with unit_of_work(url) as s:
        masterdata.create_user(s, admin, username=INTRUDER, full_name="Penyusup", password="SandiPenyusup1",
                               role="admin", unit_id=admin.unit_id)
    monkeypatch.setenv("KINERJA_BACKUP_KEY", OTHER_KEY)
    get_settings.cache_clear()
    other = backup.make_backup(url, admin, tmp_path / "lain")
    monkeypatch.delenv("KINERJA_BACKUP_KEY")
    get_settings.cache_clear()
    backup.restore_backup(genuine, url, admin, safety_backup=False)  # back to the office without intruder
    assert not _intruder_exists(url)

    db_name = backup.read_manifest(other)["database"]
    intruding_db = _members(other)[db_name]
    out = tmp_path / "palsu"
    out.mkdir()
    other_unsigned = _members(other)
    other_unsigned.pop(backup.SIGNATURE)
    variants = {
        "kunci lain": (other, backup.FOREIGN),
        "tanpa tanda tangan": (_write_zip(out / "tanpa-ttd.zip", other_unsigned), backup.UNSIGNED),
        "manifest dihitung ulang, tanda tangan lama": (
            _rehashed(genuine, {db_name: intruding_db}, out / "ttd-lama.zip", keep_signature=True), backup.FOREIGN),
        "manifest dihitung ulang, tanpa tanda tangan": (
            _rehashed(genuine, {db_name: intruding_db}, out / "tanpa-ttd-2.zip", keep_signature=False),
            backup.UNSIGNED),
    }
    return Forged(genuine=genuine, variants=variants)


@pytest.fixture
def sqlite_actors(sqlite_url):
    """Actors of the demo users on the SQLite database only (the shared `actors` runs on both backends)."""
    from core.auth import actor_from_user

    with unit_of_work(sqlite_url) as s:
        return {u.username: actor_from_user(s, u) for u in s.scalars(select(User))}


def _backup_folder_files() -> list[str]:
    folder = get_settings().backup_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- the key --------------------------------------------------------------------------------------


def test_installation_key_is_made_once_private_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KINERJA_BACKUP_KEY", raising=False)
    get_settings.cache_clear()
    try:
        key = get_settings().backup_key
        path = tmp_path / "data" / config.KEY_FILE
        assert path.is_file() and len(key) == 64
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert sorted(p.name for p in path.parent.iterdir()) == [config.KEY_FILE]  # no temporary left
        get_settings.cache_clear()
        assert get_settings().backup_key == key  # the same key on the next start
        assert config.installation_key(path) == key
        monkeypatch.setenv("KINERJA_BACKUP_KEY", OTHER_KEY)
        get_settings.cache_clear()
        assert get_settings().backup_key == OTHER_KEY.encode()
        monkeypatch.setenv("KINERJA_BACKUP_KEY", "pendek")
        get_settings.cache_clear()
        with pytest.raises(RuntimeError, match="terlalu pendek"):
            get_settings()
    finally:
        get_settings.cache_clear()


# --- restore --------------------------------------------------------------------------------------


def test_backup_made_here_is_signed_and_restores(db_url, actors, tmp_path):
    path = backup.make_backup(db_url, actors["admin"], tmp_path / "cadangan")
    names = set(_members(path))
    assert backup.SIGNATURE in names and config.KEY_FILE not in {Path(n).name for n in names}
    assert backup.verify_backup(path).origin == backup.SIGNED
    assert [b.origin for b in backup.list_backups(tmp_path / "cadangan")] == [backup.SIGNED]
    result = backup.restore_backup(path, db_url, actors["admin"], safety_backup=False)
    assert not result.forced and result.origin == backup.SIGNED
    with unit_of_work(db_url) as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore")).one()
        assert entry.after["signature"] == backup.SIGNED and entry.after["forced"] is False


def test_forged_backups_are_refused_and_change_nothing(db_url, actors, tmp_path, monkeypatch):
    forged = _forge(db_url, actors, tmp_path, monkeypatch)
    before = _counts(db_url)
    for kind, (path, origin) in forged.variants.items():
        assert backup.verify_backup(path).origin == origin, kind  # the hashes are fine: only the origin tells
        with pytest.raises(backup.ForeignBackup, match=REFUSED) as err:
            backup.restore_backup(path, db_url, actors["admin"])
        assert err.value.origin == origin
        assert backup.ORIGIN_LABELS[origin] in str(err.value) and backup.FORCE_PHRASE in str(err.value)
        assert _counts(db_url) == before, kind
        assert not _intruder_exists(db_url), kind
    assert _backup_folder_files() == []  # not even a safety copy: refused before anything was done


def test_forced_restore_needs_the_exact_phrase_and_is_audited(db_url, actors, tmp_path, monkeypatch):
    forged = _forge(db_url, actors, tmp_path, monkeypatch)
    path, origin = forged.variants["manifest dihitung ulang, tanpa tanda tangan"]
    before = _counts(db_url)
    for wrong in ("pulihkan paksa", "PULIHKAN", "PULIHKAN  PAKSA", "ya"):
        with pytest.raises(InvalidInput, match="Konfirmasi pemulihan paksa tidak cocok"):
            backup.restore_backup(path, db_url, actors["admin"], force_confirmation=wrong)
        assert _counts(db_url) == before and not _intruder_exists(db_url)
    with pytest.raises(NotAllowed):  # forcing does not lift the permission check
        backup.restore_backup(path, db_url, actors["kadis"], force_confirmation=backup.FORCE_PHRASE)
    assert _counts(db_url) == before

    result = backup.restore_backup(path, db_url, actors["admin"], force_confirmation=backup.FORCE_PHRASE)

    assert result.forced and result.origin == origin and result.safety_backup is not None
    assert _intruder_exists(db_url)
    with unit_of_work(db_url) as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore_forced")).one()
        assert entry.actor_username == "admin" and entry.entity_id == path.name
        assert entry.after["forced"] is True and entry.after["signature"] == backup.UNSIGNED
        assert entry.after["confirmation"] == backup.FORCE_PHRASE
        assert entry.after["safety_backup"] == str(result.safety_backup)
        assert s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore")).all() == []
    # the safety copy was made here: it restores without forcing
    back = backup.restore_backup(result.safety_backup, db_url, actors["admin"], safety_backup=False)
    assert not back.forced and not _intruder_exists(db_url)


def test_forcing_does_not_skip_the_hashes(db_url, actors, tmp_path, monkeypatch):
    forged = _forge(db_url, actors, tmp_path, monkeypatch)
    path, _ = forged.variants["tanpa tanda tangan"]
    members = _members(path)
    db_name = json.loads(members[backup.MANIFEST])["database"]
    members[db_name] = members[db_name] + b"sisipan"  # changed without re-hashing
    broken = _write_zip(tmp_path / "rusak.zip", members)
    before = _counts(db_url)
    with pytest.raises(InvalidInput, match="SHA-256"):
        backup.restore_backup(broken, db_url, actors["admin"], force_confirmation=backup.FORCE_PHRASE)
    assert _counts(db_url) == before and not _intruder_exists(db_url)


# --- uploads --------------------------------------------------------------------------------------


def test_refused_upload_leaves_no_file_and_is_not_listed(db_url, actors, tmp_path, monkeypatch):
    forged = _forge(db_url, actors, tmp_path, monkeypatch)
    before = _counts(db_url)
    tampered = _members(forged.genuine)
    upload = next(n for n in tampered if n.startswith("files/uploads/"))
    tampered[upload] += b"sisipan"
    refusals = [
        (forged.variants["kunci lain"][0].read_bytes(), None, backup.ForeignBackup),
        (forged.variants["tanpa tanda tangan"][0].read_bytes(), "pulihkan paksa", InvalidInput),
        (_write_zip(tmp_path / "diubah.zip", tampered).read_bytes(), backup.FORCE_PHRASE, InvalidInput),
        (forged.genuine.read_bytes(), None, NotAllowed),  # genuine, but not the administrator
    ]
    for i, (data, typed, error) in enumerate(refusals):
        actor = actors["kadis"] if error is NotAllowed else actors["admin"]
        with pytest.raises(error):
            backup.restore_uploaded_backup(data, f"unggahan-{i}.zip", db_url, actor, force_confirmation=typed)
        assert _backup_folder_files() == [], i  # neither listed nor left under a hidden name
        assert backup.list_backups() == []
        assert _counts(db_url) == before and not _intruder_exists(db_url)

    done = backup.restore_uploaded_backup(forged.genuine.read_bytes(), "cadangan kantor.zip", db_url,
                                          actors["admin"])
    assert not done.forced and done.backup.parent == get_settings().backup_dir
    listed = {b.name: b.origin for b in backup.list_backups()}
    assert listed == {done.backup.name: backup.SIGNED, done.safety_backup.name: backup.SIGNED}
    assert done.backup.name.startswith("kinerja-unggahan-") and "cadangan_kantor" in done.backup.name


def test_command_line_restore_of_a_foreign_backup_needs_paksa(sqlite_url, sqlite_actors, tmp_path, monkeypatch):
    forged = _forge(sqlite_url, sqlite_actors, tmp_path, monkeypatch)
    path = str(forged.variants["kunci lain"][0])

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "core.backup", "--pengguna", "admin", *args], cwd=ROOT,
                              env=dict(os.environ), capture_output=True, text=True, timeout=120)

    refused = cli("restore", path, "--ya")
    assert refused.returncode == 1 and REFUSED in refused.stderr
    assert not _intruder_exists(sqlite_url)
    wrong = cli("restore", path, "--ya", "--paksa", "paksa")
    assert wrong.returncode == 1 and "Konfirmasi pemulihan paksa tidak cocok" in wrong.stderr
    done = cli("restore", path, "--ya", "--paksa", backup.FORCE_PHRASE)
    assert done.returncode == 0, done.stderr
    assert "Pemulihan PAKSA (tanda tangan tidak cocok)" in done.stdout
    assert _intruder_exists(sqlite_url)


# --- the page -------------------------------------------------------------------------------------


def test_page_refuses_a_foreign_upload_and_forces_only_with_the_phrase(sqlite_url, sqlite_actors, tmp_path,
                                                                      monkeypatch):
    forged = _forge(sqlite_url, sqlite_actors, tmp_path, monkeypatch)
    path, _ = forged.variants["manifest dihitung ulang, tanda tangan lama"]
    at = logged_in("admin", "pages/cadangan.py")
    assert not at.exception
    at.file_uploader(key="unggah_cadangan").set_value(("cadangan-luar.zip", path.read_bytes(), "application/zip"))
    at.checkbox(key="yakin_pulihkan").check()
    at.text_input(key="ketik_pulihkan").input("PULIHKAN").run()
    at.button(key="pulihkan").click().run()
    assert not at.exception
    shown = texts(at)
    assert REFUSED in shown and "tanda tangan tidak cocok" in shown and backup.FORCE_PHRASE in shown
    assert _backup_folder_files() == [] and not _intruder_exists(sqlite_url)
    assert "Belum ada cadangan" in shown  # the refused upload is not listed

    at.text_input(key="ketik_paksa").input("pulihkan paksa").run()
    at.button(key="pulihkan").click().run()
    assert "Konfirmasi pemulihan paksa tidak cocok" in texts(at)
    assert _backup_folder_files() == [] and not _intruder_exists(sqlite_url)

    at.text_input(key="ketik_paksa").input(backup.FORCE_PHRASE).run()
    at.button(key="pulihkan").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Pemulihan selesai" in shown and "dipulihkan secara paksa" in shown
    assert _intruder_exists(sqlite_url)
    with unit_of_work(sqlite_url) as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore_forced")).one()
        assert entry.actor_username == "admin" and entry.after["signature"] == backup.FOREIGN
    kept = [b for b in backup.list_backups() if b.name.startswith("kinerja-unggahan-")]
    assert len(kept) == 1 and kept[0].origin == backup.FOREIGN
