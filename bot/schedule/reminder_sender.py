"""The Discord side of personal reminders: open the member's DM channel and send their next
topic card (bot.services.delivery.ReminderSender for the ReminderPlanner).

A member who does not accept DMs (50007, or any 403) is `refused`, and the planner turns the
reminder off; a passing failure is `retry` and is sent again with the same nonce.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.render.payload import Message
from bot.render.reminders import reminder_dm
from bot.render.to_discord import send_kwargs
from bot.render.topic import standing_card
from bot.schedule.daily_sender import REQUEST_TIMEOUT
from bot.services.delivery import ReminderRequest, SendOutcome

log = logging.getLogger(__name__)

CANNOT_DM = 50007
UNKNOWN_CHANNEL = 10003

DMS_CLOSED = (
    "I could not send you a DM (your privacy settings block direct messages from this "
    "server's members), so your reminder was turned off"
)


class DiscordReminderSender:
    """Sends reminder DMs through the logged-in bot. `pace` waits for a REST slot: the planner
    paces the message itself, this paces the extra request that opens a DM channel. It reads
    nothing from the database: the request carries what the card shows."""

    def __init__(
        self,
        client: discord.Client,
        *,
        pace: Callable[[], Awaitable[object]] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._client = client
        self._pace = pace
        self._timeout = timeout

    async def send_reminder(self, request: ReminderRequest) -> SendOutcome:
        guild = self._client.get_guild(request.guild_id)
        # No buttons: a DM has no server, and the buttons record progress per server. The card
        # shows where the member stood when the DM was claimed (done counts, stage).
        card = standing_card(request.standing)
        message = reminder_dm(card, guild.name if guild else None)
        try:
            async with asyncio.timeout(self._timeout):
                channel_id = request.dm_channel_id or await self._open_dm(request.user_id)
                try:
                    sent = await self._send(channel_id, message, request.nonce)
                except discord.NotFound:
                    if request.dm_channel_id is None:
                        raise
                    # The remembered channel is gone: open it again once.
                    channel_id = await self._open_dm(request.user_id)
                    sent = await self._send(channel_id, message, request.nonce)
        except discord.HTTPException as exc:
            if exc.code == CANNOT_DM or exc.status == 403:
                return SendOutcome.refused(f"{DMS_CLOSED} (Discord answered {exc.code})")
            if exc.status >= 500 or exc.status == 429:
                return SendOutcome.retry(f"Discord answered {exc.status}")
            return SendOutcome.refused(f"Discord refused the DM ({exc.status} {exc.text})")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return SendOutcome.retry(f"no answer from Discord ({type(exc).__name__})")
        # The channel is worth remembering only when it is not the one already known.
        known = channel_id == request.dm_channel_id
        return SendOutcome.sent(sent.id, channel_id=None if known else channel_id)

    async def _open_dm(self, user_id: int) -> int:
        if self._pace is not None:
            await self._pace()
        channel = await self._client.create_dm(discord.Object(id=user_id))
        return channel.id

    async def _send(self, channel_id: int, message: Message, nonce: str) -> discord.Message:
        channel = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        return await channel.send(
            **send_kwargs(message),
            nonce=nonce,
            allowed_mentions=discord.AllowedMentions.none(),
        )
