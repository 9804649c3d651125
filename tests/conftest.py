"""Fixtures that build a real, migrated database with the demo office, on SQLite and on PostgreSQL.

A template database is migrated and seeded once per test session and per backend; each test gets
a fresh copy (a file copy for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# AppTest runs app.py in this process, where each test's database is dropped after it: no thread may
# recompute Beranda in the background against it (tests/test_office_cache.py turns it on where wanted;
# the browser tests' servers run with it, as users' servers do).
os.environ["KINERJA_WARM_CACHES"] = "0"
# A report build (Susun draf, Terapkan koreksi, Dokumentasikan) runs on a thread of its own; the page waits
# this long for it before it shows a progress bar. AppTest waits for it to the end (the demo's build is a
# second); tests/test_jobs.py and the browser tests' servers take the progress bar's path.
os.environ.setdefault("KINERJA_FOREGROUND_SECONDS", "120")
os.environ.setdefault("KINERJA_LOGIN_DELAY_SECONDS", "0")  # the growing pause after failed logins (tested apart)
from sqlalchemy.engine import make_url

from core.config import get_settings
from core.uow import unit_of_work
from db.engine import dispose_all

PG_URL = os.environ.get("KINERJA_TEST_PG_URL", "")
# The demo's "today": TW III 2026 is the quarter to collect, TW I–II 2026 and 2025 are history.
TODAY = dt.date(2026, 10, 5)
_counter = itertools.count()


def pytest_xdist_make_scheduler(config, log):
    """./test.sh runs two pytest-xdist workers with `--dist loadgroup`, grouped here: every module is one group,
    so its fixtures (a browser test's server and demo) stay on one worker, and the browser tests are one group
    together. They run one after another on one worker (each is a server and a Chromium; two at once overload
    two cores), while the other worker takes the rest, module by module. Measured serially, the two halves
    are about equal (15.5 and 13.7 minutes). (pytest-xdist's own `xdist_group` marks rename the test ids, which
    pytest 9 no longer lets a plugin do; the grouping is therefore the scheduler's.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "tests/e2e" if module.startswith("tests/e2e/") else module

    return BrowserTestsTogether(config, log)


def pytest_configure(config):
    if os.environ.get("CI") == "true" and not PG_URL:
        raise pytest.UsageError("CI must set KINERJA_TEST_PG_URL: PostgreSQL tests may not be skipped in CI.")


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


# The demo's evidence files of each template, copied beside every database made from it.
_TEMPLATE_FILES: dict[str, Path] = {}


def _seed(url: str, data_dir: Path) -> None:
    """Migrate and seed `url`; the files the seed stores (evidence) go under `data_dir`."""
    from db.migrate import upgrade
    from db.seed import seed_demo

    saved = os.environ.get("KINERJA_DATA_DIR")
    os.environ["KINERJA_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    try:
        upgrade(url)
        with unit_of_work(url) as session:
            seed_demo(session, today=TODAY)
    finally:
        if saved is None:
            os.environ.pop("KINERJA_DATA_DIR", None)
        else:
            os.environ["KINERJA_DATA_DIR"] = saved
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    url = f"sqlite:///{path}"
    _seed(url, path.parent)
    _TEMPLATE_FILES["sqlite"] = path.parent / "uploads"
    dispose_all()
    return path


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    if not PG_URL:
        pytest.skip("KINERJA_TEST_PG_URL tidak disetel: tes PostgreSQL dilewati (hanya di luar CI).")
    name = f"kinerja_tpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    files = tmp_path_factory.mktemp("tpl-pg")
    _seed(url, files)
    _TEMPLATE_FILES["postgresql"] = files / "uploads"
    dispose_all()
    yield name
    dispose_all()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_url(request, backend: str, tmp_path: Path) -> str:
    url = _fresh_database(request, backend, tmp_path)
    uploads = _TEMPLATE_FILES.get(backend)
    if uploads is not None and uploads.exists():  # the test's KINERJA_DATA_DIR is tmp_path
        shutil.copytree(uploads, tmp_path / "uploads", dirs_exist_ok=True)
    return url


def _fresh_database(request, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "kinerja.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    template = request.getfixturevalue("pg_template")
    name = f"kinerja_t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    request.addfinalizer(lambda: _drop_pg(name))
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg(name: str) -> None:
    dispose_all()
    admin = create_engine(_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _configure(monkeypatch, tmp_path: Path, url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KINERJA_AUTO_SEED", "0")
    get_settings.cache_clear()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch) -> str:
    """A fresh demo database on each backend; DATABASE_URL points at it for the test."""
    url = _fresh_url(request, request.param, tmp_path)
    yield _configure(monkeypatch, tmp_path, url)
    dispose_all()
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(request, tmp_path, monkeypatch) -> str:
    """A fresh demo database on SQLite only (page tests)."""
    url = _fresh_url(request, "sqlite", tmp_path)
    yield _configure(monkeypatch, tmp_path, url)
    dispose_all()
    get_settings.cache_clear()


@pytest.fixture
def session(db_url):
    """A session on the test database; the test commits what it wants kept."""
    from db.engine import session_factory

    s = session_factory(db_url)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def actors(db_url):
    """Actor of every demo user by username."""
    from sqlalchemy import select

    from core.auth import actor_from_user
    from db.models import User

    with unit_of_work(db_url) as s:
        return {u.username: actor_from_user(s, u) for u in s.scalars(select(User))}
