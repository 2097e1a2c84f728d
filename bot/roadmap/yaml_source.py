"""Safe, position-keeping reading of one YAML content file into a tree of yaml Nodes.

PyYAML's loaders construct Python objects, keep the last of duplicate keys and expand aliases
without limit. We never construct anything: a small iterative composer turns the parser's events
into `yaml.nodes` (which keep line/column marks) and, while composing, reports duplicate keys and
tags other than YAML's plain ones, and refuses deep nesting and alias expansion past a budget.
Being iterative matters: libyaml's own composer recurses in C and crashes the process on a file
of a few hundred thousand nested brackets.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from bot.roadmap.problems import Problem

try:  # libyaml's event parser is iterative and ~10x faster; the pure one is the fallback
    from yaml._yaml import CParser as _EventParser

    _BYTE_POSITIONS = True  # libyaml reports reader errors as byte offsets
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _EventParser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

    _BYTE_POSITIONS = False

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64  # real content nests about 8 deep
# Nodes reached through aliases, counted with repetition: a "billion laughs" file stops here.
ALIAS_EXPANSION_BUDGET = 10_000

YAML_TAG = "tag:yaml.org,2002:"
STR_TAG = YAML_TAG + "str"
_ALLOWED_TAGS = frozenset(YAML_TAG + name for name in ("str", "int", "float", "bool", "null"))
_COLLECTION_TAGS = {SequenceNode: YAML_TAG + "seq", MappingNode: YAML_TAG + "map"}


@dataclass(slots=True)
class Source:
    """One file after composing: its node tree (None when unusable) and what went wrong."""

    file: str
    root: Node | None
    text: str = ""
    problems: list[Problem] = field(default_factory=list)
    _lines: list[str] | None = None

    def line(self, index: int) -> str:
        """The text of 0-based line `index` ("" past the end)."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines[index] if 0 <= index < len(self._lines) else ""


def short_tag(tag: str) -> str:
    return "!!" + tag[len(YAML_TAG):] if tag.startswith(YAML_TAG) else tag


def read_source(path: Path, file: str) -> Source:
    """Read and compose `path`; `file` is the name problems carry. Never raises for bad content."""

    def refuse(message: str, line: int | None = None, column: int | None = None) -> Source:
        return Source(file, None, problems=[Problem(file, line, column, "", message)])

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return refuse("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            size = info.st_size / (1024 * 1024)
            return refuse(f"file is {size:.1f} MiB; content files are limited to 1 MiB")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat()
    except OSError as exc:
        return refuse(f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        return refuse("file is over 1 MiB; content files are limited to 1 MiB")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        return refuse(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line, column)
    source = Source(file, None, text)
    _Composer(source, data).run()
    return source


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


class _Abort(Exception):
    """Composing stops: the file is refused (the problem is already recorded)."""


class _Frame:
    """An open sequence or mapping while composing."""

    __slots__ = ("anchor", "key", "node", "seen", "size")

    def __init__(self, node: SequenceNode | MappingNode, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.size = 1
        self.key: Node | None = None  # a mapping's key waiting for its value
        self.seen: dict[str, int] | None = {} if isinstance(node, MappingNode) else None


class _Composer:
    def __init__(self, source: Source, data: bytes) -> None:
        self.source = source
        self.data = data
        self.resolver = Resolver()
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Node, int | None]] = {}  # size None while still open
        self.expanded = 0
        self.root: Node | None = None

    def problem(self, mark: yaml.Mark | None, message: str, path: str | None = None) -> None:
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        self.source.problems.append(
            Problem(self.source.file, line, column, self.path() if path is None else path, message)
        )

    def abort(self, mark: yaml.Mark | None, message: str, path: str | None = None) -> None:
        self.problem(mark, message, path)
        raise _Abort

    def path(self, key: str | None = None) -> str:
        """The document path of the node about to be added (or of `key` in the open mapping)."""
        parts: list[str] = []
        for frame in self.stack:
            if frame.seen is None:
                parts.append(f"[{len(frame.node.value)}]")
            elif frame.key is not None:
                parts.append(_key_part(frame.key))
        if key is not None:
            parts.append("." + key)
        return "".join(parts).lstrip(".")

    def run(self) -> None:
        parser = _EventParser(self.source.text)
        try:
            self._compose(parser)
            self.source.root = self.root
        except _Abort:
            self.source.root = None
        except yaml.MarkedYAMLError as exc:
            self.source.root = None
            self.problem(exc.problem_mark, _syntax_message(exc), path="")
        except yaml.reader.ReaderError as exc:
            self.source.root = None
            self._reader_problem(exc)
        except yaml.YAMLError as exc:  # any other parser complaint, without a position
            self.source.root = None
            self.problem(None, f"invalid YAML: {exc}", path="")
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()

    def _reader_problem(self, exc: yaml.reader.ReaderError) -> None:
        if _BYTE_POSITIONS:
            line, column = _byte_position(self.data, exc.position)
        else:
            before = self.source.text[: exc.position]
            line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        self.source.problems.append(
            Problem(self.source.file, line, column, "", f"invalid YAML: {exc.reason}")
        )

    def _compose(self, parser: _EventParser) -> None:
        documents = 0
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, StreamEndEvent):
                break
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.abort(event.start_mark, "a content file holds one YAML document only")
            elif isinstance(event, ScalarEvent):
                self._add(self._scalar(event), 1, event.anchor)
            elif isinstance(event, CollectionStartEvent):
                self._open(event)
            elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                self._close(event)
            elif isinstance(event, AliasEvent):
                self._alias(event)
        if self.root is None:
            self.problem(None, "file is empty", path="")

    def _tag(self, event: ScalarEvent | CollectionStartEvent, default: str) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            return default
        if tag not in _ALLOWED_TAGS and tag != default:
            self.problem(event.start_mark, f"tag '{short_tag(tag)}' is not allowed")
            return default
        return tag

    def _scalar(self, event: ScalarEvent) -> ScalarNode:
        if event.tag is None or event.tag == "!":
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
        else:
            tag = self._tag(event, STR_TAG)
        return ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)

    def _open(self, event: CollectionStartEvent) -> None:
        if len(self.stack) >= MAX_DEPTH:
            message = f"nesting deeper than {MAX_DEPTH} levels; file refused"
            self.abort(event.start_mark, message, path="")
        kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
        tag = self._tag(event, _COLLECTION_TAGS[kind])
        node = kind(tag, [], event.start_mark, None, event.flow_style)
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, None)
        self.stack.append(_Frame(node, event.anchor))

    def _close(self, event: SequenceEndEvent | MappingEndEvent) -> None:
        frame = self.stack.pop()
        frame.node.end_mark = event.end_mark
        # Only if no later anchor of the same name replaced it inside this collection.
        anchor = frame.anchor
        if anchor is not None and self.anchors[anchor][0] is not frame.node:
            anchor = None
        self._add(frame.node, frame.size, anchor)

    def _alias(self, event: AliasEvent) -> None:
        anchored = self.anchors.get(event.anchor)
        if anchored is None:
            self.abort(event.start_mark, f"alias '*{event.anchor}' has no anchor before it")
        node, size = anchored
        if size is None:
            self.abort(event.start_mark, f"alias '*{event.anchor}' is inside its own anchor")
        self.expanded += size
        if self.expanded > ALIAS_EXPANSION_BUDGET:
            self.abort(
                event.start_mark,
                f"aliases expand past {ALIAS_EXPANSION_BUDGET} nodes; file refused",
            )
        self._add(node, size, None)

    def _add(self, node: Node, size: int, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = (node, size)
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        frame.size += size
        if frame.seen is None:
            frame.node.value.append(node)
        elif frame.key is None:
            if isinstance(node, ScalarNode):
                first_line = frame.seen.get(node.value)
                if first_line is not None:
                    frame.key = node  # so the path names this key
                    message = f"duplicate key '{node.value}' (first at line {first_line})"
                    self.problem(node.start_mark, message)
                else:
                    frame.seen[node.value] = node.start_mark.line + 1
            frame.key = node
        else:
            frame.node.value.append((frame.key, node))
            frame.key = None


def _key_part(key: Node) -> str:
    return "." + key.value if isinstance(key, ScalarNode) else ".?"


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
    if exc.problem and exc.context:
        message += f" ({exc.context}"
        if exc.context_mark is not None:
            message += f" at line {exc.context_mark.line + 1}"
        message += ")"
    return message
