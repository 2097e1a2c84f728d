"""Validation of the teaching keys: a topic's `examples` (and what an example needs to run), its
`check` questions and `minutes`; a stage's `choices` and `checkpoint`.

Functions over the file validator, which owns the reporting and the generic shapes; they report
like the rest of `check` (file:line:col, document path) and return the model's values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.roadmap import rules
from bot.roadmap.model import Answer, Checkpoint, ChoiceGroup, Example, Question, SelfCheck, Topic
from bot.roadmap.problems import join
from bot.roadmap.yaml_source import MappingNode, Node, ScalarNode, SequenceNode

if TYPE_CHECKING:
    from bot.roadmap.validator import _FileValidator as Validator

# Keys of the teaching mappings (name -> required); content/schema.json mirrors them.
CHECK_KEYS = {"pass": False, "questions": True}
QUESTION_KEYS = {"question": True, "answers": True}
ANSWER_KEYS = {"text": True, "right": False, "why": True}
CHOICE_KEYS = {"title": True, "pick": False, "topics": True}
CHECKPOINT_KEYS = {"title": True, "task": True}


def _key_node(node: Node, key: str) -> Node:
    """The key node of `key` in a mapping (the line a maintainer looks for), else the mapping."""
    if isinstance(node, MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return key_node
    return node


def examples(v: Validator, node: Node, fields: dict[str, Node], path: str) -> tuple[Example, ...]:
    """A topic's own examples: its one `example` or its `examples` list, never both."""

    if "example" in fields and "examples" in fields:
        one, many = _key_node(node, "example"), _key_node(node, "examples")
        later, key = (
            (many, "examples")
            if (many.line, many.column) > (one.line, one.column)
            else (
                one,
                "example",
            )
        )
        v.report(later, join(path, key), "use 'example' (one) or 'examples' (a list), not both")
    if "examples" not in fields:
        found = v.example(fields.get("example"), join(path, "example"))
        return (found,) if found is not None else ()
    listed = fields["examples"]
    if isinstance(listed, SequenceNode) and not listed.value:
        message = "an empty list; add an example or remove 'examples'"
        v.report(listed, join(path, "examples"), message)
    found_all = (v.example(item, at) for item, at in v.items(fields, "examples", path))
    return tuple(example for example in found_all if example is not None)


def requires(v: Validator, fields: dict[str, Node], path: str) -> tuple[str, ...]:
    """The packages an example needs to run."""
    needed: list[str] = []
    for item, at in v.items(fields, "requires", path):
        value = v.text_of(item, at, plain=True)
        if value and (problem := rules.requirement_problem(value)):
            v.report(item, at, problem)
        elif value:
            needed.append(value)
    return tuple(needed)


def output(v: Validator, fields: dict[str, Node], path: str) -> str | None:
    """What an example prints, exactly as written (the trailing newline of `|` included)."""

    node = fields.get("output")
    if node is None:
        return None
    v.text_of(node, join(path, "output"), plain=True)  # reports a non-text or empty value
    return node.value if isinstance(node, ScalarNode) else None


def runs(v: Validator, fields: dict[str, Node], path: str) -> tuple[bool, str | None]:
    """`runs: false` says the example needs a server or the network, and `why` says which."""

    flag = v.flag(fields, "runs", path)
    why = v.text(fields, "why", path) if "why" in fields else None
    if flag is False and "why" not in fields:
        v.report(
            fields["runs"],
            join(path, "runs"),
            "'runs: false' needs a 'why:' saying what the example needs (a server, the network)",
        )
    elif "why" in fields and flag is not False:
        v.report(
            fields["why"],
            join(path, "why"),
            "'why' explains 'runs: false'; add 'runs: false' or remove 'why'",
        )
    return flag is not False, why or None


def minutes(v: Validator, fields: dict[str, Node], path: str) -> int | None:

    found = v.number(fields, "minutes", path)
    if found is None:
        return None
    node, digits = found
    if problem := rules.minutes_problem(digits):
        v.report(node, join(path, "minutes"), problem)
        return None
    return int(digits)


def self_check(v: Validator, fields: dict[str, Node], path: str) -> SelfCheck | None:
    """A topic's self-check: 2-4 questions, each with 2-5 answers of which exactly one is right."""

    node = fields.get("check")
    if node is None:
        return None
    path = join(path, "check")
    item = v.mapping(node, path, CHECK_KEYS)
    if item is None:
        return None
    questions = [_question(v, q, at) for q, at in v.items(item, "questions", path)]
    least, most = rules.QUESTIONS
    listed = item.get("questions")
    if isinstance(listed, SequenceNode) and not least <= len(listed.value) <= most:
        message = f"a check needs {least} to {most} questions, not {len(listed.value)}"
        v.report(listed, join(path, "questions"), message)
    pass_count = len(questions)
    found = v.number(item, "pass", path)
    if found is not None:
        pass_node, digits = found
        if digits.isdigit() and 1 <= int(digits) <= len(questions):
            pass_count = int(digits)
        else:
            v.report(
                pass_node,
                join(path, "pass"),
                f"pass must be from 1 to {len(questions)} (the number of questions), not {digits}",
            )
    kept = tuple(q for q in questions if q is not None)
    return SelfCheck(kept, pass_count) if kept else None


def _question(v: Validator, node: Node, path: str) -> Question | None:
    item = v.mapping(node, path, QUESTION_KEYS)
    if item is None:
        return None
    text = v.text(item, "question", path)
    answers: list[Answer] = []
    first_text: dict[str, int] = {}  # casefolded answer -> line
    first_right: int | None = None
    for answer_node, at in v.items(item, "answers", path):
        answer = v.mapping(answer_node, at, ANSWER_KEYS)
        if answer is None:
            continue
        label = v.text(answer, "text", at)
        if label:
            label_node, label_path = answer["text"], join(at, "text")
            if len(label) > rules.ANSWER_MAX:
                v.report(
                    label_node,
                    label_path,
                    f"answer is {len(label)} characters; Discord's button labels allow "
                    f"{rules.ANSWER_MAX}",
                )
            seen = first_text.get(label.casefold())
            if seen is not None:
                v.report(
                    label_node, label_path, f"duplicate answer '{label}' (first at line {seen})"
                )
            else:
                first_text[label.casefold()] = label_node.line
        right = v.flag(answer, "right", at) is True
        if right and first_right is not None:
            v.report(
                answer["right"],
                join(at, "right"),
                f"a second right answer (first at line {first_right}); exactly one may be right",
            )
        elif right:
            first_right = answer["right"].line
        why = v.text(answer, "why", at)
        answers.append(Answer(label, right, why))
    listed = item.get("answers")
    if isinstance(listed, SequenceNode):
        least, most = rules.ANSWERS
        if not least <= len(listed.value) <= most:
            message = f"a question needs {least} to {most} answers, not {len(listed.value)}"
            v.report(listed, join(path, "answers"), message)
        if listed.value and first_right is None:
            v.report(node, path, "no answer is marked 'right: true'; exactly one must be")
    return Question(text, tuple(answers))


def choices(
    v: Validator, fields: dict[str, Node], path: str, topics: dict[str, Topic]
) -> tuple[ChoiceGroup, ...]:
    """Groups of this stage's topics of which the member picks some; a topic in one group only."""

    groups: list[ChoiceGroup] = []
    grouped: dict[str, tuple[str, int]] = {}  # topic id -> (group title, line)
    for node, at in v.items(fields, "choices", path):
        item = v.mapping(node, at, CHOICE_KEYS)
        if item is None:
            continue
        title = v.text(item, "title", at)
        ids: list[str] = []
        for id_node, id_path in v.items(item, "topics", at):
            topic_id = v.identifier(id_node, id_path)
            if not topic_id:
                continue
            if topic_id not in topics:
                v.report(id_node, id_path, _not_in_stage(topic_id, topics))
            elif topic_id in ids:
                v.report(id_node, id_path, f"'{topic_id}' is listed twice in this group")
            elif topic_id in grouped:
                other, line = grouped[topic_id]
                v.report(
                    id_node,
                    id_path,
                    f"'{topic_id}' is already in choice group '{other}' (line {line})",
                )
            else:
                ids.append(topic_id)
                grouped[topic_id] = (title, id_node.line)
        listed = item.get("topics")
        count = len(listed.value) if isinstance(listed, SequenceNode) else 0
        pick = 1
        found = v.number(item, "pick", at)
        where = found[0] if found is not None else (listed or node)
        if found is not None:
            pick = int(found[1]) if found[1].isdigit() else 0
        if isinstance(listed, SequenceNode) and not 1 <= pick < count:
            written = found[1] if found is not None else "1 (the default)"
            v.report(
                where,
                join(at, "pick" if found is not None else "topics"),
                f"pick must be at least 1 and less than the number of topics ({count}), "
                f"not {written}",
            )
        groups.append(ChoiceGroup(title, pick, tuple(ids)))
    return tuple(groups)


def _not_in_stage(topic_id: str, topics: dict[str, Topic]) -> str:
    hint = rules.did_you_mean(topic_id, topics, list_them=False)
    return f"'{topic_id}' is not a topic of this stage" + (f" ({hint})" if hint else "")


def checkpoint(v: Validator, fields: dict[str, Node], path: str) -> Checkpoint | None:

    node = fields.get("checkpoint")
    if node is None:
        return None
    path = join(path, "checkpoint")
    item = v.mapping(node, path, CHECKPOINT_KEYS)
    if item is None:
        return None
    return Checkpoint(v.text(item, "title", path), v.text(item, "task", path))
