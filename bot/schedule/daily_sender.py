"""The Discord side of daily posts: send one post, or find it again in the channel's history.

Implements bot.services.delivery.DailySender for the DailyPlanner. Every answer from Discord
becomes a plain SendOutcome: a post Discord will never take (permission removed, channel gone)
is `refused` with a reason a moderator can act on; a passing failure (5xx, a timeout, a dropped
connection) is `retry`, and the planner sends again with the same nonce, which Discord drops
as a repeat if the first attempt had arrived after all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from typing import Any, Final, Literal

import aiohttp
import discord

from bot.render.custom_ids import NotifyMe
from bot.render.daily import (
    NOTIFY_ME_LABEL,
    daily_button_label,
    daily_post_buttons,
    daily_post_date,
    daily_post_for,
    thread_name,
)
from bot.render.permissions import DAILY_POST_PERMISSIONS, notify_role_problem, permission_names
from bot.render.to_discord import send_kwargs
from bot.services.delivery import DailyPostRequest, SendOutcome

log = logging.getLogger(__name__)

#: Messages searched back in a channel for a post after a crash: a day's chat rarely buries
#: yesterday's post deeper than this, and one request returns at most 100.
HISTORY_LIMIT = 100
#: An answer slower than this counts as a passing failure (the nonce makes the resend safe).
REQUEST_TIMEOUT = 60.0

# Discord's JSON error codes that mean "this will never work until a moderator acts".
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
#: "A thread has already been created for this message": a resend's thread was opened before.
THREAD_ALREADY_CREATED = 160004
#: A day's discussion thread hides itself after a day without messages (Discord's 1440 minutes).
THREAD_ARCHIVE_MINUTES: Final[Literal[1440]] = 1440


def daily_mentions(ping_role_id: int | None) -> discord.AllowedMentions:
    """Nothing may ping but the configured role (content text never mentions anyone)."""
    roles: list[discord.Object] | bool = (
        [discord.Object(id=ping_role_id)] if ping_role_id is not None else False
    )
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def daily_post_view(
    request: DailyPostRequest, guild: discord.Guild | None = None
) -> discord.ui.View:
    """The post's buttons as plain buttons with their custom_ids: the DynamicItems the daily
    cog registers answer the presses (the schedule layer cannot import the cogs). The view is
    stopped so discord.py keeps no view per post in memory and routes presses by custom_id."""
    view = discord.ui.View(timeout=None)
    for spec in daily_post_buttons(request.roadmap.id, request.topic):
        done = spec.action == spec.DONE
        view.add_item(
            discord.ui.Button(
                label=daily_button_label(spec.action),
                style=discord.ButtonStyle.success if done else discord.ButtonStyle.secondary,
                custom_id=spec.custom_id,
            )
        )
    if request.ping_role_id is not None and guild is not None:
        role = guild.get_role(request.ping_role_id)
        if notify_role_problem(guild, role) is None:  # a role members may opt in to
            notify = NotifyMe(request.ping_role_id)
            view.add_item(
                discord.ui.Button(
                    label=NOTIFY_ME_LABEL,
                    style=discord.ButtonStyle.secondary,
                    custom_id=notify.custom_id,
                )
            )
    view.stop()
    return view


def refusal_reason(
    error: discord.HTTPException, channel_id: int, fix: str = "/roadmap-admin daily set"
) -> str | None:
    """What a moderator should read when Discord refuses a scheduled post for good (`fix`: the
    command that chooses its channel again); None when the failure may pass (a retry can
    succeed)."""
    where = f"<#{channel_id}>"
    if error.status == 404 or error.code == UNKNOWN_CHANNEL:
        return (
            f"the channel {where} no longer exists (Discord answered 404 Unknown Channel); "
            f"choose another with `{fix}`"
        )
    if error.status == 403 or error.code in (MISSING_ACCESS, MISSING_PERMISSIONS):
        text = error.text or "Missing Permissions"
        return (
            f"I may no longer post in {where} (Discord answered 403 {text}); give me "
            f"{permission_names(DAILY_POST_PERMISSIONS)} there, then run `{fix}` again"
        )
    if error.status >= 500 or error.status == 429:
        return None
    # Any other 4xx: the same request would be refused again, so retrying only hides it.
    return f"Discord refused the post in {where} ({error.status} {error.text or 'error'})"


class ChannelPostSender:
    """What the senders of scheduled channel posts (daily, weekly) share: a post sent with its
    nonce, our own post found again in the channel's recent history after a crash, and every
    answer from Discord as a SendOutcome, a refusal for good naming the command (`fix`) that
    chooses the post's channel again."""

    #: The moderators' command that sets the post's channel again.
    fix = "/roadmap-admin daily set"

    def __init__(
        self,
        client: discord.Client,
        *,
        history_limit: int = HISTORY_LIMIT,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._client = client
        self._history_limit = history_limit
        self._timeout = timeout

    async def _post(
        self,
        channel_id: int,
        guild_id: int,
        send: dict[str, Any],
        **options: Any,
    ) -> SendOutcome:
        """Send the message (`send`: its `send_kwargs`) with `options` (the nonce: discord.py
        sends `enforce_nonce` with it, so a repeat within Discord's window returns the first
        message instead of posting a second one)."""
        channel = self._client.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            sent = await asyncio.wait_for(channel.send(**send, **options), timeout=self._timeout)
        except discord.HTTPException as exc:
            return self._failed(exc, channel_id)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return SendOutcome.retry(f"no answer from Discord ({type(exc).__name__})")
        return SendOutcome.sent(sent.id)

    async def _find_post(
        self, channel_id: int, is_ours: Callable[[str | None], bool]
    ) -> SendOutcome:
        """Our post whose embed footer `is_ours` says is the one, in the recent history:
        `sent` with its id, `missing`, or `refused`/`retry` when the history cannot be read."""
        channel = self._client.get_partial_messageable(channel_id)
        me = self._client.user
        try:
            async with asyncio.timeout(self._timeout):
                async for message in channel.history(limit=self._history_limit):
                    if me is not None and message.author.id != me.id:
                        continue
                    footer = message.embeds[0].footer.text if message.embeds else None
                    if is_ours(footer):
                        return SendOutcome.sent(message.id)
        except discord.HTTPException as exc:
            return self._failed(exc, channel_id)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return SendOutcome.retry(f"no answer from Discord ({type(exc).__name__})")
        return SendOutcome.missing()

    def _failed(self, error: discord.HTTPException, channel_id: int) -> SendOutcome:
        reason = refusal_reason(error, channel_id, fix=self.fix)
        if reason is None:
            return SendOutcome.retry(f"Discord answered {error.status}")
        return SendOutcome.refused(reason)


class DiscordDailySender(ChannelPostSender):
    """Sends daily posts through a logged-in discord.py client (the DailySender protocol)."""

    async def send_daily(self, request: DailyPostRequest) -> SendOutcome:
        message = daily_post_for(
            request.roadmap,
            request.topic,
            local_date=request.local_date,
            ping_role_id=request.ping_role_id,
        )
        return await self._post(
            request.channel_id,
            request.guild_id,
            send_kwargs(message),
            nonce=request.nonce,
            allowed_mentions=daily_mentions(request.ping_role_id),
            view=daily_post_view(request, self._client.get_guild(request.guild_id)),
        )

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int | None:
        """A public thread on the post (POST /channels/{c}/messages/{m}/threads): its id, or
        None when Discord refuses it (logged; the post stays). A thread opened from a message
        has the message's id, so Discord's "already created" (160004, a resend after a crash)
        names the thread that exists."""
        try:
            data = await asyncio.wait_for(
                self._client.http.start_thread_with_message(
                    channel_id,
                    message_id,
                    name=thread_name(name),
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                ),
                timeout=self._timeout,
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return message_id
            log.warning(
                "no thread on daily post channel=%s message=%s: Discord answered %s %s",
                channel_id,
                message_id,
                exc.status,
                exc.text or exc.code,
            )
            return None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "no thread on daily post channel=%s message=%s: %s",
                channel_id,
                message_id,
                type(exc).__name__,
            )
            return None
        return int(data["id"])

    async def find_daily_post(self, channel_id: int, local_date: date) -> SendOutcome:
        return await self._find_post(
            channel_id, lambda footer: daily_post_date(footer) == local_date
        )
