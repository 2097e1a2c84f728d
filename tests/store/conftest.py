"""Store tests run against real databases (SQLite, and PostgreSQL for `store_db`) with the real
migrations."""

from tests.store.fixtures import database_target, db, store_db

__all__ = ["database_target", "db", "store_db"]
