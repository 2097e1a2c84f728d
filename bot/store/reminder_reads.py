"""What the reminder DMs of one batch of members show, read for the whole batch at once.

A reminder tick plans up to a batch of due reminders at a time; each DM shows the member's
next topic and their reviews due today. Read member by member, that is a few point reads per
member (which roadmap, the progress in it, the zones, the cards due), thousands of reader
round trips for a busy minute, each one a wake-up of the event loop and a hand-over of the
GIL. Here it is four statements per batch, each over the whole batch's members, on one
reader, run on its cursor with the SQL compiled once (no SQLAlchemy rows); the services layer
(bot/services/reminder_contents.py) gives the rules that turn them into each DM's content,
and `dm_contents` runs them in the same reader job, off the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select

from bot.records import ProgressRow
from bot.store.codec import decode_date, decode_instant, encode_date
from bot.store.database import Database
from bot.store.dialect import PreparedSelect
from bot.store.reviews import StoredCard
from bot.store.schema import guild_settings, member_settings, progress, review_cards

#: (guild_id, user_id)
MemberKey = tuple[int, int]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MemberDmRows:
    """One member's stored inputs of a reminder DM: their settings and their server's (None
    where not set), every progress row by roadmap, and the review cards due by `upto` (the
    latest the member's local day can be) by roadmap."""

    followed_roadmap: str | None = None
    member_zone: str | None = None
    reviews_enabled: bool = True
    server_roadmap: str | None = None
    server_zone: str | None = None
    progress: dict[str, list[ProgressRow]] = field(default_factory=dict)
    cards_due: dict[str, list[StoredCard]] = field(default_factory=dict)


_m, _g, _p, _c = member_settings.c, guild_settings.c, progress.c, review_cards.c
_GUILDS: Any = bindparam("guilds", expanding=True)
_USERS: Any = bindparam("users", expanding=True)
# Compiled once, run on SQLite's cursor (bot/store/dialect.py): a batch reads ~2,000 progress
# rows and cards, and SQLAlchemy's result rows cost the reader thread ~30 ms of Python per
# batch, holding the GIL against the event loop (the tick's longest stalls).
_MEMBERS = PreparedSelect(
    select(_m.guild_id, _m.user_id, _m.followed_roadmap, _m.time_zone, _m.reviews_enabled)
    .where(_m.guild_id.in_(_GUILDS), _m.user_id.in_(_USERS))
)  # fmt: skip
_SERVERS = PreparedSelect(
    select(_g.guild_id, _g.default_roadmap, _g.time_zone).where(_g.guild_id.in_(_GUILDS))
)
_PROGRESS = PreparedSelect(
    select(
        _p.guild_id, _p.user_id, _p.roadmap_id, _p.topic_id, _p.status, _p.started_at,
        _p.updated_at, _p.completed_at, _p.checked_at,
    ).where(_p.guild_id.in_(_GUILDS), _p.user_id.in_(_USERS))
)  # fmt: skip
_CARDS = PreparedSelect(
    select(
        _c.guild_id, _c.user_id, _c.roadmap_id, _c.topic_id, _c.due, _c.stability,
        _c.difficulty, _c.state, _c.step, _c.last_review,
    ).where(_c.guild_id.in_(_GUILDS), _c.user_id.in_(_USERS), _c.due <= bindparam("upto"))
)  # fmt: skip


def dm_rows(conn: Connection, members: Sequence[MemberKey], upto: str) -> list[MemberDmRows]:
    """`MemberDmRows` of each of `members`, in their order (a member with nothing stored gets
    the defaults). Four statements, each over all the members.

    Members are selected by `guild_id IN (...) AND user_id IN (...)`, which SQLite looks up in
    the tables' primary keys (a row value `(guild_id, user_id) IN (...)` scans the whole
    table there); the few rows of a member in another server of the batch are left out here.
    """
    if not members:
        return []
    keys = [(int(guild_id), int(user_id)) for guild_id, user_id in members]
    wanted = set(keys)
    batch = {
        "guilds": sorted({guild_id for guild_id, _ in keys}),
        "users": sorted({user_id for _, user_id in keys}),
    }
    settings = {
        (int(g), int(u)): (followed, zone, bool(enabled))
        for g, u, followed, zone, enabled in _MEMBERS.rows(conn, **batch)
    }
    servers = {
        int(g): (roadmap, zone) for g, roadmap, zone in _SERVERS.rows(conn, guilds=batch["guilds"])
    }
    rows_of: dict[MemberKey, dict[str, list[ProgressRow]]] = {}
    for g, u, roadmap_id, *row in _PROGRESS.rows(conn, **batch):
        key = (int(g), int(u))
        if key in wanted:
            rows_of.setdefault(key, {}).setdefault(roadmap_id, []).append(ProgressRow(*row))
    cards_of: dict[MemberKey, dict[str, list[StoredCard]]] = {}
    for g, u, roadmap_id, topic_id, due, stability, difficulty, state, step, last in _CARDS.rows(
        conn, **batch, upto=upto
    ):
        key = (int(g), int(u))
        if key not in wanted:
            continue
        card = StoredCard(
            topic_id, decode_date(due), float(stability), float(difficulty), state,
            None if step is None else int(step), decode_instant(last),
        )  # fmt: skip
        cards_of.setdefault(key, {}).setdefault(roadmap_id, []).append(card)
    found = []
    for key in keys:
        followed, member_zone, enabled = settings.get(key, (None, None, True))
        server_roadmap, server_zone = servers.get(key[0], (None, None))
        found.append(
            MemberDmRows(
                followed, member_zone, enabled, server_roadmap, server_zone,
                rows_of.get(key, {}), cards_of.get(key, {}),
            )
        )  # fmt: skip
    return found


#: Longest run of `shape` calls on a reader thread before it lets go of the GIL once.
GIL_STEP_SECONDS = 0.001


def _shaped(
    conn: Connection,
    members: Sequence[MemberKey],
    upto: str,
    shape: Callable[[MemberKey, MemberDmRows], T],
) -> list[T]:
    shaped = []
    since = time.perf_counter()
    for key, rows in zip(members, dm_rows(conn, members, upto), strict=True):
        shaped.append(shape(key, rows))
        if time.perf_counter() - since > GIL_STEP_SECONDS:
            # A batch's rules hold the GIL for ~15 ms; the event loop's thread waiting for it
            # would get it only at the interpreter's next forced switch (every 5 ms). Letting
            # go here hands it over at once, so the loop waits at most about a millisecond.
            time.sleep(0)
            since = time.perf_counter()
    return shaped


class ReminderReads:
    """The batched reads of the reminder tick, over the shared Database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def dm_rows(self, members: Sequence[MemberKey], upto: date) -> list[MemberDmRows]:
        """What the DMs of `members` show, in one reader job (see `dm_rows`)."""
        return await self._db.read(dm_rows, list(members), encode_date(upto))

    async def dm_contents(
        self,
        members: Sequence[MemberKey],
        upto: date,
        shape: Callable[[MemberKey, MemberDmRows], T],
    ) -> list[T]:
        """`shape(member, rows)` of each member's `MemberDmRows`, computed in the same reader
        job, on the reader's thread: `shape` must be pure computing over what it is given
        (it runs off the event loop, which a batch of members' rules would hold for tens of
        milliseconds)."""
        return await self._db.read(_shaped, list(members), encode_date(upto), shape)
