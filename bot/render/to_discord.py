"""The one adapter from bot/render payloads (pure dataclasses) to discord.py objects, shared by
the cogs (replies) and the schedule (daily posts, reminder DMs)."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.render.payload import Message


def to_embeds(message: Message) -> list[discord.Embed]:
    return [discord.Embed.from_dict(embed.to_dict()) for embed in message.embeds]


def to_files(message: Message) -> list[discord.File]:
    """Fresh File objects (discord.py consumes each one when it uploads it)."""
    return [
        discord.File(io.BytesIO(item.data), filename=item.filename, description=item.description)
        for item in message.files
    ]


def send_kwargs(message: Message) -> dict[str, Any]:
    """Keyword arguments for `send_message` / `followup.send` / `channel.send`."""
    kwargs: dict[str, Any] = {"embeds": to_embeds(message), "files": to_files(message)}
    if message.content:
        kwargs["content"] = message.content
    return kwargs


def edit_kwargs(message: Message) -> dict[str, Any]:
    """Keyword arguments for `edit_message` / `edit_original_response`: the message becomes
    exactly this one (old text, embeds and attachments are replaced, not merged)."""
    return {
        "content": message.content or None,
        "embeds": to_embeds(message),
        "attachments": to_files(message),
    }
