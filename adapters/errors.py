"""Errors meant for the person at the terminal: one line, no traceback."""

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UserError(Exception):
    """Something the user can fix (a bad argument, an unreachable database)."""


def one_line(message: str) -> str:
    """The message as one line: a control character the user typed and an error echoes
    (a newline in a query parameter, say) is shown escaped, as Python would write it."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], message.strip())
