"""The application command registry that command sync fills and interactions resolve against.

Bulk overwrite keeps ids for commands whose (name, type) stay, as Discord does. A member can only
invoke what Discord would show them: the command must exist in that guild or globally, be allowed
in guilds, and the member must hold its default_member_permissions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.emulator.checks import FormErrors
from tests.emulator.world import Channel, Member, Role, User, World

NAME = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
CHAT_INPUT = 1


class CommandNotAvailable(AssertionError):
    """The member could not run this command in Discord (unknown, hidden or not allowed here)."""


@dataclass
class RegisteredCommand:
    id: int
    guild_id: int | None
    version: int
    payload: dict[str, Any]

    @property
    def name(self) -> str:
        return self.payload["name"]

    @property
    def type(self) -> int:
        return int(self.payload.get("type", CHAT_INPUT))

    def response(self, application_id: int) -> dict[str, Any]:
        """An ApplicationCommandResponse."""
        body = {
            "type": CHAT_INPUT,
            "description": "",
            "options": [],
            "nsfw": False,
            "default_member_permissions": None,
            "contexts": None,
            "integration_types": [0],
            **{key: value for key, value in self.payload.items() if value is not None},
        }
        body.update(id=str(self.id), application_id=str(application_id), version=str(self.version))
        if self.guild_id is not None:
            body["guild_id"] = str(self.guild_id)
        permissions = self.payload.get("default_member_permissions")
        # Discord takes an int or a string but always answers with a string.
        body["default_member_permissions"] = None if permissions is None else str(permissions)
        return body


def _check_options(
    errors: FormErrors, path: tuple[str | int, ...], options: list[dict[str, Any]]
) -> None:
    errors.too_long((*path, "options"), options, 25)
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        where = (*path, "options", index)
        name = option.get("name") or ""
        if not NAME.match(name) or name != name.lower():
            errors.add((*where, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if name in names:
            errors.add(
                (*where, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(name)
        description = option.get("description") or ""
        if not 1 <= len(description) <= 100:
            errors.add(
                (*where, "description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        errors.too_long((*where, "choices"), option.get("choices") or [], 25)
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _check_options(errors, where, option.get("options") or [])
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True


def check_commands(commands: list[dict[str, Any]]) -> FormErrors:
    """Discord's checks of a bulk overwrite body."""
    errors = FormErrors()
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type", CHAT_INPUT))
        name = command.get("name") or ""
        if not NAME.match(name) or (kind == CHAT_INPUT and name != name.lower()):
            errors.add((index, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if (name, kind) in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique ({name})",
            )
        seen.add((name, kind))
        if kind == CHAT_INPUT:
            description = command.get("description") or ""
            if not 1 <= len(description) <= 100:
                errors.add(
                    (index, "description"),
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
        _check_options(errors, (index,), command.get("options") or [])
    if sum(1 for c in commands if int(c.get("type", CHAT_INPUT)) == CHAT_INPUT) > 100:
        errors.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    return errors


class CommandRegistry:
    def __init__(self, world: World) -> None:
        self.world = world
        self.scopes: dict[int | None, dict[int, RegisteredCommand]] = {}

    def commands(self, guild_id: int | None = None) -> list[RegisteredCommand]:
        return list(self.scopes.get(guild_id, {}).values())

    def names(self, guild_id: int | None = None) -> list[str]:
        return sorted(command.name for command in self.commands(guild_id))

    def overwrite(
        self, guild_id: int | None, payloads: list[dict[str, Any]]
    ) -> list[RegisteredCommand]:
        old = {(c.name, c.type): c for c in self.commands(guild_id)}
        fresh: dict[int, RegisteredCommand] = {}
        for payload in payloads:
            kind = int(payload.get("type", CHAT_INPUT))
            previous = old.get((payload["name"], kind))
            command_id = previous.id if previous else self.world.ids.next()
            fresh[command_id] = RegisteredCommand(
                command_id, guild_id, self.world.ids.next(), dict(payload)
            )
        self.scopes[guild_id] = fresh
        return list(fresh.values())

    def upsert(self, guild_id: int | None, payload: dict[str, Any]) -> RegisteredCommand:
        scope = self.scopes.setdefault(guild_id, {})
        for command in scope.values():
            if command.name == payload["name"] and command.type == int(payload.get("type", 1)):
                command.payload, command.version = dict(payload), self.world.ids.next()
                return command
        command = RegisteredCommand(
            self.world.ids.next(), guild_id, self.world.ids.next(), dict(payload)
        )
        scope[command.id] = command
        return command

    def find(self, guild_id: int | None, name: str) -> RegisteredCommand | None:
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.scopes.get(scope, {}).values():
                if command.name == name and command.type == CHAT_INPUT:
                    return command
        return None

    def resolve(self, member: Member, path: str) -> tuple[RegisteredCommand, list[str], list[dict]]:
        """The command, the subcommand names and the leaf's option definitions for a path such
        as "roadmap-admin daily set"; raises CommandNotAvailable as Discord's client would."""
        top, *rest = path.split()
        guild = member.guild
        command = self.find(guild.id, top)
        if command is None:
            raise CommandNotAvailable(
                f"/{top} is not registered for guild {guild.name!r}; registered: "
                f"guild {self.names(guild.id)}, global {self.names(None)}"
            )
        contexts = command.payload.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise CommandNotAvailable(f"/{top} is not available in guilds (contexts={contexts})")
        required = command.payload.get("default_member_permissions")
        if required is not None and not member.has(int(required)):
            raise CommandNotAvailable(
                f"{member.user.name} lacks the default_member_permissions ({required}) of /{top}"
            )
        definitions = command.payload.get("options") or []
        chain: list[str] = []
        for word in rest:
            match = next(
                (
                    o
                    for o in definitions
                    if o["name"] == word and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if match is None:
                raise CommandNotAvailable(f"/{top} has no subcommand {' '.join([*chain, word])!r}")
            chain.append(word)
            definitions = match.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in definitions):
            choices = [o["name"] for o in definitions]
            raise CommandNotAvailable(f"/{path} needs a subcommand, one of {choices}")
        return command, chain, definitions


def nest_options(
    command: RegisteredCommand, chain: list[str], leaf: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Wrap the leaf's option values in the subcommand group / subcommand structure."""
    options = leaf
    definitions = command.payload.get("options") or []
    kinds = []
    for name in chain:
        definition = next(o for o in definitions if o["name"] == name)
        kinds.append(definition["type"])
        definitions = definition.get("options") or []
    for name, kind in reversed(list(zip(chain, kinds, strict=True))):
        options = [{"type": kind, "name": name, "options": options}]
    return options


class Forged:
    """An option value sent as is, unchecked: what a hostile client (not Discord's) could send,
    e.g. `public=Forged("yes")` or a user option of `Forged("not-an-id")`."""

    def __init__(self, wire: Any) -> None:
        self.wire = wire


def option_value(definition: dict[str, Any], value: Any) -> tuple[Any, list[tuple[str, Any]]]:
    """The wire value of one option and the objects to put in `resolved`, checked like Discord's
    client does (choices, ranges, channel types) so a test cannot send what a user could not
    (unless the value is `Forged`)."""
    if isinstance(value, Forged):
        return value.wire, []
    kind, name = definition["type"], definition["name"]
    objects: list[tuple[str, Any]] = []
    if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
        if isinstance(value, Member | User):
            objects.append(("user", value))
        elif isinstance(value, Channel):
            objects.append(("channel", value))
            allowed = definition.get("channel_types")
            if allowed and value.type not in allowed:
                raise CommandNotAvailable(
                    f"option {name!r} accepts channel types {allowed}, not {value.type}"
                )
        elif isinstance(value, Role):
            objects.append(("role", value))
        else:
            raise TypeError(f"option {name!r} needs a world object (member, channel or role)")
        return str(value.id), objects
    if kind == INTEGER:
        wire: Any = int(value)
    elif kind == NUMBER:
        wire = float(value)
    elif kind == BOOLEAN:
        wire = bool(value)
    elif kind == STRING:
        wire = str(value)
        low, high = definition.get("min_length"), definition.get("max_length")
        if (low is not None and len(wire) < low) or (high is not None and len(wire) > high):
            raise CommandNotAvailable(f"option {name!r} must be {low}..{high} characters long")
    else:
        raise TypeError(f"option {name!r} of type {kind} is not supported by the emulator")
    choices = definition.get("choices")
    if choices and wire not in [choice["value"] for choice in choices]:
        raise CommandNotAvailable(f"option {name!r} must be one of {choices}")
    low, high = definition.get("min_value"), definition.get("max_value")
    if kind in (INTEGER, NUMBER) and (
        (low is not None and wire < low) or (high is not None and wire > high)
    ):
        raise CommandNotAvailable(f"option {name!r} must be within {low}..{high}")
    return wire, objects
