"""Two `streamlit run` processes on one PostgreSQL database behind nginx (docs/deployment.md).

The database is a throw-away copy of the demo with TW III 2026 at Isi Data. Two app processes serve it; nginx
runs deploy/nginx/kinerja.conf itself (ports, certificate and paths replaced for the test: a self-signed
certificate, free ports). Browser A is kept on process 1 and browser B on process 2 by the proxy's sticky
cookie (each response names the process that answered). B opens Isi Data first (process 2 computes and
caches the grid), A saves a realisation through process 1, B opens the page again and sees the new figure;
the database holds it. Without nginx (not installed) the browsers go to the two processes directly and the
proxy test skips, saying why (in CI nginx is installed by .ci/run and nothing skips).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tests.e2e.conftest import ROOT, _die_with_parent, _free_port, login, need_chromium
from tests.e2e.test_full_round import edit_grid, go, grid_cell, indicator_grid, save_grid, settle

pytestmark = pytest.mark.e2e

PG_URL = os.environ.get("KINERJA_TEST_PG_URL", "")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CONF = ROOT / "deploy" / "nginx" / "kinerja.conf"
NEW_VALUE = "9"


def _admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, context: ssl.SSLContext | None = None) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{url} berhenti:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2, context=context) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} tidak siap dalam 90 detik:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def nginx_config(work: Path, ports: tuple[int, int], https_port: int, http_port: int) -> Path:
    """deploy/nginx/kinerja.conf with the test's ports, certificate and paths, inside a minimal nginx.conf."""
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    site = CONF.read_text()
    for old, new in (("server 127.0.0.1:8601", f"server 127.0.0.1:{ports[0]}"),
                     ("server 127.0.0.1:8602", f"server 127.0.0.1:{ports[1]}"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("listen [::]:80;", ""),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("listen [::]:443 ssl http2;", ""),
                     ("/etc/ssl/kinerja/fullchain.pem", str(cert)), ("/etc/ssl/kinerja/privkey.pem", str(key))):
        assert old in site, f"deploy/nginx/kinerja.conf berubah: {old!r} tidak ada"
        site = site.replace(old, new)
    (work / "kinerja.conf").write_text(site)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / d).mkdir(exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {work}/access.log;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/kinerja.conf;
}}
""")
    return conf


def _unverified() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
    return ctx


def _node_of(url: str, cookie: str) -> str:
    """Which process the proxy sends a browser with this sticky cookie to (nginx's X-Kinerja-Node)."""
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": f"kinerja_node={cookie}"})
    with urllib.request.urlopen(req, timeout=5, context=_unverified()) as r:
        return r.headers["X-Kinerja-Node"]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Demo database on PostgreSQL, two app processes, nginx in front when installed."""
    if not PG_URL:
        pytest.skip("KINERJA_TEST_PG_URL tidak disetel: uji dua proses memerlukan PostgreSQL (hanya di luar CI).")
    need_chromium()
    name = f"kinerja_two_{uuid.uuid4().hex[:8]}"
    admin = _admin(PG_URL)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    work = tmp_path_factory.mktemp("two-processes")
    env = dict(os.environ, DATABASE_URL=url, KINERJA_DATA_DIR=str(work / "data"), KINERJA_AUTO_SEED="0",
               KINERJA_WARM_CACHES="1", STREAMLIT_SERVER_COOKIE_SECRET="uji-rahasia-bersama-" + name)
    procs: list[subprocess.Popen] = []
    logs: list[Path] = []
    try:
        subprocess.run([sys.executable, "-m", "db.seed", "--demo"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-c", _OPEN_ROUND, url], cwd=ROOT, env=env, check=True)
        ports = (_free_port(), _free_port())
        for i, port in enumerate(ports, start=1):
            log = work / f"streamlit-{i}.log"
            logs.append(log)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, preexec_fn=_die_with_parent))
        for port, proc, log in zip(ports, procs, logs):
            _wait_healthy(f"http://127.0.0.1:{port}", proc, log)
        proxy = None
        if NGINX:
            https_port, http_port = _free_port(), _free_port()
            conf = nginx_config(work, ports, https_port, http_port)
            nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(work), "-e", str(work / "error.log"),
                                      "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
            procs.append(nginx)
            proxy = f"https://127.0.0.1:{https_port}"
            _wait_healthy(proxy, nginx, work / "error.log", _unverified())
        yield {"url": url, "ports": ports, "proxy": proxy, "work": work,
               "http": f"http://127.0.0.1:{http_port}" if proxy else None, "logs": logs}
    finally:
        for proc in reversed(procs):
            _stop(proc)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    for log in logs:  # the warmer of either process must not have failed on the other's notifications
        served = log.read_text()
        assert "kinerja-beranda-warm: work for" not in served and "change listener callback failed" not in served, \
            served[-4000:]


# TW III 2026 at Isi Data with every unit's data in draft (tests/factories.py), deadline two weeks ahead.
_OPEN_ROUND = """
import datetime as dt, sys
from core import clock
from core.uow import unit_of_work
from tests import factories
with unit_of_work(sys.argv[1]) as s:
    factories.make_round(s, at="isi_data", state="draf", deadline=clock.today() + dt.timedelta(days=14))
"""


def _browser_on(browser, deployment, process: int):
    """A browser kept on app process `process` (1 or 2): by the proxy's sticky cookie, else directly."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="id-ID", ignore_https_errors=True)
    ctx.set_default_timeout(30_000)
    port = deployment["ports"][process - 1]
    if deployment["proxy"] is None:
        return ctx, f"http://127.0.0.1:{port}", []
    cookie = next(f"uji-{i}" for i in range(200)
                  if _node_of(deployment["proxy"], f"uji-{i}") == f"127.0.0.1:{port}")
    ctx.add_cookies([{"name": "kinerja_node", "value": cookie, "url": deployment["proxy"]}])
    nodes: list[str] = []
    ctx.on("response", lambda r: nodes.append(r.headers.get("x-kinerja-node", "")))
    return ctx, deployment["proxy"], nodes


def _iku01(url: str) -> Decimal | None:
    from core.uow import unit_of_work
    from db.models import CollectionRound, Indicator, Realization, Submission

    with unit_of_work(url) as s:
        return s.scalar(select(Realization.value).join(Submission).join(CollectionRound)
                        .join(Indicator, Indicator.id == Realization.indicator_id)
                        .where(CollectionRound.year == 2026, CollectionRound.quarter == 3,
                               Indicator.code == "IKU-01"))


def test_a_save_through_one_process_is_seen_through_the_other(browser, deployment):
    ctx_a, url_a, nodes_a = _browser_on(browser, deployment, 1)
    ctx_b, url_b, nodes_b = _browser_on(browser, deployment, 2)
    try:
        a, b = ctx_a.new_page(), ctx_b.new_page()
        login(b, url_b, "kabid_lattas")
        go(b, "Isi Data Kinerja")
        grid_b = indicator_grid(b)
        before = grid_cell(grid_b, 0, 5)  # process 2 has computed (and cached) the grid as it was
        assert before and before != NEW_VALUE

        login(a, url_a, "kabid_lattas")
        go(a, "Isi Data Kinerja")
        grid_a = indicator_grid(a)
        assert grid_cell(grid_a, 0, 5) == before
        edit_grid(a, grid_a, [(0, 5, NEW_VALUE)])
        save_grid(a, "Simpan draf", "Draf disimpan (1 indikator diperbarui).", "simpan melalui proses 1")
        assert _iku01(deployment["url"]) == Decimal(NEW_VALUE)

        go(b, "Beranda")  # B comes back to the page on process 2: the new figure, not its cached grid
        go(b, "Isi Data Kinerja")
        settle(b)
        assert grid_cell(indicator_grid(b), 0, 5) == NEW_VALUE, "proses 2 menampilkan angka lama"

        if deployment["proxy"] is not None:  # every answer came from the browser's own process
            port_a, port_b = (f"127.0.0.1:{p}" for p in deployment["ports"])
            assert {n for n in nodes_a if n} == {port_a}, nodes_a[:20]
            assert {n for n in nodes_b if n} == {port_b}, nodes_b[:20]
    finally:
        ctx_a.close()
        ctx_b.close()


def test_the_proxy_redirects_to_https_and_keeps_a_browser_on_one_process(deployment):
    if deployment["proxy"] is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx tidak terpasang: .ci/run harus memasangnya.")
        pytest.skip("nginx tidak terpasang (apt-get install nginx): uji proksi dilewati, "
                    "kedua proses diuji langsung.")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(deployment["http"] + "/Beranda", timeout=5)
    assert err.value.code == 301 and err.value.headers["Location"].startswith("https://")

    # the first answer hands out the sticky cookie; with it, every request goes to the same process
    with urllib.request.urlopen(deployment["proxy"] + "/", timeout=5, context=_unverified()) as r:
        cookie = r.headers["Set-Cookie"]
        assert r.headers["Strict-Transport-Security"]
    assert cookie.startswith("kinerja_node=") and "Secure" in cookie
    key = cookie.split(";", 1)[0].split("=", 1)[1]
    assert len({_node_of(deployment["proxy"], key) for _ in range(10)}) == 1
    # two processes really serve: some keys land on each
    assert {_node_of(deployment["proxy"], f"k{i}") for i in range(40)} == \
        {f"127.0.0.1:{p}" for p in deployment["ports"]}
