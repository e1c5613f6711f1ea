from __future__ import annotations


class Refused(Exception):
    """A member's action that the rules do not allow; the message is shown to them.

    `status` is the HTTP status a view answers with (400 bad input, 403 not allowed,
    409 conflicts with the idea's state).
    """

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
