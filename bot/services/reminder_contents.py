"""What each reminder DM of a batch shows: the member's standing in the roadmap they study (so
their next topic) and the reviews they have due today (how many, and which topics).

The reminder tick asks for a whole batch of members at once: one reader job reads every input
of the batch (bot/store/reminder_reads.py), and the rules are the member commands' own: which
roadmap (`pick_roadmap`, as `MemberRoadmaps.member_roadmap`), the standing (`standing`), the
reviews due in the member's local day (`reviews_due_from_read`, as `StudyService.reviews_due`).
The rules are pure computing, about 0.15 ms per member: they run inside the batch's reader
job, on the reader's thread (`ReminderReads.dm_contents`), so a batch of members never holds
the event loop; only a member with a card under a replaced topic id needs a second read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap
from bot.services.clock import Clock
from bot.services.content import ContentHolder
from bot.services.members import pick_roadmap
from bot.services.standing import Standing, standing
from bot.services.study_loop import (
    ReviewsDue,
    cards_read_upto,
    reviews_due,
    reviews_due_from_read,
)
from bot.services.timezones import local_date, pick_zone
from bot.store.reminder_reads import MemberDmRows, MemberKey, ReminderReads
from bot.store.reviews import ReviewRepository


@dataclass(frozen=True, slots=True)
class DmContent:
    """One member's DM: where they stand (no DM when `standing.next_topic` is None, the roadmap
    finished) and their reviews due today (0 with reviews off, or when there is no DM), with
    the titles of those topics in the order `/roadmap review` asks them."""

    standing: Standing
    reviews_due: int
    review_titles: tuple[str, ...] = ()

    @classmethod
    def of(cls, current: Standing, due: ReviewsDue) -> DmContent:
        return cls(current, due.count, tuple(review.topic.title for review in due.due))


#: The DMs of a batch of members, (guild_id, user_id) each, in their order.
ContentsSource = Callable[[Sequence[MemberKey]], Awaitable[list[DmContent]]]


class ReminderContents:
    """A `ContentsSource` over the store and the content served now."""

    def __init__(
        self,
        reads: ReminderReads,
        reviews: ReviewRepository,
        content: ContentHolder,
        clock: Clock,
    ) -> None:
        self._reads = reads
        self._reviews = reviews
        self._content = content
        self._clock = clock

    async def __call__(self, members: Sequence[MemberKey]) -> list[DmContent]:
        catalog = self._content.catalog  # one catalog for the whole batch, even across a reload
        now = self._clock.now()
        # The rules run in the reader's job, on its thread, as the rows are read.
        found = await self._reads.dm_contents(
            members, cards_read_upto(now), partial(_dm_content, catalog, now)
        )
        contents: list[DmContent] = []
        for (guild_id, user_id), found_content in zip(members, found, strict=True):
            if isinstance(found_content, _AllCardsNeeded):  # a card under a replaced id
                wanted, roadmap = found_content, found_content.standing.roadmap
                every = await self._reviews.cards(guild_id, user_id, roadmap.id)
                reviews = reviews_due(roadmap, every, wanted.today, wanted.zone, wanted.enabled)
                contents.append(DmContent.of(wanted.standing, reviews))
            else:
                contents.append(found_content)
        return contents


@dataclass(frozen=True, slots=True)
class _AllCardsNeeded:
    """A member one of whose cards due today sits under an id a topic replaces: only all their
    cards tell what is due (read afterwards, rarely)."""

    standing: Standing
    today: date
    zone: ZoneInfo
    enabled: bool


def _dm_content(
    catalog: Catalog, now: datetime, member: MemberKey, rows: MemberDmRows
) -> DmContent | _AllCardsNeeded:
    """One member's DM from their stored rows: pure computing, run on the reader's thread."""
    roadmap = _roadmap_of(catalog, rows)
    current = standing(roadmap, rows.progress.get(roadmap.id, ()))
    if current.next_topic is None:  # no DM: nothing to count
        return DmContent(current, 0)
    zone = pick_zone(rows.member_zone, rows.server_zone)
    today = local_date(now, zone)
    cards = rows.cards_due.get(roadmap.id, [])
    reviews = reviews_due_from_read(roadmap, cards, today, zone, rows.reviews_enabled)
    if reviews is None:
        return _AllCardsNeeded(current, today, zone, rows.reviews_enabled)
    return DmContent.of(current, reviews)


def _roadmap_of(catalog: Catalog, rows: MemberDmRows) -> Roadmap:
    if len(catalog) == 1:
        return catalog.default  # whatever they chose, it is the only roadmap there is
    chosen = pick_roadmap(
        rows.followed_roadmap, rows.server_roadmap, catalog.ids, catalog.default_id
    )
    return catalog.get(chosen) or catalog.default
