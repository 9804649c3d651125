"""Restoring a backup: every check first (content, origin, schema, permission), a safety copy, then the
database and the files replaced; the restore is audited in the restored database."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional, Union

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import SYSTEM, Actor
from core.backup.common import _CHUNK, MANIFEST, _safe_member, sha256_file
from core.backup.database import _backend, _restore_pg, _restore_sqlite, table_counts
from core.backup.make import _make
from core.backup.origin import FORCE_PHRASE, ORIGIN_LABELS, SIGNED, ForeignBackup
from core.backup.verify import verify_backup
from core.config import get_settings
from core.errors import InvalidInput
from core.permissions import require
from core.uow import unit_of_work
from db.models import OrgUnit, User


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
    from core import regency_recap

    regency_recap.clear_parts()  # the restored audit log's ids may repeat the versions the rows were kept at
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
