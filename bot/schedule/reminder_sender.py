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

from bot.render.dms import CANNOT_DM, REMINDER_DMS_CLOSED
from bot.render.payload import Message
from bot.render.reminders import reminder_button_label, reminder_dm, reminder_dm_buttons
from bot.render.to_discord import send_kwargs
from bot.render.topic import standing_card
from bot.schedule.daily_sender import REQUEST_TIMEOUT
from bot.services.delivery import ReminderRequest, SendOutcome

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003

#: Done green, Stop reminders red, the others grey (as the cog's DynamicItems draw them).
_REMINDER_STYLES = {"d": discord.ButtonStyle.success, "x": discord.ButtonStyle.danger}


def reminder_view(request: ReminderRequest) -> discord.ui.View | None:
    """The DM's buttons as plain buttons with their custom_ids: the DynamicItems the reminders
    cog registers answer the presses (the schedule layer cannot import the cogs). Stopped, so
    discord.py keeps no view per DM in memory and routes presses by custom_id."""
    topic, stage = request.standing.next_topic, request.standing.next_stage
    if topic is None or stage is None or request.standing.next_choice is not None:
        return None  # a pick is due: the member chooses in the server
    view = discord.ui.View(timeout=None)
    for spec in reminder_dm_buttons(
        request.guild_id,
        request.user_id,
        request.roadmap.id,
        topic,
        stage.stage,
        reviews_due=request.reviews_due,
    ):
        view.add_item(
            discord.ui.Button(
                label=reminder_button_label(spec),
                style=_REMINDER_STYLES.get(spec.action, discord.ButtonStyle.secondary),
                custom_id=spec.custom_id,
            )
        )
    view.stop()
    return view


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
        # The card shows where the member stood when the DM was claimed (done counts, stage);
        # its buttons name the server, since a DM has none.
        card = standing_card(request.standing)
        message = reminder_dm(
            card, guild.name if guild else None, request.reviews_due, request.review_titles
        )
        view = reminder_view(request)
        try:
            async with asyncio.timeout(self._timeout):
                channel_id = request.dm_channel_id or await self._open_dm(request.user_id)
                try:
                    sent = await self._send(channel_id, message, request.nonce, view)
                except discord.NotFound:
                    if request.dm_channel_id is None:
                        raise
                    # The remembered channel is gone: open it again once.
                    channel_id = await self._open_dm(request.user_id)
                    sent = await self._send(channel_id, message, request.nonce, view)
        except discord.HTTPException as exc:
            if exc.code == CANNOT_DM or exc.status == 403:
                return SendOutcome.refused(f"{REMINDER_DMS_CLOSED} (Discord answered {exc.code})")
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

    async def _send(
        self, channel_id: int, message: Message, nonce: str, view: discord.ui.View | None
    ) -> discord.Message:
        channel = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        kwargs = send_kwargs(message)
        if view is not None:
            kwargs["view"] = view
        return await channel.send(
            **kwargs, nonce=nonce, allowed_mentions=discord.AllowedMentions.none()
        )
