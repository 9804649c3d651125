"""Making a backup: the database copy and the files in one signed zip archive, audited."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Union

from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.backup.common import FORMAT, MANIFEST, SIGNATURE, sha256_file
from core.backup.database import _alembic_revision, _backend, _copy_sqlite, _dump_pg, _url_of, table_counts
from core.backup.origin import _signature
from core.config import get_settings
from core.permissions import require
from core.uow import unit_of_work


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
