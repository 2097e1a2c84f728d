"""Interactions in flight: what the member did, and everything the bot answered to it.

InteractionState is the emulator's book-keeping (token, deadline, callbacks, messages);
InteractionResult is what a test gets back from slash/autocomplete/click/submit_modal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.emulator.messages import StoredMessage
from tests.emulator.payloads import user_payload
from tests.emulator.world import Channel, User

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


@dataclass(eq=False)
class InteractionState:
    id: int
    token: str
    type: int
    label: str  # "/roadmap next", "click study:done", for messages to the test's author
    channel: Channel
    user: User
    guild_id: int | None
    source_message: StoredMessage | None = None  # the message a component was on
    created: float = field(default_factory=time.monotonic)
    callback: dict[str, Any] | None = None  # the accepted callback: {"type", "data"}
    answered_at: float | None = None  # time.monotonic() when that callback was accepted
    refused: list[tuple[int, Any]] = field(default_factory=list)  # answers Discord refused
    original: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    source_edits_at_start: int = 0
    trigger: InteractionState | None = None  # for a modal submit: the interaction that opened it

    def metadata(self) -> dict[str, Any]:
        """The `interaction_metadata` of messages created in answer to this interaction."""
        owners = {"0": str(self.guild_id)} if self.guild_id else {"1": str(self.user.id)}
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "user": user_payload(self.user),
            "authorizing_integration_owners": owners,
        }
        if self.original is not None:
            data["original_response_message_id"] = str(self.original.id)
        if self.type == MESSAGE_COMPONENT and self.source_message is not None:
            data["interacted_message_id"] = str(self.source_message.id)
        if self.type == MODAL_SUBMIT and self.trigger is not None:
            data["triggering_interaction_metadata"] = self.trigger.metadata()
        return data

    @property
    def acknowledged(self) -> bool:
        return self.callback is not None

    def answered(self) -> bool:
        """Acknowledged, and a deferred answer has since been completed."""
        if self.callback is None:
            return False
        kind = self.callback["type"]
        if kind == DEFERRED_MESSAGE:
            return bool(self.followups) or bool(self.original and not self.original.loading)
        if kind == DEFERRED_UPDATE:
            edited = (
                self.source_message is not None
                and len(self.source_message.edits) > self.source_edits_at_start
            )
            return (
                edited
                or bool(self.followups)
                or bool(self.source_message and self.source_message.deleted)
            )
        return True


class InteractionResult:
    """What the bot answered to one interaction; live, so later followups show up too."""

    def __init__(self, emu: Emulator, state: InteractionState) -> None:
        self._emu = emu
        self.state = state

    def __repr__(self) -> str:
        return (
            f"<InteractionResult {self.state.label} type={self.type} "
            f"ephemeral={self.ephemeral} content={self.content!r}>"
        )

    @property
    def callback(self) -> dict[str, Any] | None:
        """The accepted interaction callback body ({"type": ..., "data": ...})."""
        return self.state.callback

    @property
    def type(self) -> int | None:
        """The callback type: 4 message, 5 deferred, 6 deferred update, 7 update, 8, 9."""
        return self.state.callback["type"] if self.state.callback else None

    @property
    def first_response_seconds(self) -> float | None:
        """How long after the interaction's creation its first response was accepted."""
        if self.state.answered_at is None:
            return None
        return self.state.answered_at - self.state.created

    @property
    def deferred(self) -> bool:
        return self.type in (DEFERRED_MESSAGE, DEFERRED_UPDATE)

    @property
    def message(self) -> StoredMessage | None:
        """The message the answer created (or, for a component, the message it updated)."""
        return self.state.original

    @property
    def followups(self) -> list[StoredMessage]:
        return self.state.followups

    @property
    def refused(self) -> list[tuple[int, Any]]:
        """(status, body) of every answer Discord refused (e.g. 400 / 50035, 40060, 10062)."""
        return self.state.refused

    @property
    def content(self) -> str:
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message else []

    @property
    def embed(self) -> dict[str, Any]:
        assert self.embeds, f"{self.state.label}: the answer has no embed: {self!r}"
        return self.embeds[0]

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message else []

    @property
    def flags(self) -> int:
        return self.message.flags if self.message else 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.message and self.message.ephemeral)

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices ({"name", "value"})."""
        if self.type != AUTOCOMPLETE_RESULT:
            return []
        return list((self.state.callback or {}).get("data", {}).get("choices") or [])

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (custom_id, title, components)."""
        if self.type != MODAL:
            return None
        return (self.state.callback or {}).get("data")

    def text(self) -> str:
        """Everything visible in the answer and its followups, for loose assertions."""
        parts = [self.message.text()] if self.message else []
        parts += [m.text() for m in self.followups if m is not self.message]
        return "\n".join(parts)

    async def wait_for_followups(
        self, count: int = 1, within: float | None = None
    ) -> list[StoredMessage]:
        await self._emu.wait_for(
            lambda: len(self.followups) >= count,
            within=within,
            what=f"{count} followup(s) to {self.state.label}",
        )
        return self.followups

    async def wait_for_edit(self, within: float | None = None) -> StoredMessage:
        """Wait until the answer's message is edited once more than it is now."""
        message = self.message
        assert message is not None, f"{self.state.label}: no message to wait on"
        edits = len(message.edits)
        await self._emu.wait_for(
            lambda: len(message.edits) > edits,
            within=within,
            what=f"an edit of the answer to {self.state.label}",
        )
        return message
