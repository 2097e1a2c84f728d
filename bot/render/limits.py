"""Discord's message size limits, in one place: measuring, fitting text, and checking payloads.

Lengths are counted in UTF-16 code units, which is never less than the code points Discord may
count, so a payload measured here fits either way (an emoji costs 2, as it may on Discord's side).
Fitting cuts on a line or word boundary and ends with an ellipsis; a cut inside a fenced code
block closes the fence so the rest of the message does not turn into code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ParamSpec

from bot.render.payload import Attachment, Embed, Field, Message

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000  # title + description + field names and values + footer + author, all embeds
FILES_MAX = 10
FILE_SIZE_MAX = 10 * 1024 * 1024  # Discord's upload limit for a server without boosts
FILENAME_MAX = 100

ELLIPSIS = "…"
FENCE = "```"
# Shown in place of an empty field name or value, which Discord refuses.
BLANK = "\u200b"

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

P = ParamSpec("P")


def measure(text: str | None) -> int:
    """Length as Discord may count it: UTF-16 code units (an emoji outside the BMP costs 2)."""
    if not text:
        return 0
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, units: int) -> str:
    """The longest prefix of `text` measuring at most `units` (never half a surrogate pair)."""
    if units <= 0:
        return ""
    if text.isascii():
        return text[:units]
    return text.encode("utf-16-le")[: units * 2].decode("utf-16-le", errors="ignore")


def _cut_at_boundary(text: str) -> str:
    """Drop a partial last line or word, unless that would throw away more than a third."""
    floor = len(text) * 2 // 3
    line_end = text.rfind("\n")
    if line_end >= floor:
        return text[:line_end].rstrip()
    space = max(text.rfind(" "), text.rfind("\t"))
    if space >= floor:
        return text[:space].rstrip()
    return text.rstrip()


def fit_text(text: str, limit: int) -> str:
    """`text` itself when it fits `limit`, else cut on a line/word boundary with an ellipsis.

    A cut that leaves a code fence open closes it, so what follows is not shown as code.
    """
    if measure(text) <= limit:
        return text
    if limit <= measure(ELLIPSIS):
        return _prefix(ELLIPSIS, limit)
    cut = _cut_at_boundary(_prefix(text, limit - measure(ELLIPSIS)))
    if cut.count(FENCE) % 2 == 0:
        return cut + ELLIPSIS
    closing = f"\n{FENCE}\n{ELLIPSIS}"
    cut = _cut_at_boundary(_prefix(text, limit - measure(closing)))
    if cut.count(FENCE) % 2 == 0:  # the shorter cut fell before the fence opened
        return cut + ELLIPSIS
    return cut + closing


def fit_lines(lines: Sequence[str], limit: int, more: Callable[[int], str]) -> str:
    """Whole lines joined by newlines within `limit`; `more(n)` replaces the n lines left out.

    A single line too long on its own is cut with `fit_text`.
    """
    if not lines:
        return ""
    whole = "\n".join(lines)
    if measure(whole) <= limit:
        return whole
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        left_out = len(lines) - index - 1
        tail = measure("\n" + more(left_out)) if left_out else 0
        cost = measure(line) + (1 if kept else 0)
        if used + cost + tail > limit:
            break
        kept.append(line)
        used += cost
    if not kept:
        first = fit_text(lines[0], limit - measure("\n" + more(len(lines) - 1)))
        kept, used = [first], measure(first)
    left_out = len(lines) - len(kept)
    if left_out:
        kept.append(more(left_out))
    return fit_text("\n".join(kept), limit)


def safe_filename(stem: str, extension: str) -> str:
    """A filename Discord keeps as is: `[A-Za-z0-9._-]`, no leading dot, at most FILENAME_MAX."""
    clean_ext = _FILENAME_UNSAFE.sub("", extension).strip(".")[:10] or "txt"
    clean_stem = _FILENAME_UNSAFE.sub("-", stem).strip(".-") or "example"
    clean_stem = clean_stem[: FILENAME_MAX - len(clean_ext) - 1]
    return f"{clean_stem}.{clean_ext}"


# -- checking a whole message ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overflow:
    """One part of a message over one of Discord's limits.

    `part` is one of: content, embeds, title, description, author, footer, fields, field name,
    field value, embed total, files, file size, filename. `embed` and `index` (a field's or a
    file's position) say where.
    """

    part: str
    length: int
    limit: int
    embed: int | None = None
    index: int | None = None

    @property
    def unit(self) -> str:
        if self.part in ("embeds", "fields", "files"):
            return "items"
        return "bytes" if self.part == "file size" else "characters"

    def describe(self, what: str = "message", part: str | None = None) -> str:
        """E.g. `topic card description is 4210 characters; Discord allows 4096`; `part`
        names the part in the reader's words when `self.part` is too generic."""
        label = part or ("embed text in total" if self.part == "embed total" else self.part)
        if self.length == 0:
            return f"{what} {label} is empty; Discord refuses an empty {self.part}"
        return f"{what} {label} is {self.length} {self.unit}; Discord allows {self.limit}"


def _embed_overflows(embed: Embed, position: int) -> list[Overflow]:
    found = []
    for part, text, limit in (
        ("title", embed.title, EMBED_TITLE_MAX),
        ("description", embed.description, EMBED_DESCRIPTION_MAX),
        ("author", embed.author, EMBED_AUTHOR_MAX),
        ("footer", embed.footer, EMBED_FOOTER_MAX),
    ):
        if measure(text) > limit:
            found.append(Overflow(part, measure(text), limit, position))
    if len(embed.fields) > EMBED_FIELDS_MAX:
        found.append(Overflow("fields", len(embed.fields), EMBED_FIELDS_MAX, position))
    for index, item in enumerate(embed.fields):
        for part, text, limit in (
            ("field name", item.name, FIELD_NAME_MAX),
            ("field value", item.value, FIELD_VALUE_MAX),
        ):
            if measure(text) > limit:
                found.append(Overflow(part, measure(text), limit, position, index))
            elif not text.strip():
                found.append(Overflow(part, 0, limit, position, index))  # Discord refuses empty
    return found


def embed_size(embed: Embed) -> int:
    """The characters of `embed` that count towards EMBED_TOTAL_MAX."""
    size = measure(embed.title) + measure(embed.description)
    size += measure(embed.footer) + measure(embed.author)
    return size + sum(measure(item.name) + measure(item.value) for item in embed.fields)


def overflows(message: Message) -> list[Overflow]:
    """Every limit `message` breaks (empty when Discord would accept it)."""
    found = []
    if measure(message.content) > CONTENT_MAX:
        found.append(Overflow("content", measure(message.content), CONTENT_MAX))
    if len(message.embeds) > EMBEDS_MAX:
        found.append(Overflow("embeds", len(message.embeds), EMBEDS_MAX))
    for position, embed in enumerate(message.embeds):
        found.extend(_embed_overflows(embed, position))
    total = sum(embed_size(embed) for embed in message.embeds)
    if total > EMBED_TOTAL_MAX:
        found.append(Overflow("embed total", total, EMBED_TOTAL_MAX))
    if len(message.files) > FILES_MAX:
        found.append(Overflow("files", len(message.files), FILES_MAX))
    for index, file in enumerate(message.files):
        if len(file.data) > FILE_SIZE_MAX:
            found.append(Overflow("file size", len(file.data), FILE_SIZE_MAX, index=index))
        name_parts = file.filename.rsplit(".", 1)
        if len(name_parts) != 2 or safe_filename(*name_parts) != file.filename:
            found.append(Overflow("filename", len(file.filename), FILENAME_MAX, index=index))
    return found


def fits(message: Message) -> bool:
    """Whether Discord would accept `message` as it is."""
    return not overflows(message)


# -- fitting a whole message -------------------------------------------------------------------


def _fit_field(item: Field) -> Field:
    name = fit_text(item.name.strip() or BLANK, FIELD_NAME_MAX)
    value = fit_text(item.value.strip() or BLANK, FIELD_VALUE_MAX)
    return Field(name, value, item.inline)


def _fit_embed(embed: Embed) -> Embed:
    return replace(
        embed,
        title=fit_text(embed.title, EMBED_TITLE_MAX) if embed.title else embed.title,
        description=(
            fit_text(embed.description, EMBED_DESCRIPTION_MAX)
            if embed.description
            else embed.description
        ),
        author=fit_text(embed.author, EMBED_AUTHOR_MAX) if embed.author else embed.author,
        footer=fit_text(embed.footer, EMBED_FOOTER_MAX) if embed.footer else embed.footer,
        fields=tuple(_fit_field(item) for item in embed.fields[:EMBED_FIELDS_MAX]),
    )


def _shrink_to_total(embeds: list[Embed]) -> list[Embed]:
    """Shorten the embeds until their text fits EMBED_TOTAL_MAX together.

    The explanation (description) gives way first, then fields from the last (resources before
    the example), and as a last resort footers, authors and titles.
    """
    excess = sum(embed_size(embed) for embed in embeds) - EMBED_TOTAL_MAX
    # Keep some of each part readable; the floors are what remains after cutting.
    for position in reversed(range(len(embeds))):
        if excess <= 0:
            break
        embed = embeds[position]
        if embed.description and measure(embed.description) > 200:
            target = max(200, measure(embed.description) - excess)
            text = fit_text(embed.description, target)
            excess -= measure(embed.description) - measure(text)
            embed = replace(embed, description=text)
        fields = list(embed.fields)
        while excess > 0 and fields:
            last = fields[-1]
            target = measure(last.value) - excess
            if target >= 100:
                value = fit_text(last.value, target)
                excess -= measure(last.value) - measure(value)
                fields[-1] = replace(last, value=value)
            else:
                excess -= measure(last.name) + measure(last.value)
                fields.pop()
        embed = replace(embed, fields=tuple(fields))
        for part in ("description", "footer", "author", "title"):
            text = getattr(embed, part)
            if excess <= 0 or not text:
                continue
            shorter = fit_text(text, max(0, measure(text) - excess))
            excess -= measure(text) - measure(shorter)
            changes: dict[str, Any] = {part: shorter or None}
            embed = replace(embed, **changes)
        embeds[position] = embed
    return embeds


def _fit_file(file: Attachment) -> Attachment:
    stem, _, extension = file.filename.rpartition(".")
    name = safe_filename(stem or extension, extension if stem else "txt")
    data = file.data
    if len(data) > FILE_SIZE_MAX:
        # Whole lines only; the file says where it was cut rather than ending mid-statement.
        marker = b"# (cut: too large for Discord)\n"
        data = data[: FILE_SIZE_MAX - len(marker)]
        data = data[: data.rfind(b"\n") + 1 or len(data)] + marker
    return replace(file, filename=name, data=data)


def fit_message(message: Message) -> Message:
    """`message` cut down to Discord's limits (unchanged when it already fits)."""
    if fits(message):
        return message
    content = fit_text(message.content, CONTENT_MAX) if message.content else message.content
    embeds = _shrink_to_total([_fit_embed(embed) for embed in message.embeds[:EMBEDS_MAX]])
    files = tuple(_fit_file(file) for file in message.files[:FILES_MAX])
    return Message(content, tuple(embeds), files)


def fitted(draft: Callable[P, Message]) -> Callable[P, Message]:
    """The renderer that fits what `draft` builds, e.g. `topic_card = fitted(topic_card_draft)`.

    Drafts keep every text as long as the content makes it, so the audit can report what would
    be cut; members only ever get the fitted message.
    """

    @functools.wraps(draft)
    def render(*args: P.args, **kwargs: P.kwargs) -> Message:
        return fit_message(draft(*args, **kwargs))

    render.__name__ = render.__qualname__ = draft.__name__.removesuffix("_draft")
    return render
