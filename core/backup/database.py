"""The database side of a backup, per backend: SQLite copied with the online backup API, PostgreSQL
with pg_dump / pg_restore; and what a database holds (table counts, Alembic revision)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Optional

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.backup.common import BackupError
from core.errors import InvalidInput
from db.models import Base

PG_DUMP = os.environ.get("KINERJA_PG_DUMP", shutil.which("pg_dump") or "/usr/bin/pg_dump")
PG_RESTORE = os.environ.get("KINERJA_PG_RESTORE", shutil.which("pg_restore") or "/usr/bin/pg_restore")


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
