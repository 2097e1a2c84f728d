"""The batch statements the ticks use (bot/store/dialect.py): `PreparedSelect`, a read whose IN
lists change per call, and `PreparedClaim`, an insert of many rows that returns the keys it
inserted. On SQLite both run on the driver's cursor; they must give what SQLAlchemy gives, on
SQLite and on PostgreSQL, and a claim must stay exactly-once when two run at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, select

from bot.store.database import Database
from bot.store.dialect import PreparedClaim, PreparedSelect
from bot.store.schema import deliveries
from tests.store import fixtures as store_fixtures

database_target = store_fixtures.database_target
store_db = store_fixtures.store_db

_d = deliveries.c
KEY = ("kind", "guild_id", "subject_id", "period")
CLAIM = PreparedClaim(deliveries, KEY, (*KEY, "status", "claimed_at", "error"))
BY_SERVERS_AND_PERIODS = PreparedSelect(
    select(_d.guild_id, _d.subject_id, _d.period, _d.status, _d.attempts)
    .where(
        _d.guild_id.in_(bindparam("guilds", expanding=True)),
        _d.period.in_(bindparam("periods", expanding=True)),
        _d.kind == bindparam("kind"),
    )
    .order_by(_d.guild_id, _d.subject_id, _d.period)
)


def row(guild_id: int, subject_id: int, period: str, status: str = "sending") -> dict[str, Any]:
    return {
        "kind": "reminder",
        "guild_id": guild_id,
        "subject_id": subject_id,
        "period": period,
        "status": status,
        "claimed_at": "2026-03-04T12:00:00.000000Z",
        "error": None,
    }


def claim(conn: Connection, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {tuple(key) for key in CLAIM.inserted(conn, rows)}


async def test_a_claim_returns_only_the_keys_it_inserted(store_db: Database) -> None:
    first = [row(1, user, "2026-03-04") for user in (10, 11, 12)]
    assert await store_db.write(claim, first) == {
        ("reminder", 1, user, "2026-03-04") for user in (10, 11, 12)
    }
    # Two keys taken already (their rows stay as they were), one new.
    again = [
        row(1, 11, "2026-03-04", status="missed"),
        row(1, 12, "2026-03-04"),
        row(1, 13, "2026-03-04"),
    ]
    assert await store_db.write(claim, again) == {("reminder", 1, 13, "2026-03-04")}
    assert await store_db.write(claim, []) == set()

    def statuses(conn: Connection) -> dict[int, str]:
        found = conn.execute(select(_d.subject_id, _d.status).where(_d.guild_id == 1))
        return {int(subject): status for subject, status in found}

    assert await store_db.read(statuses) == dict.fromkeys((10, 11, 12, 13), "sending")


async def test_claims_of_the_same_keys_at_once_give_each_key_once(store_db: Database) -> None:
    rows = [row(2, user, "2026-03-05") for user in range(40)]
    results = await asyncio.gather(*(store_db.write(claim, rows) for _ in range(4)))
    everyone = [key for result in results for key in result]
    assert len(everyone) == len(set(everyone)) == 40  # each key claimed by exactly one


async def test_a_select_spells_out_each_list_as_sqlalchemy_would(store_db: Database) -> None:
    await store_db.write(
        claim,
        [row(guild, user, day) for guild in (1, 2, 3) for user in (7, 8) for day in ("a", "b")],
    )

    def both(conn: Connection, **params: Any) -> tuple[list[Any], list[Any]]:
        prepared = BY_SERVERS_AND_PERIODS.rows(conn, **params)
        plain = [tuple(r) for r in conn.execute(BY_SERVERS_AND_PERIODS.statement, params)]
        return prepared, plain

    for guilds, periods in (([1, 3], ["b"]), ([2], ["a", "b", "c"]), ([1, 2, 3], ["a"])):
        prepared, plain = await store_db.read(
            lambda conn, g=guilds, p=periods: both(conn, guilds=g, periods=p, kind="reminder")
        )
        assert prepared == plain
        assert len(prepared) == len(guilds) * 2 * len([p for p in periods if p in "ab"])
        assert all(isinstance(value, int) for found in prepared for value in found[:2])
    # An empty list matches nothing, and another kind nothing either.
    assert (
        await store_db.read(
            lambda conn: BY_SERVERS_AND_PERIODS.rows(
                conn, guilds=[], periods=["a"], kind="reminder"
            )
        )
        == []
    )
    assert (
        await store_db.read(
            lambda conn: BY_SERVERS_AND_PERIODS.rows(conn, guilds=[1], periods=["a"], kind="daily")
        )
        == []
    )


@pytest.mark.parametrize("size", [1, 100, 1000])
async def test_a_select_takes_lists_of_a_batch_size(store_db: Database, size: int) -> None:
    await store_db.write(claim, [row(5, user, "d") for user in range(0, 2000, 2)])

    def select_them(conn: Connection) -> list[tuple[Any, ...]]:
        return BY_SERVERS_AND_PERIODS.rows(
            conn, guilds=[5, *range(100, 100 + size)], periods=["d"], kind="reminder"
        )

    assert len(await store_db.read(select_them)) == 1000
