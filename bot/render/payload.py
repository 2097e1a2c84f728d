"""Discord-independent message payloads: what the bot sends, as plain frozen dataclasses.

The cogs turn these into discord.py objects (`Embed.to_dict()` feeds `discord.Embed.from_dict`);
the preview command prints them. Nothing here checks sizes: that is bot/render/limits.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Embed side colours (0xRRGGBB).
TOPIC_COLOUR = 0x3776AB  # Python blue
DONE_COLOUR = 0x2EA043
DAILY_COLOUR = 0xFFD43B  # Python yellow
NEUTRAL_COLOUR = 0x5865F2


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Embed:
    title: str | None = None
    description: str | None = None
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    author: str | None = None
    colour: int | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Discord's JSON shape of this embed (for `discord.Embed.from_dict`)."""
        data: dict[str, Any] = {"type": "rich"}
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        if self.url:
            data["url"] = self.url
        if self.colour is not None:
            data["color"] = self.colour
        if self.author:
            data["author"] = {"name": self.author}
        if self.footer:
            data["footer"] = {"text": self.footer}
        if self.fields:
            data["fields"] = [
                {"name": item.name, "value": item.value, "inline": item.inline}
                for item in self.fields
            ]
        return data


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One message: text content (the only part that can ping), embeds and attached files."""

    content: str | None = None
    embeds: tuple[Embed, ...] = ()
    files: tuple[Attachment, ...] = ()

    @property
    def embed(self) -> Embed | None:
        """The first embed (every message rendered here has at most one)."""
        return self.embeds[0] if self.embeds else None
