"""Messages the emulator holds: what the bot (or a member) posted, edited and deleted, per channel.

A StoredMessage keeps the payload Discord would return, the uploaded file bytes and its history of
edits, and offers what a test asserts on (content, embeds, buttons, who would be pinged).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.emulator.checks import number_components
from tests.emulator.payloads import member_payload, user_payload
from tests.emulator.snowflakes import iso_timestamp
from tests.emulator.world import Channel, User, World

EPHEMERAL = 1 << 6
LOADING = 1 << 7
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass(eq=False)
class StoredMessage:
    id: int
    channel_id: int
    guild_id: int | None
    author: User
    payload: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    edits: list[dict[str, Any]] = field(default_factory=list)  # earlier payloads, oldest first
    deleted: bool = False
    interaction_token: str | None = None
    nonce: str | int | None = None
    created_monotonic: float = field(default_factory=time.monotonic)

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.payload.get("components") or []

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.payload.get("attachments") or []

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred answer ("Bot is thinking...") not yet edited."""
        return bool(self.flags & LOADING)

    @property
    def mention_everyone(self) -> bool:
        return bool(self.payload.get("mention_everyone"))

    @property
    def pinged_user_ids(self) -> list[int]:
        return [int(user["id"]) for user in self.payload.get("mentions") or []]

    @property
    def pinged_role_ids(self) -> list[int]:
        return [int(role_id) for role_id in self.payload.get("mention_roles") or []]

    def text(self) -> str:
        """Content plus every embed's visible text, for loose assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for item in embed.get("fields") or []:
                parts += [item.get("name") or "", item.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(part for part in parts if part)

    def walk_components(self) -> Iterator[dict[str, Any]]:
        stack = list(reversed(self.components))
        while stack:
            item = stack.pop()
            yield item
            children = list(item.get("components") or [])
            for key in ("component", "accessory"):
                if isinstance(item.get(key), dict):
                    children.append(item[key])
            stack.extend(reversed(children))

    def buttons(self) -> list[dict[str, Any]]:
        return [item for item in self.walk_components() if item.get("type") == 2]

    def find_component(self, custom_id_or_label: str) -> dict[str, Any]:
        """The component with that custom_id, else the one with that label."""
        items = [item for item in self.walk_components() if item.get("type") not in (1, 9, 17)]
        for key in ("custom_id", "label", "placeholder"):
            for item in items:
                if item.get(key) == custom_id_or_label:
                    return item
        known = [item.get("custom_id") or item.get("label") for item in items]
        raise AssertionError(
            f"message {self.id} has no component {custom_id_or_label!r}; it has {known}"
        )


def hide_content_from(bot_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as an app without the Message Content intent gets it: others' guild messages
    that do not mention the bot arrive with empty content, embeds, attachments and components."""
    author = int(payload["author"]["id"])
    mentioned = str(bot_id) in {user["id"] for user in payload.get("mentions") or []}
    if author == bot_id or mentioned or "guild_id" not in payload:
        return payload
    return {**payload, "content": "", "embeds": [], "attachments": [], "components": []}


def _attachment_payloads(
    message_id: int, body: dict[str, Any], files: dict[str, bytes], channel_id: int, base_url: str
) -> list[dict[str, Any]]:
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if "id" in a}
    result = []
    for index, (filename, data) in enumerate(files.items()):
        meta = described.get(str(index), {})
        attachment_id = message_id + index + 1
        url = f"{base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
        result.append(
            {
                "id": str(attachment_id),
                "filename": meta.get("filename") or filename,
                "size": len(data),
                "url": url,
                "proxy_url": url,
                "content_type": _content_type(filename),
                **({"description": meta["description"]} if meta.get("description") else {}),
            }
        )
    return result


def _resolve_attachment_urls(payload: dict[str, Any]) -> None:
    """As Discord does: an embed image or thumbnail at `attachment://<filename>` shows that
    attachment, and the stored embed carries the attachment's URL (left as sent when the
    message has no such file, so a test sees the broken reference)."""
    urls = {a["filename"]: a["url"] for a in payload.get("attachments") or []}
    for embed in payload.get("embeds") or []:
        for part in ("image", "thumbnail"):
            media = embed.get(part)
            url = media.get("url") if isinstance(media, dict) else None
            if isinstance(url, str) and url.startswith("attachment://"):
                found = urls.get(url.removeprefix("attachment://"))
                if found is not None:
                    embed[part] = {**media, "url": found, "proxy_url": found}


def _content_type(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "py": "text/x-python; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "png": "image/png",
        "md": "text/markdown",
    }.get(suffix, "application/octet-stream")


def resolve_mentions(
    world: World, channel: Channel, author: User, content: str, allowed: dict[str, Any] | None
) -> dict[str, Any]:
    """Who a message would ping, following allowed_mentions as Discord does (embeds never ping)."""
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    explicit_users = {int(u) for u in (allowed or {}).get("users") or []}
    explicit_roles = {int(r) for r in (allowed or {}).get("roles") or []}
    guild = world.guilds.get(channel.guild_id) if channel.guild_id else None
    member = guild.members.get(author.id) if guild else None
    may_mention_all = bool(member and member.has("mention_everyone", channel))

    users = []
    for raw in dict.fromkeys(_USER_MENTION.findall(content)):
        user = world.users.get(int(raw))
        if user and ("users" in parse or user.id in explicit_users):
            users.append(user)
    roles = []
    for raw in dict.fromkeys(_ROLE_MENTION.findall(content)):
        role = guild.roles.get(int(raw)) if guild else None
        allowed_here = role and ("roles" in parse or role.id in explicit_roles)
        if allowed_here and (role.mentionable or may_mention_all):
            roles.append(role)
    everyone = ("@everyone" in content or "@here" in content) and "everyone" in parse
    return {
        "mentions": [
            {
                **user_payload(u),
                **(
                    {"member": member_payload(guild.members[u.id], with_user=False)}
                    if guild and u.id in guild.members
                    else {}
                ),
            }
            for u in users
        ],
        "mention_roles": [str(role.id) for role in roles],
        "mention_everyone": bool(everyone and may_mention_all),
    }


def build_message_payload(
    world: World,
    *,
    message_id: int,
    channel: Channel,
    author: User,
    body: dict[str, Any],
    files: dict[str, bytes],
    base_url: str,
    flags: int = 0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A MessageResponse for a created message."""
    content = body.get("content")
    content = "" if content is None else str(content)
    embeds = [{"type": "rich", **embed} for embed in body.get("embeds") or []]
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "type": 0,
        "content": content,
        "author": user_payload(author),
        "attachments": _attachment_payloads(message_id, body, files, channel.id, base_url),
        "embeds": embeds,
        "components": number_components(list(body.get("components") or [])),
        "timestamp": iso_timestamp(),
        "edited_timestamp": None,
        "flags": flags | int(body.get("flags") or 0),
        "pinned": False,
        "tts": bool(body.get("tts")),
        "stickers": [],
        **resolve_mentions(world, channel, author, content, body.get("allowed_mentions")),
    }
    if body.get("nonce") is not None:
        payload["nonce"] = body["nonce"]
    if channel.guild_id:
        payload["guild_id"] = str(channel.guild_id)
    payload.update(extra or {})
    _resolve_attachment_urls(payload)
    return payload


def apply_edit(
    world: World,
    message: StoredMessage,
    *,
    channel: Channel,
    body: dict[str, Any],
    files: dict[str, bytes],
    base_url: str,
) -> None:
    """PATCH semantics: only the fields sent change; `attachments` lists the ones to keep."""
    message.edits.append(dict(message.payload))
    payload = dict(message.payload)
    if "content" in body:
        payload["content"] = "" if body["content"] is None else str(body["content"])
        payload.update(
            resolve_mentions(
                world, channel, message.author, payload["content"], body.get("allowed_mentions")
            )
        )
    if "embeds" in body:
        payload["embeds"] = [{"type": "rich", **embed} for embed in body["embeds"] or []]
    if "components" in body:
        payload["components"] = number_components(list(body["components"] or []))
    if "flags" in body and body["flags"] is not None:
        # Only SUPPRESS_EMBEDS may change on edit; ephemeral stays as it was.
        payload["flags"] = (payload.get("flags", 0) & EPHEMERAL) | (int(body["flags"]) & ~EPHEMERAL)
    if "attachments" in body or files:
        keep_ids = {str(a.get("id")) for a in body.get("attachments") or []}
        kept = [a for a in payload.get("attachments", []) if a["id"] in keep_ids]
        new = _attachment_payloads(message.id + 1000, body, files, channel.id, base_url)
        payload["attachments"] = kept + new
        message.files.update(files)
    payload["flags"] = payload.get("flags", 0) & ~LOADING
    payload["edited_timestamp"] = iso_timestamp()
    _resolve_attachment_urls(payload)
    message.payload = payload


class MessageStore:
    """All messages by id and per channel, plus the nonces Discord remembers for a while."""

    def __init__(self, nonce_window: float) -> None:
        self.nonce_window = nonce_window
        self.by_id: dict[int, StoredMessage] = {}
        self.by_channel: dict[int, list[StoredMessage]] = {}
        self._nonces: dict[tuple[int, int, str], tuple[StoredMessage, float]] = {}

    def add(self, message: StoredMessage) -> None:
        self.by_id[message.id] = message
        self.by_channel.setdefault(message.channel_id, []).append(message)
        if message.nonce is not None:
            key = (message.channel_id, message.author.id, str(message.nonce))
            self._nonces[key] = (message, time.monotonic())

    def recent_nonce(
        self, channel_id: int, author_id: int, nonce: str | int
    ) -> StoredMessage | None:
        """The message created with this nonce within the window (Discord forgets it after)."""
        found = self._nonces.get((channel_id, author_id, str(nonce)))
        if found and time.monotonic() - found[1] <= self.nonce_window:
            return found[0]
        return None

    def in_channel(
        self, channel_id: int, *, include_ephemeral: bool = False, include_deleted: bool = False
    ) -> list[StoredMessage]:
        return [
            m
            for m in self.by_channel.get(channel_id, [])
            if (include_ephemeral or not m.ephemeral) and (include_deleted or not m.deleted)
        ]

    def history(
        self,
        channel_id: int,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
    ) -> list[StoredMessage]:
        """GET /channels/{id}/messages: newest first, as Discord returns them."""
        visible = self.in_channel(channel_id)
        if around is not None:
            older = [m for m in visible if m.id <= around][-((limit + 1) // 2) :]
            newer = [m for m in visible if m.id > around][: limit // 2]
            return list(reversed(older + newer))
        if after is not None:
            return list(reversed([m for m in visible if m.id > after][:limit]))
        if before is not None:
            visible = [m for m in visible if m.id < before]
        return list(reversed(visible[-limit:])) if limit else []
