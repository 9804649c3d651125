"""Bukti dukung: uploaded files checked (type by content, size), stored by hash outside the database.

Files live under settings.upload_dir/<round>/<submission>/<sha256>.<ext>; the user's file name is kept
only as a sanitised label in the database, never used as a path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import filetype
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.entry import readable_submission, unit_indicators
from core.errors import InvalidInput, NotFound
from core.fmt import datetime as fmt_datetime
from core.steps.isi_data import editable_submission
from db.models import Evidence, Indicator, Realization, User, utcnow

# extension -> (what filetype must detect, media type)
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
ALLOWED_LABEL = "PDF, JPG, PNG, XLSX atau DOCX"
UPLOAD_TYPES = ["pdf", "jpg", "jpeg", "png", "xlsx", "docx"]


def max_upload_mb() -> int:
    return get_settings().max_upload_mb


def safe_filename(name: str) -> str:
    """The last path component, without control or path characters; never empty."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*')
    base = base.strip().lstrip(".").strip()
    if not base:
        base = "berkas"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot else base[:200]
    return base


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _root() -> Path:
    return get_settings().upload_dir.resolve()


def _path_of(ev: Evidence) -> Path:
    root = _root()
    path = (root / ev.stored_path).resolve()
    if root not in path.parents:
        raise NotFound("Berkas bukti dukung tidak ditemukan.")
    return path


def check_file(filename: str, data: bytes) -> tuple[str, str, str]:
    """(safe name, extension, media type) of an acceptable upload, or InvalidInput saying why not."""
    name = safe_filename(filename)
    ext = _extension(name)
    if ext not in ALLOWED:
        raise InvalidInput(f"Berkas '{name}' tidak dapat diterima: jenis berkas yang diizinkan {ALLOWED_LABEL}.")
    if not data:
        raise InvalidInput(f"Berkas '{name}' kosong (0 byte). Pilih berkas yang berisi bukti dukung.")
    limit = get_settings().max_upload_mb
    if len(data) > limit * 1024 * 1024:
        raise InvalidInput(f"Berkas '{name}' terlalu besar ({len(data) / 1024 / 1024:.1f} MB); "
                           f"batas ukuran {limit} MB. Perkecil atau pisahkan berkasnya.")
    kind = filetype.guess(data)
    expected, media = ALLOWED[ext]
    if kind is None or kind.extension != expected:
        raise InvalidInput(f"Isi berkas '{name}' tidak sesuai dengan ekstensi .{ext}. Unggah berkas "
                           f"{ext.upper()} yang asli (bukan berkas lain yang diganti namanya).")
    _check_content(name, ext, data)
    return name, ("jpg" if ext == "jpeg" else ext), media


# Office zips: limits of what is unpacked while checking, and what may not be inside.
MAX_OFFICE_MEMBERS = 2000
MAX_OFFICE_UNPACKED = 200 * 1024 * 1024
MAX_IMAGE_PIXELS = 60_000_000  # about 7,700 × 7,700 px: any scan or photo; more is a decompression bomb
OFFICE_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
EXECUTABLE = (".exe", ".dll", ".com", ".bat", ".cmd", ".scr", ".msi", ".ps1", ".vbs", ".vbe", ".js", ".jse",
              ".wsf", ".hta", ".jar", ".lnk", ".sh")  # (.bin is also printer settings; see embeddings)


def _check_content(name: str, ext: str, data: bytes) -> None:
    """The file must be what its extension says all the way through, not only in its first bytes: a PDF that
    pypdf reads, an image Pillow decodes, an Office zip without macros or embedded programs."""
    broken = (f"Berkas '{name}' rusak atau bukan berkas {ext.upper()} yang sah. Buka berkasnya, simpan ulang "
              f"sebagai {ext.upper()}, lalu unggah kembali.")
    if ext == "pdf":
        _check_pdf(name, data, broken)
    elif ext in ("jpg", "jpeg", "png"):
        _check_image(name, ext, data, broken)
    else:
        _check_office(name, ext, data, broken)


def _check_pdf(name: str, data: bytes, broken: str) -> None:
    import io
    import logging
    import zipfile

    from pypdf import PdfReader

    if zipfile.is_zipfile(io.BytesIO(data)):  # a PDF header on a zip archive: two files in one
        raise InvalidInput(f"Berkas '{name}' berisi arsip lain di dalam PDF. Unggah PDF biasa (cetak ulang ke PDF).")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # pypdf warns on every small repair; the verdict below is what counts
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        if not encrypted and len(reader.pages) < 1:
            raise ValueError("no pages")
    except Exception:  # pypdf raises many kinds for a broken file
        raise InvalidInput(broken) from None
    finally:
        pypdf_log.setLevel(level)
    if encrypted:
        raise InvalidInput(f"Berkas '{name}' dilindungi kata sandi. Unggah PDF tanpa kata sandi agar dapat "
                           "diperiksa.")


def _check_image(name: str, ext: str, data: bytes, broken: str) -> None:
    import io

    from PIL import Image

    expected = "PNG" if ext == "png" else "JPEG"
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (w, h) = img.format, img.size
            if w * h > MAX_IMAGE_PIXELS:
                raise InvalidInput(f"Gambar '{name}' berukuran {w} × {h} piksel; paling besar "
                                   f"{MAX_IMAGE_PIXELS // 1_000_000} juta piksel. Perkecil gambarnya.")
            img.verify()  # PNG: every chunk and checksum; JPEG: the markers only, so decode it below
        if fmt == "JPEG":
            with Image.open(io.BytesIO(data)) as img:
                img.draft("RGB", (max(w // 8, 1), max(h // 8, 1)))  # decode at 1/8 scale: cheap, still whole
                img.load()
    except InvalidInput:
        raise
    except Exception:  # Pillow raises many kinds (and DecompressionBombError) for a broken image
        raise InvalidInput(broken) from None
    if fmt != expected:
        raise InvalidInput(broken)


def _check_office(name: str, ext: str, data: bytes, broken: str) -> None:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_OFFICE_MEMBERS or sum(i.file_size for i in infos) > MAX_OFFICE_UNPACKED:
                raise InvalidInput(f"Isi berkas '{name}' terlalu besar setelah dibuka. Simpan ulang berkasnya "
                                   "tanpa lampiran yang tidak perlu.")
            names = {i.filename for i in infos}
            if any(i.flag_bits & 0x1 for i in infos):
                raise InvalidInput(f"Berkas '{name}' terenkripsi. Hapus kata sandinya, lalu unggah kembali.")
            if "[Content_Types].xml" not in names or OFFICE_MAIN_PART[ext] not in names:
                raise InvalidInput(broken)
            types = z.read("[Content_Types].xml") if z.getinfo("[Content_Types].xml").file_size < 1_000_000 else b""
    except InvalidInput:
        raise
    except Exception:  # a broken zip: zipfile and zlib raise many kinds
        raise InvalidInput(broken) from None
    lowered = [n.lower() for n in names]
    if any(n.rsplit("/", 1)[-1].startswith("vbaproject") for n in lowered) or b"macroEnabled" in types:
        raise InvalidInput(f"Berkas '{name}' berisi makro. Simpan ulang sebagai {ext.upper()} biasa tanpa makro "
                           f"(bukan {ext.upper()[:-1]}M), lalu unggah kembali.")
    if any(n.endswith(EXECUTABLE) or "/embeddings/" in n and not n.endswith((".png", ".jpeg", ".jpg", ".emf",
                                                                              ".wmf", ".xlsx", ".docx"))
           for n in lowered):
        raise InvalidInput(f"Berkas '{name}' berisi program atau objek tersemat. Hapus objek tersemat dari "
                           "dokumen, simpan ulang, lalu unggah kembali.")


def store_evidence(session: Session, actor, submission_id: int, indicator_id: Optional[int], filename: str,
                   data: bytes) -> Evidence:
    """Attach one file to a submission (or to one of its indicators) while the data is editable."""
    sub = editable_submission(session, actor, submission_id, action="evidence.upload")
    name, ext, media = check_file(filename, data)
    realization_id = None
    if indicator_id is not None:
        ind = session.get(Indicator, indicator_id)
        if ind is None or ind.id not in {i.id for i in unit_indicators(session, sub.round, sub.unit_id)}:
            raise InvalidInput("Indikator yang dipilih bukan indikator unit ini.")
        r = session.scalar(select(Realization).where(Realization.submission_id == sub.id,
                                                     Realization.indicator_id == ind.id))
        if r is None:
            r = Realization(submission_id=sub.id, indicator_id=ind.id, version=1, not_measured_reason="",
                            note="", kendala="", tindak_lanjut="", updated_by_id=actor.user_id or None)
            session.add(r)
            session.flush()
        realization_id = r.id
    digest = hashlib.sha256(data).hexdigest()
    same = session.scalar(select(Evidence).where(Evidence.submission_id == sub.id, Evidence.sha256 == digest,
                                                 Evidence.realization_id.is_(None) if realization_id is None
                                                 else Evidence.realization_id == realization_id))
    if same is not None:
        raise InvalidInput(f"Berkas '{name}' sudah diunggah sebelumnya sebagai '{same.filename}' untuk bukti yang "
                           "sama; tidak perlu diunggah lagi.")
    relative = Path(str(sub.round_id)) / str(sub.id) / f"{digest}.{ext}"
    target = _root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    ev = Evidence(submission_id=sub.id, realization_id=realization_id, filename=name,
                  stored_path=relative.as_posix(), content_type=media, size=len(data), sha256=digest,
                  uploaded_by_id=actor.user_id, uploaded_at=utcnow())
    session.add(ev)
    session.flush()
    audit.record(session, actor, "evidence.upload", "evidence", ev.id, before=None, after=audit.snapshot(ev),
                 office_id=sub.round.office_id)
    return ev


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    filename: str
    indicator_id: Optional[int]
    indicator_label: str
    size: int
    content_type: str
    sha256: str
    uploaded_by: str
    uploaded_at: str
    stored: bool = True  # False when the file is missing from storage (e.g. a restore without uploads)


def list_evidence(session: Session, actor, submission_id: int) -> list[EvidenceItem]:
    sub = readable_submission(session, actor, submission_id)
    rows = session.execute(
        select(Evidence, Indicator, User.full_name)
        .outerjoin(Realization, Realization.id == Evidence.realization_id)
        .outerjoin(Indicator, Indicator.id == Realization.indicator_id)
        .outerjoin(User, User.id == Evidence.uploaded_by_id)
        .where(Evidence.submission_id == sub.id).order_by(Evidence.id))
    return [EvidenceItem(ev.id, ev.filename, ind.id if ind else None,
                         f"{ind.code} {ind.name}" if ind else "Umum (seluruh data unit)", ev.size,
                         ev.content_type, ev.sha256, who or "", fmt_datetime(ev.uploaded_at),
                         _path_of(ev).exists())
            for ev, ind, who in rows]


def _get(session: Session, evidence_id: int) -> Evidence:
    ev = session.get(Evidence, evidence_id)
    if ev is None:
        raise NotFound("Bukti dukung tidak ditemukan (mungkin sudah dihapus).")
    return ev


def read_evidence(session: Session, actor, evidence_id: int) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) for a download, after the read check."""
    ev = _get(session, evidence_id)
    readable_submission(session, actor, ev.submission_id)
    path = _path_of(ev)
    if not path.exists():
        raise NotFound(f"Berkas '{ev.filename}' tidak ada di penyimpanan. Hubungi administrator.")
    return ev.filename, ev.content_type, path.read_bytes()


def delete_evidence(session: Session, actor, evidence_id: int) -> None:
    """Remove a file while the unit's data is still editable; the stored file goes when unreferenced."""
    ev = _get(session, evidence_id)
    editable_submission(session, actor, ev.submission_id, action="evidence.upload")
    before = audit.snapshot(ev)
    path = _path_of(ev)
    others = session.scalar(select(Evidence.id).where(Evidence.stored_path == ev.stored_path,
                                                      Evidence.id != ev.id))
    session.delete(ev)
    session.flush()
    audit.record(session, actor, "evidence.delete", "evidence", evidence_id, before=before, after=None,
                 office_id=actor.office_id)
    if others is None:
        # the file goes only once the deletion is committed: a rollback leaves row and file as they were
        session.info.setdefault(_REMOVE_AFTER_COMMIT, []).append(path)


_REMOVE_AFTER_COMMIT = "kinerja_evidence_files_to_remove"


@event.listens_for(Session, "after_commit")
def _remove_deleted_files(session: Session) -> None:
    for path in session.info.pop(_REMOVE_AFTER_COMMIT, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files_of_rolled_back_deletions(session: Session, _previous_transaction) -> None:
    session.info.pop(_REMOVE_AFTER_COMMIT, None)
