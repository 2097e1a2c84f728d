"""Checks JSON bodies against Discord's OpenAPI description, trimmed to what the tests use.

The description is tests/emulator/discord_openapi.json, cut from Discord's public
discord/discord-api-spec (MIT, see LICENSE.discord-api-spec) by trim_openapi.py.

Not a full JSON Schema validator: it follows $ref, allOf, oneOf/anyOf (any branch may match),
and reports missing required fields, wrong primitive types and enum/const mismatches, which is
what keeps the emulator's payloads and the bot's requests honest.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("discord_openapi.json")
REGENERATE = "python -m tests.emulator.trim_openapi PATH/TO/discord-api-spec/openapi.json"
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}
MAX_DEPTH = 40


def _spec_path() -> Path:
    if not SPEC_PATH.exists():
        raise FileNotFoundError(
            f"the trimmed Discord OpenAPI description is missing: {SPEC_PATH}; regenerate it "
            f"from Discord's full openapi.json (github.com/discord/discord-api-spec): {REGENERATE}"
        )
    return SPEC_PATH


class OpenAPIChecker:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.schemas = spec["components"]["schemas"]

    @classmethod
    @cache
    def shared(cls) -> OpenAPIChecker:
        """One parsed copy per process."""
        return cls(json.loads(_spec_path().read_text()))

    # -- operations -----------------------------------------------------------------------------
    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        return (self.spec["paths"].get(path) or {}).get(method.lower())

    def operation_by_id(self, operation_id: str) -> tuple[str, str, dict[str, Any]]:
        for path, item in self.spec["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    return method.upper(), path, operation
        raise KeyError(f"no operation {operation_id!r} in the OpenAPI description")

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self._lookup(node["$ref"])
        return node

    def _lookup(self, ref: str) -> dict[str, Any]:
        node: Any = self.spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def request_schema(self, method: str, path: str) -> dict[str, Any] | None:
        operation = self.operation(method, path)
        if not operation or "requestBody" not in operation:
            return None
        content = self._resolve(operation["requestBody"])["content"]
        return (content.get("application/json") or {}).get("schema")

    def response_schema(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        operation = self.operation(method, path)
        if not operation:
            return None
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if response is None:
            return None
        content = self._resolve(response).get("content") or {}
        return (content.get("application/json") or {}).get("schema")

    def check_request(self, method: str, path: str, body: Any) -> list[str]:
        schema = self.request_schema(method, path)
        if schema is None:
            return []
        return [f"request {p}" for p in self.check(schema, body, requests=True)]

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        if status == 204 or body is None:
            return []
        schema = self.response_schema(method, path, status)
        return [] if schema is None else [f"response {p}" for p in self.check(schema, body)]

    def check_operation(
        self, operation_id: str, body: Any, *, status: int | None = None
    ) -> list[str]:
        """Problems of `body` as the request (status None) or response of an operationId."""
        method, path, _ = self.operation_by_id(operation_id)
        if status is None:
            return self.check_request(method, path, body)
        return self.check_response(method, path, status, body)

    def check_named(self, schema_name: str, value: Any) -> list[str]:
        return self.check({"$ref": f"#/components/schemas/{schema_name}"}, value)

    # -- schemas --------------------------------------------------------------------------------
    def check(
        self,
        schema: dict[str, Any],
        value: Any,
        where: str = "$",
        depth: int = 0,
        *,
        requests: bool = False,
    ) -> list[str]:
        """Problems of `value`. With `requests`, integer snowflakes pass: Discord takes them
        from clients (discord.py sends attachment ids as ints) but always answers strings."""
        if depth > MAX_DEPTH:
            return []
        schema = self._resolve(schema)
        if requests and schema.get("format") == "snowflake" and isinstance(value, int):
            return []

        def sub(part: dict[str, Any], item: Any, at: str) -> list[str]:
            return self.check(part, item, at, depth + 1, requests=requests)

        problems: list[str] = []
        for part in schema.get("allOf", []):
            problems += sub(part, value, where)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if branches:
                results = [sub(branch, value, where) for branch in branches]
                if all(results):
                    # The branch whose discriminating `type` fits says what is really wrong.
                    fitting = [r for r in results if not any(f"{where}.type:" in p for p in r)]
                    best = min(fitting or results, key=len)
                    problems += [f"{where}: matches none of the {key} branches; closest: {best[0]}"]
        kinds = schema.get("type")
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not any(self._is(value, kind) for kind in kinds):
                return [*problems, f"{where}: expected {'/'.join(kinds)}, got {_name(value)}"]
        if "const" in schema and value != schema["const"]:
            problems.append(f"{where}: expected {schema['const']!r}, got {value!r}")
        if "enum" in schema and value not in schema["enum"] and value is not None:
            problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    problems.append(f"{where}: missing required field {name!r}")
            for name, part in (schema.get("properties") or {}).items():
                if name in value:
                    problems += sub(part, value[name], f"{where}.{name}")
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                problems += sub(schema["items"], item, f"{where}[{index}]")
        return problems

    @staticmethod
    def _is(value: Any, kind: str) -> bool:
        if kind in ("integer", "number") and isinstance(value, bool):
            return False
        return isinstance(value, _TYPES.get(kind, (object,)))


def _name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
