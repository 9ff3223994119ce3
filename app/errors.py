"""Errors a person can cause; their message is shown to the clerk as it is."""


class DomainError(Exception):
    """A refused step, bad scan or bad input; `str(err)` is the message in the clerk's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """A number, code or serial that matches nothing."""


class PermissionDenied(DomainError):
    """The acting login's role or unit may not do this."""


class WrongState(DomainError):
    """The step does not fit the state the line or task is in."""


class ListFileError(DomainError):
    """A handover list that cannot be read at all (corrupt, encrypted, not a spreadsheet)."""


class StoreUnavailable(DomainError):
    """The database cannot be opened or the server does not answer."""


class StoreBusy(DomainError):
    """Another desk held the store's write lock for longer than the wait allows."""


class Conflict(DomainError):
    """Another desk changed the line, task or document check since this person looked at it
    (the version they saw no longer holds); the message says what it is now (issue 9)."""
