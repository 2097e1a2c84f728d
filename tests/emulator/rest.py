"""The REST front door: routing by Discord's path templates, auth, faults, recording, schema checks.

Every request under /api/v10 passes here. Unknown routes answer 404 (405 for a known path with
another method) and are recorded so a fixture can fail the test. JSON answers carry exactly
`Content-Type: application/json`, the only value discord.py parses as JSON.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.emulator.checks import error_body
from tests.emulator.faults import rate_limit_answer
from tests.emulator.records import RestCall

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
# Interaction tokens authenticate these; they need no bot token, as on Discord.
TOKEN_ROUTES = ("/webhooks/{webhook_id}/{webhook_token}", "/interactions/")


class DiscordError(Exception):
    """Raised by a handler to answer with Discord's error shape."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body = error_body(code, message)
        if errors:
            self.body["errors"] = errors


@dataclass
class Call:
    emu: Emulator
    method: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any = None
    files: dict[str, bytes] = field(default_factory=dict)

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {
                    name: {
                        "_errors": [
                            {
                                "code": "NUMBER_TYPE_COERCE",
                                "message": f'Value "{self.params[name]}" is not snowflake.',
                            }
                        ]
                    }
                },
            ) from None


Handler = Callable[[Call], Awaitable[tuple[int, Any]]]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if status == 204 or body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


class RestRouter:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.routes: list[tuple[str, str, re.Pattern[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        pattern = re.sub(
            r"\{(\w+)\}",
            r"(?P<\1>[^/]+)",
            re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
        )
        self.routes.append((method, template, re.compile(f"^{pattern}$"), handler))

    def match(self, method: str, path: str) -> tuple[str, dict[str, str], Handler | None, bool]:
        """(template, params, handler, path_known) for a request path below the API prefix."""
        path_known = False
        for route_method, template, pattern, handler in self.routes:
            found = pattern.match(path)
            if found:
                path_known = True
                if route_method == method:
                    return template, found.groupdict(), handler, True
        return "", {}, None, path_known

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        files: dict[str, bytes] = {}
        if request.content_type == "multipart/form-data":
            body: Any = None
            form = await request.post()
            for name, value in form.items():
                if name == "payload_json":
                    # A str part as discord.py sends it, bytes when it came with a content type
                    # (application/json), a file part from clients that upload it as one.
                    raw = value.file.read() if isinstance(value, web.FileField) else value
                    body = json.loads(raw)
                elif isinstance(value, web.FileField):
                    files[value.filename] = value.file.read()
            return body or {}, files
        raw = await request.read()
        if not raw:
            return None, files
        if request.content_type != "application/json":
            raise DiscordError(400, 50035, "Invalid Form Body")
        return json.loads(raw), files

    async def handle(self, request: web.Request) -> web.Response:
        emu = self.emu
        path = request.path[len(API_PREFIX) :] or "/"
        method = request.method
        template, params, handler, path_known = self.match(method, path)
        route = f"{method} {template}" if handler else "?"
        call = RestCall(method, path, route, params, dict(request.query), 404)
        status, body, headers = 404, {"message": "404: Not Found", "code": 0}, {}
        try:
            call.request, files = await self._read_body(request)
            call.files = {name: len(data) for name, data in files.items()}
            if handler is None:
                if path_known:
                    status, body = 405, {"message": "405: Method Not Allowed", "code": 0}
            else:
                status, body, headers = await self._answer(
                    request,
                    Call(emu, method, route, params, call.query, call.request, files),
                    handler,
                )
        except DiscordError as exc:
            status, body = exc.status, exc.body
        except (ValueError, UnicodeDecodeError):
            status, body = 400, {"message": "400: Bad Request", "code": 0}
        call.status, call.response = status, body
        emu.recorder.add(call)
        emu.check_against_openapi(call)
        emu.notify()
        return json_response(status, body, headers)

    async def _answer(
        self, request: web.Request, call: Call, handler: Handler
    ) -> tuple[int, Any, dict[str, str]]:
        emu = self.emu
        template = call.route.split(" ", 1)[1]
        authorized = request.headers.get("Authorization") == f"Bot {emu.world.token}"
        if not authorized and not template.startswith(TOKEN_ROUTES):
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        wait = emu.faults.over_global_limit(template)
        if wait is not None:
            body, headers = rate_limit_answer(wait, is_global=True)
            return 429, body, headers
        rule = emu.faults.take(call.route, call.params)
        if rule is not None and rule.delay > 0:
            status, body = await handler(call)
            await asyncio.sleep(rule.delay)
            return status, body, {}
        if rule is not None:
            return rule.status, rule.body, rule.headers
        status, body = await handler(call)
        return status, body, {}
