"""Committed changes announced to the other app processes on PostgreSQL (LISTEN/NOTIFY).

A regency-wide deployment runs several `streamlit run` processes on one PostgreSQL database (see
docs/deployment.md). Every page cache is keyed on the office's data version read from the database, so no
process can show stale figures; what a process cannot know by itself is *when* to make an office's Beranda
again in advance (pages/parts/caches.py, the warmer), because the save happened in another process.

- `announce(session)`: called by core.audit before a transaction that wrote audit rows commits; on
  PostgreSQL it runs `pg_notify('kinerja_changes', …)` in that same transaction, so a rolled-back save
  announces nothing (PostgreSQL delivers a notification only when its transaction commits). SQLite: nothing
  (one process).
- `Listener`: one daemon thread per process on a dedicated autocommit connection (psycopg 3), `LISTEN
  kinerja_changes`, handing the office ids of the other processes' changes to a callback (the same one
  core.audit.on_change calls for this process's own changes). A dropped connection (server restart,
  pg_terminate_backend) is reconnected with a growing pause; after a reconnect `on_reconnect` is called,
  since notifications sent while disconnected are lost (and when a change names too many offices for one
  notification).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Optional

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

CHANNEL = "kinerja_changes"
# Who announced: a process ignores its own notifications (its local listeners already ran).
PROCESS_TOKEN = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
_log = logging.getLogger(__name__)

Offices = frozenset[Optional[int]]


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


MAX_PAYLOAD = 7900  # PostgreSQL refuses a notification of 8,000 bytes or more (and with it the commit)


def payload(offices: Iterable[Optional[int]], token: str = PROCESS_TOKEN) -> str:
    """The notification's text: this process's token and the offices (null: a change of no office). Too
    many offices for one notification (a regency-wide import): "*", every office."""
    ids = sorted(offices, key=lambda o: (o is not None, o or 0))
    text_ = json.dumps({"p": token, "o": ids}, separators=(",", ":"))
    if len(text_.encode()) > MAX_PAYLOAD:
        return json.dumps({"p": token, "o": "*"}, separators=(",", ":"))
    return text_


def parse(raw: str) -> tuple[str, Optional[Offices]]:
    """(token, offices); offices None: every office (see payload)."""
    data = json.loads(raw)
    offices = data.get("o", [])
    if offices == "*":
        return str(data.get("p", "")), None
    return str(data.get("p", "")), frozenset(None if o is None else int(o) for o in offices)


def announce(session: Session, offices: Iterable[Optional[int]]) -> None:
    """NOTIFY the other processes of `offices` in the session's transaction (PostgreSQL only)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload(offices)})


def conninfo(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as a libpq connection string for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """LISTEN on `channel` in a thread of its own; `callback(offices)` for each other process's change.

    The callback runs on the listener's thread, so it must return at once (hand the work on, as the
    warmer's Coalescer does). `backoff`: the first and the longest pause between reconnection attempts."""

    def __init__(self, url: str, callback: Callable[[Offices], None],
                 on_reconnect: Optional[Callable[[], None]] = None, channel: str = CHANNEL,
                 token: str = PROCESS_TOKEN, backoff: tuple[float, float] = (0.5, 30.0),
                 poll_seconds: float = 1.0) -> None:
        self._conninfo = conninfo(url)
        self._callback = callback
        self._on_reconnect = on_reconnect
        self._channel = channel
        self._token = token
        self._backoff = backoff
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.listening = threading.Event()  # set while LISTEN is active on a live connection
        self.connections = 0  # successful (re)connections, for tests
        self.received = 0  # notifications handed to the callback
        self.backend_pid: Optional[int] = None

    def start(self) -> Listener:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="kinerja-change-listener", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait_listening(self, timeout: float = 10.0) -> bool:
        return self.listening.wait(timeout)

    def _run(self) -> None:
        pause = self._backoff[0]
        while not self._stop.is_set():
            try:
                self._listen()
                pause = self._backoff[0]  # a clean return: stopping
            except Exception as err:  # noqa: BLE001 - any failure: log, wait, reconnect
                self.listening.clear()
                if self._stop.is_set():
                    return
                _log.warning("change listener: %s; reconnecting in %.1f s", err, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, self._backoff[1])

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self.backend_pid = conn.info.backend_pid
            self.connections += 1
            self.listening.set()
            if self.connections > 1 and self._on_reconnect is not None:
                self._safe(self._on_reconnect)
            while not self._stop.is_set():
                for note in conn.notifies(timeout=self._poll):
                    self._handle(note.payload)
                conn.execute("SELECT 1")  # notices a dropped connection between notifications
        self.listening.clear()

    def _handle(self, raw: str) -> None:
        try:
            token, offices = parse(raw)
        except (ValueError, TypeError, AttributeError):
            _log.warning("change listener: unknown payload %r", raw[:200])
            return
        if token == self._token:
            return  # this process's own change: core.audit's local listeners already had it
        self.received += 1
        if offices is None:  # too many offices to name: as after a reconnect, everything kept warm again
            if self._on_reconnect is not None:
                self._safe(self._on_reconnect)
            return
        self._safe(lambda: self._callback(offices))

    @staticmethod
    def _safe(fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception:  # noqa: BLE001 - a callback's failure must not end the listener
            _log.exception("change listener callback failed")
