"""The intake's multi-row INSERT, compiled by SQLAlchemy once per batch size and then run as
driver SQL (`Connection.exec_driver_sql`).

`Connection.execute` of an `Insert` with many parameter sets looks the statement up in the
compiled cache, expands it into multi-row batches ("insertmanyvalues") and runs every value
through its column type, on every call: on these machines that was more of the intake
writer's time than SQLite's own work. Here the SQL text of an n-row INSERT is compiled once
(the dialect's own casts, quoting and `ON CONFLICT` clause included) and each value goes
through the bind processor SQLAlchemy would apply (`TypeEngine.bind_processor`), so a row is
stored exactly as the ORM stores it. Errors are still SQLAlchemy's (`DBAPIError`, with
`connection_invalidated`), and the transaction is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.engine import Connection, Dialect, Row

Processor = Callable[[Any], Any] | None


class BatchInsert:
    """`statement` (an INSERT of one table, with its dialect's conflict and RETURNING
    clauses) for 1..n rows, as driver SQL. Rows are dicts of the columns' Python values,
    each with the same columns in the same order."""

    def __init__(self, dialect: Dialect, statement: Callable[[], Insert]) -> None:
        self._dialect = dialect
        self._statement = statement
        self._processors: dict[tuple[str, ...], list[tuple[str, Processor]]] = {}
        self._compiled: dict[tuple[tuple[str, ...], int], tuple[str, tuple[str, ...] | None]] = {}

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[Row[Any]]:
        """Insert `rows` in one statement; the rows it returns (its RETURNING clause)."""
        columns = tuple(rows[0])
        sql, names = self._sql(columns, len(rows))
        processors = self._processors[columns]
        values: list[Any] = []
        # a value the rows share (the batch's one timestamp) is processed once per column
        done: dict[tuple[str, int], Any] = {}
        for row in rows:
            for name, process in processors:
                value = row[name]
                if process is not None and value is not None:
                    key = (name, id(value))
                    if key not in done:
                        done[key] = process(value)
                    value = done[key]
                values.append(value)
        params = dict(zip(names, values, strict=True)) if names is not None else tuple(values)
        return list(connection.exec_driver_sql(sql, params))

    def _sql(self, columns: tuple[str, ...], n: int) -> tuple[str, tuple[str, ...] | None]:
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
        compiled = self._statement().values(values).compile(dialect=self._dialect)
        if compiled.positiontup is not None and list(compiled.positiontup) != order:
            raise RuntimeError("the INSERT's parameters are not in the rows' order")
        names = None if compiled.positiontup is not None else tuple(order)
        found = self._compiled[(columns, n)] = (compiled.string, names)
        return found
