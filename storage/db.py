"""Engine, sessions and migrations for SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def safe_url(url: str | URL) -> str:
    """The database URL with its password hidden, for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


class JSONText(str):
    """A JSON document already serialised: a JSON column stores it as it is (`dump_json`)."""

    __slots__ = ()


def dump_json(value: Any) -> str:
    """The JSON columns' serialiser: `json.dumps`, except for text that already is JSON."""
    if isinstance(value, JSONText):
        return str(value)
    return json.dumps(value)


def _engine_for(url: URL) -> Engine:
    backend = url.get_backend_name()
    # hide_parameters: an error logged with its SQL must not carry the payload's contents
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "hide_parameters": True,
        "json_serializer": dump_json,
    }
    if backend == "postgresql":
        options["connect_args"] = {"connect_timeout": 5}
    elif backend == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url.database in (None, "", ":memory:"):
            from sqlalchemy.pool import StaticPool

            options["poolclass"] = StaticPool
    elif backend in ("mysql", "mariadb"):
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        options.update(
            pool_recycle=3600,
            isolation_level="READ COMMITTED",
            connect_args={"connect_timeout": 5},
        )
    engine = create_engine(url, **options)
    if backend == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, and transactions that take the write lock when they begin.

    pysqlite's own BEGIN handling is turned off so that write transactions can start with
    `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes can fail with
    "database is locked" when another writer got there first, whatever the busy timeout.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One engine and its session factories; repositories take a `Database`."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine = _engine_for(self.url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue on a lock for it
        # instead of in SQLite's busy handler, which sleeps and retries and so turns
        # contention into long tails (BASELINES.md: many writer threads, p99 over 100 ms).
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        in_memory = self.url.database in (None, "", ":memory:")
        # ... and the intake's writers of all processes on a lock file (`write_on`)
        lock_file = (
            None if in_memory or self._write_lock is None else f"{self.url.database}.write-lock"
        )
        self._writers_lock = _ProcessLock(lock_file)
        # An in-memory database is one shared connection: readers must queue too.
        self._read_lock = self._write_lock if in_memory else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return safe_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        if self._read_lock is None:
            with self._read() as session:
                yield session
            return
        with self._read_lock, self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction that commits on success and rolls back on error."""
        if self._write_lock is None:
            with self._write.begin() as session:
                yield session
            return
        with self._write_lock, self._write.begin() as session:
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction (no ORM session), as `write()`."""
        if self._write_lock is None:
            with self._write_engine.begin() as connection:
                yield connection
            return
        with self._write_lock, self._write_engine.begin() as connection:
            yield connection

    def connect_writer(self, *, autocommit: bool = False) -> Connection:
        """A connection of its own for a long-lived writer thread (`write_on`).

        `autocommit`: each statement is its own transaction, for a writer whose work is one
        statement (a multi-row INSERT is atomic by itself): no BEGIN and no COMMIT to send.
        SQLite's connections are in that mode already (pysqlite's own BEGIN is turned off,
        `_tune_sqlite`) until a transaction is begun."""
        connection = self._write_engine.connect()
        if autocommit and self.dialect != "sqlite":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    @contextmanager
    def write_on(self, connection: Connection, *, transaction: bool = True) -> Iterator[Connection]:
        """A write transaction on `connection` (from `connect_writer`), as `write_connection`;
        `transaction=False`: the same turn to write, on an autocommit connection.

        On a SQLite file the long-lived writers of all processes (the intake's) also take
        turns on a lock file beside it: one waiting there is woken as soon as the other
        commits, where SQLite's busy handler would sleep 1, 2, 5, 10 ms and more between
        tries (seen as a 100 ms p99 with two gunicorn workers)."""
        with self._write_turn():
            if not transaction:
                yield connection
                return
            with connection.begin():
                yield connection

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        if self._write_lock is None:
            yield
            return
        with self._write_lock, self._writers_lock.held():
            yield

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning(
                "database.unreachable url=%s error=%s", self.display_url, type(exc).__name__
            )
            return False
        return True

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to `revision` with Alembic."""
        from alembic import command

        with self._migration_lock():
            command.upgrade(alembic_config(self), revision)

    def _migration_lock(self) -> Any:
        """Processes migrating one SQLite file at once (gunicorn forks its workers together)
        take turns on a lock file beside it: the write lock alone is not enough, as Alembic
        reads the schema's version before its transaction takes that lock."""
        database = self.url.database
        if self.dialect != "sqlite" or database in (None, "", ":memory:"):
            return nullcontext()
        return _file_lock(Path(f"{database}.migrate-lock"))

    def downgrade(self, revision: str = "base") -> None:
        from alembic import command

        command.downgrade(alembic_config(self), revision)

    def dispose(self) -> None:
        self.engine.dispose()
        self._writers_lock.close()


class _ProcessLock:
    """An exclusive lock on a file, held by one process at a time (`flock`); None: no lock.

    Each process opens the file for itself (a forked child would otherwise share its
    parent's open file, and the lock with it) and keeps it open: a system call is also a
    moment when another thread takes the GIL, and the writer holding the lock waits for it
    back."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._path is None:
            yield
            return
        if self._fd is None or self._pid != os.getpid():
            self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None and self._pid == os.getpid():
            os.close(fd)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alembic_config(database: Database):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # IMMEDIATE: processes migrating one SQLite file at once (gunicorn workers starting
    # together) queue for the write lock instead of failing with "database is locked".
    config.attributes["engine"] = database.engine.execution_options(sqlite_begin="IMMEDIATE")
    return config
