"""What each reminder DM of a batch shows: the member's standing in the roadmap they study (so
their next topic) and how many reviews they have due today.

The reminder tick asks for a whole batch of members at once: one reader job reads every input
of the batch (bot/store/reminder_reads.py), and the rules are the member commands' own: which
roadmap (`pick_roadmap`, as `MemberRoadmaps.member_roadmap`), the standing (`standing`), the
reviews due in the member's local day (`reviews_due_from_read`, as `StudyService.reviews_due`).
The work on the event loop is then pure computing, about 0.3 ms per member; it yields to the
loop every few milliseconds so a batch of members never holds it for long.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.roadmap.catalog import Catalog
from bot.roadmap.model import Roadmap
from bot.services.clock import Clock
from bot.services.content import ContentHolder
from bot.services.members import pick_roadmap
from bot.services.standing import Standing, standing
from bot.services.step_budget import STEP_SECONDS, StepBudget
from bot.services.study_loop import cards_read_upto, reviews_due, reviews_due_from_read
from bot.services.timezones import local_date, pick_zone
from bot.store.reminder_reads import MemberDmRows, MemberKey, ReminderReads
from bot.store.reviews import ReviewRepository


@dataclass(frozen=True, slots=True)
class DmContent:
    """One member's DM: where they stand (no DM when `standing.next_topic` is None, the roadmap
    finished) and their reviews due today (0 with reviews off, or when there is no DM)."""

    standing: Standing
    reviews_due: int


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
        *,
        step_seconds: float = STEP_SECONDS,
    ) -> None:
        self._reads = reads
        self._reviews = reviews
        self._content = content
        self._clock = clock
        self._step_seconds = step_seconds

    async def __call__(self, members: Sequence[MemberKey]) -> list[DmContent]:
        catalog = self._content.catalog  # one catalog for the whole batch, even across a reload
        now = self._clock.now()
        found = await self._reads.dm_rows(members, cards_read_upto(now))
        contents: list[DmContent] = []
        budget = StepBudget(self._step_seconds)
        for (guild_id, user_id), rows in zip(members, found, strict=True):
            roadmap = _roadmap_of(catalog, rows)
            current = standing(roadmap, rows.progress.get(roadmap.id, ()))
            due = 0
            if current.next_topic is not None:  # no DM otherwise: nothing to count
                zone = pick_zone(rows.member_zone, rows.server_zone)
                today = local_date(now, zone)
                cards = rows.cards_due.get(roadmap.id, [])
                reviews = reviews_due_from_read(roadmap, cards, today, zone, rows.reviews_enabled)
                if reviews is None:  # a card under a replaced id: all the member's cards
                    every = await self._reviews.cards(guild_id, user_id, roadmap.id)
                    reviews = reviews_due(roadmap, every, today, zone, rows.reviews_enabled)
                due = reviews.count
            contents.append(DmContent(current, due))
            await budget.spend()
        return contents


def _roadmap_of(catalog: Catalog, rows: MemberDmRows) -> Roadmap:
    if len(catalog) == 1:
        return catalog.default  # whatever they chose, it is the only roadmap there is
    chosen = pick_roadmap(
        rows.followed_roadmap, rows.server_roadmap, catalog.ids, catalog.default_id
    )
    return catalog.get(chosen) or catalog.default
