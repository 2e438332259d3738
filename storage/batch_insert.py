"""The intake's INSERTs, compiled by SQLAlchemy once per batch size and run on the driver's
cursor.

`Connection.execute` of an `Insert` with many parameter sets looks the statement up in the
compiled cache, expands it into multi-row batches ("insertmanyvalues"), runs every value
through its column type and builds a result object, on every call: on these machines that
was more of the intake writer's time than SQLite's own work. Here the SQL text of an n-row
INSERT is compiled once (the dialect's own casts, quoting and `ON CONFLICT` clause
included), each value goes through the bind processor SQLAlchemy would apply
(`TypeEngine.bind_processor`), so a row is stored exactly as the ORM stores it, and the
statement runs on a DBAPI cursor of the caller's connection (psycopg's `RawCursor` on
PostgreSQL, `_driver_sql`), in the caller's transaction.
A driver error is raised as SQLAlchemy raises it (`DBAPIError.instance`, the connection
invalidated when the database was lost), with no parameters in its text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None
Columns = tuple[str, ...]


class BatchInsert:
    """`statement` (an INSERT of one table, with its dialect's conflict and RETURNING
    clauses) for 1..n rows. Rows are dicts of the columns' Python values, each with the same
    columns in the same order; what comes back is the RETURNING clause's tuples."""

    def __init__(self, dialect: Dialect, statement: Callable[[], Insert]) -> None:
        self._dialect = dialect
        self._compiler, self._raw_cursor = _driver_sql(dialect)
        self._statement = statement
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        self._processors: dict[Columns, list[tuple[str, Processor]]] = {}
        self._compiled: dict[tuple[Columns, int], tuple[str, Columns | None]] = {}

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """Insert `rows` in one statement; every tuple it returns, in no promised order."""
        columns = tuple(rows[0])
        sql, names = self._sql(columns, len(rows))
        return self._run(connection, sql, self._params(columns, rows, names, {}))

    def execute_each(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """A statement per row, for rows whose RETURNING must be told apart (nothing in them
        is unique but the id it returns); the first tuple each returns, in the rows' order."""
        columns = tuple(rows[0])
        sql, names = self._sql(columns, 1)
        done: dict[tuple[str, int], Any] = {}
        return [
            self._run(connection, sql, self._params(columns, [row], names, done))[0] for row in rows
        ]

    def _params(
        self,
        columns: Columns,
        rows: Sequence[dict[str, Any]],
        names: Columns | None,
        done: dict[tuple[str, int], Any],
    ) -> Any:
        """The rows' values, processed for the driver; a value the rows share (the batch's
        one timestamp) is processed once per column (`done`)."""
        values: list[Any] = []
        for row in rows:
            for name, process in self._processors[columns]:
                value = row[name]
                if process is not None and value is not None:
                    key = (name, id(value))
                    if key not in done:
                        done[key] = process(value)
                    value = done[key]
                values.append(value)
        return dict(zip(names, values, strict=True)) if names is not None else tuple(values)

    def _run(self, connection: Connection, sql: str, params: Any) -> list[Any]:
        proxied = connection.connection
        raw = self._raw_cursor
        cursor = proxied.cursor() if raw is None else raw(proxied.driver_connection)
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        except self._dbapi_error as exc:
            lost = self._dialect.is_disconnect(exc, proxied.dbapi_connection, cursor)  # type: ignore[arg-type]
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                None,
                exc,
                self._dbapi_error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=self._dialect,
            ) from exc
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def _sql(self, columns: Columns, n: int) -> tuple[str, Columns | None]:
        """The n-row statement's text and, for a named paramstyle, its parameters' names
        (None: positional), both in the order of the rows' values: row by row, column by
        column."""
        found = self._compiled.get((columns, n))
        if found is not None:
            return found
        table = self._statement().table
        types = {name: table.c[name].type for name in columns}  # type: ignore[union-attr]
        if columns not in self._processors:
            self._processors[columns] = [
                (name, types[name].dialect_impl(self._dialect).bind_processor(self._dialect))
                for name in columns
            ]
        order = [f"{name}_{i}" for i in range(n) for name in columns]
        values = [
            {name: bindparam(f"{name}_{i}", type_=types[name]) for name in columns}
            for i in range(n)
        ]
        compiled = self._statement().values(values).compile(dialect=self._compiler)
        if compiled.positiontup is not None and list(compiled.positiontup) != order:
            raise RuntimeError("the INSERT's parameters are not in the rows' order")
        names = None if compiled.positiontup is not None else tuple(order)
        found = self._compiled[(columns, n)] = (compiled.string, names)
        return found


def _driver_sql(dialect: Dialect) -> tuple[Dialect, Callable[[Any], Any] | None]:
    """The dialect that writes the SQL text, and how a cursor for that text is opened on a
    DBAPI connection (None: its own `cursor()`).

    On PostgreSQL with psycopg: `$1` placeholders without SQLAlchemy's psycopg casts (the
    columns type the values; the bind processors wrap JSON for psycopg), run on a psycopg
    `RawCursor`, which sends the text as it is. psycopg's own cursor parses its `%s`
    placeholders again on every call for a query of more than 50 parameters (a batch of four
    webhooks): that was a fifth of the writer's time."""
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        import psycopg
        from sqlalchemy.dialects.postgresql.base import PGDialect

        return PGDialect(paramstyle="numeric_dollar"), psycopg.RawCursor
    return dialect, None
