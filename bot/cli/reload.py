"""`python -m bot reload`: ask every bot process on this database to reload its content.

The request is a new reload generation in the database, with a PostgreSQL notification
(bot/store/notify.py): each process reloads within a moment when notified, and within its poll
(a few seconds) otherwise. Each process reloads the files on its own machine, so the files must
be the same everywhere; each logs the content version it then serves.

Exit codes: 0 asked; 1 the database cannot be opened (or is behind the code: migrate first).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.errors import NotSaved
from bot.services.reload_broadcast import POLL_SECONDS
from bot.store.database import Database
from bot.store.migrations import MigrationError
from bot.store.notify import ReloadRequests


async def _request(settings: Settings) -> int:
    database = await Database.open(settings.database)
    try:
        return await ReloadRequests(database).request()
    finally:
        await database.close()


def run_reload(settings: Settings) -> int:
    try:
        generation = asyncio.run(_request(settings))
    except MigrationError as exc:
        print(f"Cannot use the database {settings.database_name}: {exc}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error, SQLAlchemyError, NotSaved) as exc:
        print(f"Cannot open the database {settings.database_name}: {exc}", file=sys.stderr)
        return 1
    how = "at once" if settings.database_url else f"within {POLL_SECONDS:g} s"
    print(
        f"Asked every bot process to reload the content (request {generation}); "
        f"each reloads {how} and logs the content version it serves."
    )
    return 0
