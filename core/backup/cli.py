"""The command line of the server operator: `python -m core.backup create | restore | list`."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from core.actor import SYSTEM, Actor
from core.backup.common import sha256_file
from core.backup.make import make_backup
from core.backup.origin import FORCE_PHRASE, ORIGIN_LABELS
from core.backup.restore import restore_backup
from core.backup.verify import list_backups
from core.config import get_settings
from core.errors import KinerjaError
from core.uow import unit_of_work


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
