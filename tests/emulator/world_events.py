"""World events during a test: a member's message, a guild joined or left, a channel deleted,
edits the running bot should hear about; each reaches the bot as Discord's gateway event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.emulator.messages import StoredMessage, build_message_payload
from tests.emulator.payloads import (
    channel_payload,
    guild_create_payload,
    member_payload,
    role_payload,
)
from tests.emulator.routes_messages import create_message
from tests.emulator.world import Channel, Guild, Member, Role, User, World

if TYPE_CHECKING:
    from tests.emulator.gateway import Gateway
    from tests.emulator.messages import MessageStore


class WorldEvents:
    """Mixed into Emulator: changes to the world, announced to the bot."""

    if TYPE_CHECKING:
        world: World
        gateway: Gateway
        store: MessageStore
        base_url: str

    def post_as(
        self, member: Member | User, channel: Channel, content: str, **body: Any
    ) -> StoredMessage:
        """A message written by a member (or user, in a DM), announced on the gateway."""
        user = member.user if isinstance(member, Member) else member
        return create_message(self, channel, user, {"content": content, **body}, {})

    def add_stored_bot_message(self, channel: Channel, body: dict[str, Any]) -> StoredMessage:
        """A message the bot posted earlier (e.g. before a crash), without a REST call."""
        message_id = self.world.ids.next()
        payload = build_message_payload(
            self.world,
            message_id=message_id,
            channel=channel,
            author=self.world.bot,
            body=body,
            files={},
            base_url=self.base_url,
        )
        message = StoredMessage(
            message_id,
            channel.id,
            channel.guild_id,
            self.world.bot,
            payload,
            nonce=body.get("nonce"),
        )
        self.store.add(message)
        return message

    def announce_guild(self, guild: Guild, *, available_again: bool = False) -> None:
        """GUILD_CREATE for a guild the bot joins while running (a guild added to the world
        after the bot connected, or one it is back in: `guild.add_bot_back()` first). As
        Discord does, a join carries no `unavailable` field (discord.py then dispatches
        `on_guild_join`); `available_again` announces a guild back from an outage instead
        (`unavailable: false`, `on_guild_available`)."""
        self.gateway.roles_seen.update(guild.roles)
        payload = guild_create_payload(guild, include_all_members=False)
        if not available_again:
            del payload["unavailable"]
        self.gateway.dispatch("GUILD_CREATE", payload, guild_id=guild.id)

    def remove_bot_from(self, guild: Guild) -> None:
        """The bot is kicked: it stops being a member and gets GUILD_DELETE."""
        guild.members.pop(self.world.bot.id, None)
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    def changed(self, *things: Channel | Role | Member) -> None:
        """Tell the running bot that these world objects changed (CHANNEL_UPDATE,
        GUILD_ROLE_CREATE/UPDATE, GUILD_MEMBER_UPDATE), as Discord would after an edit."""
        for thing in things:
            if isinstance(thing, Channel):
                self.gateway.dispatch(
                    "CHANNEL_UPDATE", channel_payload(thing), guild_id=thing.guild_id
                )
            elif isinstance(thing, Role):
                event = (
                    "GUILD_ROLE_UPDATE"
                    if thing.id in self.gateway.roles_seen
                    else ("GUILD_ROLE_CREATE")
                )
                self.gateway.roles_seen.add(thing.id)
                self.gateway.dispatch(
                    event,
                    {"guild_id": str(thing.guild_id), "role": role_payload(thing)},
                    guild_id=thing.guild_id,
                )
            else:
                self.gateway.dispatch(
                    "GUILD_MEMBER_UPDATE",
                    {**member_payload(thing), "guild_id": str(thing.guild.id)},
                    guild_id=thing.guild.id,
                )

    def delete_channel(self, channel: Channel) -> None:
        """The channel is deleted: routes answer 404 / 10003 and the bot gets CHANNEL_DELETE."""
        payload = channel_payload(channel)
        channel.deleted = True
        self.gateway.dispatch("CHANNEL_DELETE", payload, guild_id=channel.guild_id)
