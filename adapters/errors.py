"""Errors meant for the person at the terminal: one line, no traceback."""


class UserError(Exception):
    """Something the user can fix (a bad argument, an unreachable database)."""
