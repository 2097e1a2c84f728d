"""Acting as a member: slash commands, autocomplete, button clicks, selects and modal submits.

Each interaction is sent as INTERACTION_CREATE exactly as Discord builds it (resolved users,
members, roles and channels; permissions; the clicked message) and the call waits, bounded, for
the bot's answer.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from tests.emulator.commands import nest_options, option_value
from tests.emulator.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionResult,
    InteractionState,
)
from tests.emulator.messages import StoredMessage
from tests.emulator.payloads import (
    member_payload,
    resolved_channel_payload,
    role_payload,
    user_payload,
)
from tests.emulator.world import Channel, Guild, Member, Role, User, World

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.commands import CommandRegistry
    from tests.emulator.gateway import Gateway
    from tests.emulator.messages import MessageStore

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_SELECTS = (3, 5, 6, 7, 8)
# What a picked world object resolves as in a select's `resolved`.
_SELECT_KIND: dict[type, str] = {Channel: "channel", Role: "role", Member: "user", User: "user"}


def _member_with_permissions(member: Member, channel: Channel) -> dict[str, Any]:
    return {**member_payload(member), "permissions": str(member.permissions(channel))}


class Driver:
    """Mixed into Emulator: everything a member can do."""

    if TYPE_CHECKING:
        world: World
        gateway: Gateway
        commands: CommandRegistry
        store: MessageStore
        answer_timeout: float
        base_url: str

        async def wait_for(
            self, predicate: Callable[[], Any], *, within: float | None = None, what: str = ""
        ) -> Any: ...

    def __init__(self) -> None:
        self.interactions: dict[str, InteractionState] = {}

    # -- building and sending interactions ------------------------------------------------------
    def _envelope(
        self,
        state: InteractionState,
        actor: Member | User,
        data: dict[str, Any],
        message: StoredMessage | None,
    ) -> dict[str, Any]:
        channel = state.channel
        payload: dict[str, Any] = {
            "id": str(state.id),
            "application_id": str(self.world.application_id),
            "type": state.type,
            "token": state.token,
            "version": 1,
            "data": data,
            "channel_id": str(channel.id),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if isinstance(actor, Member):
            guild = actor.guild
            payload.update(
                guild_id=str(guild.id),
                guild_locale=guild.preferred_locale,
                context=0,
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                member=_member_with_permissions(actor, channel),
                channel=resolved_channel_payload(channel, actor.permissions(channel)),
                app_permissions=str(guild.me.permissions(channel)),
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=user_payload(actor),
                context=1,
                channel=resolved_channel_payload(channel, 0),
                app_permissions=str(0),
                authorizing_integration_owners={"0": str(actor.id)},
            )
        if message is not None:
            payload["message"] = message.payload
        return payload

    async def _interact(
        self,
        kind: int,
        label: str,
        actor: Member | User,
        channel: Channel,
        data: dict[str, Any],
        *,
        message: StoredMessage | None = None,
        trigger: InteractionState | None = None,
        until: str = "answer",
        within: float | None = None,
    ) -> InteractionResult:
        if isinstance(actor, Member) and channel.is_dm:
            actor = actor.user  # a press in a DM carries no server, as on Discord
        user = actor.user if isinstance(actor, Member) else actor
        state = InteractionState(
            self.world.ids.next(),
            f"emu-{secrets.token_urlsafe(48)}",
            kind,
            label,
            channel,
            user,
            channel.guild_id,
            source_message=message,
            source_edits_at_start=len(message.edits) if message else 0,
            trigger=trigger,
        )
        self.interactions[state.token] = state
        guild_id = actor.guild.id if isinstance(actor, Member) else None
        if not self.gateway.live:
            raise AssertionError(f"{label}: no bot is connected to the emulator's gateway")
        self.gateway.dispatch(
            "INTERACTION_CREATE", self._envelope(state, actor, data, message), guild_id=guild_id
        )
        result = InteractionResult(self, state)
        done = {
            "answer": state.answered,
            "ack": lambda: state.acknowledged,
            "any": lambda: state.acknowledged or state.refused,
            "sent": lambda: True,  # the caller waits itself (a crowd: one wait for all)
        }[until]
        limit = self.answer_timeout if within is None else within
        try:
            await self.wait_for(done, within=limit, what=f"the bot's answer to {label}")
        except AssertionError as exc:
            refused = "".join(f"\n  refused: {status} {body}" for status, body in state.refused)
            raise AssertionError(
                f"{label}: the bot did not answer in {limit} s{refused}\n{exc}"
            ) from None
        return result

    # -- what a member does ---------------------------------------------------------------------
    def _resolve_options(
        self,
        member: Member,
        channel: Channel,
        path: str,
        options: dict[str, Any],
        focused: str | None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        command, chain, definitions = self.commands.resolve(member, path)
        by_name = {definition["name"]: definition for definition in definitions}
        unknown = sorted(set(options) - set(by_name))
        if unknown:
            raise AssertionError(f"/{path} has no option(s) {unknown}; it has {sorted(by_name)}")
        missing = [
            name
            for name, d in by_name.items()
            if d.get("required") and name not in options and name != focused
        ]
        if missing and focused is None:
            raise AssertionError(f"/{path} needs option(s) {missing}")
        resolved: dict[str, dict[str, Any]] = {}
        leaf = []
        for name, value in options.items():
            definition = by_name[name]
            if name == focused:
                leaf.append(
                    {"type": definition["type"], "name": name, "value": str(value), "focused": True}
                )
                continue
            wire, objects = option_value(definition, value)
            leaf.append({"type": definition["type"], "name": name, "value": wire})
            for kind, obj in objects:
                self._add_resolved(resolved, kind, obj, member, channel)
        data: dict[str, Any] = {
            "id": str(command.id),
            "name": command.name,
            "type": 1,
            "options": nest_options(command, chain, leaf),
        }
        if resolved:
            data["resolved"] = resolved
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        return data, leaf

    @staticmethod
    def _add_resolved(
        resolved: dict[str, dict[str, Any]], kind: str, obj: Any, member: Member, channel: Channel
    ) -> None:
        if kind == "user":
            user = obj.user if isinstance(obj, Member) else obj
            resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
            target = member.guild.members.get(user.id)
            if target is not None:
                resolved.setdefault("members", {})[str(user.id)] = {
                    **member_payload(target, with_user=False),
                    "permissions": str(target.permissions(channel)),
                }
        elif kind == "role":
            assert isinstance(obj, Role)
            resolved.setdefault("roles", {})[str(obj.id)] = role_payload(obj)
        elif kind == "channel":
            assert isinstance(obj, Channel)
            resolved.setdefault("channels", {})[str(obj.id)] = resolved_channel_payload(
                obj, member.permissions(obj)
            )

    def _default_channel(self, guild: Guild, channel: Channel | None) -> Channel:
        if channel is not None:
            return channel
        for candidate in guild.channels.values():
            if candidate.type in (0, 5) and not candidate.deleted:
                return candidate
        raise AssertionError(f"guild {guild.name!r} has no text channel to run a command in")

    async def slash(
        self,
        guild: Guild,
        member: Member,
        command: str,
        options: dict[str, Any] | None = None,
        /,
        *,
        in_channel: Channel | None = None,
        until: str = "answer",
        within: float | None = None,
        **named: Any,
    ) -> InteractionResult:
        """Run "/command [group] [subcommand]" as `member` in `in_channel` (default: the first
        text channel). Options by name, as keywords or in the `options`
        dict; user, channel and role options take world objects. Waits up to
        `within` seconds for the answer: `until="answer"` also waits for a deferred answer to
        be completed, "ack" only for the callback, "any" also stops at a refused answer."""
        assert member.guild is guild, f"{member.user.name} is not a member of {guild.name}"
        where = self._default_channel(guild, in_channel)
        data, _ = self._resolve_options(member, where, command, {**(options or {}), **named}, None)
        return await self._interact(
            APPLICATION_COMMAND, f"/{command}", member, where, data, until=until, within=within
        )

    async def autocomplete(
        self,
        guild: Guild,
        member: Member,
        command: str,
        focused: str,
        typed: str = "",
        /,
        *,
        options: dict[str, Any] | None = None,
        in_channel: Channel | None = None,
        within: float | None = None,
        **named: Any,
    ) -> list[dict[str, Any]]:
        """The choices ({"name", "value"}) the bot offers while `member` types `typed` into
        option `focused`; other options already filled in go in `options` / keywords."""
        where = self._default_channel(guild, in_channel)
        data, _ = self._resolve_options(
            member, where, command, {**(options or {}), **named, focused: typed}, focused
        )
        result = await self._interact(
            AUTOCOMPLETE, f"autocomplete /{command} {focused}", member, where, data, within=within
        )
        return result.choices

    async def click(
        self,
        message: StoredMessage | InteractionResult,
        custom_id_or_label: str,
        member: Member | User,
        *,
        values: list[Any] | None = None,
        until: str = "answer",
        within: float | None = None,
    ) -> InteractionResult:
        """Press a button (or pick `values` in a select) on a message the bot sent. A user,
        role, mentionable or channel select takes world objects (`sample.general`), sent as
        their ids with the `resolved` objects, as Discord does."""
        if isinstance(message, InteractionResult):
            assert message.message is not None, f"{message!r} has no message to click on"
            message = message.message
        assert not message.deleted, f"message {message.id} was deleted; nothing to click"
        component = message.find_component(custom_id_or_label)
        assert not component.get("disabled"), f"{custom_id_or_label!r} is disabled"
        if component.get("type") == 2 and component.get("style") == 5:
            raise AssertionError(f"{custom_id_or_label!r} is a link button; it opens a URL")
        data: dict[str, Any] = {
            "custom_id": component["custom_id"],
            "component_type": component["type"],
            "id": component.get("id"),
        }
        channel = self.world.channels[message.channel_id]
        if component["type"] in _SELECTS:
            data["values"] = [
                str(v.id) if isinstance(v, Channel | Role | Member | User) else v
                for v in values or []
            ]
            actor = member if isinstance(member, Member) else None
            resolved: dict[str, dict[str, Any]] = {}
            for value in values or []:
                kind = _SELECT_KIND.get(type(value))
                if kind is not None and actor is not None:
                    self._add_resolved(resolved, kind, value, actor, channel)
            if resolved:
                data["resolved"] = resolved
        return await self._interact(
            MESSAGE_COMPONENT,
            f"click {component['custom_id']}",
            member,
            channel,
            data,
            message=message,
            until=until,
            within=within,
        )

    async def submit_modal(
        self,
        opened: InteractionResult,
        member: Member | User,
        values: dict[str, str | list[str]],
        *,
        until: str = "answer",
        within: float | None = None,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in answer to `opened`."""
        modal = opened.modal
        assert modal is not None, f"{opened!r} did not open a modal"
        unused = dict(values)
        components = [self._modal_answer(item, unused) for item in modal.get("components") or []]
        assert not unused, f"the modal has no field(s) {sorted(unused)}"
        data = {"custom_id": modal["custom_id"], "components": components}
        return await self._interact(
            MODAL_SUBMIT,
            f"modal {modal['custom_id']}",
            member,
            opened.state.channel,
            data,
            message=opened.state.source_message,
            trigger=opened.state,
            until=until,
            within=within,
        )

    @staticmethod
    def _modal_answer(item: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        kind = item.get("type")
        if kind == 1:
            return {
                "type": 1,
                "id": item.get("id"),
                "components": [
                    Driver._modal_answer(child, values) for child in item.get("components") or []
                ],
            }
        if kind == 18:
            return {
                "type": 18,
                "id": item.get("id"),
                "component": Driver._modal_answer(item["component"], values),
            }
        answer: dict[str, Any] = {"type": kind, "id": item.get("id")}
        custom_id = item.get("custom_id")
        if custom_id is None:
            return answer
        answer["custom_id"] = custom_id
        value = values.pop(custom_id, None)
        if kind == 4:
            if item.get("required", True) and not value:
                raise AssertionError(f"modal field {custom_id!r} is required")
            answer["value"] = value or ""
        else:
            answer["values"] = list(value or [])
        return answer
