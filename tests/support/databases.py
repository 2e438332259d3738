"""Real databases for tests: SQLite always, PostgreSQL and MariaDB when reachable.

Each server gets a database of its own for the test session (created and dropped here), is
migrated once with Alembic, and is emptied after every test. A server that is down makes
its tests skip with the reason in the summary, or fail when CONNECT_TEST_REQUIRE_DATABASES
names it (CI sets it, so a down server can never pass silently).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa  # noqa: TID251 - test set-up administers the servers directly
from sqlalchemy.exc import OperationalError  # noqa: TID251

SERVERS = {
    "postgresql": {
        "admin": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        "url": "postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        "where": "127.0.0.1:5432",
    },
    "mariadb": {
        "admin": "mysql+pymysql://root@127.0.0.1:3306/",
        "url": "mysql+pymysql://root@127.0.0.1:3306/{name}",
        "where": "127.0.0.1:3306",
    },
}


def required(kind: str) -> bool:
    wanted = os.environ.get("CONNECT_TEST_REQUIRE_DATABASES", "")
    return kind in {part.strip() for part in wanted.split(",")}


def unreachable_reason(kind: str) -> str | None:
    """Why the server cannot be used, or None when it can."""
    engine = sa.create_engine(SERVERS[kind]["admin"], connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        return f"{kind} not reachable at {SERVERS[kind]['where']}: {type(exc.orig).__name__}"
    finally:
        engine.dispose()
    return None


@contextmanager
def server_database(kind: str) -> Iterator[str]:
    """A fresh database on the server for this session; yields its URL."""
    name = f"connect_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(SERVERS[kind]["admin"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if kind == "mariadb":
            connection.execute(
                sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
        else:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield SERVERS[kind]["url"].format(name=name)
    finally:
        with admin.connect() as connection:
            if kind == "postgresql":
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


def empty_tables(url: str) -> None:
    """Delete every row, children first; ids keep counting, so tests never assume them."""
    from storage.models import Base

    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    finally:
        engine.dispose()
