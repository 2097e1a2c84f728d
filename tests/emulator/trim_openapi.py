"""Writes tests/emulator/discord_openapi.json: the part of Discord's OpenAPI description tests use.

    python -m tests.emulator.trim_openapi PATH/TO/discord-api-spec/openapi.json

Discord's full description (public repository discord/discord-api-spec, MIT licence, see
LICENSE.discord-api-spec) is over a megabyte. The trimmed copy keeps the operations the emulator
serves, the schemas the tests name, every component those reach through `$ref`, and the security
schemes the kept operations name. Run it again after adding an emulator route or a schema name in
a test; test_payloads.py fails while a served route is missing from the trimmed file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("discord_openapi.json")
SOURCE = "discord/discord-api-spec commit 74fda0fa (2026-07-18)"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# What tests check by name (grep tests/ for check_named("...") and check_operation("...")).
NAMED_SCHEMAS = (
    "ApplicationCommandResponse",
    "ErrorResponse",
    "GuildChannelResponse",
    "GuildMemberResponse",
    "GuildResponse",
    "GuildRoleResponse",
    "MessageResponse",
    "PrivateApplicationResponse",
    "PrivateChannelResponse",
    "RatelimitedResponse",
    "UserPIIResponse",
    "UserResponse",
)
NAMED_OPERATIONS = ("create_message",)

# Served by the emulator because discord.py calls them, but absent from Discord's description.
KNOWN_ABSENT = frozenset({("GET", "/applications/{application_id}/commands/permissions")})


def served_routes() -> list[tuple[str, str]]:
    """(method, template) of every REST route the emulator serves, from its own router."""
    # Imported here so `--help` works even when the emulator cannot be imported.
    from tests.emulator.server import Emulator

    emulator = Emulator(check_openapi=False)
    return sorted({(method, template) for method, template, _, _ in emulator.router.routes})


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _component(ref: str) -> tuple[str, str]:
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        raise ValueError(f"unsupported $ref {ref!r}: only #/components/<section>/<name>")
    return parts[2], parts[3]


def trim(
    spec: dict[str, Any], routes: list[tuple[str, str]], *, source: str = SOURCE
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The trimmed description and the served routes Discord's description does not have."""
    paths: dict[str, dict[str, Any]] = {}
    absent: list[tuple[str, str]] = []

    def keep(method: str, template: str) -> None:
        item = spec["paths"][template]
        kept = paths.setdefault(template, {k: v for k, v in item.items() if k not in HTTP_METHODS})
        kept[method.lower()] = item[method.lower()]

    for method, template in routes:
        if method.lower() in (spec["paths"].get(template) or {}):
            keep(method, template)
        else:
            absent.append((method, template))
    wanted_ops = set(NAMED_OPERATIONS)
    for template, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if (item.get(method) or {}).get("operationId") in wanted_ops:
                keep(method, template)
                wanted_ops.discard(item[method]["operationId"])
    if wanted_ops:
        raise KeyError(f"operations not in Discord's description: {sorted(wanted_ops)}")

    components: dict[str, dict[str, Any]] = {}
    pending = [f"#/components/schemas/{name}" for name in NAMED_SCHEMAS]
    pending += list(_refs(paths))
    while pending:
        section, name = _component(pending.pop())
        if name in components.get(section, {}):
            continue
        node = spec["components"][section][name]
        components.setdefault(section, {})[name] = node
        pending += list(_refs(node))

    schemes = {
        scheme
        for item in paths.values()
        for method in HTTP_METHODS
        for requirement in (item.get(method) or {}).get("security", [])
        for scheme in requirement
    }
    if schemes:
        components["securitySchemes"] = {
            name: spec["components"]["securitySchemes"][name] for name in schemes
        }

    info = {
        **spec["info"],
        "x-trimmed-from": source,
        "x-trimmed-by": "tests/emulator/trim_openapi.py",
    }
    trimmed = {
        "openapi": spec["openapi"],
        "info": info,
        "paths": paths,
        "components": components,
    }
    return trimmed, absent


def dump(spec: dict[str, Any]) -> str:
    """Byte-for-byte the same text for the same description."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("full", type=Path, help="Discord's full openapi.json")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help=f"default {OUTPUT}")
    parser.add_argument(
        "--source", default=SOURCE, help=f"where the full file is from (default: {SOURCE})"
    )
    args = parser.parse_args(argv)
    spec = json.loads(args.full.read_text(encoding="utf-8"))
    trimmed, absent = trim(spec, served_routes(), source=args.source)
    text = dump(trimmed)
    args.output.write_text(text, encoding="utf-8")
    for method, template in absent:
        note = "" if (method, template) in KNOWN_ABSENT else "  <- new: add to KNOWN_ABSENT"
        print(f"not in Discord's description: {method} {template}{note}")
    operations = sum(k in HTTP_METHODS for item in trimmed["paths"].values() for k in item)
    print(
        f"{args.output.name}: {len(trimmed['paths'])} paths ({operations} operations), "
        f"{len(trimmed['components'].get('schemas', {}))} schemas, {len(text.encode())} bytes"
    )


if __name__ == "__main__":
    main()
