"""Every error is one line, whatever the user typed into it."""

from adapters.errors import one_line


def test_a_newline_typed_into_an_argument_is_shown_escaped():
    assert one_line("report \n: not available") == "report \\n: not available"


def test_other_control_characters_are_escaped_and_plain_text_is_kept():
    assert one_line("a\tb\x00c\u2028d") == "a\\tb\\x00c\\u2028d"
    assert one_line("  Bokförd period 2024-Q1  ") == "Bokförd period 2024-Q1"
