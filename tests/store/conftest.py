"""Store tests run against a real SQLite file with the real migrations."""

from tests.store.fixtures import db

__all__ = ["db"]
