"""What the content would lose to Discord's limits: every message a roadmap produces, checked
before fitting, each overflow traced back to the place in the YAML document that causes it.

`python -m bot check`, `python -m bot preview`, start-up and every reload report these as errors:
they all accept content through `accept_for_discord`. Paths use 0-based
indices like the loader's (`stages[1].topics[3].summary`). A file with errors elsewhere is still
audited for the stages and topics that validated on their own, so `check` reports everything in
one round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path

from bot.render.daily import daily_example, daily_post_draft
from bot.render.example import example_reply_draft
from bot.render.limits import Overflow, overflows
from bot.render.parts import EXAMPLE_PREFIX, RESOURCES_NAME, example_for
from bot.render.payload import Message
from bot.render.stage import SKIPPED, stage_overview_draft
from bot.render.topic import CHECKPOINT_PREFIX, PRACTICE_NAME, choice_card_draft, topic_card_draft
from bot.roadmap.loader import LoadResult
from bot.roadmap.model import Example, Roadmap, Stage, Topic
from bot.roadmap.problems import Problem
from bot.services.content import ContentAcceptance, accept_content
from bot.services.standing import PendingChoice

# Worst cases for the parts that depend on a member or a server rather than on the content.
_WIDEST_ROLE_ID = 10**19 - 1
_WIDEST_DATE = date(2026, 12, 31)

Finding = tuple[str, str]
PathOf = Callable[[Overflow, str | None], str]


def audit_roadmap(roadmap: Roadmap, paths: Mapping[str, str] | None = None) -> list[Finding]:
    """(document path, message) for every part of every message that would be cut to fit.

    `paths` gives the document path of each stage and topic by id, for a roadmap that holds
    only part of its file (the parts that validated); by default, their positions."""
    findings: list[Finding] = []
    for what, draft, path_of in _drafts(roadmap, paths or {}):
        _report(findings, what, draft, path_of)
    return findings


def audit_problems(result: LoadResult) -> list[Problem]:
    """The overflows of every file's content as Problems placed at the YAML causing them: all
    of a valid file, and what validated on its own of a file with errors."""
    return [
        file.problem_at(path, message)
        for file in result.files
        if file.usable is not None
        for path, message in audit_roadmap(file.usable, file.paths)
    ]


def accept_for_discord(directory: Path) -> ContentAcceptance:
    """The content of `directory` as the bot serves it: valid, and every message it makes fits
    Discord's limits (raises ContentDirectoryError when the folder is unusable)."""
    return accept_content(directory, audit=audit_problems)


def _drafts(roadmap: Roadmap, where: Mapping[str, str]) -> Iterator[tuple[str, Message, PathOf]]:
    """Every message the content produces, unfitted, with where its parts come from."""
    stage_count = len(roadmap.stages)
    total = len(roadmap.topics)
    number = 0
    for i, stage in enumerate(roadmap.stages):
        stage_path = where.get(stage.id, f"stages[{i}]")
        numbers = {"stage_number": i + 1, "stage_count": stage_count}
        statuses = {topic.id: SKIPPED for topic in stage.topics}  # the widest status mark
        checked = frozenset(statuses)  # and every topic's checked mark beside it
        overview = stage_overview_draft(stage, statuses=statuses, checked=checked, **numbers)
        yield "stage overview", overview, _stage_paths(stage, stage_path)
        for k, group in enumerate(stage.choices):  # the card asking for the pick, all offered
            offered = tuple(topic for topic in stage.topics if topic.id in group.topic_ids)
            choice = PendingChoice(group, offered, group.pick)
            asked = choice_card_draft(choice, stage, done=total, total=total, **numbers)
            yield "choice card", asked, _choice_paths(stage_path, f"{stage_path}.choices[{k}]")
        stage_example = example_reply_draft(stage, None, **numbers)
        if stage_example is not None:
            paths = _example_paths(f"{stage_path}.example", f"{stage_path}.title")
            yield "example message", stage_example, paths
        for j, topic in enumerate(stage.topics):
            number += 1
            topic_path = where.get(topic.id, f"{stage_path}.topics[{j}]")
            card = topic_card_draft(topic, stage, done=total, total=total, **numbers)
            shown = _example_path(topic, stage, stage_path, topic_path, example_for)
            yield "topic card", card, _topic_paths(topic, stage_path, topic_path, shown)
            post = daily_post_draft(
                topic,
                stage,
                local_date=_WIDEST_DATE,
                topic_number=number,
                topic_count=total,
                ping_role_id=_WIDEST_ROLE_ID,
                **numbers,
            )
            shown = _example_path(topic, stage, stage_path, topic_path, daily_example)
            yield "daily post", post, _topic_paths(topic, stage_path, topic_path, shown)
            if topic.example is not None:
                own = example_reply_draft(stage, topic, **numbers)
                assert own is not None  # the topic has an example
                paths = _example_paths(f"{topic_path}.example", f"{topic_path}.title")
                yield "example message", own, paths


def _report(findings: list[Finding], what: str, draft: Message, path_of: PathOf) -> None:
    for overflow in overflows(draft):
        field_name = None
        part = None
        if overflow.part in ("field name", "field value") and overflow.index is not None:
            field_name = draft.embeds[overflow.embed or 0].fields[overflow.index].name
            part = f"'{field_name}' field" + (" title" if overflow.part == "field name" else "")
        finding = (path_of(overflow, field_name), overflow.describe(what, part))
        if finding not in findings:
            findings.append(finding)


def _example_path(
    topic: Topic,
    stage: Stage,
    stage_path: str,
    topic_path: str,
    choose: Callable[[Topic, Stage], Example | None],
) -> str | None:
    """The document path of the example a message shows, if any."""
    shown = choose(topic, stage)
    if shown is None:
        return None
    return f"{topic_path}.example" if shown is topic.example else f"{stage_path}.example"


def _topic_paths(
    topic: Topic, stage_path: str, topic_path: str, example_path: str | None
) -> PathOf:
    """Where a part of a topic card or a daily post comes from."""
    longer = "details" if len(topic.details or "") > len(topic.summary) else "summary"

    def path_of(overflow: Overflow, field_name: str | None) -> str:
        if overflow.part == "title":
            return f"{topic_path}.title"
        if overflow.part == "author":
            return f"{stage_path}.title"
        if overflow.part == "description":
            return f"{topic_path}.{longer}"
        if field_name == RESOURCES_NAME:
            return f"{topic_path}.resources"
        if field_name == PRACTICE_NAME:
            return f"{topic_path}.practice"
        if (field_name or "").startswith(CHECKPOINT_PREFIX):
            return f"{stage_path}.checkpoint.task"
        if example_path and (
            overflow.part.startswith("file") or (field_name or "").startswith(EXAMPLE_PREFIX)
        ):
            return f"{example_path}.title" if field_name else f"{example_path}.code"
        return topic_path

    return path_of


def _stage_paths(stage: Stage, stage_path: str) -> PathOf:
    """Where a part of a stage overview comes from."""
    list_size = sum(len(topic.title) + 4 for topic in stage.topics)
    longer = "summary" if len(stage.summary) > list_size else "topics"

    def path_of(overflow: Overflow, field_name: str | None) -> str:
        if overflow.part == "title":
            return f"{stage_path}.title"
        if overflow.part == "description":
            return f"{stage_path}.{longer}"
        if (field_name or "").startswith(CHECKPOINT_PREFIX):
            return f"{stage_path}.checkpoint.task"
        return stage_path

    return path_of


def _choice_paths(stage_path: str, choice_path: str) -> PathOf:
    """Where a part of a choice card comes from."""

    def path_of(overflow: Overflow, field_name: str | None) -> str:
        if overflow.part == "title":
            return f"{choice_path}.title"
        if overflow.part == "author":
            return f"{stage_path}.title"
        return f"{choice_path}.topics"

    return path_of


def _example_paths(example_path: str, owner_title_path: str) -> PathOf:
    """Where a part of an example message comes from."""

    def path_of(overflow: Overflow, field_name: str | None) -> str:
        if overflow.part == "title":
            return f"{example_path}.title"
        if overflow.part == "author":
            return owner_title_path
        return f"{example_path}.code"

    return path_of
