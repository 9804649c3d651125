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

The package, one module per responsibility: `make` (writing an archive), `origin` (signing and
checking the signature), `verify` (checking an archive against its manifest, listing the folder),
`restore`, `database` (the SQLite / PostgreSQL side and table counts), `cli` (the command line),
`common` (the archive's member names and hashing). The names below are its interface.
"""

from core.backup.cli import main
from core.backup.common import FORMAT, MANIFEST, SIGNATURE, BackupError, sha256_file
from core.backup.database import PG_DUMP, PG_RESTORE, pg_versions, table_counts
from core.backup.make import backup_bytes, make_backup
from core.backup.origin import (
    FORCE_PHRASE,
    FOREIGN,
    ORIGIN_LABELS,
    SIGNATURE_ALG,
    SIGNED,
    UNSIGNED,
    ForeignBackup,
    key_id,
)
from core.backup.restore import RestoreResult, restore_backup, restore_uploaded_backup
from core.backup.verify import BackupInfo, VerifiedBackup, list_backups, read_manifest, verify_backup

__all__ = [
    # the archive
    "FORMAT", "MANIFEST", "SIGNATURE", "BackupError", "sha256_file",
    # origin
    "SIGNATURE_ALG", "FORCE_PHRASE", "SIGNED", "UNSIGNED", "FOREIGN", "ORIGIN_LABELS", "ForeignBackup", "key_id",
    # the database
    "PG_DUMP", "PG_RESTORE", "pg_versions", "table_counts",
    # make, read, restore
    "make_backup", "backup_bytes", "BackupInfo", "VerifiedBackup", "read_manifest", "verify_backup",
    "list_backups", "RestoreResult", "restore_backup", "restore_uploaded_backup",
    # command line
    "main",
]
