"""The moderators' log channel: one line per thing the bot did or could not do on its own.

Nothing the bot turns off or fails at stays silent: a daily or weekly post turned off (why, and
how to fix it), a reward role it could not give, a member's reminder it turned off, content
errors in the roadmap the server uses. The callers are where those events happen; this service
owns the log: which channel (`guild_settings.log_channel_id`, none: nothing is sent), at most
once per server for a report with a key (`moderator_notices`, claimed before sending), and the
pacing every scheduled send shares (the project's RestPacer).

A line is plain text with no file paths or file contents, and mentions that never ping.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import Protocol

from bot.roadmap.catalog import Catalog
from bot.roadmap.loader import plural
from bot.roadmap.problems import Problem
from bot.services.clock import Clock
from bot.services.delivery import SendOutcome
from bot.store.moderation import LoggedServer, ModerationChannels, ModerationRepository

log = logging.getLogger(__name__)


class LogSender(Protocol):
    async def send_log_line(self, channel_id: int, text: str) -> SendOutcome:
        """Post `text` in the channel, pinging no one."""
        ...


#: Discord's limit of a message's text.
LINE_MAX = 2000
#: Members named in one reminders line before "and N more".
NAMED_MAX = 40
#: Members following a roadmap that left the content, kept in memory to be told; past this
#: many, each member's choice is read on their next command instead.
GONE_CAPACITY = 100_000
#: Reminders turned off within this many seconds are told in one line per server: a fan-out
#: meeting a hundred closed DMs is one report, not a hundred (nor a hundred paced sends).
BATCH_SECONDS = 2.0


def reminder_off_line(user_ids: Sequence[int]) -> str:
    """The log line for reminders turned off because the members' DMs are closed."""
    named = ", ".join(f"<@{user_id}>" for user_id in user_ids[:NAMED_MAX])
    more = len(user_ids) - NAMED_MAX
    if more > 0:
        named += f" and {more} more"
    whose = f"{named}'s daily reminder" if len(user_ids) == 1 else f"the daily reminders of {named}"
    return (
        f"🔕 I turned off {whose}: their direct messages are closed to me, so Discord refused "
        f"the reminder. They can allow DMs from this server (Privacy Settings) and run "
        "`/roadmap remind set` again."
    )[:LINE_MAX]


def reminder_refused_line(user_id: int, reason: str) -> str:
    """A reminder turned off for another refusal than closed DMs (rare: said as Discord did)."""
    return f"🔕 I turned off <@{user_id}>'s daily reminder: {reason}."[:LINE_MAX]


def daily_off_line(reason: str) -> str:
    return f"📴 The daily post is turned off: {reason}."


def reward_not_given_line(user_id: int, role_id: int, stage_title: str, reason: str) -> str:
    return (
        f"🏅 I could not give <@&{role_id}> to <@{user_id}> for finishing **{stage_title}**: "
        f"{reason}"
    )


def reward_notice_key(role_id: int, roadmap_id: str, stage_id: str, reason: str, day: str) -> str:
    """The once-key of a reward-failure line: one a day (UTC `day`) per role, stage and reason,
    so a misplaced role refusing every member who finishes the stage is said once, not per
    member; a new reason (the role fixed, then deleted) is told at once."""
    digest = hashlib.blake2b(reason.encode(), digest_size=6).hexdigest()
    return f"reward:{role_id}:{roadmap_id}:{stage_id}:{digest}:{day}"


def content_version(problems: Iterable[Problem]) -> str:
    """A short hash of the refused content's errors: the same broken files, the same key."""
    text = "\n".join(sorted(str(problem) for problem in problems if problem.is_error))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def errors_by_roadmap(problems: Iterable[Problem], catalog: Catalog) -> tuple[dict[str, int], int]:
    """The errors of a refused content folder counted per roadmap served now (a file named
    after a roadmap's id), and those of no known roadmap (a new file, the folder itself)."""
    known = set(catalog.ids)
    counted: dict[str, int] = {}
    elsewhere = 0
    for problem in problems:
        if not problem.is_error:
            continue
        stem = problem.file.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem in known:
            counted[stem] = counted.get(stem, 0) + 1
        else:
            elsewhere += 1
    return counted, elsewhere


def content_line(roadmap_title: str, errors: int) -> str:
    return (
        f"📚 The latest content update of **{roadmap_title}** was refused "
        f"({plural(errors, 'error')}); members keep studying the version served before. "
        "The bot's operator finds each error in the bot's log (or with `python -m bot check`)."
    )


class ModeratorLog:
    """Sends one line to a server's log channel, paced, at most once per key."""

    def __init__(
        self,
        store: ModerationRepository,
        clock: Clock,
        sender: LogSender,
        *,
        pace: Callable[[], Awaitable[object]] | None = None,
        batch_seconds: float = BATCH_SECONDS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self._pace = pace
        self.batch_seconds = batch_seconds
        self._reminders_off: dict[int, list[int]] = {}
        self._flush: asyncio.Task[None] | None = None

    async def report(self, guild_id: int, text: str, *, once_key: str | None = None) -> bool:
        """Post `text` in the server's log channel; whether it was sent. With `once_key`, only
        the first report of that key per server is sent (claimed before sending: a send that
        then fails is not tried again, rather than risk telling it twice)."""
        try:
            channel_id = (await self.store.channels(guild_id)).log_channel_id
            if channel_id is None:
                return False
            return await self._send(guild_id, channel_id, text, once_key)
        except Exception:
            # A report must never break what it reports on (a tick, a reward, a reload).
            log.exception("moderator log: report failed guild=%s", guild_id)
            return False

    async def _send(self, guild_id: int, channel_id: int, text: str, key: str | None) -> bool:
        if key is not None and not await self.store.claim_notice(guild_id, key, self.clock.now()):
            return False
        if self._pace is not None:
            await self._pace()
        outcome = await self.sender.send_log_line(channel_id, text)
        if outcome.kind != "sent":
            log.warning(
                "moderator log: not sent guild=%s channel=%s: %s",
                guild_id,
                channel_id,
                outcome.reason,
            )
            return False
        log.info("moderator log guild=%s: %s", guild_id, text)
        return True

    @property
    def pending_reports(self) -> int:
        """Reminders turned off and not yet told (batched)."""
        return sum(len(users) for users in self._reminders_off.values())

    def reminder_turned_off(self, guild_id: int, user_id: int) -> None:
        """A member's reminder was turned off (closed DMs): told with the others of the next
        `batch_seconds`, one line per server (the reminder tick does not wait for it)."""
        self._reminders_off.setdefault(guild_id, []).append(user_id)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.get_running_loop().create_task(self._flush_reminders())

    async def _flush_reminders(self) -> None:
        await asyncio.sleep(self.batch_seconds)
        pending, self._reminders_off = self._reminders_off, {}
        for guild_id, user_ids in pending.items():
            await self.report(guild_id, reminder_off_line(list(dict.fromkeys(user_ids))))

    async def flush(self) -> None:
        """Send what is batched now (on stop, and for tests)."""
        task = self._flush
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        pending, self._reminders_off = self._reminders_off, {}
        for guild_id, user_ids in pending.items():
            await self.report(guild_id, reminder_off_line(list(dict.fromkeys(user_ids))))

    async def report_content_errors(self, problems: Collection[Problem], catalog: Catalog) -> int:
        """After a refused reload: each server with a log channel whose roadmap has errors is
        told once per content version (one line per roadmap); how many lines were sent."""
        counted, elsewhere = errors_by_roadmap(problems, catalog)
        version = content_version(problems)
        sent = 0
        for server in await self.store.logged_servers():
            for roadmap_id in _roadmaps_of(server, catalog):
                errors = counted.get(roadmap_id, 0) + elsewhere
                roadmap = catalog.get(roadmap_id)
                if errors == 0 or roadmap is None:
                    continue
                line = content_line(roadmap.title, errors)
                key = f"content:{version}:{roadmap_id}"
                if await self._send_once(server, line, key):
                    sent += 1
        return sent

    async def _send_once(self, server: LoggedServer, line: str, key: str) -> bool:
        try:
            return await self._send(server.guild_id, server.log_channel_id, line, key)
        except Exception:
            log.exception("moderator log: content report failed guild=%s", server.guild_id)
            return False


def _roadmaps_of(server: LoggedServer, catalog: Catalog) -> list[str]:
    """The roadmaps a server uses: its default (else the catalog's) and its daily post's."""
    used = [server.default_roadmap or catalog.default_id, server.daily_roadmap]
    return list(dict.fromkeys(r for r in used if r is not None and r in catalog.ids))


class ModerationSettings:
    """The moderators' channels, the reward roles the bot gave, and members' roadmap choices
    that left the content: what the moderation cog and the rewards listener read and write."""

    def __init__(self, store: ModerationRepository, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._scanned: Catalog | None = None  # the catalog `_gone` was listed for
        self._gone: dict[tuple[int, int], str] = {}
        self._gone_overflow = False
        self._scan_lock = asyncio.Lock()

    async def channels(self, guild_id: int) -> ModerationChannels:
        return await self.store.channels(guild_id)

    async def set_log_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self.store.set_log_channel(guild_id, channel_id, self.clock.now())

    async def set_announce_channel(self, guild_id: int, channel_id: int | None) -> None:
        await self.store.set_announce_channel(guild_id, channel_id, self.clock.now())

    async def record_grant(
        self, guild_id: int, user_id: int, roadmap_id: str, stage_id: str, role_id: int
    ) -> None:
        """The bot gave `role_id` for finishing that stage (an Undo may take it back)."""
        await self.store.record_grant(
            guild_id, user_id, roadmap_id, stage_id, role_id=role_id, now=self.clock.now()
        )

    async def hides_progress(self, guild_id: int, user_id: int) -> bool:
        return await self.store.hides_progress(guild_id, user_id)

    async def gone_roadmap(self, guild_id: int, user_id: int, catalog: Catalog) -> str | None:
        """The roadmap the member follows when it left the content, forgotten now so the member
        is told once (None: they follow none, or one that is still there).

        Once per catalog served, one scan lists the members following a roadmap it lacks;
        a member's check is then a lookup in memory (no read per command), unless more than
        GONE_CAPACITY members were listed, when each member's choice is read."""
        if self._scanned is not catalog:
            async with self._scan_lock:
                if self._scanned is not catalog:
                    found = await self.store.following_others(catalog.ids, GONE_CAPACITY + 1)
                    self._gone = {(g, u): roadmap for g, u, roadmap in found}
                    self._gone_overflow = len(found) > GONE_CAPACITY
                    self._scanned = catalog
        followed = self._gone.pop((guild_id, user_id), None)
        if followed is None and self._gone_overflow:
            followed = await self.store.followed_roadmap(guild_id, user_id)
        if followed is None or followed in catalog.ids:
            return None
        if not await self.store.clear_followed_roadmap(guild_id, user_id, followed):
            return None  # changed meanwhile (another command, another process told them)
        return followed
