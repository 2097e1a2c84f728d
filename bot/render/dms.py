"""What a member reads when Discord refuses the bot a DM (a Save to DMs copy, a reminder),
written once: Discord's code for it and the words for why and what to do."""

from __future__ import annotations

#: Discord's error code for a DM the member's privacy settings block.
CANNOT_DM = 50007

_BLOCKED = "your privacy settings block direct messages from this server's members"

#: The answer to Save to DMs when the DM was refused.
SAVE_DMS_CLOSED = (
    f"I can't send you a DM: {_BLOCKED}. Allow them (this server's name → Privacy Settings → "
    "Direct Messages) and press **Save to DMs** again."
)
#: Why a reminder was turned off, as the ledger keeps it and the member later reads it.
REMINDER_DMS_CLOSED = f"I could not send you a DM ({_BLOCKED}), so your reminder was turned off"
