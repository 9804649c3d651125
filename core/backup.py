"""Backup and restore: one archive holding a consistent database copy, the evidence files and the archives.

The archive is a zip file:

    manifest.json               what is inside, with the SHA-256 and size of every member
    manifest.sig                HMAC-SHA256 of manifest.json with the installation's secret (backup_key)
    database/kinerja.sqlite3    SQLite: a copy made with the online backup API (consistent while in use)
    database/kinerja.dump       PostgreSQL: `pg_dump --format=custom` (one consistent snapshot)
    files/uploads/...           evidence files (settings.upload_dir)
    files/archive/...           documented-report bundles (settings.archive_dir)

The database is copied first, then the files: evidence rows point to files that are written before the
row is committed, so every file the copied database refers to is in the archive (a file uploaded after
the copy is an extra, harmless file). Restore checks every member against the manifest before touching
anything, keeps a safety copy of the current state, then replaces database and files.

Origin: the signature covers the manifest's bytes, and the manifest lists the SHA-256 of every other
member (a member it does not list is refused), so the signature covers every byte of the content. A
restore refuses a backup that is unsigned or signed with another key (e.g. a forged one with an extra
administrator and a re-hashed manifest) unless the administrator forces it by typing FORCE_PHRASE;
a forced restore is recorded as `backup.restore_forced`. The hashes are checked either way.

Command line (for the server operator):

    python -m core.backup create [--ke FOLDER]
    python -m core.backup restore BERKAS.zip --ya [--paksa "PULIHKAN PAKSA"]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional, Union

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core import audit
from core.actor import SYSTEM, Actor
from core.config import get_settings
from core.errors import InvalidInput, KinerjaError, NotFound
from core.permissions import require
from core.uow import unit_of_work
from db.models import Base, OrgUnit, User

FORMAT = "kinerja-cadangan/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNATURE_ALG = "HMAC-SHA256"
FORCE_PHRASE = "PULIHKAN PAKSA"
# Origin of a backup, as the signature tells it.
SIGNED = "signed"  # made by this installation (signed with its key)
UNSIGNED = "unsigned"  # no signature (made elsewhere, by hand, or by a version before signing)
FOREIGN = "foreign"  # a signature that does not match this installation's key
ORIGIN_LABELS = {
    SIGNED: "dibuat oleh instalasi ini",
    UNSIGNED: "tidak bertanda tangan",
    FOREIGN: "tanda tangan tidak cocok",
}
PG_DUMP = os.environ.get("KINERJA_PG_DUMP", shutil.which("pg_dump") or "/usr/bin/pg_dump")
PG_RESTORE = os.environ.get("KINERJA_PG_RESTORE", shutil.which("pg_restore") or "/usr/bin/pg_restore")
_CHUNK = 1 << 20


class BackupError(KinerjaError):
    """The backup or restore could not be done; the message says why, in Indonesian."""


class ForeignBackup(InvalidInput):
    """The backup was not made by this installation (unsigned or signed with another key)."""

    def __init__(self, origin: str):
        self.origin = origin
        super().__init__(
            f"Cadangan ini tidak dibuat oleh instalasi Kinerja ini ({ORIGIN_LABELS[origin]}). Cadangan dari "
            "luar dapat memuat pengguna atau data yang disisipkan, sehingga tidak dipulihkan; tidak ada data "
            "yang diubah. Jika cadangan ini memang milik kantor Anda (mis. server "
            "dipasang ulang), pasang kembali kunci instalasi yang lama (berkas installation.key di folder data "
            f"atau KINERJA_BACKUP_KEY) lalu coba lagi, atau pulihkan paksa dengan mengetik {FORCE_PHRASE}."
        )


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    name: str
    size: int
    created_at: Optional[str]
    created_by: str
    backend: str
    files: int
    sha256: str
    origin: str = UNSIGNED  # SIGNED, UNSIGNED or FOREIGN

    @property
    def origin_label(self) -> str:
        return ORIGIN_LABELS[self.origin]


@dataclass(frozen=True)
class VerifiedBackup:
    """A backup whose every member matched the manifest; `origin` says whether this installation made it."""
    manifest: dict
    origin: str


@dataclass(frozen=True)
class RestoreResult:
    backup: Path
    safety_backup: Optional[Path]
    tables: dict[str, int]
    files: int
    forced: bool = False
    origin: str = SIGNED

    @property
    def origin_label(self) -> str:
        return ORIGIN_LABELS[self.origin]


# --- helpers ------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Jenis basis data '{name}' tidak didukung untuk pencadangan.")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Basis data SQLite di memori tidak dapat dicadangkan; gunakan berkas.")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump/pg_restore; the password goes in the environment."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _url_of(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=False)


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table of the model (plus the Alembic version table): what a backup holds."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = int(session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


def _alembic_revision(session: Session) -> Optional[str]:
    if not inspect(session.connection()).has_table("alembic_version"):
        return None
    return session.scalar(text("SELECT version_num FROM alembic_version"))


def _pg_major(version_text: str) -> Optional[int]:
    m = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(m.group(1)) if m else None


def pg_versions(session: Session) -> tuple[Optional[int], Optional[int]]:
    """(pg_dump client major version, server major version)."""
    try:
        out = subprocess.run([PG_DUMP, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, _pg_major(str(session.scalar(text("SHOW server_version"))))
    m = re.search(r"\)\s*(\d+)", out)  # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    return (int(m.group(1)) if m else None), _pg_major(str(session.scalar(text("SHOW server_version"))))


def _check_pg_client(session: Session) -> None:
    client, server = pg_versions(session)
    if client is None:
        raise BackupError(
            f"Program pg_dump tidak ditemukan ({PG_DUMP}). Pasang paket klien PostgreSQL yang versinya "
            f"sama dengan server (versi server: {server}), atau setel KINERJA_PG_DUMP."
        )
    if server is not None and client < server:
        raise BackupError(
            f"Versi pg_dump ({client}) lebih lama daripada versi server PostgreSQL ({server}); "
            "pg_dump tidak dapat mencadangkan server yang lebih baru. Pasang klien PostgreSQL versi "
            f"{server} (mis. paket postgresql-client-{server}) lalu coba lagi."
        )


def _safe_member(name: str) -> PurePosixPath:
    """A member path of the archive that stays inside its folder (no absolute path, no '..')."""
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or "\\" in name or not p.parts:
        raise InvalidInput(f"Berkas cadangan memuat nama berkas yang tidak aman: '{name}'. Pemulihan dibatalkan.")
    return p


def _mac(key: bytes, manifest_bytes: bytes) -> str:
    return hmac.new(key, FORMAT.encode("ascii") + b"\n" + manifest_bytes, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short name of a key that does not reveal it: tells two installations' signatures apart."""
    return hmac.new(key, b"kinerja-key-id", hashlib.sha256).hexdigest()[:16]


def _signature(manifest_bytes: bytes) -> str:
    key = get_settings().backup_key
    return json.dumps({"alg": SIGNATURE_ALG, "key_id": key_id(key), "mac": _mac(key, manifest_bytes)},
                      indent=2, sort_keys=True)


def _origin(zf: zipfile.ZipFile) -> str:
    """SIGNED when manifest.sig is this installation's HMAC of manifest.json's exact bytes."""
    if SIGNATURE not in zf.namelist():
        return UNSIGNED
    try:
        sig = json.loads(zf.read(SIGNATURE))
    except (ValueError, OSError, zipfile.BadZipFile):
        return FOREIGN
    if not isinstance(sig, dict) or sig.get("alg") != SIGNATURE_ALG or not isinstance(sig.get("mac"), str):
        return FOREIGN
    expected = _mac(get_settings().backup_key, zf.read(MANIFEST))
    return SIGNED if hmac.compare_digest(expected, sig["mac"]) else FOREIGN


# --- make ---------------------------------------------------------------------------------------


def _copy_sqlite(url: str, dest: Path) -> None:
    src = sqlite3.connect(str(_sqlite_path(url)), timeout=30)
    try:
        dst = sqlite3.connect(str(dest))
        try:
            with dst:
                src.backup(dst)
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        raise BackupError(f"Salinan basis data SQLite tidak utuh (integrity_check: {check}).")


def _dump_pg(session: Session, url: str, dest: Path) -> None:
    _check_pg_client(session)
    conn, env = _libpq(url)
    proc = subprocess.run(
        [PG_DUMP, "--format=custom", "--no-owner", "--no-privileges", "--file", str(dest), "--dbname", conn],
        capture_output=True, text=True, env=env,
    )
    if proc.returncode != 0:
        detail = proc.stderr.strip()
        if "version mismatch" in detail:
            raise BackupError(
                "Versi pg_dump tidak cocok dengan versi server PostgreSQL. Pasang klien PostgreSQL "
                f"dengan versi yang sama dengan server. Rincian: {detail}"
            )
        raise BackupError(f"pg_dump gagal: {detail}")


def _add_tree(zf: zipfile.ZipFile, root: Path, prefix: str, files: dict[str, dict]) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name = f"{prefix}/{path.relative_to(root).as_posix()}"
        zf.write(path, name)
        files[name] = {"sha256": sha256_file(path), "size": path.stat().st_size}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make(session: Session, actor: Actor, dest_dir: Path, label: str = "cadangan") -> tuple[Path, dict]:
    url = _url_of(session)
    backend = _backend(url)
    settings = get_settings()
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    final = dest_dir / f"kinerja-{label}-{stamp}.zip"
    counts = table_counts(session)
    revision = _alembic_revision(session)
    with tempfile.TemporaryDirectory(prefix="kinerja-backup-") as tmp:
        tmpdir = Path(tmp)
        if backend == "sqlite":
            db_name = "database/kinerja.sqlite3"
            db_file = tmpdir / "kinerja.sqlite3"
            _copy_sqlite(url, db_file)
        else:
            db_name = "database/kinerja.dump"
            db_file = tmpdir / "kinerja.dump"
            _dump_pg(session, url, db_file)
        files: dict[str, dict] = {}
        partial = dest_dir / f".{final.name}.part"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_file, db_name)
            files[db_name] = {"sha256": sha256_file(db_file), "size": db_file.stat().st_size}
            _add_tree(zf, settings.upload_dir, "files/uploads", files)
            _add_tree(zf, settings.archive_dir, "files/archive", files)
            manifest = {
                "format": FORMAT,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "created_by": actor.username,
                "backend": backend,
                "database": db_name,
                "alembic_revision": revision,
                "tables": counts,
                "files": files,
            }
            manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, _signature(manifest_bytes))
        _fsync(partial)
        os.replace(partial, final)
    return final, manifest


def make_backup(session_or_url: Union[Session, str, None], actor: Actor,
                dest_dir: Union[str, Path, None] = None) -> Path:
    """Back up the database and the files into one zip archive in dest_dir; the archive's path.

    With a Session the audit row joins the caller's transaction; with a URL (or None: the configured
    database) the function runs its own.
    """
    dest = Path(dest_dir) if dest_dir is not None else get_settings().backup_dir
    if isinstance(session_or_url, Session):
        return _make_audited(session_or_url, actor, dest)
    with unit_of_work(session_or_url) as session:
        return _make_audited(session, actor, dest)


def _make_audited(session: Session, actor: Actor, dest: Path) -> Path:
    require(session, actor, "backup.run")
    path, manifest = _make(session, actor, dest)
    audit.record(session, actor, "backup.create", "backup", path.name, after={
        "path": str(path), "sha256": sha256_file(path), "size": path.stat().st_size,
        "backend": manifest["backend"], "tables": manifest["tables"], "files": len(manifest["files"]) - 1,
    })
    return path


def backup_bytes(path: Union[str, Path]) -> bytes:
    """The archive's bytes, for a download button."""
    return Path(path).read_bytes()


# --- read and verify ----------------------------------------------------------------------------


def read_manifest(path: Union[str, Path]) -> dict:
    """The manifest of an archive, after checking that every member matches its SHA-256 and size."""
    return verify_backup(path).manifest


def verify_backup(path: Union[str, Path]) -> VerifiedBackup:
    """Check every member against the manifest (refused with InvalidInput otherwise) and read the signature."""
    p = Path(path)
    if not p.is_file():
        raise NotFound(f"Berkas cadangan '{p}' tidak ditemukan.")
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile as err:
        raise InvalidInput("Berkas ini bukan berkas cadangan Kinerja (bukan arsip zip yang utuh).") from err
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names:
            raise InvalidInput("Berkas ini bukan berkas cadangan Kinerja: manifest.json tidak ada.")
        try:
            manifest = json.loads(zf.read(MANIFEST))
        except ValueError as err:
            raise InvalidInput("manifest.json di dalam berkas cadangan rusak.") from err
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InvalidInput("Format berkas cadangan tidak dikenal; gunakan cadangan yang dibuat oleh Kinerja.")
        files = manifest.get("files") or {}
        for name in names - {MANIFEST, SIGNATURE}:
            _safe_member(name)
            if name.endswith("/"):
                continue
            if name not in files:
                raise InvalidInput(f"Berkas cadangan memuat '{name}' yang tidak tercatat di manifest; "
                                   "berkas ini telah diubah. Pemulihan dibatalkan.")
        for name, meta in files.items():
            _safe_member(name)
            if name not in names:
                raise InvalidInput(f"Berkas cadangan tidak lengkap: '{name}' hilang. Pemulihan dibatalkan.")
            h = hashlib.sha256()
            size = 0
            with zf.open(name) as fh:
                for chunk in iter(lambda fh=fh: fh.read(_CHUNK), b""):
                    h.update(chunk)
                    size += len(chunk)
            if h.hexdigest() != meta.get("sha256") or size != meta.get("size"):
                raise InvalidInput(f"Berkas cadangan rusak atau telah diubah: SHA-256 '{name}' tidak cocok "
                                   "dengan manifest. Pemulihan dibatalkan.")
        if manifest.get("database") not in files:
            raise InvalidInput("Berkas cadangan tidak memuat salinan basis data.")
        origin = _origin(zf)
    return VerifiedBackup(manifest=manifest, origin=origin)


def list_backups(dest_dir: Union[str, Path, None] = None) -> list[BackupInfo]:
    """The archives in the backup folder, newest first (manifest and signature read, hashes not checked)."""
    folder = Path(dest_dir) if dest_dir is not None else get_settings().backup_dir
    out = []
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("kinerja-*.zip"), key=lambda q: q.stat().st_mtime, reverse=True):
        try:
            with zipfile.ZipFile(p) as zf:
                m = json.loads(zf.read(MANIFEST))
                origin = _origin(zf)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            continue
        out.append(BackupInfo(path=p, name=p.name, size=p.stat().st_size, created_at=m.get("created_at"),
                              created_by=str(m.get("created_by", "")), backend=str(m.get("backend", "")),
                              files=max(0, len(m.get("files", {})) - 1), sha256=sha256_file(p), origin=origin))
    return out


# --- restore ------------------------------------------------------------------------------------


def _check_revision(manifest: dict) -> None:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    rev = manifest.get("alembic_revision")
    if rev is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(rev)
    except Exception as err:
        raise InvalidInput(
            f"Cadangan ini dibuat oleh versi aplikasi yang lebih baru (skema '{rev}' tidak dikenal). "
            "Perbarui aplikasi terlebih dahulu, lalu pulihkan."
        ) from err


def _restore_sqlite(url: str, db_copy: Path) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(db_copy))
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise InvalidInput("Salinan basis data di dalam cadangan tidak utuh. Pemulihan dibatalkan.")
        dst = sqlite3.connect(str(target), timeout=30)
        try:
            # The online backup API writes the copy into the live file under SQLite's own locking,
            # so other connections see either the old or the restored database, never a mix.
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()


def _restore_pg(url: str, dump: Path) -> None:
    conn, env = _libpq(url)
    # Drop what the dump will recreate, in one transaction: on any error nothing changes.
    proc = subprocess.run(
        [PG_RESTORE, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", "--dbname", conn, str(dump)],
        capture_output=True, text=True, env=env,
    )
    if proc.returncode != 0:
        raise BackupError(f"pg_restore gagal; basis data tidak diubah. Rincian: {proc.stderr.strip()}")


def _replace_tree(extracted: Path, target: Path) -> None:
    """Put `extracted` in place of `target` by renames, so a failure leaves one complete folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.lama")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    shutil.move(str(extracted), str(target))
    if old.exists():
        shutil.rmtree(old)


def _force_allowed(origin: str, force_confirmation: Optional[str]) -> bool:
    """Whether a restore goes ahead as forced; raises when a backup not made here is not forced exactly."""
    if origin == SIGNED:
        return False
    typed = (force_confirmation or "").strip()
    if not typed:
        raise ForeignBackup(origin)
    if typed != FORCE_PHRASE:
        raise InvalidInput(
            f"Konfirmasi pemulihan paksa tidak cocok: ketik persis {FORCE_PHRASE} (huruf kapital). "
            "Pemulihan dibatalkan; tidak ada data yang diubah."
        )
    return True


def _has_users(session: Session) -> bool:
    return inspect(session.connection()).has_table("users") and (
        session.scalar(select(func.count()).select_from(User)) or 0) > 0


@dataclass(frozen=True)
class _Checked:
    manifest: dict
    origin: str
    forced: bool
    backend: str
    url: str


def _check_restore(path: Path, url: str, actor: Actor, force_confirmation: Optional[str]) -> _Checked:
    """Every check a restore makes before it changes anything: content, origin, schema, permission."""
    backend = _backend(url)
    verified = verify_backup(path)  # the hashes: mandatory, forced or not
    manifest = verified.manifest
    if manifest.get("backend") != backend:
        raise InvalidInput(
            f"Cadangan ini berasal dari basis data {manifest.get('backend')}, sedangkan basis data tujuan "
            f"adalah {backend}. Pulihkan ke jenis basis data yang sama."
        )
    _check_revision(manifest)
    forced = _force_allowed(verified.origin, force_confirmation)
    with unit_of_work(url) as session:
        if _has_users(session):
            require(session, actor, "backup.run")
    return _Checked(manifest=manifest, origin=verified.origin, forced=forced, backend=backend, url=url)


def restore_backup(path: Union[str, Path], url: Optional[str] = None, actor: Actor = SYSTEM, *,
                   safety_backup: bool = True, force_confirmation: Optional[str] = None) -> RestoreResult:
    """Replace the database and the files with the content of a backup archive.

    The archive is verified against its manifest first; a backup this installation did not sign is
    refused (ForeignBackup) unless `force_confirmation` is exactly FORCE_PHRASE; the actor must be
    allowed `backup.run` on the current database (when it still has users); a safety copy of the
    current state is kept in the backup folder unless switched off; the restore itself is recorded in
    the restored audit log (`backup.restore`, or `backup.restore_forced` when forced).
    """
    url = url or get_settings().database_url
    path = Path(path)
    checked = _check_restore(path, url, actor, force_confirmation)
    return _apply_restore(path, checked, actor, safety_backup)


def _apply_restore(path: Path, checked: _Checked, actor: Actor, safety_backup: bool) -> RestoreResult:
    from db.engine import dispose_all
    from db.migrate import upgrade

    settings = get_settings()
    url, backend, manifest = checked.url, checked.backend, checked.manifest
    safety: Optional[Path] = None
    with unit_of_work(url) as session:
        if _has_users(session):
            require(session, actor, "backup.run")
            if safety_backup:
                safety, _ = _make(session, actor, settings.backup_dir, label="sebelum-pemulihan")

    files_restored = 0
    with tempfile.TemporaryDirectory(prefix="kinerja-restore-", dir=_tmp_parent(settings)) as tmp:
        tmpdir = Path(tmp)
        with zipfile.ZipFile(path) as zf:
            for name in manifest["files"]:
                member = _safe_member(name)
                dest = tmpdir.joinpath(*member.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
                if name.startswith("files/"):
                    files_restored += 1
        db_copy = tmpdir.joinpath(*PurePosixPath(manifest["database"]).parts)
        dispose_all()
        if backend == "sqlite":
            _restore_sqlite(url, db_copy)
        else:
            _restore_pg(url, db_copy)
        dispose_all()
        for sub, target in (("uploads", settings.upload_dir), ("archive", settings.archive_dir)):
            extracted = tmpdir / "files" / sub
            if not extracted.exists():
                extracted.mkdir(parents=True)
            _replace_tree(extracted, target)

    upgrade(url)  # a backup from an older version of the app is brought to the current schema
    with unit_of_work(url) as session:
        # The restored database may not know the restoring user or office: keep the name only.
        who = actor
        if actor.user_id and session.get(User, actor.user_id) is None:
            who = Actor(0, actor.username, actor.full_name, actor.role, None, None)
        if who.office_id is not None and session.get(OrgUnit, who.office_id) is None:
            who = Actor(who.user_id, who.username, who.full_name, who.role, None, None)
        after = {
            "path": str(path), "sha256": sha256_file(path), "created_at": manifest.get("created_at"),
            "created_by": manifest.get("created_by"), "safety_backup": str(safety) if safety else None,
            "signature": checked.origin, "forced": checked.forced,
        }
        if checked.forced:
            after["confirmation"] = FORCE_PHRASE
        action = "backup.restore_forced" if checked.forced else "backup.restore"
        audit.record(session, who, action, "backup", path.name[:60], after=after)  # the full name is in "path"
        counts = table_counts(session)
    return RestoreResult(backup=path, safety_backup=safety, tables=counts, files=files_restored,
                         forced=checked.forced, origin=checked.origin)


def _tmp_parent(settings) -> Optional[str]:
    """Extract next to the data so the final renames stay on one file system."""
    parent = settings.upload_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    return str(parent)


def restore_uploaded_backup(data: bytes, filename: str, url: Optional[str] = None, actor: Actor = SYSTEM, *,
                            force_confirmation: Optional[str] = None, safety_backup: bool = True,
                            dest_dir: Union[str, Path, None] = None) -> RestoreResult:
    """Restore from an uploaded archive; it joins the backup folder only once every check has passed.

    The bytes are staged under a hidden name (not listed) and checked like any restore; a refused
    upload is deleted, so the folder never lists a backup that was refused.
    """
    url = url or get_settings().database_url
    folder = Path(dest_dir) if dest_dir is not None else get_settings().backup_dir
    if not data:
        raise InvalidInput("Berkas cadangan yang diunggah kosong.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.getinfo(MANIFEST)
    except (zipfile.BadZipFile, KeyError) as err:
        raise InvalidInput("Berkas yang diunggah bukan berkas cadangan Kinerja (.zip dengan manifest.json).") from err
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).stem)[:80] or "unggahan"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    final = folder / f"kinerja-unggahan-{stamp}-{stem}.zip"
    staged = folder / f".{final.name}.part"  # list_backups only sees kinerja-*.zip
    try:
        with open(staged, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        checked = _check_restore(staged, url, actor, force_confirmation)
        os.replace(staged, final)
    finally:
        staged.unlink(missing_ok=True)
    return _apply_restore(final, checked, actor, safety_backup)


# --- command line -------------------------------------------------------------------------------


def _cli_actor(username: Optional[str], url: Optional[str]) -> Actor:
    if not username:
        return SYSTEM
    from core.auth import actor_for

    with unit_of_work(url) as session:
        return actor_for(session, username)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.backup",
                                     description="Cadangan dan pemulihan data Kinerja (basis data dan berkas).")
    parser.add_argument("--url", default=None, help="DATABASE_URL (bawaan: dari lingkungan)")
    parser.add_argument("--pengguna", default=None,
                        help="nama pengguna admin yang dicatat di jejak audit (bawaan: 'sistem')")
    sub = parser.add_subparsers(dest="perintah", required=True)
    c = sub.add_parser("create", help="buat berkas cadangan")
    c.add_argument("--ke", default=None, help="folder tujuan (bawaan: KINERJA_BACKUP_DIR)")
    r = sub.add_parser("restore", help="pulihkan dari berkas cadangan (mengganti data saat ini)")
    r.add_argument("berkas", help="berkas cadangan .zip")
    r.add_argument("--ya", "--yes", action="store_true", dest="ya", help="konfirmasi: ganti data saat ini")
    r.add_argument("--paksa", default=None, metavar="TEKS",
                   help=f"pulihkan cadangan yang tidak dibuat oleh instalasi ini; TEKS harus persis '{FORCE_PHRASE}' "
                        "(dicatat di jejak audit)")
    r.add_argument("--tanpa-cadangan-pengaman", action="store_true",
                   help="jangan membuat salinan pengaman data saat ini sebelum memulihkan")
    sub.add_parser("list", help="daftar berkas cadangan di folder cadangan")
    args = parser.parse_args(argv)
    url = args.url or get_settings().database_url
    try:
        actor = _cli_actor(args.pengguna, url)
        if args.perintah == "create":
            path = make_backup(url, actor, args.ke)
            print(f"Cadangan dibuat: {path}")
            print(f"SHA-256: {sha256_file(path)}")
        elif args.perintah == "restore":
            if not args.ya:
                print("Pemulihan akan MENGGANTI seluruh data saat ini dengan isi cadangan. "
                      "Jalankan lagi dengan --ya untuk melanjutkan.", file=sys.stderr)
                return 2
            result = restore_backup(args.berkas, url, actor, safety_backup=not args.tanpa_cadangan_pengaman,
                                    force_confirmation=args.paksa)
            print(f"Pemulihan selesai dari {result.backup}.")
            if result.forced:
                print(f"Pemulihan PAKSA ({ORIGIN_LABELS[result.origin]}); dicatat di jejak audit.")
            if result.safety_backup:
                print(f"Salinan pengaman data sebelum pemulihan: {result.safety_backup}")
            print(f"Tabel: {sum(result.tables.values())} baris; berkas: {result.files}.")
        else:
            for info in list_backups():
                print(f"{info.name}\t{info.size} bita\t{info.created_at}\t{info.created_by}\t{info.origin_label}")
    except KinerjaError as err:
        print(f"Gagal: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
