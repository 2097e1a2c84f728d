"""Pieces shared by several messages: a topic's explanation, its resources, its examples and
time estimates.

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


def resource_line(resource: Resource) -> str:
    """A bulleted link, with its kind beside it when the content gives one: `• [T](url) · docs`."""
    line = f"• {link(resource.title, resource.url)}"
    return f"{line} · {resource.kind}" if resource.kind else line


def resources_field(resources: Sequence[Resource]) -> Field | None:
    """The resources as one bulleted list of links (None when there are none)."""
    if not resources:
        return None
    return Field(RESOURCES_NAME, "\n".join(resource_line(item) for item in resources))


def duration(minutes: int) -> str:
    """A time estimate as people say it: `45 min`, `1 h 30 min`, `4 h`; from 10 hours on, whole
    hours (`55 h`), since an estimate that long is not precise to the minute."""
    if minutes >= 600:
        return f"{round(minutes / 60)} h"
    hours, rest = divmod(max(0, minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def example_heading(example: Example) -> str:
    return EXAMPLE_PREFIX + one_line(no_pings(example.title))


def example_for(topic: Topic, stage: Stage) -> Example | None:
    """The example a topic card shows first: the topic's own, else its stage's."""
    return topic.example or stage.example


def card_examples(topic: Topic, stage: Stage) -> tuple[Example, ...]:
    """Every example that belongs with a topic: its own, else its stage's one (or none)."""
    if topic.examples:
        return topic.examples
    return (stage.example,) if stage.example is not None else ()


def example_block(example: Example) -> str:
    """An example as it sits under a card's text: its bold heading, then the code block."""
    return f"**{example_heading(example)}**\n{code.code_block(example.code, example.language)}"


def fits_inline(embed: Embed, example: Example, reserve: int = 0) -> bool:
    """Whether `example` fits under `embed`'s description: the description within its limit,
    and the embed, with `reserve` more characters (a footer still to come), within the total."""
    description = embed.description or ""
    block = example_block(example)
    inline = f"{description}\n\n{block}" if description else block
    size = limits.measure(inline)
    rest = capped_size(replace(embed, description=None)) + reserve
    return size <= limits.EMBED_DESCRIPTION_MAX and rest + size <= limits.EMBED_TOTAL_MAX


def with_inline_example(embed: Embed, example: Example) -> Embed:
    """`embed` with `example` under its description."""
    description = embed.description or ""
    block = example_block(example)
    return replace(embed, description=f"{description}\n\n{block}" if description else block)


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
    if fits_inline(embed, example):
        return with_inline_example(embed, example), ()
    file = code.code_file(example.code, example.language, stem)
    lines = code.line_count(example.code)
    note = f"Too long to show here: attached as `{file.filename}` ({lines} lines)."
    field = Field(example_heading(example), note)
    return replace(embed, fields=(field, *embed.fields)), (file,)
