"""The one place that knows Discord's limits: measuring, fitting text, checking messages."""

from bot.render import limits
from bot.render.limits import (
    ELLIPSIS,
    fit_lines,
    fit_message,
    fit_text,
    fits,
    measure,
    overflows,
    safe_filename,
)
from bot.render.payload import Attachment, Embed, Field, Message
from tests.unit.render.builders import discord_verdict


def test_measure_counts_emoji_outside_the_bmp_twice():
    assert measure("abc") == 3
    assert measure("é") == 1
    assert measure("🎉") == 2
    assert measure(None) == 0


def test_text_that_fits_is_returned_unchanged():
    assert fit_text("hello world", 11) == "hello world"


def test_long_text_is_cut_on_a_word_boundary_with_an_ellipsis():
    text = "one two three four five six seven"
    fitted = fit_text(text, 20)
    assert fitted == "one two three four" + ELLIPSIS
    assert measure(fitted) <= 20


def test_long_text_prefers_a_line_boundary():
    text = "the first line is here\nsecond line goes on and on and on"
    assert fit_text(text, 30) == "the first line is here" + ELLIPSIS


def test_a_single_long_word_is_cut_inside_it():
    fitted = fit_text("x" * 100, 10)
    assert fitted == "x" * 9 + ELLIPSIS


def test_cutting_never_splits_a_surrogate_pair():
    fitted = fit_text("🎉" * 10, 7)
    assert fitted == "🎉🎉🎉" + ELLIPSIS
    fitted.encode("utf-8")  # a lone surrogate would raise here


def test_a_cut_inside_a_code_block_closes_the_fence():
    text = "Intro.\n```python\n" + "\n".join(f"line_{i} = {i}" for i in range(100)) + "\n```"
    fitted = fit_text(text, 200)
    assert measure(fitted) <= 200
    assert fitted.count("```") == 2
    assert fitted.endswith("```\n" + ELLIPSIS)


def test_fit_lines_keeps_whole_lines_and_says_how_many_were_left_out():
    lines = [f"item number {i}" for i in range(50)]
    fitted = fit_lines(lines, 100, lambda n: f"… and {n} more")
    assert measure(fitted) <= 100
    kept = fitted.splitlines()
    assert kept[:-1] == lines[: len(kept) - 1]
    assert kept[-1] == f"… and {50 - (len(kept) - 1)} more"


def test_fit_lines_returns_everything_when_it_fits():
    assert fit_lines(["a", "b"], 10, lambda n: "more") == "a\nb"


def test_safe_filename_keeps_discord_safe_characters_only():
    assert safe_filename("read-a-file", "py") == "read-a-file.py"
    assert safe_filename("../../etc/passwd", "py") == "etc-passwd.py"
    assert safe_filename("", "") == "example.txt"
    assert len(safe_filename("a" * 500, "py")) == limits.FILENAME_MAX


def test_overflows_names_every_broken_limit():
    message = Message(
        content="c" * 2001,
        embeds=(
            Embed(
                title="t" * 257,
                description="d" * 4097,
                footer="f" * 2049,
                author="a" * 257,
                fields=tuple(Field(f"n{i}", "v" * 1025) for i in range(26)),
            ),
        ),
        files=tuple(Attachment(f"f{i}.py", b"x") for i in range(11)),
    )
    parts = {overflow.part for overflow in overflows(message)}
    assert parts == {
        "content",
        "title",
        "description",
        "footer",
        "author",
        "fields",
        "field value",
        "embed total",
        "files",
    }
    assert not fits(message)


def test_an_empty_field_value_is_an_overflow_and_fitting_fills_it():
    message = Message(embeds=(Embed(title="t", fields=(Field("name", "  "),)),))
    assert [o.part for o in overflows(message)] == ["field value"]
    assert fits(fit_message(message))


def test_fit_message_brings_every_part_within_limits():
    message = Message(
        content="hello @everyone " * 200,
        embeds=tuple(
            Embed(
                title="t " * 200,
                description="word " * 2000,
                footer="f " * 2000,
                author="a " * 200,
                fields=tuple(Field("n " * 200, "v " * 1000) for _ in range(30)),
            )
            for _ in range(12)
        ),
        files=tuple(Attachment(f"bad name {i}.py", b"x") for i in range(12)),
    )
    fitted = fit_message(message)
    assert overflows(fitted) == []
    assert discord_verdict(fitted) is None
    assert len(fitted.embeds) == limits.EMBEDS_MAX
    assert fitted.files[0].filename == "bad-name-0.py"


def test_fit_message_keeps_a_message_that_fits_as_it_is():
    message = Message(content="hi", embeds=(Embed(title="t", description="d"),))
    assert fit_message(message) is message


def test_an_oversized_file_is_cut_on_a_line_boundary():
    data = b"x = 1\n" * (limits.FILE_SIZE_MAX // 6 + 10)
    fitted = fit_message(Message(files=(Attachment("big.py", data),)))
    assert len(fitted.files[0].data) <= limits.FILE_SIZE_MAX
    assert fitted.files[0].data.endswith(b"x = 1\n# (cut: too large for Discord)\n")


def test_overflow_describes_itself_for_maintainers():
    overflow = overflows(Message(embeds=(Embed(description="d" * 4210),)))[0]
    assert overflow.describe("topic card") == (
        "topic card description is 4210 characters; Discord allows 4096"
    )
