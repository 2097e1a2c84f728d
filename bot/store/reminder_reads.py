"""What the reminder DMs of one batch of members show, read for the whole batch at once.

A reminder tick plans up to a batch of due reminders at a time; each DM shows the member's
next topic and their reviews due today. Read member by member, that is a few point reads per
member (which roadmap, the progress in it, the zones, the cards due), thousands of reader
round trips for a busy minute, each one a wake-up of the event loop and a hand-over of the
GIL. Here it is four statements per batch, each over the whole batch's members, on one
reader; the services layer (bot/services/reminder_contents.py) applies the rules to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, select

from bot.store.codec import decode_date, decode_instant, encode_date
from bot.store.database import Database
from bot.store.progress import ProgressRow
from bot.store.reviews import StoredCard
from bot.store.schema import guild_settings, member_settings, progress, review_cards

#: (guild_id, user_id)
MemberKey = tuple[int, int]


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
_MEMBERS = select(_m.guild_id, _m.user_id, _m.followed_roadmap, _m.time_zone, _m.reviews_enabled)
_SERVERS = select(_g.guild_id, _g.default_roadmap, _g.time_zone)
_PROGRESS = select(
    _p.guild_id, _p.user_id, _p.roadmap_id, _p.topic_id, _p.status, _p.started_at,
    _p.updated_at, _p.completed_at, _p.checked_at,
)  # fmt: skip
_CARDS = select(
    _c.guild_id, _c.user_id, _c.roadmap_id, _c.topic_id, _c.due, _c.stability, _c.difficulty,
    _c.state, _c.step, _c.last_review,
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
    guild_ids = sorted({guild_id for guild_id, _ in keys})
    user_ids = sorted({user_id for _, user_id in keys})
    settings = {
        (int(g), int(u)): (followed, zone, bool(enabled))
        for g, u, followed, zone, enabled in conn.execute(
            _MEMBERS.where(_m.guild_id.in_(guild_ids), _m.user_id.in_(user_ids))
        )
    }
    servers = {
        int(g): (roadmap, zone)
        for g, roadmap, zone in conn.execute(_SERVERS.where(_g.guild_id.in_(guild_ids)))
    }
    rows_of: dict[MemberKey, dict[str, list[ProgressRow]]] = {}
    for g, u, roadmap_id, *row in conn.execute(
        _PROGRESS.where(_p.guild_id.in_(guild_ids), _p.user_id.in_(user_ids))
    ):
        key = (int(g), int(u))
        if key in wanted:
            rows_of.setdefault(key, {}).setdefault(roadmap_id, []).append(ProgressRow(*row))
    cards_of: dict[MemberKey, dict[str, list[StoredCard]]] = {}
    for g, u, roadmap_id, topic_id, due, stability, difficulty, state, step, last in conn.execute(
        _CARDS.where(_c.guild_id.in_(guild_ids), _c.user_id.in_(user_ids), _c.due <= upto)
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


class ReminderReads:
    """The batched reads of the reminder tick, over the shared Database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def dm_rows(self, members: Sequence[MemberKey], upto: date) -> list[MemberDmRows]:
        """What the DMs of `members` show, in one reader job (see `dm_rows`)."""
        return await self._db.read(dm_rows, list(members), encode_date(upto))
