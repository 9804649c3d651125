"""Origin of a backup: the installation's HMAC signature of the manifest, written when a backup is
made and checked when it is read; a backup not signed here is refused unless forced."""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile

from core.backup.common import FORMAT, MANIFEST, SIGNATURE
from core.config import get_settings
from core.errors import InvalidInput

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
