"""Safe, position-keeping reading of one YAML content file into a tree of yaml Nodes.

PyYAML's loaders construct Python objects, keep the last of duplicate keys and expand aliases
without limit. We never construct anything: a small iterative composer turns the parser's events
into lean nodes that keep their line and column, and, while composing, reports duplicate keys
and tags other than YAML's plain ones, and refuses deep nesting and alias expansion past a
budget. Being iterative matters: libyaml's own composer recurses in C and crashes the process
on a file of a few hundred thousand nested brackets. Being lean matters too: PyYAML's nodes
carry two Mark objects each, and the garbage collector's passes over them tripled load time.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode as _YamlScalar
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from bot.roadmap.problems import Problem


class PurePythonEvents(Reader, Scanner, Parser):
    """PyYAML's pure-Python event parser: the fallback when PyYAML was built without libyaml."""

    byte_positions = False  # reader errors give character offsets

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:  # libyaml's event parser is iterative too, and several times faster
    from yaml._yaml import CParser

    class LibyamlEvents(CParser):
        byte_positions = True  # libyaml reports reader errors as byte offsets

    DEFAULT_EVENTS: type = LibyamlEvents
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    DEFAULT_EVENTS = PurePythonEvents

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64  # real content nests about 8 deep
_PARSER_DEPTH_LIMIT = "exceeded maximum nesting depth"  # libyaml's own limit, at 1,000
# Nodes reached through aliases, counted with repetition: a "billion laughs" file stops here.
ALIAS_EXPANSION_BUDGET = 10_000

YAML_TAG = "tag:yaml.org,2002:"
STR_TAG = YAML_TAG + "str"
_ALLOWED_TAGS = frozenset(YAML_TAG + name for name in ("str", "int", "float", "bool", "null"))
# First characters for which the resolver may find a type other than text.
_RESOLVED_FIRST_CHARS = frozenset(Resolver.yaml_implicit_resolvers) - {""}


class Node:
    """A composed YAML node: its resolved tag, value and 1-based position."""

    __slots__ = ("column", "line", "tag", "value")

    def __init__(self, tag: str, value: Any, line: int, column: int) -> None:
        self.tag = tag
        self.value = value
        self.line = line
        self.column = column


class ScalarNode(Node):
    __slots__ = ("style",)
    value: str

    def __init__(self, tag: str, value: str, line: int, column: int, style: str | None) -> None:
        super().__init__(tag, value, line, column)
        self.style = style  # None for plain, "'" '"' for quoted, "|" ">" for block scalars


class SequenceNode(Node):
    __slots__ = ()
    value: list[Node]


class MappingNode(Node):
    __slots__ = ()
    value: list[tuple[Node, Node]]


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
    return "!!" + tag[len(YAML_TAG) :] if tag.startswith(YAML_TAG) else tag


def read_source(path: Path, file: str, events: type = DEFAULT_EVENTS) -> Source:
    """Read and compose `path`; `file` is the name problems carry. Never raises for bad content.

    `events` is the YAML event parser (libyaml's when available; tests run both)."""

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
    if not _Composer(source, data).run(events):
        # libyaml (as bundled since PyYAML 6.0.4) stops at 1,000 levels with its own words,
        # while its look-ahead is still scanning, before our depth check sees an event. The
        # pure parser reaches our check, so the refusal is ours whichever parser runs.
        source = Source(file, None, text)
        _Composer(source, data).run(PurePythonEvents)
    return source


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


class _Abort(Exception):
    """Composing stops: the file is refused (the problem is already recorded)."""


class _Frame:
    """An open sequence or mapping while composing."""

    __slots__ = ("anchor", "items", "key", "node", "seen", "size")

    def __init__(self, node: SequenceNode | MappingNode, anchor: str | None) -> None:
        self.node = node
        self.items: list[Any] = node.value  # nodes, or (key, value) pairs for a mapping
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
        self.documents = 0
        self.root: Node | None = None

    def problem(
        self, where: yaml.Mark | Node | None, message: str, path: str | None = None
    ) -> None:
        line: int | None
        column: int | None
        if isinstance(where, Node):
            line, column = where.line, where.column
        elif where is not None:  # a Mark: 0-based
            line, column = where.line + 1, where.column + 1
        else:
            line = column = None
        self.source.problems.append(
            Problem(self.source.file, line, column, self.path() if path is None else path, message)
        )

    def abort(self, mark: yaml.Mark | None, message: str, path: str | None = None) -> NoReturn:
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

    def run(self, events: type) -> bool:
        """Compose the file; False when the parser gave up on nesting before we could."""
        parser = None
        try:
            parser = events(self.source.text)  # the pure reader checks characters right here
            self._compose(parser)
            self.source.root = self.root
        except _Abort:
            self.source.root = None
        except yaml.MarkedYAMLError as exc:
            self.source.root = None
            if _PARSER_DEPTH_LIMIT in str(exc.problem):
                return False
            message = _syntax_message(exc) + _hint(self.source, exc.problem_mark)
            self.problem(exc.problem_mark, message, path="")
        except yaml.reader.ReaderError as exc:
            self.source.root = None
            self._reader_problem(exc, getattr(events, "byte_positions", False))
        except yaml.YAMLError as exc:  # any other parser complaint, without a position
            self.source.root = None
            self.problem(None, f"invalid YAML: {exc}", path="")
        finally:
            dispose = getattr(parser, "dispose", None)  # breaks the pure parser's cycles
            if dispose is not None:
                dispose()
        return True

    def _reader_problem(self, exc: yaml.reader.ReaderError, byte_positions: bool) -> None:
        if byte_positions:
            line, column = _byte_position(self.data, exc.position)
        else:
            before = self.source.text[: exc.position]
            line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        self.source.problems.append(
            Problem(self.source.file, line, column, "", f"invalid YAML: {exc.reason}")
        )

    def _compose(self, parser: Any) -> None:
        # Dispatch on the exact event class: this loop runs once per event of every file.
        handlers = {
            ScalarEvent: self._scalar,
            SequenceStartEvent: self._open,
            MappingStartEvent: self._open,
            SequenceEndEvent: self._close,
            MappingEndEvent: self._close,
            AliasEvent: self._alias,
            DocumentStartEvent: self._document,
        }
        get_event = parser.get_event
        while (event := get_event()) is not None:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
            elif isinstance(event, StreamEndEvent):
                break
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

    def _document(self, event: DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            self.abort(event.start_mark, "a content file holds one YAML document only")

    def _scalar(self, event: ScalarEvent) -> None:
        value = event.value
        if event.tag is not None and event.tag != "!":
            tag = self._tag(event, STR_TAG)
        elif not event.implicit[0] or (value and value[0] not in _RESOLVED_FIRST_CHARS):
            tag = STR_TAG  # quoted, or no implicit type (bool, number, null...) starts so
        else:
            tag = self.resolver.resolve(_YamlScalar, value, event.implicit)
        mark = event.start_mark
        # Plain style is None from libyaml, "" from the pure parser: one value for both.
        node = ScalarNode(tag, value, mark.line + 1, mark.column + 1, event.style or None)
        self._add(node, 1, event.anchor)

    def _open(self, event: CollectionStartEvent) -> None:
        if len(self.stack) >= MAX_DEPTH:
            message = f"nesting deeper than {MAX_DEPTH} levels; file refused"
            self.abort(event.start_mark, message, path="")
        kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
        tag = self._tag(event, YAML_TAG + ("seq" if kind is SequenceNode else "map"))
        node = kind(tag, [], event.start_mark.line + 1, event.start_mark.column + 1)
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, None)
        self.stack.append(_Frame(node, event.anchor))

    def _close(self, _event: SequenceEndEvent | MappingEndEvent) -> None:
        frame = self.stack.pop()
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
            frame.items.append(node)
        elif frame.key is None:
            if isinstance(node, ScalarNode):
                first_line = frame.seen.get(node.value)
                if first_line is not None:
                    frame.key = node  # so the path names this key
                    message = f"duplicate key '{node.value}' (first at line {first_line})"
                    self.problem(node, message)
                else:
                    frame.seen[node.value] = node.line
            frame.key = node
        else:
            frame.items.append((frame.key, node))
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


TAB_HINT = "hint: indent with spaces, not tabs"
COLON_HINT = "hint: quote the text, or use a block scalar (>-)"


def _hint(source: Source, mark: yaml.Mark | None) -> str:
    """A one-line hint for the two mistakes maintainers make most; the parser's own words
    (a "mapping value", a "token") do not say what to change."""
    if mark is None:
        return ""
    text = source.line(mark.line)
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    if "\t" in indent or text[mark.column : mark.column + 1] == "\t":
        return "; " + TAB_HINT
    # `summary: Note: this` - a second `: ` on a line that already has a key.
    before = text[: mark.column].lstrip(" ").removeprefix("- ")
    if text[mark.column : mark.column + 1] == ":" and ": " in before:
        return "; " + COLON_HINT
    return ""
