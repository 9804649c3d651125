"""Errors as values the UI can show: each carries a message in Indonesian that says what to do."""


class KinerjaError(Exception):
    """Base of every error a page may show to the user with `st.error(str(err))`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotAllowed(KinerjaError):
    """The acting user may not do this (role or unit)."""


class InvalidInput(KinerjaError):
    """The input is wrong; the message says which field and how to fix it."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class Conflict(KinerjaError):
    """Someone else changed the data first (optimistic locking) or the state forbids it now."""


class NotFound(KinerjaError):
    """The record does not exist (anymore)."""
