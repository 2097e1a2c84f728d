"""The answer to `/roadmap-owner reload`: the headline, then the changes or every error.

The lines go in a code block (file paths and messages quoting YAML read best unformatted).
When they do not all fit, the embed shows as many as fit and the whole report is attached.
"""

from __future__ import annotations

from bot.render import limits
from bot.render.code import defuse_fences
from bot.render.payload import DONE_COLOUR, Attachment, Embed, Message
from bot.services.content import ReloadOutcome

REFUSED_COLOUR = 0xCF222E
REPORT_FILENAME = "reload-report.txt"
_BLOCK = f"{limits.FENCE}text\n{{}}\n{limits.FENCE}"


def reload_report(outcome: ReloadOutcome) -> Message:
    """The reload's headline and details, within Discord's limits."""
    lines = [defuse_fences(line) for line in outcome.lines()]
    title = "Content reloaded" if outcome.applied else "Content not reloaded"
    colour = DONE_COLOUR if outcome.applied else REFUSED_COLOUR
    headline = outcome.headline
    if not lines:
        return limits.fit_message(Message(embeds=(Embed(title, headline, colour=colour),)))

    room = limits.EMBED_DESCRIPTION_MAX - limits.measure(headline) - len(_BLOCK.format("")) - 2
    shown = limits.fit_lines(lines, room, lambda left: f"… and {left} more (see the attached file)")
    description = f"{headline}\n\n{_BLOCK.format(shown)}"
    files: tuple[Attachment, ...] = ()
    if shown != "\n".join(lines):
        report = "\n".join((outcome.headline, "", *outcome.lines())) + "\n"
        files = (Attachment(REPORT_FILENAME, report.encode("utf-8")),)
    embed = Embed(title, description, colour=colour)
    return limits.fit_message(Message(embeds=(embed,), files=files))
