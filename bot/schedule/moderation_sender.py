"""The Discord side of the moderators' features: a line in the log channel, the weekly
leaderboard post (sent, or found again in the channel after a crash), and the daily and
reminder senders that tell the log channel what they turned off.

Every answer from Discord becomes a plain SendOutcome, as for the daily post
(bot/schedule/daily_sender.py): refused for good with a reason a moderator can act on, or a
passing failure the ledger retries with the same nonce.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.render.dms import REMINDER_DMS_CLOSED
from bot.render.moderation import weekly_post, weekly_post_period
from bot.render.to_discord import send_kwargs
from bot.schedule.daily_sender import ChannelPostSender, DiscordDailySender
from bot.schedule.reminder_sender import DiscordReminderSender
from bot.services.delivery import DailyPostRequest, ReminderRequest, SendOutcome
from bot.services.moderator_log import ModeratorLog, daily_off_line, reminder_refused_line
from bot.services.weekly import WeeklyBoard, WeeklyPostRequest

log = logging.getLogger(__name__)

#: Tells a server's moderators one line (ModeratorLog.report).
Report = Callable[[int, str], Awaitable[object]]


class DiscordModerationSender(ChannelPostSender):
    """Log lines and weekly posts through the logged-in client."""

    fix = "/roadmap-admin weekly"

    async def send_log_line(self, channel_id: int, text: str) -> SendOutcome:
        channel = self._client.get_partial_messageable(channel_id)
        try:
            sent = await asyncio.wait_for(
                channel.send(content=text[:2000], allowed_mentions=discord.AllowedMentions.none()),
                timeout=self._timeout,
            )
        except discord.HTTPException as exc:
            return SendOutcome.refused(f"Discord answered {exc.status} {exc.text or ''}".strip())
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return SendOutcome.retry(f"no answer from Discord ({type(exc).__name__})")
        return SendOutcome.sent(sent.id)

    async def send_weekly(self, request: WeeklyPostRequest, board: WeeklyBoard) -> SendOutcome:
        message = weekly_post(board.board, roadmap_title=board.roadmap.title, period=request.period)
        return await self._post(
            request.channel_id,
            request.guild_id,
            send_kwargs(message),
            nonce=request.nonce,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def find_weekly_post(self, channel_id: int, period: str) -> SendOutcome:
        return await self._find_post(
            channel_id, lambda footer: weekly_post_period(footer) == period
        )


class ReportingDailySender(DiscordDailySender):
    """The daily sender, telling the log channel when Discord refuses a post for good (the
    ledger then turns the schedule off with that reason)."""

    def __init__(self, client: discord.Client, report: Report, **options: float) -> None:
        super().__init__(client, **options)  # type: ignore[arg-type]
        self._report = report

    async def send_daily(self, request: DailyPostRequest) -> SendOutcome:
        outcome = await super().send_daily(request)
        if outcome.kind == "refused":
            await self._report(request.guild_id, daily_off_line(outcome.reason or "refused"))
        return outcome


class ReportingReminderSender(DiscordReminderSender):
    """The reminder sender, telling the log channel of reminders turned off because the
    members' DMs are closed (in words, not Discord's error code; batched per server)."""

    def __init__(
        self,
        client: discord.Client,
        moderator_log: ModeratorLog,
        *,
        pace: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        super().__init__(client, pace=pace)
        self._log = moderator_log

    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        outcome = await super().send_reminder(request)
        if outcome.kind == "refused":
            reason = outcome.reason or "Discord refused the DM"
            if reason.startswith(REMINDER_DMS_CLOSED):
                self._log.reminder_turned_off(request.guild_id, request.user_id)
            else:
                await self._log.report(
                    request.guild_id, reminder_refused_line(request.user_id, reason)
                )
        return outcome
