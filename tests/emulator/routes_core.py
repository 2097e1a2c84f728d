"""REST routes for login, the gateway URL, command sync, guilds, members, roles, users and DMs."""

from __future__ import annotations

from typing import Any

from tests.emulator.commands import check_commands
from tests.emulator.gateway import SESSION_STARTS_PER_DAY
from tests.emulator.payloads import (
    application_payload,
    channel_payload,
    guild_payload,
    me_payload,
    member_payload,
    role_payload,
    user_payload,
)
from tests.emulator.records import RoleChange
from tests.emulator.rest import Call, DiscordError, RestRouter
from tests.emulator.world import Channel, Guild, Member, Role, World

Reply = tuple[int, Any]


# -- lookups shared by every route module (Discord's error codes for each missing thing) ---------
def guild_of(call: Call) -> Guild:
    guild = call.emu.world.guilds.get(call.id("guild_id"))
    if guild is None or guild.world.bot.id not in guild.members:
        raise DiscordError(404, 10004, "Unknown Guild")
    return guild


def member_of(guild: Guild, user_id: int) -> Member:
    member = guild.members.get(user_id)
    if member is None:
        raise DiscordError(404, 10007, "Unknown Member")
    return member


def role_of(guild: Guild, role_id: int) -> Role:
    role = guild.roles.get(role_id)
    if role is None:
        raise DiscordError(404, 10011, "Unknown Role")
    return role


def channel_of(call: Call, *, need: tuple[str, ...] = ("view_channel",)) -> Channel:
    """The channel of the path; 404/10003 when gone, 403/50001 or 50013 when the bot may not."""
    world: World = call.emu.world
    channel = world.channels.get(call.id("channel_id"))
    if channel is None or channel.deleted:
        raise DiscordError(404, 10003, "Unknown Channel")
    if channel.guild_id is not None:
        guild = world.guilds[channel.guild_id]
        if world.bot.id not in guild.members:
            raise DiscordError(404, 10003, "Unknown Channel")
        me = guild.me
        if not me.has("view_channel", channel):
            raise DiscordError(403, 50001, "Missing Access")
        if not me.has(need, channel):
            raise DiscordError(403, 50013, "Missing Permissions")
    return channel


def _own_application(call: Call) -> None:
    if call.id("application_id") != call.emu.world.application_id:
        raise DiscordError(403, 50001, "Missing Access")


# -- login and gateway ----------------------------------------------------------------------------
async def get_me(call: Call) -> Reply:
    return 200, me_payload(call.emu.world)


async def get_application(call: Call) -> Reply:
    return 200, application_payload(call.emu.world)


async def get_gateway(call: Call) -> Reply:
    return 200, {"url": call.emu.gateway_url}


async def get_gateway_bot(call: Call) -> Reply:
    return 200, {
        "url": call.emu.gateway_url,
        "shards": 1,
        "session_start_limit": {
            "total": SESSION_STARTS_PER_DAY,
            "remaining": call.emu.gateway.session_starts_remaining,
            "reset_after": 0,
            "max_concurrency": call.emu.gateway.max_concurrency,
        },
    }


# -- application commands -------------------------------------------------------------------------
def _scope(call: Call) -> int | None:
    _own_application(call)
    return guild_of(call).id if "guild_id" in call.params else None


async def list_commands(call: Call) -> Reply:
    scope, app_id = _scope(call), call.emu.world.application_id
    return 200, [command.response(app_id) for command in call.emu.commands.commands(scope)]


async def overwrite_commands(call: Call) -> Reply:
    scope = _scope(call)
    if not isinstance(call.body, list):
        raise DiscordError(400, 50035, "Invalid Form Body")
    errors = check_commands(call.body)
    if errors:
        return 400, errors.body()
    commands = call.emu.commands.overwrite(scope, call.body)
    return 200, [command.response(call.emu.world.application_id) for command in commands]


async def create_command(call: Call) -> Reply:
    scope = _scope(call)
    errors = check_commands([call.body or {}])
    if errors:
        return 400, errors.body()
    command = call.emu.commands.upsert(scope, call.body)
    return 201, command.response(call.emu.world.application_id)


def _command_of(call: Call) -> Any:
    scope = _scope(call)
    found = {c.id: c for c in call.emu.commands.commands(scope)}.get(call.id("command_id"))
    if found is None:
        raise DiscordError(404, 10063, "Unknown application command")
    return found


async def get_command(call: Call) -> Reply:
    return 200, _command_of(call).response(call.emu.world.application_id)


async def edit_command(call: Call) -> Reply:
    command = _command_of(call)
    merged = {**command.payload, **(call.body or {})}
    errors = check_commands([merged])
    if errors:
        return 400, errors.body()
    command.payload, command.version = merged, call.emu.world.ids.next()
    return 200, command.response(call.emu.world.application_id)


async def delete_command(call: Call) -> Reply:
    command = _command_of(call)
    del call.emu.commands.scopes[command.guild_id][command.id]
    return 204, None


async def command_permissions(call: Call) -> Reply:
    _scope(call)
    return 200, []


# -- guilds, members, roles -----------------------------------------------------------------------
async def get_guild(call: Call) -> Reply:
    guild = guild_of(call)
    payload = guild_payload(guild)
    if call.query.get("with_counts") in ("true", "1", "True"):
        payload.update(approximate_member_count=len(guild.members), approximate_presence_count=0)
    return 200, payload


async def get_guild_channels(call: Call) -> Reply:
    guild = guild_of(call)
    return 200, [channel_payload(c) for c in guild.channels.values() if not c.deleted]


async def get_guild_roles(call: Call) -> Reply:
    return 200, [role_payload(role) for role in guild_of(call).roles.values()]


async def get_member(call: Call) -> Reply:
    guild = guild_of(call)
    return 200, member_payload(member_of(guild, call.id("user_id")))


async def change_member_role(call: Call) -> Reply:
    """PUT/DELETE a member's role, with Discord's hierarchy rule: only roles below the bot's top."""
    guild = guild_of(call)
    member = member_of(guild, call.id("user_id"))
    role = role_of(guild, call.id("role_id"))
    me = guild.me
    if not me.has("manage_roles") or role.managed or role.id == guild.id:
        raise DiscordError(403, 50013, "Missing Permissions")
    if guild.owner_id != me.id and role.rank >= me.top_role().rank:
        raise DiscordError(403, 50013, "Missing Permissions")
    adding = call.method == "PUT"
    if adding != (role in member.roles):
        if adding:
            member.roles.append(role)
        else:
            member.roles.remove(role)
        call.emu.role_changes.append(RoleChange(guild.id, member.id, role.id, adding))
        call.emu.gateway.dispatch(
            "GUILD_MEMBER_UPDATE",
            {**member_payload(member), "guild_id": str(guild.id)},
            guild_id=guild.id,
        )
    return 204, None


async def leave_guild(call: Call) -> Reply:
    guild = guild_of(call)
    del guild.members[call.emu.world.bot.id]
    call.emu.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
    return 204, None


# -- channels, users, DMs -------------------------------------------------------------------------
async def get_channel(call: Call) -> Reply:
    return 200, channel_payload(channel_of(call))


async def get_user(call: Call) -> Reply:
    user = call.emu.world.users.get(call.id("user_id"))
    if user is None:
        raise DiscordError(404, 10013, "Unknown User")
    return 200, user_payload(user)


async def open_dm(call: Call) -> Reply:
    world = call.emu.world
    body = call.body or {}
    try:
        user = world.users[int(body.get("recipient_id"))]
    except (KeyError, TypeError, ValueError):
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            {
                "recipient_id": {
                    "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]
                }
            },
        ) from None
    return 200, channel_payload(world.dm_channel(user))


def add_core_routes(router: RestRouter) -> None:
    add = router.add
    add("GET", "/users/@me", get_me)
    add("POST", "/users/@me/channels", open_dm)
    add("DELETE", "/users/@me/guilds/{guild_id}", leave_guild)
    add("GET", "/users/{user_id}", get_user)
    add("GET", "/oauth2/applications/@me", get_application)
    add("GET", "/applications/@me", get_application)
    add("GET", "/gateway", get_gateway)
    add("GET", "/gateway/bot", get_gateway_bot)
    for prefix in (
        "/applications/{application_id}",
        "/applications/{application_id}/guilds/{guild_id}",
    ):
        add("GET", f"{prefix}/commands", list_commands)
        add("PUT", f"{prefix}/commands", overwrite_commands)
        add("POST", f"{prefix}/commands", create_command)
        add("GET", f"{prefix}/commands/permissions", command_permissions)
        add("GET", f"{prefix}/commands/{{command_id}}", get_command)
        add("PATCH", f"{prefix}/commands/{{command_id}}", edit_command)
        add("DELETE", f"{prefix}/commands/{{command_id}}", delete_command)
    add("GET", "/guilds/{guild_id}", get_guild)
    add("GET", "/guilds/{guild_id}/channels", get_guild_channels)
    add("GET", "/guilds/{guild_id}/roles", get_guild_roles)
    add("GET", "/guilds/{guild_id}/members/{user_id}", get_member)
    add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", change_member_role)
    add("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", change_member_role)
    add("GET", "/channels/{channel_id}", get_channel)
