"""The archive's layout shared by making, verifying and restoring: member names, hashing, safe paths."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from core.errors import InvalidInput, KinerjaError

FORMAT = "kinerja-cadangan/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


_CHUNK = 1 << 20


class BackupError(KinerjaError):
    """The backup or restore could not be done; the message says why, in Indonesian."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _safe_member(name: str) -> PurePosixPath:
    """A member path of the archive that stays inside its folder (no absolute path, no '..')."""
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or "\\" in name or not p.parts:
        raise InvalidInput(f"Berkas cadangan memuat nama berkas yang tidak aman: '{name}'. Pemulihan dibatalkan.")
    return p
