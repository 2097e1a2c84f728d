"""Content text never pings, and links survive awkward titles and URLs."""

from bot.render.text import ZERO_WIDTH_SPACE, link, no_pings, one_line, role_mention

ZW = ZERO_WIDTH_SPACE


def test_mass_mentions_are_defused_but_still_readable():
    text = "Hello @everyone and @here, and @Everyone"
    safe = no_pings(text)
    assert "@everyone" not in safe and "@here" not in safe and "@Everyone" not in safe
    assert safe.replace(ZW, "") == text


def test_user_and_role_mentions_are_defused():
    text = "ask <@123> or <@!456> or the <@&789> role, see <#42>"
    safe = no_pings(text)
    for mention in ("<@123>", "<@!456>", "<@&789>"):
        assert mention not in safe
    assert "<#42>" in safe  # a channel link pings no one
    assert safe.replace(ZW, "") == text


def test_text_without_at_signs_is_untouched():
    assert no_pings("plain text") == "plain text"


def test_links_escape_brackets_and_encode_parentheses():
    assert link("Docs [v2]", "https://e.com/a_(b) c") == (
        r"[Docs \[v2\]](https://e.com/a_%28b%29%20c)"
    )


def test_link_titles_cannot_ping():
    assert "@everyone" not in link("@everyone read this", "https://e.com")


def test_one_line_and_role_mention():
    assert one_line("a\n  b\tc ") == "a b c"
    assert role_mention(55) == "<@&55>"
