"""Code blocks that display the code as written, and attachments when the code is too long."""

from bot.render.code import code_block, code_file, defuse_fences, file_extension, highlight_tag
from bot.render.text import ZERO_WIDTH_SPACE


def shown(block: str) -> str:
    """What a reader sees inside the block: the body, with invisible characters gone."""
    body = block.split("\n", 1)[1].rsplit("\n", 1)[0]
    return body.replace(ZERO_WIDTH_SPACE, "")


def test_a_block_is_fenced_and_tagged_for_highlighting():
    assert code_block("x = 1\n", "python") == "```python\nx = 1\n```"
    assert code_block("SELECT 1", "sql") == "```sql\nSELECT 1\n```"


def test_backticks_in_the_code_cannot_close_the_block():
    code = 'doc = """\n```python\nprint("hi")\n```\n"""\nfence = "``````"\ntick = "`"'
    block = code_block(code)
    # Only the opening and the closing fence remain as runs of three backticks.
    assert block.count("```") == 2
    assert block.startswith("```python\n") and block.endswith("\n```")
    assert shown(block) == code


def test_defusing_handles_every_run_length():
    for length in range(3, 12):
        defused = defuse_fences("`" * length)
        assert "```" not in defused
        assert defused.replace(ZERO_WIDTH_SPACE, "") == "`" * length


def test_code_ending_in_a_backtick_still_closes_properly():
    block = code_block("x = '`'\ny = `")
    assert block.endswith("y = `\n```")


def test_language_tags_and_extensions():
    assert highlight_tag("Python") == "python"
    assert highlight_tag("c#") == "cs"
    assert highlight_tag("bad tag`") == ""
    assert file_extension("python") == "py"
    assert file_extension("bash") == "sh"
    assert file_extension("klingon") == "txt"


def test_a_code_file_holds_the_code_exactly_with_a_final_newline():
    code = 'print("```")\n'
    file = code_file(code, "python", "read-a-file")
    assert file.filename == "read-a-file.py"
    assert file.data == code.encode("utf-8")
    assert code_file("SELECT 1", "sql", "q").data == b"SELECT 1\n"
