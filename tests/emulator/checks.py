"""Discord's own checks on what a bot sends, answered the way Discord answers them.

Size limits give 400 / 50035 "Invalid Form Body" with the offending path under `errors`; an empty
message gives 50006; too many or too large files give 40005. The numbers are Discord's documented
limits (messages, embeds, components, autocomplete choices, modals, nonces).
"""

from __future__ import annotations

from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
NONCE_MAX = 25
ACTION_ROWS_MAX = 5
ROW_ITEMS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
COMPONENTS_V2_MAX = 40
FILES_MAX = 10
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
MODAL_TITLE_MAX = 45
IS_COMPONENTS_V2 = 1 << 15


class FormErrors:
    """Collects field errors into Discord's nested `errors` object."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.errors
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def __bool__(self) -> bool:
        return bool(self.errors)

    def body(self) -> dict[str, Any]:
        return {"code": 50035, "message": "Invalid Form Body", "errors": self.errors}


def error_body(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count towards Discord's 6000 per message."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    for item in embed.get("fields") or []:
        size += len(item.get("name") or "") + len(item.get("value") or "")
    return size


def _check_embed(errors: FormErrors, path: tuple[str | int, ...], embed: dict[str, Any]) -> None:
    errors.too_long((*path, "title"), embed.get("title"), EMBED_TITLE_MAX)
    errors.too_long((*path, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
    errors.too_long(
        (*path, "footer", "text"), (embed.get("footer") or {}).get("text"), EMBED_FOOTER_MAX
    )
    errors.too_long(
        (*path, "author", "name"), (embed.get("author") or {}).get("name"), EMBED_AUTHOR_MAX
    )
    fields = embed.get("fields") or []
    errors.too_long((*path, "fields"), fields, EMBED_FIELDS_MAX)
    for index, item in enumerate(fields):
        for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
            value = item.get(key)
            if not value:
                errors.add(
                    (*path, "fields", index, key), "BASE_TYPE_REQUIRED", "This field is required"
                )
            else:
                errors.too_long((*path, "fields", index, key), value, limit)


def _check_component(errors: FormErrors, path: tuple[str | int, ...], item: dict[str, Any]) -> None:
    errors.too_long((*path, "custom_id"), item.get("custom_id"), CUSTOM_ID_MAX)
    if item.get("type") == 2:
        errors.too_long((*path, "label"), item.get("label"), BUTTON_LABEL_MAX)
        has_id, has_url = bool(item.get("custom_id")), bool(item.get("url"))
        if item.get("style") == 5 and not has_url:
            errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
        elif item.get("style") not in (5, 6) and not has_id:
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    if item.get("type") == 3:
        errors.too_long((*path, "options"), item.get("options"), SELECT_OPTIONS_MAX)


def _check_components(
    errors: FormErrors, path: tuple[str | int, ...], components: list[dict[str, Any]], flags: int
) -> None:
    if flags & IS_COMPONENTS_V2:
        errors.too_long(path, components, COMPONENTS_V2_MAX)
    else:
        errors.too_long(path, components, ACTION_ROWS_MAX)
    for row_index, row in enumerate(components):
        children = row.get("components") or []
        if row.get("type") == 1:
            errors.too_long((*path, row_index, "components"), children, ROW_ITEMS_MAX)
        for index, item in enumerate(children):
            _check_component(errors, (*path, row_index, "components", index), item)


def check_message(
    body: dict[str, Any], *, files: int = 0, prefix: tuple[str, ...] = (), editing: bool = False
) -> tuple[int, dict[str, Any]] | None:
    """Discord's verdict on a message body: None when accepted, else (status, error body)."""
    errors = FormErrors()
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    errors.too_long((*prefix, "content"), content, CONTENT_MAX)
    embeds = body.get("embeds") or []
    errors.too_long((*prefix, "embeds"), embeds, EMBEDS_MAX)
    for index, embed in enumerate(embeds):
        _check_embed(errors, (*prefix, "embeds", index), embed)
    if sum(embed_size(embed) for embed in embeds) > EMBED_TOTAL_MAX:
        errors.add(
            (*prefix, "embeds"),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )
    _check_components(
        errors, (*prefix, "components"), body.get("components") or [], int(body.get("flags") or 0)
    )
    nonce = body.get("nonce")
    if isinstance(nonce, str):
        errors.too_long((*prefix, "nonce"), nonce, NONCE_MAX)
    if errors:
        return 400, errors.body()
    if files > FILES_MAX:
        return 400, error_body(40005, "Request entity too large")
    empty = not (
        content
        or embeds
        or files
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or body.get("attachments")
    )
    if empty and not editing:
        return 400, error_body(50006, "Cannot send an empty message")
    return None


def check_choices(choices: list[dict[str, Any]]) -> tuple[int, dict[str, Any]] | None:
    errors = FormErrors()
    errors.too_long(("data", "choices"), choices, CHOICES_MAX)
    for index, choice in enumerate(choices):
        errors.too_long(("data", "choices", index, "name"), choice.get("name"), CHOICE_NAME_MAX)
        value = choice.get("value")
        if isinstance(value, str):
            errors.too_long(("data", "choices", index, "value"), value, CHOICE_NAME_MAX)
    return (400, errors.body()) if errors else None


def check_modal(data: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    errors = FormErrors()
    title = data.get("title") or ""
    if not title:
        errors.add(("data", "title"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.too_long(("data", "title"), title, MODAL_TITLE_MAX)
    errors.too_long(("data", "custom_id"), data.get("custom_id"), CUSTOM_ID_MAX)
    components = data.get("components") or []
    if not components:
        errors.add(("data", "components"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.too_long(("data", "components"), components, ACTION_ROWS_MAX)
    return (400, errors.body()) if errors else None


def number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every component a numeric `id` (depth first from 1), as Discord does on receipt
    (and write the snowflakes of select default values as strings, as it answers them)."""
    counter = 0
    taken = set()

    def collect(items: list[dict[str, Any]]) -> None:
        for item in items:
            if isinstance(item.get("id"), int):
                taken.add(item["id"])
            collect(item.get("components") or [])
            if isinstance(item.get("component"), dict):
                collect([item["component"]])
            if isinstance(item.get("accessory"), dict):
                collect([item["accessory"]])

    def assign(items: list[dict[str, Any]]) -> None:
        nonlocal counter
        for item in items:
            if not isinstance(item.get("id"), int):
                counter += 1
                while counter in taken:
                    counter += 1
                item["id"] = counter
            # A select's default values may be sent as integer snowflakes; Discord answers
            # with strings, as every snowflake it sends.
            for default in item.get("default_values") or []:
                if isinstance(default, dict) and isinstance(default.get("id"), int):
                    default["id"] = str(default["id"])
            assign(item.get("components") or [])
            if isinstance(item.get("component"), dict):
                assign([item["component"]])
            if isinstance(item.get("accessory"), dict):
                assign([item["accessory"]])

    collect(components)
    assign(components)
    return components
