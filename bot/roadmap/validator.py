"""Validation of one composed content file, building its Roadmap when nothing is wrong.

Walks the node tree of `yaml_source` once, checking shape, types, required and unknown keys,
ids, `replaces`, URLs, mentions and examples (the teaching keys in `teaching`), and keeps going
after a problem so that a maintainer sees every problem of the file in one run. What validated
on its own is kept as `FileResult.usable`, so that the size audit runs in the same pass.

Stage and topic ids share one namespace within a roadmap: commands, buttons and autocomplete
take either kind of id, and the same word naming a stage and a topic would be ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.roadmap import rules, teaching
from bot.roadmap.model import Example, Resource, Roadmap, Stage, Topic
from bot.roadmap.problems import Problem, Severity, join
from bot.roadmap.yaml_source import (
    STR_TAG,
    YAML_TAG,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    Source,
    short_tag,
)

# Keys of each kind of mapping: name -> required. content/schema.json mirrors these (a test
# compares them), so editors and `check` agree on the format.
ROADMAP_KEYS = {"id": True, "title": True, "summary": True, "stages": True}
STAGE_KEYS = {
    "id": True,
    "title": True,
    "summary": True,
    "topics": True,
    "example": False,
    "choices": False,
    "checkpoint": False,
}
TOPIC_KEYS = {
    "id": True,
    "title": True,
    "summary": True,
    "details": False,
    "example": False,
    "resources": False,
    "replaces": False,
    "examples": False,
    "practice": False,
    "check": False,
    "minutes": False,
}
EXAMPLE_KEYS = {
    "title": True,
    "language": False,
    "code": True,
    "requires": False,
    "output": False,
    "runs": False,
    "why": False,
}
RESOURCE_KEYS = {"title": True, "url": True, "kind": False}
# The teaching mappings' keys live with their rules.
CHECK_KEYS = teaching.CHECK_KEYS
QUESTION_KEYS = teaching.QUESTION_KEYS
ANSWER_KEYS = teaching.ANSWER_KEYS
CHOICE_KEYS = teaching.CHOICE_KEYS
CHECKPOINT_KEYS = teaching.CHECKPOINT_KEYS

NULL_TAG = YAML_TAG + "null"
_NOT_TEXT_HINT = {"bool", "int", "float", "timestamp"}


@dataclass
class FileResult:
    """What one file yielded: its roadmap (None on any error), its id and what it holds."""

    source: Source
    roadmap: Roadmap | None = None
    roadmap_id: str | None = None
    id_node: Node | None = None
    stages: int = 0
    topics: int = 0
    examples: int = 0
    problems: list[Problem] = field(default_factory=list)
    # The stages and topics that validated on their own (all of them when the file is valid),
    # and the document path of each by id: what the size audit can render despite errors.
    usable: Roadmap | None = None
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(problem.is_error for problem in self.problems)

    def problem_at(self, path: str, message: str, severity: Severity = "error") -> Problem:
        """A Problem about this file's content, placed where `path` is written (the deepest part
        that exists). A topic's `example` is found under `examples[0]` when written so."""
        if self.source.root is None:
            return Problem(self.source.file, None, None, path, message, severity)
        path = written_path(self.source.root, path)
        node = walk(self.source.root, path)
        return Problem(self.source.file, node.line, node.column, path, message, severity)


def validate_source(source: Source) -> FileResult:
    """Check a composed file; the roadmap is built only when the file has no error."""
    result = FileResult(source, problems=list(source.problems))
    if source.root is None:
        return result
    roadmap = _FileValidator(source, result).roadmap(source.root)
    if not result.has_errors:
        result.roadmap = roadmap
    return result


_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def walk(node: Node, path: str) -> Node:
    """The node at a document path, or the deepest part of it that exists."""
    for index, key in _PATH_PART.findall(path):
        child: Node | None = None
        if index and isinstance(node, SequenceNode) and int(index) < len(node.value):
            child = node.value[int(index)]
        elif key and isinstance(node, MappingNode):
            child = _value(node, key)
        if child is None:
            break
        node = child
    return node


def _value(node: MappingNode, key: str) -> Node | None:
    return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)


def written_path(root: Node, path: str) -> str:
    """`path` as the file spells it: the render code names a topic's first example `example`,
    which a file may have written as `examples[0]`."""
    head, found, tail = path.partition(".example")
    if not found or tail[:1] not in ("", ".") or not head.endswith("]"):
        return path
    owner = walk(root, head)
    if not isinstance(owner, MappingNode) or _value(owner, "example") is not None:
        return path
    return f"{head}.examples[0]{tail}" if _value(owner, "examples") is not None else path


def describe(node: Node) -> str:
    """A node's kind in a maintainer's words, for `expected X, got Y` messages."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    kind = node.tag.removeprefix(YAML_TAG)
    value = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return {
        "str": f"text '{value}'",
        "null": "nothing",
        "bool": f"a true/false value ({value})",
        "int": f"a number ({value})",
        "float": f"a number ({value})",
        "timestamp": f"a date ({value})",
    }.get(kind, f"a {short_tag(node.tag)} value")


class _FileValidator:
    def __init__(self, source: Source, result: FileResult) -> None:
        self.source = source
        self.result = result
        self.ids: dict[str, tuple[str, int]] = {}  # stage and topic ids -> (kind, line)
        self.titles: dict[tuple[str, str], tuple[str, int]] = {}  # (kind, title) -> (id, line)
        # (old id, claiming topic id, node, path), checked once every live id is known
        self.replaced: list[tuple[str, str, Node, str]] = []
        self.errors = 0  # errors found by this walk, to tell which parts validated on their own
        self.usable_stages: list[Stage] = []

    # -- reporting --------------------------------------------------------------------------

    def report(self, node: Node, path: str, message: str, severity: Severity = "error") -> None:
        self.at(node.line, node.column, path, message, severity)

    def at(self, line: int, column: int, path: str, message: str, severity: Severity) -> None:
        problem = Problem(self.source.file, line, column, path, message, severity)
        self.result.problems.append(problem)
        self.errors += severity == "error"

    # -- generic shapes ----------------------------------------------------------------------

    def mapping(self, node: Node, path: str, keys: dict[str, bool]) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.report(node, path, f"expected a mapping (key: value lines), got {describe(node)}")
            return None
        fields: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == "<<":
                message = "merge keys ('<<') are not supported; write the keys out"
                self.report(key_node, path, message)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != STR_TAG:
                self.report(key_node, path, f"keys must be text, got {describe(key_node)}")
                continue
            key = key_node.value
            if key in fields:  # a duplicate, already reported while composing; the first counts
                continue
            if key in keys:
                fields[key] = value_node
            else:
                self.report(key_node, join(path, key), _unknown_key(key, keys))
        for key, required in keys.items():
            if required and key not in fields:
                self.report(node, path, f"missing required key '{key}'")
        return fields

    def items(self, fields: dict[str, Node], key: str, path: str) -> list[tuple[Node, str]]:
        node = fields.get(key)
        if node is None:
            return []
        path = join(path, key)
        if not isinstance(node, SequenceNode):
            self.report(node, path, f"expected a list, got {describe(node)}")
            return []
        return [(item, f"{path}[{index}]") for index, item in enumerate(node.value)]

    def text(self, fields: dict[str, Node], key: str, path: str, *, plain: bool = False) -> str:
        """The stripped text of a field ("" when missing or wrong); `plain` skips mention checks."""
        node = fields.get(key)
        return "" if node is None else self.text_of(node, join(path, key), plain=plain)

    def text_of(self, node: Node, path: str, *, plain: bool = False) -> str:
        if not isinstance(node, ScalarNode) or node.tag not in (STR_TAG, NULL_TAG):
            message = f"expected text, got {describe(node)}"
            if isinstance(node, ScalarNode) and node.tag.removeprefix(YAML_TAG) in _NOT_TEXT_HINT:
                message += f'; write it in quotes ("{node.value}") to use it as text'
            self.report(node, path, message)
            return ""
        value = node.value.strip() if node.tag == STR_TAG else ""
        if not value:
            self.report(node, path, "must not be empty")
        elif not plain and (problem := rules.mention_problem(value)):
            self.report(node, path, problem)
        return value

    def number(self, fields: dict[str, Node], key: str, path: str) -> tuple[Node, str] | None:
        """A whole number as written (its node and digits); None, reported, when not one."""
        node = fields.get(key)
        if node is None:
            return None
        if not isinstance(node, ScalarNode) or node.tag != YAML_TAG + "int":
            self.report(node, join(path, key), f"expected a whole number, got {describe(node)}")
            return None
        return node, node.value

    def flag(self, fields: dict[str, Node], key: str, path: str) -> bool | None:
        """A true/false value; None when missing or (reported) not one."""
        node = fields.get(key)
        if node is None:
            return None
        if not isinstance(node, ScalarNode) or node.tag != YAML_TAG + "bool":
            self.report(node, join(path, key), f"expected true or false, got {describe(node)}")
            return None
        return node.value.lower() in ("true", "yes", "on")

    def identifier(self, node: Node, path: str) -> str:
        value = self.text_of(node, path, plain=True)
        if value and (problem := rules.id_problem(value)):
            self.report(node, path, problem)
            return ""
        return value

    def register(self, kind: str, fields: dict[str, Node], path: str) -> str:
        """Check an id and claim it in the roadmap's namespace; "" when unusable."""
        node = fields.get("id")
        if node is None:
            return ""
        value = self.identifier(node, join(path, "id"))
        if not value:
            return ""
        first = self.ids.get(value)
        if first is not None:
            message = f"duplicate id '{value}' (first at line {first[1]})"
            self.report(node, join(path, "id"), message)
            return ""
        self.ids[value] = (kind, node.line)
        return value

    def summary(self, fields: dict[str, Node], path: str) -> str:
        value = self.text(fields, "summary", path)
        if len(value) > rules.LONG_SUMMARY:
            self.report(
                fields["summary"],
                join(path, "summary"),
                f"summary is {len(value)} characters; keep it under {rules.LONG_SUMMARY} "
                "so it reads well in Discord",
                "warning",
            )
        return value

    def title(self, kind: str, item_id: str, fields: dict[str, Node], path: str) -> str:
        value = self.text(fields, "title", path)
        if not value or not item_id:
            return value
        line = fields["title"].line
        first = self.titles.setdefault((kind, value.casefold()), (item_id, line))
        if first[0] != item_id:
            self.report(
                fields["title"],
                join(path, "title"),
                f"same title as {kind} '{first[0]}' (line {first[1]}); "
                "lookups by title will find that one",
                "warning",
            )
        return value

    # -- the document ----------------------------------------------------------------------------

    def roadmap(self, node: Node) -> Roadmap | None:
        fields = self.mapping(node, "", ROADMAP_KEYS)
        if fields is None:
            return None
        roadmap_id = self.identifier(fields["id"], "id") if "id" in fields else ""
        if roadmap_id:
            self.result.roadmap_id, self.result.id_node = roadmap_id, fields["id"]
        title = self.text(fields, "title", "")
        summary = self.summary(fields, "")
        stages = [self.stage(item, path) for item, path in self.items(fields, "stages", "")]
        if isinstance(fields.get("stages"), SequenceNode) and not stages:
            self.report(fields["stages"], "stages", "a roadmap needs at least one stage")
        self.check_replaces()
        if self.usable_stages:
            self.result.usable = Roadmap(roadmap_id, title, summary, tuple(self.usable_stages))
        if not all(stages):
            return None
        return Roadmap(roadmap_id, title, summary, tuple(s for s in stages if s is not None))

    def stage(self, node: Node, path: str) -> Stage | None:
        self.result.stages += 1
        fields = self.mapping(node, path, STAGE_KEYS)
        if fields is None:
            return None
        errors = self.errors
        stage_id = self.register("stage", fields, path)
        title = self.title("stage", stage_id, fields, path)
        summary = self.summary(fields, path)
        example = self.example(fields.get("example"), join(path, "example"))
        topics: list[Topic | None] = []
        usable: list[Topic] = []
        topic_errors = 0
        for item, at in self.items(fields, "topics", path):
            before = self.errors
            topic = self.topic(item, at)
            topics.append(topic)
            topic_errors += self.errors - before
            if topic is not None and self.errors == before:
                usable.append(topic)
                self.result.paths[topic.id] = at
        if isinstance(fields.get("topics"), SequenceNode) and not topics:
            self.report(fields["topics"], join(path, "topics"), "a stage needs at least one topic")
        stage_topics = {t.id: t for t in topics if t is not None and t.id}
        choices = teaching.choices(self, fields, path, stage_topics)
        checkpoint = teaching.checkpoint(self, fields, path)
        if stage_id and usable and self.errors - errors == topic_errors:
            kept = {topic.id for topic in usable}
            self.usable_stages.append(
                Stage(
                    stage_id,
                    title,
                    summary,
                    tuple(usable),
                    example,
                    tuple(c for c in choices if kept.issuperset(c.topic_ids)),
                    checkpoint,
                )
            )
            self.result.paths[stage_id] = path
        if not all(topics):
            return None
        return Stage(
            stage_id,
            title,
            summary,
            tuple(t for t in topics if t is not None),
            example,
            choices,
            checkpoint,
        )

    def topic(self, node: Node, path: str) -> Topic | None:
        self.result.topics += 1
        fields = self.mapping(node, path, TOPIC_KEYS)
        if fields is None:
            return None
        topic_id = self.register("topic", fields, path)
        title = self.title("topic", topic_id, fields, path)
        summary = self.summary(fields, path)
        details = self.text(fields, "details", path) if "details" in fields else None
        examples = teaching.examples(self, node, fields, path)
        practice = self.text(fields, "practice", path) if "practice" in fields else None
        check = teaching.self_check(self, fields, path)
        minutes = teaching.minutes(self, fields, path)
        resources = self.resources(fields, path)
        listed = fields.get("resources")
        if listed is None or (isinstance(listed, SequenceNode) and not listed.value):
            self.report(node, path, "topic has no resources; add a link for learners", "warning")
        replaces: list[str] = []
        for item, item_path in self.items(fields, "replaces", path):
            old_id = self.identifier(item, item_path)
            if old_id:
                replaces.append(old_id)
                self.replaced.append((old_id, topic_id, item, item_path))
        return Topic(
            topic_id,
            title,
            summary,
            details or None,
            examples=examples,
            resources=tuple(resources),
            replaces=tuple(replaces),
            practice=practice or None,
            check=check,
            minutes=minutes,
        )

    def resources(self, fields: dict[str, Node], path: str) -> list[Resource]:
        resources: list[Resource] = []
        first_line: dict[str, int] = {}
        for node, item_path in self.items(fields, "resources", path):
            item = self.mapping(node, item_path, RESOURCE_KEYS)
            if item is None:
                continue
            title = self.text(item, "title", item_path)
            kind = None
            if "kind" in item:
                kind = self.text(item, "kind", item_path, plain=True)
                if kind and (problem := rules.kind_problem(kind)):
                    self.report(item["kind"], join(item_path, "kind"), problem)
            url = self.text(item, "url", item_path, plain=True)
            if not url:
                continue
            url_path = join(item_path, "url")
            if problem := rules.url_problem(url):
                self.report(item["url"], url_path, problem)
                continue
            line = item["url"].line
            if url in first_line:
                self.report(
                    item["url"],
                    url_path,
                    f"URL listed twice in this topic (first at line {first_line[url]})",
                    "warning",
                )
            first_line.setdefault(url, line)
            resources.append(Resource(title, url, kind or None))
        return resources

    def example(self, node: Node | None, path: str) -> Example | None:
        """One example at `path` (a stage's `example`, a topic's `example` or `examples[i]`)."""
        if node is None:
            return None
        self.result.examples += 1
        item = self.mapping(node, path, EXAMPLE_KEYS)
        if item is None:
            return None
        title = self.text(item, "title", path)
        language = "python"
        if "language" in item:
            language = self.text(item, "language", path, plain=True)
            if language and (problem := rules.language_problem(language)):
                self.report(item["language"], join(path, "language"), problem)
                language = ""
        requires = teaching.requires(self, item, path)
        output = teaching.output(self, item, path)
        runs, why = teaching.runs(self, item, path)
        code = self.text(item, "code", path, plain=True)
        if not code:
            return None
        code_node = item["code"]
        if isinstance(code_node, ScalarNode) and language:
            if language == "python":
                self.check_code(
                    code_node, join(path, "code"), rules.python_problems(code_node.value)
                )
            elif rules.checked_language(language):
                found = rules.data_problems(language, code_node.value)
                self.check_code(code_node, join(path, "code"), found)
            else:
                self.report(
                    item["language"],
                    join(path, "language"),
                    f"examples in '{language}' are not checked; only python is compiled",
                    "warning",
                )
        # Keep the code's own indentation; drop only blank lines around it.
        code = code_node.value.strip("\n").rstrip()
        return Example(title, code, language, requires, output, runs, why)

    def check_code(self, node: ScalarNode, path: str, found: tuple[rules.CodeProblem, ...]) -> None:
        """Point each problem inside an example's code at its line in this file."""
        first_line = node.line - 1  # 0-based line of the code's first line
        if node.style in ("|", ">"):
            first_line += 1  # a block scalar starts on the line after its indicator
        for problem in found:
            if problem.line is None:
                self.report(node, path, problem.message, problem.severity)
                continue
            index = first_line + problem.line - 1
            if node.style in ("|", ">"):
                column = self.block_indent(first_line) + (problem.offset or 1)
            else:  # a one-line scalar: the code starts at the node, after any quote
                quote = 1 if node.style in ("'", '"') else 0
                column = node.column + quote + (problem.offset or 1) - 1
            self.at(index + 1, column, path, problem.message, problem.severity)

    def block_indent(self, first_line: int) -> int:
        """A block scalar's indentation: that of its first non-blank line (as YAML decides)."""
        index = first_line
        while (text := self.source.line(index)) and not text.strip():
            index += 1
        return len(text) - len(text.lstrip(" "))

    def check_replaces(self) -> None:
        """The `replaces` rules: never a live id, each old id claimed once, never oneself."""
        claimed: dict[str, tuple[str, int]] = {}
        for old_id, topic_id, node, path in self.replaced:
            line = node.line
            live = self.ids.get(old_id)
            if old_id == topic_id:
                self.report(node, path, f"topic '{topic_id}' cannot replace itself")
            elif live is not None:
                self.report(
                    node,
                    path,
                    f"'{old_id}' is a live {live[0]} id (line {live[1]}) and cannot be replaced",
                )
            elif old_id in claimed:
                by, first = claimed[old_id]
                if by == topic_id:
                    self.report(node, path, f"'{old_id}' is listed twice", "warning")
                else:
                    self.report(
                        node, path, f"'{old_id}' is already replaced by topic '{by}' (line {first})"
                    )
            else:
                claimed[old_id] = (topic_id, line)


def _unknown_key(key: str, keys: dict[str, bool]) -> str:
    return f"unknown key '{key}' ({rules.did_you_mean(key, keys)})"
