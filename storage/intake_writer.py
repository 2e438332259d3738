"""Group commit for the intake: concurrent new events share one transaction.

A webhook's request must not be answered before its event is durable, and on these
machines a commit costs far more than an INSERT (SQLite's write lock, PostgreSQL's WAL
flush). `IntakeWriter.record` hands the new event to the process's writer thread and waits;
the writer, woken by the first event, lingers `linger_seconds` (1 ms) for the requests in
flight to join, takes every event queued by then (at most `max_rows`), inserts them in ONE
transaction (a multi-row INSERT compiled once per batch size, `storage.batch_insert`; on
MySQL/MariaDB a statement per row), commits, and only then answers each waiting request
with its own row's id. While it commits, the next requests queue up: the busier the
intake, the larger the batches. Measured on 2 cores (README, Benchmarks): without the
linger the batches held 1-3 rows and the intake ran at a third of a bare HMAC endpoint;
with it, 4-6 rows. 1 ms did as well as 2 or 3 in `make bench`, with less latency. (Waiting
only as long as requests already in the intake were on their way made smaller batches and
cost more CPU per event than it saved in waiting.)

One writer thread per process (`writers`). SQLite takes one writer at a time anyway, and
the processes' writers take turns on a lock file beside the database (`Database.write_on`)
instead of in SQLite's busy handler, which sleeps 1, 2, 5, 10 ms and more between tries. A
server database could commit several batches at once, but on these machines two writers
per process made smaller batches and cost PostgreSQL a fifth more CPU per event for the
same throughput; a server whose commits wait long for its disk may want two.

Each INSERT skips a duplicate delivery key instead of failing (PostgreSQL and SQLite
`ON CONFLICT DO NOTHING`, MySQL/MariaDB `ON DUPLICATE KEY UPDATE id = id`); a skipped row
is answered with the stored event's id and status, read in the same transaction.

Failures. When the batch's transaction fails, each of its events is written again in a
transaction of its own, so one bad row fails only its own request. A database that cannot
be reached raises `StorageUnavailable` in each waiting request (the web layer answers 503).
No row is answered before its commit, so a failure never loses an accepted event.

Lifecycle. The threads start with the first events and end after `idle_seconds` without
one (a forked child starts its own). `close()` (at shutdown, once no request is in flight)
lets them commit what is queued and stops them; an event recorded after that is written by
the caller's own thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from storage import models
from storage.batch_insert import BatchInsert
from storage.db import Database, JSONText
from storage.domain import NewIntegration, Status, StorageUnavailable
from storage.integrations import new_log_values
from storage.types import utcnow

log = logging.getLogger(__name__)

Log = models.IntegrationLog

MAX_ROWS = 64
LINGER_SECONDS = 0.001
IDLE_SECONDS = 5.0
RETURNED = (Log.id, Log.source_service, Log.delivery_key)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the intake answers with: the event's id and status, and whether it is new
    (`created=False`: its delivery key was already stored, this is that event)."""

    id: int
    status: Status
    created: bool


class _Waiting:
    __slots__ = ("done", "error", "new", "result")

    def __init__(self, new: NewIntegration) -> None:
        self.new = new
        # held until the writer answers: a bare lock is the cheapest wake-up there is (an
        # Event is a Condition, which allocates a lock per wait and runs in Python)
        self.done = threading.Lock()
        self.done.acquire()
        self.result: Recorded | None = None
        self.error: BaseException | None = None


def _insert_statement(dialect: str) -> Insert:
    """Rows that skip (not fail on) a delivery key that is already stored; on PostgreSQL and
    SQLite one statement inserts a whole batch and returns the keys it inserted."""
    if dialect == "postgresql":
        return postgresql.insert(Log).on_conflict_do_nothing().returning(*RETURNED)
    if dialect == "sqlite":
        return sqlite.insert(Log).on_conflict_do_nothing().returning(*RETURNED)
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(Log).on_duplicate_key_update(id=Log.id)
    raise ValueError(f"no intake statement for {dialect}")


def _row(new: NewIntegration, now: datetime) -> dict[str, Any]:
    """The row's values; a body kept as it came (`payload_json`) is stored without a second
    serialisation. `now`: the batch's time, one for all its rows."""
    values = new_log_values(new, now)
    if new.payload_json is not None:
        values["payload"] = JSONText(new.payload_json)
    return values


class _OwnConnection:
    """A writer thread's connection, opened when first needed, kept between batches."""

    def __init__(self, db: Database, *, autocommit: bool = False) -> None:
        self._db = db
        self._autocommit = autocommit
        self._connection: Connection | None = None

    def get(self) -> Connection:
        if self._connection is None:
            self._connection = self._db.connect_writer(autocommit=self._autocommit)
        return self._connection

    def drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


@dataclass(frozen=True, slots=True)
class _Own:
    """A writer thread's two connections: for batches that need a transaction, and for
    batches that are one statement (autocommit)."""

    transactions: _OwnConnection
    statements: _OwnConnection


class IntakeWriter:
    """Durable, de-duplicated inserts of new events, group-committed (module docstring)."""

    def __init__(
        self,
        db: Database,
        *,
        max_rows: int = MAX_ROWS,
        linger_seconds: float = LINGER_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
        writers: int = 1,
    ) -> None:
        self._db = db
        # SQLite has one writer at a time anyway; a server commits several batches at once
        self._writers = writers
        self._linger_seconds = linger_seconds
        self._max_rows = max_rows
        self._idle_seconds = idle_seconds
        self._statement = _insert_statement(db.dialect)
        self._batch = BatchInsert(db.engine.dialect, lambda: _insert_statement(db.dialect))
        self._plain = insert(Log).returning(Log.id, sort_by_parameter_order=True)
        self._plain_batch = BatchInsert(db.engine.dialect, lambda: insert(Log).returning(Log.id))
        self._returning = db.dialect in ("postgresql", "sqlite")
        self._queue: deque[_Waiting] = deque()
        self._ready = threading.Condition()
        self._threads: set[threading.Thread] = set()
        self._pid = os.getpid()
        self._closed = False
        self._asleep = 0  # writers waiting for events (under `_ready`)
        self.batches = 0
        self.rows = 0

    # The request's side -------------------------------------------------------------------

    def record(self, new: NewIntegration) -> Recorded:
        """Store `new` durably (or find the event its delivery key names); raises
        `StorageUnavailable` when the database cannot be reached."""
        waiting = _Waiting(new)
        with self._ready:
            if self._closed:
                inline = True
            else:
                inline = False
                self._queue.append(waiting)
                self._ensure_thread()
                if self._asleep:  # else the writer looks at the queue before it sleeps
                    self._ready.notify()
        if inline:
            self._commit([waiting])
        else:
            waiting.done.acquire()
        if waiting.error is not None:
            raise waiting.error
        assert waiting.result is not None
        return waiting.result

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued and stop the threads; later events are written inline."""
        with self._ready:
            self._closed = True
            threads = list(self._threads)
            self._ready.notify_all()
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def running(self) -> bool:
        """Whether a writer thread is running now (they stop when idle, and at `close`)."""
        return any(thread.is_alive() for thread in list(self._threads))

    def _ensure_thread(self) -> None:
        """Under `_ready`: a writer thread per `writers` (started with the first events)."""
        if self._pid != os.getpid():  # a forked child: the parent's threads are not here
            self._pid, self._threads, self._asleep = os.getpid(), set(), 0
        if len(self._threads) < self._writers:
            thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
            self._threads.add(thread)
            thread.start()

    # The writer's side --------------------------------------------------------------------

    def _run(self) -> None:
        own = _Own(_OwnConnection(self._db), _OwnConnection(self._db, autocommit=True))
        try:
            while True:
                with self._ready:
                    if not self._queue and not self._closed:
                        self._asleep += 1
                        self._ready.wait(self._idle_seconds)
                        self._asleep -= 1
                    if not self._queue:  # idle or closed: the next event starts another
                        return
                    linger = len(self._queue) < self._max_rows and not self._closed
                if linger and self._linger_seconds:  # let the requests in flight join
                    time.sleep(self._linger_seconds)
                with self._ready:
                    batch = [
                        self._queue.popleft() for _ in range(min(self._max_rows, len(self._queue)))
                    ]
                if batch:
                    self._commit(batch, own)
        finally:
            own.transactions.drop()
            own.statements.drop()
            with self._ready:  # also when it died of something unexpected: never strand events
                self._threads.discard(threading.current_thread())
                if self._queue and not self._closed:
                    self._ensure_thread()

    def _commit(self, batch: list[_Waiting], own: _Own | None = None) -> None:
        """Answer each request of `batch` with its row once committed, or with the error."""
        try:
            results = self._transaction(batch, own)
        except Exception as exc:
            error = _translate(exc)
            if len(batch) > 1 and not isinstance(error, StorageUnavailable):
                for waiting in batch:  # find the row at fault: each on its own
                    self._commit([waiting], own)
                return
            for waiting in batch:
                waiting.error = error
                waiting.done.release()
            return
        with self._ready:
            self.batches += 1
            self.rows += len(batch)
        for waiting, result in zip(batch, results, strict=True):
            waiting.result = result
            waiting.done.release()

    def _transaction(self, batch: list[_Waiting], own: _Own | None) -> list[Recorded]:
        """The batch in one transaction: on the writer thread's own connection (no pool
        checkout, no ping per batch; once more on a new one when the database had closed
        it), or on a pooled one for a caller's own thread. A batch that is one INSERT (every
        row with a delivery key, or on SQLite every row without) is that statement alone on
        an autocommit connection: atomic as it is, without a BEGIN and a COMMIT to send and
        wait for."""
        news = [waiting.new for waiting in batch]
        if own is None:
            with self._db.write_connection() as connection:
                return self._insert_all(connection, news)
        alone = self._one_statement(news)
        connection = own.statements if alone else own.transactions
        try:
            return self._insert_on(connection.get(), news, alone)
        except DBAPIError as exc:
            connection.drop()
            if not exc.connection_invalidated:
                raise
            return self._insert_on(connection.get(), news, alone)

    def _one_statement(self, news: list[NewIntegration]) -> bool:
        if not self._returning:  # MySQL/MariaDB: a statement per row
            return False
        keyed = sum(new.delivery_key is not None for new in news)
        return keyed == len(news) or (keyed == 0 and self._db.dialect == "sqlite")

    def _insert_on(
        self, connection: Connection, news: list[NewIntegration], alone: bool
    ) -> list[Recorded]:
        with self._db.write_on(connection, transaction=not alone):
            results = self._insert_all(connection, news)
            if alone and connection.in_transaction():  # a duplicate's lookup began one
                connection.commit()
            return results

    def _insert_all(self, connection: Connection, news: list[NewIntegration]) -> list[Recorded]:
        """Rows without a delivery key (API events sent without an Idempotency-Key) never
        collide; nothing tells them apart but the id each gets. The others skip a duplicate."""
        results: dict[int, Recorded] = {}
        now = utcnow()
        unkeyed = [i for i, new in enumerate(news) if new.delivery_key is None]
        if unkeyed:
            ids = self._insert_unkeyed(connection, [_row(news[i], now) for i in unkeyed])
            for i, new_id in zip(unkeyed, ids, strict=True):
                results[i] = Recorded(new_id, news[i].status, created=True)
        keyed = [i for i, new in enumerate(news) if new.delivery_key is not None]
        if keyed and self._returning:
            recorded = self._insert_many(connection, [news[i] for i in keyed], now)
            results.update(zip(keyed, recorded, strict=True))
        else:
            results.update((i, self._insert(connection, news[i])) for i in keyed)
        return [results[i] for i in range(len(news))]

    def _insert_unkeyed(self, connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
        """The new rows' ids, in the rows' order.

        SQLite numbers the rows of one INSERT in the order of its VALUES (each new rowid is
        the largest so far plus one), so one multi-row INSERT does, its ids sorted. Elsewhere
        the order of RETURNING is promised by nothing: an INSERT each (SQLAlchemy's own
        `sort_by_parameter_order` on MySQL/MariaDB)."""
        if self._db.dialect == "sqlite":
            return sorted(int(new_id) for (new_id,) in self._plain_batch.execute(connection, rows))
        if self._returning:
            return [int(new_id) for (new_id,) in self._plain_batch.execute_each(connection, rows)]
        return [int(row.id) for row in connection.execute(self._plain, rows)]

    def _insert_many(
        self, connection: Connection, news: list[NewIntegration], now: datetime
    ) -> list[Recorded]:
        """One multi-row INSERT; a row it skipped is a duplicate, of an earlier row of the
        same batch or of a stored one."""
        returned = self._batch.execute(connection, [_row(new, now) for new in news])
        inserted = {(source, key): int(new_id) for new_id, source, key in returned}
        results: list[Recorded] = []
        first: dict[tuple[str, str | None], Recorded] = {}
        for new in news:
            key = (new.source_service, new.delivery_key)
            if key in first:  # sent twice in one batch: the second is the first's duplicate
                earlier = first[key]
                results.append(Recorded(earlier.id, earlier.status, created=False))
            elif key in inserted:
                first[key] = Recorded(inserted[key], new.status, created=True)
                results.append(first[key])
            else:
                first[key] = self._stored(connection, new)
                results.append(first[key])
        return results

    def _insert(self, connection: Connection, new: NewIntegration) -> Recorded:
        """One row with a delivery key, on MySQL/MariaDB."""
        result = connection.execute(self._statement, _row(new, utcnow()))
        # MySQL has no RETURNING here, and no LAST_INSERT_ID (0) for a skipped duplicate
        new_id = result.scalar() if self._returning else (result.lastrowid or None)
        if new_id is not None:
            return Recorded(int(new_id), new.status, created=True)
        return self._stored(connection, new)

    def _stored(self, connection: Connection, new: NewIntegration) -> Recorded:
        """The stored event whose delivery key `new` has."""
        existing = connection.execute(
            select(Log.id, Log.status).where(
                Log.source_service == new.source_service, Log.delivery_key == new.delivery_key
            )
        ).first()
        if existing is None:  # skipped, yet nothing has its key: never hide that
            raise RuntimeError("the insert skipped a row whose delivery key is not stored")
        return Recorded(int(existing.id), Status(existing.status), created=False)


def _translate(exc: BaseException) -> BaseException:
    """A database that cannot be reached is `StorageUnavailable`; anything else as it is."""
    unreachable = isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
    if unreachable:
        log.warning("intake.database_unavailable error=%s", type(exc).__name__)
        return StorageUnavailable("the database is unavailable")
    return exc
