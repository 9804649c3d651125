"""Reading a backup: every member checked against the manifest, and the list of the backup folder."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from core.backup.common import _CHUNK, FORMAT, MANIFEST, SIGNATURE, _safe_member, sha256_file
from core.backup.origin import ORIGIN_LABELS, UNSIGNED, _origin
from core.config import get_settings
from core.errors import InvalidInput, NotFound


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
