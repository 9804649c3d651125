"""Backup and restore: the office's record and its evidence survive a loss, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from streamlit.testing.v1 import AppTest

from core import auth, backup
from core.config import get_settings
from core.errors import InvalidInput, NotAllowed
from core.uow import unit_of_work
from db.models import AuditLog, Target, User
from tests.apptest import DEMO_PASSWORD, logged_in, texts

ROOT = Path(__file__).resolve().parent.parent


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _put_files() -> dict[str, bytes]:
    """Evidence files and a documented-report bundle, as the services would leave them."""
    s = get_settings()
    files = {
        "uploads/sub_1/bukti-pelatihan.pdf": b"%PDF-1.4 daftar hadir pelatihan\n" + os.urandom(2048),
        "uploads/sub_2/foto kegiatan.jpg": b"\xff\xd8\xff\xe0" + os.urandom(4096),
        "archive/2026-TW2/laporan-v1.zip": b"PK\x03\x04" + os.urandom(1024),
    }
    for rel, data in files.items():
        base = s.upload_dir if rel.startswith("uploads/") else s.archive_dir
        path = base / rel.split("/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _file(rel: str) -> Path:
    s = get_settings()
    base = s.upload_dir if rel.startswith("uploads/") else s.archive_dir
    return base / rel.split("/", 1)[1]


def _counts(url: str) -> dict[str, int]:
    with unit_of_work(url) as s:
        return backup.table_counts(s)


def test_backup_and_restore_round_trip(db_url, actors, tmp_path):
    admin = actors["admin"]
    demo_files = sum(1 for p in (tmp_path / "uploads").rglob("*") if p.is_file())  # the demo's evidence
    files = _put_files()
    with unit_of_work(db_url) as s:
        auth.change_own_password(s, actors["sekdis"], DEMO_PASSWORD, "SandiCadangan1", "SandiCadangan1")
        target = s.scalar(select(Target).order_by(Target.id))
        target_id, target_q3 = target.id, target.q3

    path = backup.make_backup(db_url, admin, tmp_path / "cadangan")
    assert path.is_file() and path.suffix == ".zip"
    manifest = backup.read_manifest(path)
    before = _counts(db_url)
    assert manifest["tables"]["audit_log"] == before["audit_log"] - 1  # its own audit row comes after
    assert {f"files/{rel}" for rel in files} <= set(manifest["files"])
    with unit_of_work(db_url) as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "backup.create")).one()
        assert entry.actor_username == "admin" and entry.after["sha256"] == _sha(path)

    # Disaster: data changed and deleted, evidence lost and tampered with, a stray file appears.
    with unit_of_work(db_url) as s:
        auth.change_own_password(s, actors["sekdis"], "SandiCadangan1", "SandiLain2027", "SandiLain2027")
        s.get(Target, target_id).q3 = 999
        s.execute(delete(AuditLog))
    _file("uploads/sub_1/bukti-pelatihan.pdf").unlink()
    _file("archive/2026-TW2/laporan-v1.zip").write_bytes(b"diubah")
    _file("uploads/sub_9/asing.txt").parent.mkdir(parents=True)
    _file("uploads/sub_9/asing.txt").write_bytes(b"tidak ada di cadangan")

    result = backup.restore_backup(path, db_url, admin)

    after = _counts(db_url)
    expected = dict(manifest["tables"])
    expected["audit_log"] += 1  # the restore is itself recorded
    assert after == expected
    with unit_of_work(db_url) as s:
        assert s.get(Target, target_id).q3 == target_q3
        sekdis = s.scalar(select(User).where(User.username == "sekdis"))
        assert auth.check_password("SandiCadangan1", sekdis.password_hash)
        restore_entry = s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore")).one()
        assert restore_entry.actor_username == "admin"
    for rel, data in files.items():
        assert _file(rel).read_bytes() == data
    assert not _file("uploads/sub_9/asing.txt").exists()
    assert result.files == len(files) + demo_files and demo_files > 0
    # the state before the restore was kept as a safety copy
    assert result.safety_backup is not None and result.safety_backup.is_file()
    safety = backup.read_manifest(result.safety_backup)
    assert safety["tables"]["audit_log"] == 0


def test_tampered_backup_is_refused_and_nothing_changes(db_url, actors, tmp_path):
    _put_files()
    path = backup.make_backup(db_url, actors["admin"], tmp_path / "cadangan")
    tampered = tmp_path / "diubah.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("files/uploads/"):
                data = data + b"sisipan"
            dst.writestr(item, data)
    before = _counts(db_url)
    with pytest.raises(InvalidInput, match="SHA-256"):
        backup.restore_backup(tampered, db_url, actors["admin"])
    assert _counts(db_url) == before


def test_backup_refuses_path_escape_in_archive(sqlite_url, tmp_path):
    evil = tmp_path / "jahat.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("database/kinerja.sqlite3", b"x")
        zf.writestr("../../luar.txt", b"x")
        zf.writestr(backup.MANIFEST, json.dumps({
            "format": backup.FORMAT, "backend": "sqlite", "database": "database/kinerja.sqlite3",
            "files": {"database/kinerja.sqlite3": {"sha256": hashlib.sha256(b"x").hexdigest(), "size": 1}}}))
    with pytest.raises(InvalidInput, match="tidak aman"):
        backup.read_manifest(evil)


@pytest.mark.parametrize("username", ["kadis", "sekdis", "kabid_lattas", "penyusun", "pemantau"])
def test_only_admin_may_make_a_backup(db_url, actors, tmp_path, username):
    before = _counts(db_url)
    with pytest.raises(NotAllowed, match="cadangan"):
        backup.make_backup(db_url, actors[username], tmp_path / "cadangan")
    assert not (tmp_path / "cadangan").exists() or not list((tmp_path / "cadangan").iterdir())
    assert _counts(db_url) == before


def test_only_admin_may_restore(sqlite_url, actors, tmp_path):
    path = backup.make_backup(sqlite_url, actors["admin"], tmp_path / "cadangan")
    before = _counts(sqlite_url)
    with pytest.raises(NotAllowed):
        backup.restore_backup(path, sqlite_url, actors["kadis"])
    assert _counts(sqlite_url) == before


def test_postgresql_backup_names_the_pg_dump_version(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("hanya PostgreSQL")
    with unit_of_work(db_url) as s:
        client, server = backup.pg_versions(s)
    assert client is not None and server is not None
    assert client >= server, f"pg_dump {client} lebih lama dari server {server}"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.backup", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


def test_command_line_create_and_restore(sqlite_url, tmp_path):
    files = _put_files()
    made = _cli("--pengguna", "admin", "create", "--ke", str(tmp_path / "cli"))
    assert made.returncode == 0, made.stderr
    assert "Cadangan dibuat:" in made.stdout
    path = Path(made.stdout.split("Cadangan dibuat:", 1)[1].splitlines()[0].strip())
    _file("uploads/sub_1/bukti-pelatihan.pdf").unlink()
    with unit_of_work(sqlite_url) as s:
        s.execute(delete(AuditLog))
    refused = _cli("restore", str(path))
    assert refused.returncode == 2 and "--ya" in refused.stderr
    done = _cli("--pengguna", "admin", "restore", str(path), "--ya")
    assert done.returncode == 0, done.stderr
    assert "Pemulihan selesai" in done.stdout
    assert _file("uploads/sub_1/bukti-pelatihan.pdf").read_bytes() == files["uploads/sub_1/bukti-pelatihan.pdf"]
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) >= 2
    bad = _cli("--pengguna", "kadis", "create")
    assert bad.returncode == 1 and "tidak berwenang" in bad.stderr


def test_backup_page_makes_a_downloadable_backup(sqlite_url):
    _put_files()
    at = logged_in("admin", "pages/cadangan.py")
    assert not at.exception
    assert "Cadangan & Pemulihan" in texts(at)
    at.button(key="buat_cadangan").click().run()
    assert not at.exception
    assert "Cadangan dibuat" in texts(at)
    assert backup.list_backups()


def test_backup_page_is_refused_to_kepala_dinas(sqlite_url, actors):
    # The page is not in the Kepala Dinas's navigation; reached anyway, it refuses and shows nothing.
    at = AppTest.from_file(str(ROOT / "pages" / "cadangan.py"), default_timeout=60)
    at.session_state["actor"] = actors["kadis"]
    at.run()
    assert "tidak tersedia" in texts(at)
    assert not at.button and not at.get("download_button")
    assert "Cadangan & Pemulihan" not in texts(at)
