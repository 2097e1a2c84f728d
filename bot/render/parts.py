"""Pieces shared by several messages: a topic's explanation, its resources, its example.

Renderers first build a draft (every text as long as the content makes it) and then fit it
with `limits.fit_message`; the audit looks at the drafts to tell maintainers what was cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.render import code, limits
from bot.render.payload import Attachment, Embed, Field
from bot.render.text import link, no_pings, one_line
from bot.roadmap.model import Example, Resource, Stage, Topic

RESOURCES_NAME = "Resources"
EXAMPLE_PREFIX = "Example: "


def explanation(topic: Topic) -> str:
    """The topic's summary, then its details as a second paragraph."""
    paragraphs = [topic.summary, topic.details or ""]
    return "\n\n".join(no_pings(text.strip()) for text in paragraphs if text.strip())


def resources_field(resources: Sequence[Resource]) -> Field | None:
    """The resources as one bulleted list of links (None when there are none)."""
    if not resources:
        return None
    lines = [f"• {link(item.title, item.url)}" for item in resources]
    return Field(RESOURCES_NAME, "\n".join(lines))


def example_heading(example: Example) -> str:
    return EXAMPLE_PREFIX + one_line(no_pings(example.title))


def example_for(topic: Topic, stage: Stage) -> Example | None:
    """The example a topic card shows: the topic's own, else its stage's."""
    return topic.example or stage.example


def capped_size(embed: Embed) -> int:
    """What `embed` will count towards the total once fitted (each part at most its limit)."""
    size = min(limits.measure(embed.title), limits.EMBED_TITLE_MAX)
    size += min(limits.measure(embed.description), limits.EMBED_DESCRIPTION_MAX)
    size += min(limits.measure(embed.author), limits.EMBED_AUTHOR_MAX)
    size += min(limits.measure(embed.footer), limits.EMBED_FOOTER_MAX)
    for item in embed.fields[: limits.EMBED_FIELDS_MAX]:
        size += min(limits.measure(item.name), limits.FIELD_NAME_MAX)
        size += min(limits.measure(item.value), limits.FIELD_VALUE_MAX)
    return size


def place_example(
    embed: Embed, example: Example, stem: str
) -> tuple[Embed, tuple[Attachment, ...]]:
    """`embed` with `example` under its description as a code block when the embed still fits
    (the description within its limit and the embed within the total); else `embed` with a
    first field saying the code is attached, and the attachment (named `<stem>.<ext>`)."""
    description = embed.description or ""
    block = f"**{example_heading(example)}**\n{code.code_block(example.code, example.language)}"
    inline = f"{description}\n\n{block}" if description else block
    rest = capped_size(replace(embed, description=None))
    size = limits.measure(inline)
    if size <= limits.EMBED_DESCRIPTION_MAX and rest + size <= limits.EMBED_TOTAL_MAX:
        return replace(embed, description=inline), ()
    file = code.code_file(example.code, example.language, stem)
    lines = code.line_count(example.code)
    note = f"Too long to show here: attached as `{file.filename}` ({lines} lines)."
    field = Field(example_heading(example), note)
    return replace(embed, fields=(field, *embed.fields)), (file,)
