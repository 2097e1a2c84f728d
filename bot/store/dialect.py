"""Where SQLite and PostgreSQL differ, in one place: engines, connection settings, upserts.

Repositories build SQLAlchemy Core statements and run them on the `Connection` the database
hands them; the few constructs the two dialects spell differently are made here, from the
connection's dialect, so no repository names a dialect.
"""

from __future__ import annotations

import re
import sqlite3
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    pool,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

BUSY_TIMEOUT_MS = 10_000

#: Set on every SQLite connection, the writer's and the readers'. A page cache of 16 MiB
#: (SQLite's default is 2 MiB) keeps the hot part of a large server's progress in memory
#: instead of reading it back from the OS for every mark. Each connection's cache fills up to
#: its cap as the database grows, so the cap is a memory budget: 64 MiB made the process grow
#: with the file towards 192 MiB, and was no faster on a 600 MB, 100,000-member database.
CONNECTION_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA cache_size = -16384",
)


def sqlite_engine(
    path: Any,
    *,
    foreign_keys: bool = True,
    query_only: bool = False,
    wal: bool = False,
    begin_immediate: bool = True,
) -> Engine:
    """A SQLAlchemy engine on the SQLite file whose transactions are real.

    The driver's own transaction handling is off (it would not BEGIN before DDL, and commits
    behind SQLAlchemy's back); with `begin_immediate` every SQLAlchemy `begin()` emits
    `BEGIN IMMEDIATE`, so a write transaction takes the lock up front instead of failing
    half-way when another writer got there first. `wal` switches the file to WAL with
    `synchronous = NORMAL` (a commit survives a process crash; only power loss may lose the
    last transactions). Each connection of the engine is opened afresh (no pool): the store
    keeps the connections it wants for the life of the process.
    """
    engine = create_engine(f"sqlite:///{path}", poolclass=pool.NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        for pragma in CONNECTION_PRAGMAS:
            dbapi_connection.execute(pragma)
        if not foreign_keys:
            dbapi_connection.execute("PRAGMA foreign_keys = OFF")
        if wal:
            mode = dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot switch {path} to WAL (got {mode})")
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")
        if query_only:
            dbapi_connection.execute("PRAGMA query_only = ON")

    if begin_immediate:

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def insert(connection: Connection, table: Table) -> Any:
    """An INSERT on `table` that knows `ON CONFLICT ... DO NOTHING / DO UPDATE` in the
    connection's dialect (`.on_conflict_do_nothing(index_elements=...)`, `.excluded`)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


class Prepared:
    """A Core statement compiled once per dialect, for the hottest paths.

    `rows(conn, **params)` runs it and returns plain tuples. On SQLite it goes straight to the
    driver's cursor with the SQL compiled once: SQLAlchemy's per-statement work (cache key,
    parameter processing, result wrapping) costs ~5x the statement itself there (about 60 us
    against 11 us for a point read, tests/bench/bench_point_read.py), and the writer thread's
    marks per second are bounded by it. On PostgreSQL it is `conn.execute`. Only for
    statements whose columns need no type processing (text, integers: the whole schema).
    """

    __slots__ = ("_sqlite", "statement")

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._sqlite: tuple[str, dict[str, Any]] | None = None

    def _compiled(self) -> tuple[str, dict[str, Any]]:
        if self._sqlite is None:
            # Named placeholders (`:guild_id`): the driver takes the caller's keyword arguments
            # as they are (one dict lookup in C per placeholder) instead of a tuple built in
            # Python in the placeholders' order, for each of the writer's ~8 statements a mark.
            compiled = self.statement.compile(dialect=_NAMED_SQLITE)
            literals = {
                name: value
                for name, value in compiled.params.items()
                if not compiled.binds[name].required
            }
            self._sqlite = (compiled.string, literals)
        return self._sqlite

    @property
    def sqlite_sql(self) -> str:
        """The SQL run on SQLite (named placeholders), for query-plan checks."""
        return self._compiled()[0]

    def _execute(self, connection: Connection, params: dict[str, Any]) -> sqlite3.Cursor:
        sql, defaults = self._compiled()
        if defaults:  # values the statement carries (`status = 'done'`); the caller's win
            params = {**defaults, **params}
        driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        return driver.execute(sql, params)

    def rows(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        if connection.dialect.name != "sqlite":
            return [tuple(row) for row in connection.execute(self.statement, params)]
        return self._execute(connection, params).fetchall()

    def run(self, connection: Connection, **params: Any) -> int:
        """Execute a write; the number of rows it changed."""
        if connection.dialect.name != "sqlite":
            return int(connection.execute(self.statement, params).rowcount)
        return int(self._execute(connection, params).rowcount)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute a write once per parameter set in `rows`, as one `executemany`."""
        if not rows:
            return
        if connection.dialect.name != "sqlite":
            connection.execute(self.statement, [dict(row) for row in rows])
            return
        sql, defaults = self._compiled()
        driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        driver.executemany(sql, [{**defaults, **row} for row in rows] if defaults else rows)


#: The SQLite dialect `Prepared` compiles with: the same SQL as the engine's, named parameters.
_NAMED_SQLITE = sqlite.dialect(paramstyle="named")


#: Where SQLAlchemy's SQL holds an expanding parameter's list (`IN (__[POSTCOMPILE_name])`).
_EXPANDING = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


class PreparedSelect:
    """A SELECT compiled once per dialect whose IN lists change from call to call (a batch's
    members): `column.in_(bindparam("name", expanding=True))`, given a list per call.

    `rows(conn, **params)` returns plain tuples. On SQLite each list is spelled out as that
    many `?` in the SQL compiled once, and it runs on the driver's cursor: the reads of a tick's
    batch return thousands of rows, and SQLAlchemy's result rows cost several us of Python each
    on the reader thread (holding the GIL against the event loop) where the cursor's tuples
    cost under one. On PostgreSQL it is `conn.execute`. Only for columns whose values need no
    type processing (text, integers, floats: the whole schema), as `Prepared`.
    """

    __slots__ = ("_sqlite", "statement")

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._sqlite: tuple[list[str], tuple[str, ...], dict[str, Any], frozenset[str]] | None
        self._sqlite = None

    def _compiled(
        self, connection: Connection
    ) -> tuple[list[str], tuple[str, ...], dict[str, Any], frozenset[str]]:
        if self._sqlite is None:
            compiled = self.statement.compile(dialect=connection.dialect)
            order = tuple(compiled.positiontup or ())
            expanding = frozenset(name for name in order if compiled.binds[name].expanding)
            # [SQL, list name, SQL, list name, ..., SQL]
            pieces = _EXPANDING.split(compiled.string)
            self._sqlite = (pieces, order, dict(compiled.params), expanding)
        return self._sqlite

    def rows(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        if connection.dialect.name != "sqlite":
            return [tuple(row) for row in connection.execute(self.statement, params)]
        pieces, order, defaults, expanding = self._compiled(connection)
        sql = [pieces[0]]
        for index in range(1, len(pieces), 2):
            count = len(params[pieces[index]])
            # An empty list matches nothing: `x IN (NULL)` is never true.
            sql.append(", ".join("?" * count) if count else "NULL")
            sql.append(pieces[index + 1])
        values: list[Any] = []
        for name in order:
            value = params[name] if name in params else defaults[name]
            if name in expanding:
                values.extend(value)
            else:
                values.append(value)
        driver = connection.connection.driver_connection
        return driver.execute("".join(sql), values).fetchall()  # type: ignore[union-attr]


class PreparedClaim:
    """`INSERT ... ON CONFLICT (key) DO NOTHING` of many rows, compiled once per dialect:
    `inserted(conn, rows)` returns the keys of the rows it inserted (a row whose key exists,
    whoever wrote it, is left as it is), so of two processes inserting one key exactly one
    gets it back.

    SQLite: one execution per row on the driver's cursor, its row count saying whether it was
    inserted (SQLAlchemy's insertmanyvalues with RETURNING costs tens of us of Python per row on
    the writer thread, holding the GIL against the event loop). PostgreSQL: one `executemany`
    with RETURNING, one round trip for the batch.
    """

    __slots__ = ("_postgresql", "_sqlite", "columns", "key", "table")

    def __init__(self, table: Table, key: Sequence[str], columns: Sequence[str]) -> None:
        self.table = table
        self.key = tuple(key)
        self.columns = tuple(columns)  # every row gives these, no more
        self._sqlite: str | None = None
        self._postgresql: Any = None

    def inserted(
        self, connection: Connection, rows: Sequence[dict[str, Any]]
    ) -> list[tuple[Any, ...]]:
        if not rows:
            return []
        if connection.dialect.name != "sqlite":
            if self._postgresql is None:
                self._postgresql = (
                    postgresql.insert(self.table)
                    .on_conflict_do_nothing(index_elements=list(self.key))
                    .returning(*(self.table.c[name] for name in self.key))
                )
            return [tuple(row) for row in connection.execute(self._postgresql, list(rows))]
        if self._sqlite is None:
            statement = (
                sqlite.insert(self.table)
                .values({name: bindparam(name) for name in self.columns})
                .on_conflict_do_nothing(index_elements=list(self.key))
            )
            self._sqlite = statement.compile(dialect=_NAMED_SQLITE).string
        sql = self._sqlite
        driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        key = self.key
        return [
            tuple(row[name] for name in key) for row in rows if driver.execute(sql, row).rowcount
        ]


def lock_for_transaction(connection: Connection, namespace: int, key: int) -> None:
    """Hold the lock named (`namespace`, `key`) until the transaction ends, for a write that
    reads rows and then writes depending on them, which a row lock cannot cover when the rows
    may not exist yet. PostgreSQL: a transaction-scoped advisory lock (both numbers 32-bit
    signed). SQLite: nothing to do, its one writer runs write transactions one at a time."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(namespace, key)))


def lock_name_for_transaction(connection: Connection, namespace: int, name: str) -> None:
    """`lock_for_transaction` with a key named by text (a member's "guild:user"), hashed to
    the 32-bit key; hash collisions only make two holders wait for each other."""
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(name.encode())
        lock_for_transaction(connection, namespace, key - (1 << 32) if key >= 1 << 31 else key)


def lock_tables(connection: Connection, *tables: Table) -> None:
    """Hold `tables` against every other writer until the transaction ends (reads go on), for
    a rebuild of derived rows that no concurrent change may fall between the read and the write
    of. PostgreSQL: `LOCK TABLE ... IN EXCLUSIVE MODE` (locked in the order given). SQLite:
    nothing to do, its one writer runs write transactions one at a time."""
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in tables)
        connection.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def read_one_snapshot(connection: Connection) -> None:
    """Make the rest of this transaction read one snapshot of the database, for several reads
    that must agree (a member's export across tables). PostgreSQL: REPEATABLE READ, set as the
    transaction's first statement. SQLite: a write transaction (the writer's) already is one."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def try_session_lock(connection: Connection, namespace: int, key: int) -> bool:
    """Take the lock named (`namespace`, `key`) for as long as this connection's session lasts,
    if no other session holds it; whether it was taken. PostgreSQL: a session advisory lock
    (`pg_try_advisory_lock`; it ends with the session, so a process that dies or loses its
    connection lets it go). SQLite: True, one process owns the file."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.scalar(select(func.pg_try_advisory_lock(namespace, key))))


def notify(connection: Connection, channel: str, payload: str) -> None:
    """Tell every session listening on `channel`, once this transaction commits. PostgreSQL:
    `pg_notify`. SQLite: nothing to do, no other process shares the file."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_notify(channel, payload)))


def database_clock(connection: Connection) -> float:
    """Seconds since 1970 by the database server's clock, the one clock every process sharing
    the database agrees on (machines' own clocks drift apart). PostgreSQL: `clock_timestamp()`,
    the time now rather than the transaction's start. SQLite: this machine's clock, the only one."""
    if connection.dialect.name == "postgresql":
        seconds = connection.scalar(select(func.extract("epoch", func.clock_timestamp())))
        return float(seconds or 0)
    return time.time()
