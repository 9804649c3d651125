"""Configuration in one place: environment variables, then `.streamlit/secrets.toml`, then defaults."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COOKIE_KEY = "kinerja-dev-cookie-key-change-me"
KEY_FILE = "installation.key"
MIN_BACKUP_KEY_LENGTH = 16


def _secrets() -> dict:
    path = ROOT / ".streamlit" / "secrets.toml"
    if path.exists():
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return {}
    return {}


def _get(name: str, default: str) -> str:
    if name in os.environ:
        return os.environ[name]
    value = _secrets().get(name)
    return str(value) if value is not None else default


@dataclass(frozen=True)
class Settings:
    database_url: str
    env: str
    cookie_key: str
    cookie_name: str
    cookie_expiry_days: float
    upload_dir: Path
    archive_dir: Path
    backup_dir: Path
    max_upload_mb: int
    auto_seed: bool
    place: str
    max_failed_logins: int
    lockout_minutes: int
    min_password_length: int
    session_idle_minutes: int
    timezone: str  # IANA name of the office's time zone: stored UTC times are shown in it
    warm_caches: bool  # recompute an office's Beranda on a background thread right after each change
    foreground_seconds: float = 1.0  # a report build the page waits for before it shows a progress bar (core.jobs)
    plausibility_factor: Decimal = Decimal(10)  # a value more than F x (or under 1/F of) its reference is flagged
    cookie_secure: bool = False  # send the session cookie over HTTPS only (the default in production)
    max_failed_logins_client: int = 10  # failed logins from one client address (any account) before it must wait
    max_failed_logins_account: int = 20  # failed logins on one account from all clients before it must wait
    login_delay_seconds: float = 1.0  # base of the growing pause after the third failed login of a client
    backup_key_env: str = ""  # KINERJA_BACKUP_KEY; empty: the key file below
    backup_key_file: Path = Path("data") / KEY_FILE  # the installation's own key, made once when first needed

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @cached_property
    def backup_key(self) -> bytes:
        """The installation's secret that signs its backups (KINERJA_BACKUP_KEY, else the key file)."""
        if self.backup_key_env:
            return self.backup_key_env.encode("utf-8")
        return installation_key(self.backup_key_file)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(_get("KINERJA_DATA_DIR", str(ROOT / "data")))
    return Settings(
        database_url=_get("DATABASE_URL", f"sqlite:///{data_dir / 'kinerja.db'}"),
        env=_get("KINERJA_ENV", "development").strip().lower() or "development",
        cookie_key=_get("KINERJA_COOKIE_KEY", DEFAULT_COOKIE_KEY),
        cookie_name=_get("KINERJA_COOKIE_NAME", "kinerja_auth"),
        cookie_expiry_days=float(_get("KINERJA_COOKIE_EXPIRY_DAYS", "0.5")),
        upload_dir=Path(_get("KINERJA_UPLOAD_DIR", str(data_dir / "uploads"))),
        archive_dir=Path(_get("KINERJA_ARCHIVE_DIR", str(data_dir / "archive"))),
        backup_dir=Path(_get("KINERJA_BACKUP_DIR", str(data_dir / "backups"))),
        max_upload_mb=int(_get("KINERJA_MAX_UPLOAD_MB", "10")),
        auto_seed=_flag(_get("KINERJA_AUTO_SEED", "1")),
        place=_get("KINERJA_PLACE", "Putussibau"),
        max_failed_logins=int(_get("KINERJA_MAX_FAILED_LOGINS", "5")),
        lockout_minutes=int(_get("KINERJA_LOCKOUT_MINUTES", "15")),
        min_password_length=int(_get("KINERJA_MIN_PASSWORD_LENGTH", "8")),
        session_idle_minutes=int(_get("KINERJA_SESSION_IDLE_MINUTES", "60")),
        timezone=_get("KINERJA_TIMEZONE", "Asia/Pontianak"),  # Kalimantan Barat: WIB, UTC+7
        warm_caches=_flag(_get("KINERJA_WARM_CACHES", "1")),
        foreground_seconds=float(_get("KINERJA_FOREGROUND_SECONDS", "1")),
        plausibility_factor=_factor(_get("KINERJA_PLAUSIBILITY_FACTOR", "10")),
        cookie_secure=_flag(_get("KINERJA_COOKIE_SECURE", "1" if _is_production_env() else "0")),
        max_failed_logins_client=int(_get("KINERJA_MAX_FAILED_LOGINS_CLIENT", "10")),
        max_failed_logins_account=int(_get("KINERJA_MAX_FAILED_LOGINS_ACCOUNT", "20")),
        login_delay_seconds=float(_get("KINERJA_LOGIN_DELAY_SECONDS", "1")),
        backup_key_env=_backup_key_env(_get("KINERJA_BACKUP_KEY", "")),
        backup_key_file=data_dir / KEY_FILE,
    )


def _flag(raw: str) -> bool:
    return raw.strip().lower() not in ("0", "false", "no", "tidak", "")


def _is_production_env() -> bool:
    return _get("KINERJA_ENV", "development").strip().lower() == "production"


def _backup_key_env(raw: str) -> str:
    key = raw.strip()
    if key and len(key) < MIN_BACKUP_KEY_LENGTH:
        raise RuntimeError(
            f"KINERJA_BACKUP_KEY terlalu pendek: gunakan nilai acak yang rahasia, minimal "
            f"{MIN_BACKUP_KEY_LENGTH} karakter (atau kosongkan agar Kinerja membuat kuncinya sendiri)."
        )
    return key


def installation_key(path: Path) -> bytes:
    """The key in `path`; made once (random, mode 0600) when the file does not exist yet.

    The new key is written to a temporary file and linked into place, so two processes starting at the
    same time end up with the same key and a reader never sees a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            except OSError:  # a file system without hard links
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_BACKUP_KEY_LENGTH:
        raise RuntimeError(f"Berkas kunci instalasi {path} kosong atau rusak; pulihkan dari salinannya "
                           "atau setel KINERJA_BACKUP_KEY.")
    return key.encode("utf-8")


def _factor(raw: str) -> Decimal:
    """The plausibility factor F: a number above 1 (F = 1 would flag every value that is not exactly on target)."""
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 1:
        raise RuntimeError(f"KINERJA_PLAUSIBILITY_FACTOR harus berupa angka lebih dari 1 (misalnya 10), bukan '{raw}'.")
    return value


MIN_COOKIE_KEY_LENGTH = 32


def check_production_safety(settings: Settings) -> None:
    """Refuse to run in production with the development cookie key or a short one.

    The database half of the guard (no active account may keep the demo password) is
    core.auth.demo_password_accounts, checked by app.py once per server process."""
    if not settings.is_production:
        return
    if settings.cookie_key in ("", DEFAULT_COOKIE_KEY):
        raise RuntimeError(
            "KINERJA_ENV=production tetapi KINERJA_COOKIE_KEY masih kunci bawaan. "
            "Setel KINERJA_COOKIE_KEY ke nilai acak yang rahasia sebelum menjalankan aplikasi."
        )
    if len(settings.cookie_key) < MIN_COOKIE_KEY_LENGTH:
        raise RuntimeError(
            f"KINERJA_COOKIE_KEY terlalu pendek ({len(settings.cookie_key)} karakter). Pada produksi kunci harus "
            f"paling sedikit {MIN_COOKIE_KEY_LENGTH} karakter acak, misalnya keluaran "
            "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`."
        )
