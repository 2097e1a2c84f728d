"""JSON payloads of world objects, shaped as Discord sends them (REST responses and gateway events).

Every field the OpenAPI description marks required is present, so discord.py's constructors and
the schema checker both accept them.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.snowflakes import iso_timestamp, snowflake_time
from tests.emulator.world import DM, Channel, Guild, Member, Role, User, World


def user_payload(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.name,
        "global_name": user.global_name,
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "bot": user.bot,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def role_payload(role: Role) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if role.bot_id is not None:
        payload["tags"] = {"bot_id": str(role.bot_id)}
    return payload


def member_payload(member: Member, *, with_user: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "roles": [str(role.id) for role in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso_timestamp(member.joined_at),
        "premium_since": None,
        "communication_disabled_until": None,
        "flags": 0,
        "pending": False,
        "deaf": False,
        "mute": False,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    return payload


def channel_payload(channel: Channel) -> dict[str, Any]:
    if channel.type == DM:
        assert channel.recipient is not None
        return {
            "id": str(channel.id),
            "type": DM,
            "flags": 0,
            "last_message_id": None,
            "recipients": [user_payload(channel.recipient)],
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "flags": 0,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "topic": channel.topic,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in channel.overwrites.values()
        ],
        **({"bitrate": 64000, "user_limit": 0, "rtc_region": None} if channel.type == 2 else {}),
    }


def guild_payload(guild: Guild) -> dict[str, Any]:
    """The guild object of GET /guilds/{id} (no members, no channels)."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "description": None,
        "home_header": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "features": [],
        "owner_id": str(guild.owner_id),
        "application_id": None,
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": (
            str(guild.system_channel_id) if guild.system_channel_id is not None else None
        ),
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "roles": [role_payload(role) for role in guild.roles.values()],
        "default_message_notifications": 0,
        "mfa_level": 0,
        "explicit_content_filter": 0,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "premium_progress_bar_enabled": False,
        "nsfw": False,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": None,
    }


def guild_create_payload(guild: Guild, *, include_all_members: bool) -> dict[str, Any]:
    """GUILD_CREATE: the guild with channels and members (all of them only with GUILD_MEMBERS,
    as Discord does; member_count then equals the list so discord.py needs no chunking)."""
    members = list(guild.members.values()) if include_all_members else [guild.me]
    return {
        **guild_payload(guild),
        "joined_at": iso_timestamp(guild.me.joined_at),
        "large": False,
        "unavailable": False,
        "member_count": len(guild.members),
        "members": [member_payload(member) for member in members],
        "channels": [channel_payload(c) for c in guild.channels.values() if not c.deleted],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application_payload(world: World) -> dict[str, Any]:
    return {
        "id": str(world.application_id),
        "name": world.bot.name,
        "icon": None,
        "description": "",
        "type": None,
        "bot": user_payload(world.bot),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": user_payload(world.owner),
        "approximate_guild_count": len(world.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": [],
        "summary": "",
        "rpc_origins": [],
        "tags": [],
    }


def me_payload(world: World) -> dict[str, Any]:
    """GET /users/@me for the bot (a UserPIIResponse)."""
    return {**user_payload(world.bot), "mfa_enabled": False, "locale": "en-US", "verified": True}


def resolved_channel_payload(channel: Channel, permissions: int) -> dict[str, Any]:
    """A channel as it appears in an interaction's `resolved.channels` or `channel`."""
    payload = channel_payload(channel)
    payload["permissions"] = str(permissions)
    return payload


def created_at(snowflake: int) -> str:
    return iso_timestamp(snowflake_time(snowflake))
