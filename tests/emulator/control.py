"""The JSON control API under /_emu/ and worlds read from JSON, for the standalone emulator.

A test that runs the bot as a real process drives and inspects the emulator through these
routes (see remote.py for the client). Guilds, channels, roles and members are named by id or by
name; user, channel and role options of a slash command take names or ids too.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.emulator.commands import CHANNEL, MENTIONABLE, ROLE, USER, CommandNotAvailable
from tests.emulator.interactions import InteractionResult
from tests.emulator.messages import StoredMessage
from tests.emulator.world import (
    ANNOUNCEMENT,
    TEXT,
    VOICE,
    Channel,
    Guild,
    Member,
    Role,
    User,
    World,
    standard_world,
)

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

PREFIX = "/_emu"


class UnknownName(ValueError):
    """A guild, channel, role, member or user the world does not have."""


_CHANNEL_KINDS = {"text": TEXT, "announcement": ANNOUNCEMENT, "voice": VOICE}


# -- worlds from JSON -----------------------------------------------------------------------------
def world_from_spec(spec: dict[str, Any]) -> World:
    """{"token", "bot_name", "privileged_intents": [...], "guilds": [{"name", "bot_permissions",
    "everyone_permissions", "channels": [{"name", "type"}], "roles": [{"name", "permissions",
    "position", "mentionable"}], "members": [{"name", "roles", "permissions", "dms_open"}]}]}"""
    import discord

    world = World(bot_name=spec.get("bot_name", "Study Companion"), token=spec.get("token"))
    world.privileged_intents = discord.Intents(
        **dict.fromkeys(spec.get("privileged_intents", []), True)
    )
    for guild_spec in spec.get("guilds", []):
        extra = {
            k: guild_spec[k] for k in ("bot_permissions", "everyone_permissions") if k in guild_spec
        }
        guild = world.add_guild(guild_spec["name"], **extra)
        for channel in guild_spec.get("channels", []):
            kind = _CHANNEL_KINDS[channel.get("type", "text")]
            guild._add_channel(kind, channel["name"], None)
        for role in guild_spec.get("roles", []):
            guild.add_role(
                role["name"],
                permissions=role.get("permissions"),
                position=role.get("position"),
                mentionable=role.get("mentionable", False),
            )
        for member in guild_spec.get("members", []):
            added = guild.add_member(
                member["name"],
                roles=[guild.role_named(n) for n in member.get("roles", [])],
                permissions=member.get("permissions"),
            )
            added.user.dms_open = member.get("dms_open", True)
    return world


def load_world(path: Path | None) -> World:
    return standard_world().world if path is None else world_from_spec(json.loads(path.read_text()))


# -- JSON views of what the emulator holds -------------------------------------------------------
def message_json(message: StoredMessage) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "author_id": str(message.author.id),
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "attachments": message.attachments,
        "flags": message.flags,
        "ephemeral": message.ephemeral,
        "deleted": message.deleted,
        "edits": len(message.edits),
        "nonce": message.nonce,
        "text": message.text(),
    }


def result_json(result: InteractionResult) -> dict[str, Any]:
    return {
        "interaction_id": str(result.state.id),
        "type": result.type,
        "content": result.content,
        "embeds": result.embeds,
        "components": result.components,
        "flags": result.flags,
        "ephemeral": result.ephemeral,
        "choices": result.choices,
        "modal": result.modal,
        "refused": [{"status": s, "body": b} for s, b in result.refused],
        "message": message_json(result.message) if result.message else None,
        "followups": [message_json(m) for m in result.followups],
        "text": result.text(),
        "first_response_seconds": result.first_response_seconds,
    }


def timing_json(result: InteractionResult) -> dict[str, Any]:
    """What a benchmark needs of one answer: when it came, whether Discord took it."""
    return {
        "first_response_seconds": result.first_response_seconds,
        "type": result.type,
        "refused": [{"status": s, "body": b} for s, b in result.refused],
        "text": result.text()[:200],
    }


def state_json(emu: Emulator) -> dict[str, Any]:
    world, gateway = emu.world, emu.gateway
    return {
        "api_base": emu.api_base,
        "gateway_url": emu.gateway_url,
        "token": world.token,
        "application_id": str(world.application_id),
        "connected": len(gateway.connected),
        "identifies": gateway.identifies,
        # IDENTIFYs refused as too soon for their bucket (op 9), and the shards connected.
        "identifies_refused": len(gateway.identifies_refused),
        "shards": sorted(list(s.shard) for s in gateway.connected),
        "resumes": sum(s.resumes for s in gateway.sessions.values()),
        "commands": {
            str(scope): sorted(c.name for c in commands.values())
            for scope, commands in emu.commands.scopes.items()
        },
        "rate_limited": emu.rate_limited_count,
        "invalid_requests": emu.invalid_request_count,
        "unknown_routes": [str(call) for call in emu.unknown_routes],
        "schema_problems": emu.schema_problems[:20],
        "guilds": [
            {
                "id": str(g.id),
                "name": g.name,
                "channels": {c.name: str(c.id) for c in g.channels.values()},
                "roles": {r.name: str(r.id) for r in g.roles.values()},
                "members": {m.user.name: str(m.id) for m in g.members.values()},
            }
            for g in world.guilds.values()
        ],
    }


# -- lookups by id or name ------------------------------------------------------------------------
def _guild(emu: Emulator, ref: Any) -> Guild:
    for guild in emu.world.guilds.values():
        if str(guild.id) == str(ref) or guild.name == ref:
            return guild
    raise UnknownName(f"unknown guild {ref!r}")


def _member(guild: Guild, ref: Any) -> Member:
    for member in guild.members.values():
        if str(member.id) == str(ref) or member.user.name == ref:
            return member
    raise UnknownName(f"unknown member {ref!r} in {guild.name}")


def _user(emu: Emulator, ref: Any) -> User:
    for user in emu.world.users.values():
        if str(user.id) == str(ref) or user.name == ref:
            return user
    raise UnknownName(f"unknown user {ref!r}")


def _channel(emu: Emulator, ref: Any, guild: Guild | None = None) -> Channel:
    for channel in (guild.channels if guild else emu.world.channels).values():
        if str(channel.id) == str(ref) or channel.name == ref:
            return channel
    raise UnknownName(f"unknown channel {ref!r}")


def _object_option(emu: Emulator, guild: Guild, kind: int, ref: Any) -> Member | Channel | Role:
    if kind == CHANNEL:
        return _channel(emu, ref, guild)
    if kind in (USER, MENTIONABLE):
        for member in guild.members.values():
            if str(member.id) == str(ref) or member.user.name == ref:
                return member
    for role in guild.roles.values():
        if kind != USER and (str(role.id) == str(ref) or role.name == ref):
            return role
    raise UnknownName(f"no member or role {ref!r} in {guild.name}")


def _options(
    emu: Emulator, guild: Guild, member: Member, command: str, given: dict[str, Any]
) -> dict[str, Any]:
    _, _, definitions = emu.commands.resolve(member, command)
    kinds = {d["name"]: d["type"] for d in definitions}
    return {
        name: _object_option(emu, guild, kinds[name], value)
        if kinds.get(name) in (USER, CHANNEL, ROLE, MENTIONABLE)
        else value
        for name, value in given.items()
    }


# -- routes ---------------------------------------------------------------------------------------
def add_control_routes(app: web.Application, emu: Emulator, shutdown: Any = None) -> None:
    """Mount the control API; `shutdown` (an asyncio.Event) is set by POST /_emu/shutdown."""

    def handler(action: Any) -> Any:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json() if request.can_read_body else {}
            try:
                answer = await action(body, request.query)
            except (CommandNotAvailable, AssertionError) as exc:
                return web.json_response({"error": str(exc)}, status=409)
            except (KeyError, TypeError, ValueError, StopIteration) as exc:
                return web.json_response({"error": f"bad request: {exc!r}"}, status=400)
            return web.json_response(answer)

        return handle

    async def state(body: dict[str, Any], query: Any) -> Any:
        return state_json(emu)

    async def slash(body: dict[str, Any], query: Any) -> Any:
        guild = _guild(emu, body["guild"])
        member = _member(guild, body["member"])
        options = _options(emu, guild, member, body["command"], body.get("options") or {})
        channel = _channel(emu, body["channel"], guild) if body.get("channel") else None
        result = await emu.slash(
            guild,
            member,
            body["command"],
            options,
            in_channel=channel,
            until=body.get("until", "answer"),
            within=body.get("within"),
        )
        return result_json(result)

    async def autocomplete(body: dict[str, Any], query: Any) -> Any:
        guild = _guild(emu, body["guild"])
        member = _member(guild, body["member"])
        options = _options(emu, guild, member, body["command"], body.get("options") or {})
        return await emu.autocomplete(
            guild, member, body["command"], body["focused"], body.get("typed", ""), options=options
        )

    def _actor(body: dict[str, Any], message: StoredMessage) -> Member | User:
        if message.guild_id is not None:
            return _member(emu.world.guilds[message.guild_id], body["member"])
        return _user(emu, body["member"])

    async def click(body: dict[str, Any], query: Any) -> Any:
        message = emu.store.by_id[int(body["message_id"])]
        result = await emu.click(
            message,
            body["custom_id"],
            _actor(body, message),
            values=body.get("values"),
            until=body.get("until", "answer"),
        )
        return result_json(result)

    async def click_many(body: dict[str, Any], query: Any) -> Any:
        """Every click of body["clicks"] pressed in the same moment (one loop turn creates
        them all, names resolved beforehand), as a crowd does; then one wait for all the
        answers, up to body["within"] seconds. Each answer's timing (timing_json), in order;
        first_response_seconds is None for one the bot did not answer."""
        members: dict[int, dict[str, Member]] = {}
        pressed = []
        for click in body["clicks"]:
            message = emu.store.by_id[int(click["message_id"])]
            guild_id = message.guild_id
            assert guild_id is not None, "click_many presses buttons in servers"
            if guild_id not in members:
                everyone = emu.world.guilds[guild_id].members.values()
                members[guild_id] = {m.user.name: m for m in everyone} | {
                    str(m.id): m for m in everyone
                }
            pressed.append((message, click["custom_id"], members[guild_id][str(click["member"])]))
        results = [
            await emu.click(message, custom_id, member, until="sent")
            for message, custom_id, member in pressed
        ]
        pending = list(results)

        def all_answered() -> bool:
            pending[:] = [r for r in pending if not r.state.answered()]
            return not pending

        with contextlib.suppress(AssertionError):  # the unanswered ones say so below
            await emu.wait_for(all_answered, within=body.get("within"), what="every answer")
        return [timing_json(result) for result in results]

    async def submit_modal(body: dict[str, Any], query: Any) -> Any:
        state = next(
            s for s in emu.interactions.values() if str(s.id) == str(body["interaction_id"])
        )
        opened = InteractionResult(emu, state)
        actor: Member | User = (
            _member(emu.world.guilds[state.guild_id], body["member"])
            if state.guild_id
            else _user(emu, body["member"])
        )
        return result_json(await emu.submit_modal(opened, actor, body["values"]))

    async def messages(body: dict[str, Any], query: Any) -> Any:
        channel = _channel(emu, query["channel"])
        found = emu.messages(
            channel,
            include_ephemeral=query.get("include_ephemeral") == "1",
            include_deleted=query.get("include_deleted") == "1",
        )
        return [message_json(m) for m in found]

    async def dms(body: dict[str, Any], query: Any) -> Any:
        return [message_json(m) for m in emu.dms(_user(emu, query["user"]))]

    async def calls(body: dict[str, Any], query: Any) -> Any:
        since = int(query.get("since", 0))
        return [
            {
                "method": c.method,
                "path": c.path,
                "route": c.route,
                "status": c.status,
                "request": c.request,
                "response": c.response,
                "files": c.files,
            }
            for c in emu.calls[since:]
            if c.route == query.get("route", c.route)
        ]

    async def faults(body: dict[str, Any], query: Any) -> Any:
        kind = body.pop("kind")
        if kind == "clear":
            emu.faults.clear()
        elif kind == "global_rate_limit":
            emu.faults.global_rate_limit(
                body.get("requests_per_second"), window=body.get("window", 1.0)
            )
        else:
            getattr(
                emu.faults,
                {
                    "rate_limit": "rate_limit",
                    "server_error": "server_error",
                    "error": "error",
                    "forbid_channel": "forbid_channel",
                    "delay_answer": "delay_answer",
                }[kind],
            )(**body)
        return {"ok": True}

    async def gateway(body: dict[str, Any], query: Any) -> Any:
        action = body["action"]
        if action == "reconnect":
            await emu.gateway.reconnect()
        elif action == "invalidate":
            await emu.gateway.invalidate_session(resumable=bool(body.get("resumable")))
        elif action == "close":
            await emu.gateway.close(int(body.get("code", 4000)))
        elif action == "drop":
            await emu.gateway.drop()
        else:
            raise ValueError(f"unknown gateway action {action!r}")
        return {"ok": True}

    async def world(body: dict[str, Any], query: Any) -> Any:
        action = body["action"]
        if action == "delete_channel":
            emu.delete_channel(_channel(emu, body["channel"]))
        elif action == "close_dms":
            _user(emu, body["user"]).dms_open = False
        elif action == "post_as":
            guild = _guild(emu, body["guild"])
            message = emu.post_as(
                _member(guild, body["member"]),
                _channel(emu, body["channel"], guild),
                body["content"],
            )
            return message_json(message)
        else:
            raise ValueError(f"unknown world action {action!r}")
        return {"ok": True}

    async def stop(body: dict[str, Any], query: Any) -> Any:
        if shutdown is not None:
            shutdown.set()
        return {"ok": True}

    routes = {
        ("GET", "/state"): state,
        ("POST", "/slash"): slash,
        ("POST", "/autocomplete"): autocomplete,
        ("POST", "/click"): click,
        ("POST", "/click_many"): click_many,
        ("POST", "/submit_modal"): submit_modal,
        ("GET", "/messages"): messages,
        ("GET", "/dms"): dms,
        ("GET", "/calls"): calls,
        ("POST", "/faults"): faults,
        ("POST", "/gateway"): gateway,
        ("POST", "/world"): world,
        ("POST", "/shutdown"): stop,
    }
    for (method, path), action in routes.items():
        app.router.add_route(method, PREFIX + path, handler(action))
