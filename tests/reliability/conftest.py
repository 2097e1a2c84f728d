"""Fixtures of the reliability and security suite: the e2e launcher (reused, not rewritten).

`launch`, `clock`, `database_path` and `shipped_catalog` are the end-to-end fixtures of
tests/e2e/conftest.py: the real StudyBot on a real SQLite file against the emulator.
"""

from __future__ import annotations

from tests.e2e.conftest import (
    bot_database,
    clock,
    database_path,
    launch,
    shipped_catalog,
    store_backend,
)

# store_backend and bot_database are never parametrized here: this suite stays on SQLite.
__all__ = ["bot_database", "clock", "database_path", "launch", "shipped_catalog", "store_backend"]
