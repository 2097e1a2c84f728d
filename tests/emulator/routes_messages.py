"""REST routes for channel and DM messages: create (JSON or multipart), list, get, edit, delete,
and a public thread started from a message.

Creation applies Discord's checks in Discord's order: the channel exists and the bot may post
(50001/50013, 50007 for closed DMs), the body fits the limits (50035), a repeated nonce with
`enforce_nonce` inside the window returns the earlier message instead of a second one. A thread
from a message needs Create Public Threads (50013), a text or announcement channel (50024) and a
name of 1 to 100 characters (50035); it takes the message's id, as on Discord, and a second one
on the same message is refused with 400 / 160004.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.emulator.checks import check_message
from tests.emulator.messages import (
    EPHEMERAL,
    StoredMessage,
    apply_edit,
    build_message_payload,
    hide_content_from,
)
from tests.emulator.payloads import member_payload
from tests.emulator.rest import Call, DiscordError, RestRouter
from tests.emulator.routes_core import channel_of
from tests.emulator.snowflakes import iso_timestamp
from tests.emulator.world import (
    ANNOUNCEMENT,
    ANNOUNCEMENT_THREAD,
    CATEGORY,
    PUBLIC_THREAD,
    TEXT,
    Channel,
    User,
)

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

Reply = tuple[int, Any]

#: The message flag Discord sets on a message a thread was started from.
HAS_THREAD = 1 << 5
THREAD_NAME_MAX = 100
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


def create_message(
    emu: Emulator,
    channel: Channel,
    author: User,
    body: dict[str, Any],
    files: dict[str, bytes],
    *,
    flags: int = 0,
    extra: dict[str, Any] | None = None,
    interaction_token: str | None = None,
) -> StoredMessage:
    """Store a message that passed the checks and announce it on the gateway (unless ephemeral)."""
    message_id = emu.world.ids.next()
    payload = build_message_payload(
        emu.world,
        message_id=message_id,
        channel=channel,
        author=author,
        body=body,
        files=files,
        base_url=emu.base_url,
        flags=flags,
        extra=extra,
    )
    message = StoredMessage(
        message_id,
        channel.id,
        channel.guild_id,
        author,
        payload,
        dict(files),
        interaction_token=interaction_token,
        nonce=body.get("nonce"),
    )
    emu.store.add(message)
    if not message.ephemeral:
        event = dict(payload)
        if channel.guild_id is not None:
            member = emu.world.guilds[channel.guild_id].members.get(author.id)
            if member is not None:
                event["member"] = member_payload(member, with_user=False)
        emu.gateway.dispatch("MESSAGE_CREATE", event, guild_id=channel.guild_id)
    return message


def bot_may_send(emu: Emulator, channel: Channel, body: dict[str, Any], files: int) -> None:
    """What Discord demands of the bot beyond Send Messages for this body."""
    if channel.type == CATEGORY:
        raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
    if channel.is_dm:
        assert channel.recipient is not None
        if not channel.recipient.dms_open:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        return
    me = emu.world.guilds[channel.guild_id].me
    needs = ["send_messages"]
    if body.get("embeds"):
        needs.append("embed_links")
    if files:
        needs.append("attach_files")
    if body.get("message_reference"):
        needs.append("read_message_history")
    if not me.has(needs, channel):
        raise DiscordError(403, 50013, "Missing Permissions")


async def post_message(call: Call) -> Reply:
    emu = call.emu
    channel = channel_of(call)
    body = call.body if isinstance(call.body, dict) else {}
    bot_may_send(emu, channel, body, len(call.files))
    verdict = check_message(body, files=len(call.files))
    if verdict is not None:
        return verdict
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        earlier = emu.store.recent_nonce(channel.id, emu.world.bot.id, nonce)
        if earlier is not None:
            return 200, earlier.payload
    flags = int(body.get("flags") or 0) & ~EPHEMERAL  # only interactions may be ephemeral
    message = create_message(emu, channel, emu.world.bot, {**body, "flags": flags}, call.files)
    return 200, message.payload


def message_of(call: Call, channel: Channel) -> StoredMessage:
    message = call.emu.store.by_id.get(call.id("message_id"))
    if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
        raise DiscordError(404, 10008, "Unknown Message")
    return message


async def list_messages(call: Call) -> Reply:
    channel = channel_of(call)
    if channel.guild_id is not None and not call.emu.world.guilds[channel.guild_id].me.has(
        "read_message_history", channel
    ):
        return 200, []  # Discord returns no messages without Read Message History
    try:
        limit = int(call.query.get("limit", 50))
        before, after, around = (
            int(call.query[key]) if key in call.query else None
            for key in ("before", "after", "around")
        )
    except ValueError:
        raise DiscordError(400, 50035, "Invalid Form Body") from None
    if not 1 <= limit <= 100:
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {
                "limit": {
                    "_errors": [
                        {
                            "code": "NUMBER_TYPE_MAX",
                            "message": "int value should be <= 100 and >= 1.",
                        }
                    ]
                }
            },
        )
    found = call.emu.store.history(
        channel.id, limit=limit, before=before, after=after, around=around
    )
    return 200, [_as_read(call.emu, message) for message in found]


async def get_message(call: Call) -> Reply:
    channel = channel_of(call, need=("view_channel", "read_message_history"))
    return 200, _as_read(call.emu, message_of(call, channel))


def _as_read(emu: Emulator, message: StoredMessage) -> dict[str, Any]:
    """REST reads follow the app's Message Content intent as set in the developer portal."""
    if emu.world.privileged_intents.message_content:
        return message.payload
    return hide_content_from(emu.world.bot.id, message.payload)


async def edit_message(call: Call) -> Reply:
    emu = call.emu
    channel = channel_of(call)
    message = message_of(call, channel)
    if message.author.id != emu.world.bot.id:
        raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
    body = call.body if isinstance(call.body, dict) else {}
    verdict = check_message(body, files=len(call.files), editing=True)
    if verdict is not None:
        return verdict
    edit_stored(emu, message, channel, body, call.files)
    return 200, message.payload


def edit_stored(
    emu: Emulator,
    message: StoredMessage,
    channel: Channel,
    body: dict[str, Any],
    files: dict[str, bytes],
) -> None:
    """Apply an edit and announce it on the gateway (unless the message is ephemeral)."""
    apply_edit(emu.world, message, channel=channel, body=body, files=files, base_url=emu.base_url)
    if not message.ephemeral:
        emu.gateway.dispatch("MESSAGE_UPDATE", message.payload, guild_id=channel.guild_id)


def delete_stored(emu: Emulator, message: StoredMessage) -> None:
    message.deleted = True
    if not message.ephemeral:
        event = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            event["guild_id"] = str(message.guild_id)
        emu.gateway.dispatch("MESSAGE_DELETE", event, guild_id=message.guild_id)


async def delete_message(call: Call) -> Reply:
    emu = call.emu
    channel = channel_of(call)
    message = message_of(call, channel)
    if (
        message.author.id != emu.world.bot.id
        and channel.guild_id is not None
        and not (emu.world.guilds[channel.guild_id].me.has("manage_messages", channel))
    ):
        raise DiscordError(403, 50013, "Missing Permissions")
    delete_stored(emu, message)
    return 204, None


async def serve_attachment(emu: Emulator, request: web.Request) -> web.Response:
    """The CDN: the bytes of an uploaded file, so `Attachment.read()` works in tests."""
    wanted = request.match_info["attachment_id"]
    for message in emu.store.by_channel.get(int(request.match_info["channel_id"]), []):
        for attachment in message.attachments:
            if attachment["id"] == wanted and attachment["filename"] in message.files:
                return web.Response(
                    body=message.files[attachment["filename"]],
                    content_type="application/octet-stream",
                )
    return web.Response(status=404, text="Not Found")


def _thread_payload(emu: Emulator, thread: Channel, archive_minutes: int) -> dict[str, Any]:
    now = iso_timestamp()
    return {
        "id": str(thread.id),
        "type": thread.type,
        "flags": 0,
        "guild_id": str(thread.guild_id),
        "name": thread.name,
        "parent_id": str(thread.parent_id),
        "owner_id": str(emu.world.bot.id),
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "archive_timestamp": now,
            "auto_archive_duration": archive_minutes,
            "locked": False,
            "create_timestamp": now,
        },
    }


def _bad_length(field_name: str, low: int, high: int) -> DiscordError:
    return DiscordError(
        400,
        50035,
        "Invalid Form Body",
        {
            field_name: {
                "_errors": [
                    {
                        "code": "BASE_TYPE_BAD_LENGTH",
                        "message": f"Must be between {low} and {high} in length.",
                    }
                ]
            }
        },
    )


async def start_thread_from_message(call: Call) -> Reply:
    emu = call.emu
    channel = channel_of(call, need=("view_channel", "read_message_history"))
    if channel.type not in (TEXT, ANNOUNCEMENT):
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    assert channel.guild_id is not None
    if not emu.world.guilds[channel.guild_id].me.has("create_public_threads", channel):
        raise DiscordError(403, 50013, "Missing Permissions")
    message = message_of(call, channel)
    body = call.body if isinstance(call.body, dict) else {}
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= THREAD_NAME_MAX:
        raise _bad_length("name", 1, THREAD_NAME_MAX)
    archive = body.get("auto_archive_duration") or 4320
    if archive not in ARCHIVE_DURATIONS:
        raise DiscordError(400, 50035, "Invalid Form Body")
    if message.payload.get("thread") is not None or message.id in emu.world.channels:
        raise DiscordError(400, 160004, "A thread has already been created for this message")
    kind = ANNOUNCEMENT_THREAD if channel.type == ANNOUNCEMENT else PUBLIC_THREAD
    thread = Channel(
        message.id, kind, name.strip(), guild_id=channel.guild_id, parent_id=channel.id
    )
    emu.world.channels[thread.id] = thread
    payload = _thread_payload(emu, thread, archive)
    message.payload["thread"] = payload
    message.payload["flags"] = message.flags | HAS_THREAD
    emu.gateway.dispatch(
        "THREAD_CREATE", {**payload, "newly_created": True}, guild_id=channel.guild_id
    )
    return 201, payload


def add_message_routes(router: RestRouter) -> None:
    router.add("POST", "/channels/{channel_id}/messages", post_message)
    router.add("GET", "/channels/{channel_id}/messages", list_messages)
    router.add("GET", "/channels/{channel_id}/messages/{message_id}", get_message)
    router.add("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message)
    router.add("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message)
    router.add(
        "POST", "/channels/{channel_id}/messages/{message_id}/threads", start_thread_from_message
    )
