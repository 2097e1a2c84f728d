"""The interaction callback and the webhook routes of followups and @original.

Discord's rules: one acknowledgement per interaction (a second gets 400 / 40060), the first one
within the deadline (3 s by default, else 404 / 10062), callback types that fit the interaction,
the first followup after a deferred answer replaces the "thinking" message, and the token works
for followups for 15 minutes. Files come as multipart (`payload_json` and `files[n]`) on the
callback, followups and edits alike; one larger than the interaction's `attachment_size_limit`
is refused with 413 / 40005, and an embed image at `attachment://<name>` shows that file.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.emulator.checks import (
    FormErrors,
    check_choices,
    check_message,
    check_modal,
    error_body,
)
from tests.emulator.driver import ATTACHMENT_SIZE_LIMIT
from tests.emulator.interactions import (
    ALLOWED_CALLBACKS,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MODAL,
    UPDATE_MESSAGE,
    InteractionState,
)
from tests.emulator.messages import EPHEMERAL, LOADING, StoredMessage
from tests.emulator.rest import Call, DiscordError, RestRouter
from tests.emulator.routes_messages import create_message, delete_stored, edit_stored

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

Reply = tuple[int, Any]


def _refuse(state: InteractionState, status: int, body: dict[str, Any]) -> Reply:
    state.refused.append((status, body))
    return status, body


def _too_large(call: Call) -> Reply | None:
    """Discord's answer to a file above the upload limit the interaction announced."""
    if any(len(data) > ATTACHMENT_SIZE_LIMIT for data in call.files.values()):
        return 413, error_body(40005, "Request entity too large")
    return None


def _interaction_message(
    emu: Emulator,
    state: InteractionState,
    body: dict[str, Any],
    files: dict[str, bytes],
    flags: int,
) -> StoredMessage:
    extra = {
        "webhook_id": str(emu.world.application_id),
        "application_id": str(emu.world.application_id),
        "interaction_metadata": state.metadata(),
    }
    if state.type == 2:
        extra["type"] = 20  # CHAT_INPUT_COMMAND reply
    return create_message(
        emu,
        state.channel,
        emu.world.bot,
        body,
        files,
        flags=flags,
        extra=extra,
        interaction_token=state.token,
    )


async def interaction_callback(call: Call) -> Reply:
    emu = call.emu
    state = emu.interactions.get(call.params["interaction_token"])
    if state is None or str(state.id) != call.params["interaction_id"]:
        raise DiscordError(404, 10062, "Unknown interaction")
    if state.acknowledged:
        return _refuse(
            state, 400, {"code": 40060, "message": "Interaction has already been acknowledged."}
        )
    if time.monotonic() - state.created > emu.interaction_deadline:
        return _refuse(state, 404, {"code": 10062, "message": "Unknown interaction"})
    body = call.body if isinstance(call.body, dict) else {}
    kind, data = body.get("type"), body.get("data") or {}
    if kind not in ALLOWED_CALLBACKS[state.type]:
        errors = FormErrors()
        errors.add(
            ("type",),
            "INTERACTION_RESPONSE_TYPE_INVALID",
            f"Interaction response type {kind} is not valid for this interaction",
        )
        return _refuse(state, 400, errors.body())
    verdict = None
    if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        verdict = _too_large(call) or check_message(
            data, files=len(call.files), prefix=("data",), editing=kind == UPDATE_MESSAGE
        )
    elif kind == AUTOCOMPLETE_RESULT:
        verdict = check_choices(data.get("choices") or [])
    elif kind == MODAL:
        verdict = check_modal(data)
    if verdict is not None:
        return _refuse(state, *verdict)

    resource: dict[str, Any] | None = None
    flags = int(data.get("flags") or 0)
    if kind == CHANNEL_MESSAGE:
        state.original = _interaction_message(emu, state, data, call.files, flags)
        resource = {"type": kind, "message": state.original.payload}
    elif kind == DEFERRED_MESSAGE:
        state.original = _interaction_message(emu, state, {}, {}, LOADING | (flags & EPHEMERAL))
    elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
        state.original = state.source_message
        if kind == UPDATE_MESSAGE and state.source_message is not None:
            edit_stored(emu, state.source_message, state.channel, data, call.files)
            resource = {"type": kind, "message": state.source_message.payload}
    state.callback = {"type": kind, "data": data}
    state.answered_at = time.monotonic()
    if call.query.get("with_response") not in ("1", "true", "True"):
        return 204, None
    interaction: dict[str, Any] = {"id": str(state.id), "type": state.type}
    if state.original is not None and kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE):
        interaction.update(
            response_message_id=str(state.original.id),
            response_message_loading=kind == DEFERRED_MESSAGE,
            response_message_ephemeral=state.original.ephemeral,
        )
    answer: dict[str, Any] = {"interaction": interaction}
    if resource is not None:
        answer["resource"] = resource
    return 200, answer


def _state_of(call: Call) -> InteractionState:
    emu = call.emu
    state = emu.interactions.get(call.params["webhook_token"])
    if state is None or call.id("webhook_id") != emu.world.application_id:
        raise DiscordError(404, 10015, "Unknown Webhook")
    if time.monotonic() - state.created > emu.interaction_token_ttl:
        raise DiscordError(401, 50027, "Invalid Webhook Token")
    return state


def _message_of(call: Call, state: InteractionState) -> StoredMessage:
    wanted = call.params.get("message_id", "@original")
    if wanted == "@original":
        message = state.original
    else:
        message = next(
            (
                m
                for m in [state.original, *state.followups]
                if m is not None and str(m.id) == wanted
            ),
            None,
        )
    if message is None or message.deleted:
        raise DiscordError(404, 10008, "Unknown Message")
    return message


async def post_followup(call: Call) -> Reply:
    emu = call.emu
    state = _state_of(call)
    if not state.acknowledged:
        raise DiscordError(404, 10015, "Unknown Webhook")
    body = call.body if isinstance(call.body, dict) else {}
    verdict = _too_large(call) or check_message(body, files=len(call.files))
    if verdict is not None:
        return _refuse(state, *verdict)
    if state.original is not None and state.original.loading:
        # Discord turns the first followup after a deferred answer into that answer.
        edit_stored(emu, state.original, state.channel, body, call.files)
        message = state.original
    else:
        message = _interaction_message(emu, state, body, call.files, int(body.get("flags") or 0))
    state.followups.append(message)
    return (
        (200, message.payload) if call.query.get("wait") in ("1", "true", "True") else (204, None)
    )


async def get_webhook_message(call: Call) -> Reply:
    state = _state_of(call)
    return 200, _message_of(call, state).payload


async def edit_webhook_message(call: Call) -> Reply:
    emu = call.emu
    state = _state_of(call)
    message = _message_of(call, state)
    body = call.body if isinstance(call.body, dict) else {}
    verdict = _too_large(call) or check_message(body, files=len(call.files), editing=True)
    if verdict is not None:
        return _refuse(state, *verdict)
    edit_stored(emu, message, state.channel, body, call.files)
    return 200, message.payload


async def delete_webhook_message(call: Call) -> Reply:
    state = _state_of(call)
    delete_stored(call.emu, _message_of(call, state))
    return 204, None


def add_interaction_routes(router: RestRouter) -> None:
    router.add(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback", interaction_callback
    )
    hook = "/webhooks/{webhook_id}/{webhook_token}"
    router.add("POST", hook, post_followup)
    for suffix in ("/messages/@original", "/messages/{message_id}"):
        router.add("GET", hook + suffix, get_webhook_message)
        router.add("PATCH", hook + suffix, edit_webhook_message)
        router.add("DELETE", hook + suffix, delete_webhook_message)
