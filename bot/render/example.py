"""The example message of `/roadmap example` and of the card's **Show example** button."""

from __future__ import annotations

from bot.render import code, limits
from bot.render.limits import fit_message
from bot.render.parts import example_heading
from bot.render.payload import TOPIC_COLOUR, Embed, Message
from bot.render.text import no_pings, one_line
from bot.roadmap.model import Example


def example_message_draft(example: Example, *, heading: str, stem: str) -> Message:
    """The example message before fitting (see `example_message`)."""
    title = example_heading(example)
    author = one_line(no_pings(heading))
    block = code.code_block(example.code, example.language)
    if limits.measure(block) <= limits.EMBED_DESCRIPTION_MAX:
        embed = Embed(title=title, description=block, author=author, colour=TOPIC_COLOUR)
        return Message(embeds=(embed,))
    file = code.code_file(example.code, example.language, stem)
    note = (
        f"The code is too long for a message, so it is attached as `{file.filename}` "
        f"({code.line_count(example.code)} lines)."
    )
    embed = Embed(title=title, description=note, author=author, colour=TOPIC_COLOUR)
    return Message(embeds=(embed,), files=(file,))


def example_message(example: Example, *, heading: str, stem: str) -> Message:
    """`example` as a highlighted code block, or as an attached file named `<stem>.<ext>` when
    the block does not fit. `heading` says whose example it is (e.g. the stage label)."""
    return fit_message(example_message_draft(example, heading=heading, stem=stem))
