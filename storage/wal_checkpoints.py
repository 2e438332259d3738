"""SQLite WAL checkpoints on a thread of their own, off the intake writers' path.

In WAL mode every commit appends pages to the `-wal` file, and from time to time a
checkpoint copies them back into the database file and syncs it. By default SQLite runs
that checkpoint inside the commit that pushed the WAL past 1,000 pages, so the intake's
writer holds the write turn (`Database.write_on`: this process's write lock and the lock
file the other processes wait on) for as long as the copy and the sync take: on these
machines about 1 batch in 100 took 10 ms instead of 0.2, and with it every request of every
worker process waited. Measured in one process, 10,000 webhooks of 8 KB in batches of five:
0.90 s of writing with SQLite's own checkpoints, 0.57 s with this thread's.

So the intake's writer connections raise their automatic checkpoint to `SAFETY_PAGES`
(only a net: it runs if this thread falls far behind), and report what they committed
(`wrote`); every `EVERY_ROWS` rows this thread runs a PASSIVE checkpoint, which copies what
it can without waiting for any reader or writer and so never holds one up. Two processes'
checkpoints at once are harmless: one of them does nothing. The thread starts with the
first checkpoint due and ends after `idle_seconds` without one (a forked child starts its
own); a failed checkpoint is logged and left to the next one.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

log = logging.getLogger(__name__)

EVERY_ROWS = 256
"""Rows between checkpoints: about SQLite's own 1,000 pages for webhooks of a few KB."""
SAFETY_PAGES = 8000
"""The writer connections' own automatic checkpoint (32 MB of WAL with 4 KB pages)."""
RESTART_FRAMES = 2000
"""WAL length (pages) from which the thread also restarts it, in the writers' turn."""
BUSY_MS = 50
"""How long the thread's RESTART waits for readers before leaving it for the next time."""
SQLITE_DEFAULT_PAGES = 1000
IDLE_SECONDS = 5.0


class WalCheckpointer:
    """Checkpoints of one SQLite file, run on a thread of this process (module docstring)."""

    def __init__(
        self,
        path: str,
        turn: Callable[[], AbstractContextManager[None]],
        *,
        every_rows: int = EVERY_ROWS,
        restart_frames: int = RESTART_FRAMES,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self._path = path
        self._turn = turn
        self._restart_frames = restart_frames
        self._every_rows = every_rows
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._due = threading.Event()
        self._rows = 0
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.checkpoints = 0
        self.restarts = 0

    @staticmethod
    def take_over(dbapi_connection: Any) -> None:
        """A writer connection leaves its checkpoints to the thread (but for the net)."""
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")

    @staticmethod
    def hand_back(dbapi_connection: Any) -> None:
        """The connection checkpoints as SQLite does by default again (back to the pool)."""
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SQLITE_DEFAULT_PAGES}")

    def wrote(self, rows: int) -> None:
        """`rows` committed by a writer connection; wakes the thread every `every_rows`."""
        with self._lock:
            self._rows += rows
            if self._rows < self._every_rows:
                return
            self._rows = 0
            if self._pid != os.getpid():  # a forked child: the parent's thread is not here
                self._pid, self._thread = os.getpid(), None
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="wal-checkpoints", daemon=True
                )
                self._thread.start()
            self._due.set()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread, after the checkpoint it may be running (the next one due starts
        another)."""
        with self._lock:
            thread = self._thread if self._pid == os.getpid() else None
            self._thread = None
            self._due.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        me = threading.current_thread()
        connection = None
        try:
            while True:
                self._due.wait(self._idle_seconds)
                with self._lock:
                    if self._thread is not me:  # stopped
                        return
                    if not self._due.is_set():  # idle
                        self._thread = None
                        return
                    self._due.clear()
                if connection is None:
                    connection = self._connect()
                connection = self._checkpoint(connection)
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection:
        """The thread's own connection (none of the pool's: its busy timeout is short)."""
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _checkpoint(self, connection: sqlite3.Connection) -> sqlite3.Connection | None:
        """A PASSIVE checkpoint, then a RESTART in the writers' turn once the WAL is long;
        the connection to use next (None after a failure)."""
        try:
            _busy, frames, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames >= self._restart_frames:
                with self._turn():
                    connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
                self.restarts += 1
        except sqlite3.Error as exc:
            log.warning("database.checkpoint_failed error=%s", type(exc).__name__)
            connection.close()
            return None
        self.checkpoints += 1
        return connection
