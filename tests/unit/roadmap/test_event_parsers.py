"""The composer gives the same nodes and problems over libyaml's events and PyYAML's pure ones,
so a PyYAML built without libyaml (the fallback) behaves exactly as the tested default."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.roadmap import yaml_source
from bot.roadmap.yaml_source import MappingNode, Node, PurePythonEvents, SequenceNode, read_source
from tests.unit.roadmap.helpers import BROKEN, VALID
from tests.unit.roadmap.test_hostile_input import billion_laughs

HOSTILE = {
    "bomb.yaml": billion_laughs().encode(),
    "control.yaml": "id: x\ntitle: é\x07\n".encode(),
    "deep.yaml": b"[" * 5000 + b"]" * 5000,
    # Past libyaml's own limit of 1,000 levels, in block style: the refusal is still ours.
    "deep_block.yaml": "".join(f"{' ' * i}k{i}:\n" for i in range(1100)).encode(),
    "loop.yaml": b"a: &a [*a]\n",
}


def shape(node: Node | None) -> object:
    """A node tree as plain data: tags, values and positions."""
    if node is None:
        return None
    if isinstance(node, MappingNode):
        return (node.tag, node.line, node.column, [(shape(k), shape(v)) for k, v in node.value])
    if isinstance(node, SequenceNode):
        return (node.tag, node.line, node.column, [shape(item) for item in node.value])
    return (node.tag, node.value, node.line, node.column, node.style)


def test_libyaml_is_the_default_here() -> None:
    # Otherwise this module compares the pure parser with itself.
    assert yaml_source.DEFAULT_EVENTS is not PurePythonEvents


@pytest.mark.parametrize("file", [*BROKEN, VALID], ids=lambda f: f.name)
def test_same_nodes_and_problems_from_both_parsers(file: Path) -> None:
    fast = read_source(file, file.name)
    pure = read_source(file, file.name, PurePythonEvents)

    assert shape(pure.root) == shape(fast.root)
    if file.name == "syntax_error.yaml":  # same place; libyaml words the problem its own way
        assert [(p.line, p.column) for p in pure.problems] == [(8, 14)]
        assert pure.problems[0].message.startswith("invalid YAML: mapping values are not allowed")
    elif file.name.startswith("syntax_"):  # the same place and the same hint, whatever the words
        assert [(p.line, p.column) for p in pure.problems] == [
            (p.line, p.column) for p in fast.problems
        ]
        hints = [p.message.partition("; hint: ")[2] for p in (*pure.problems, *fast.problems)]
        assert len(hints) == 2 and hints[0] and hints[0] == hints[1]
    else:
        assert pure.problems == fast.problems


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_same_refusals_from_both_parsers(tmp_path: Path, name: str) -> None:
    file = tmp_path / name
    file.write_bytes(HOSTILE[name])

    fast = read_source(file, name)
    pure = read_source(file, name, PurePythonEvents)

    assert fast.root is None and pure.root is None

    def positions(problems):
        return [(problem.line, problem.column) for problem in problems]

    assert positions(pure.problems) == positions(fast.problems)
    if name == "control.yaml":  # each reader words it its own way
        assert pure.problems[0].message.startswith("invalid YAML: ")
    else:
        assert [p.message for p in pure.problems] == [p.message for p in fast.problems]
