"""Errors the domain raises when a command breaks a rule; their text is shown to users."""


class DomainError(Exception):
    """A rule of the feed contract was broken; the message names what and why."""


class RuleViolation(DomainError):
    """A command is not allowed in the aggregate's current state."""


class InvalidPeriod(DomainError):
    """A period notation could not be understood."""
