"""Every error hookline raises on purpose.

    HooklineError                 base; carries Twilio's ``code`` and HTTP ``status``
    ├── InvalidParameter          400: a parameter is missing, malformed or out of range
    │   └── UnknownParameter      400: a form field the operation does not take
    ├── Unauthorized              401 / 20003: missing or wrong credentials
    ├── Forbidden                 403 / 50107: an SDK user's roles do not allow the action
    ├── NotFound                  404 / 20404 (or a resource-specific code)
    │   └── UnknownStreamType     an Event Streams type or schema version hookline lacks
    ├── Conflict                  409: a unique name or identity already taken
    │   └── Duplicate             409 / 20409: the store refused a row whose unique key
    │                             exists (``constraint`` names it when known)
    ├── LimitExceeded             400: e.g. a sixth conversation-scoped webhook
    ├── ActionRejected            a pre-event webhook refused the action
    └── DatabaseUnavailable       503 / 20503: the database cannot be reached (stopped,
                                  restarting, refusing connections); retry later

The HTTP layer turns each into Twilio's error JSON; nothing else should reach the client
as a 500.
"""

from __future__ import annotations


class HooklineError(Exception):
    status = 400
    code = 20001

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidParameter(HooklineError):
    status = 400
    code = 20001


class UnknownParameter(InvalidParameter):
    pass


class Unauthorized(HooklineError):
    status = 401
    code = 20003


class Forbidden(HooklineError):
    """Twilio's 50107 "User not authorized for command": the user's role lacks a permission."""

    status = 403
    code = 50107


class NotFound(HooklineError):
    status = 404
    code = 20404


class Conflict(HooklineError):
    status = 409
    code = 50353


class Duplicate(Conflict):
    """A write hit a unique key already taken, typically by a concurrent request that
    passed the same check first. The store raises it in place of the driver's error."""

    code = 20409

    def __init__(self, message: str, *, constraint: str | None = None) -> None:
        super().__init__(message)
        #: The violated constraint's name, when the database tells it.
        self.constraint = constraint


class LimitExceeded(HooklineError):
    status = 400


class ActionRejected(HooklineError):
    """A pre-event webhook answered non-2xx, timed out or could not be reached."""

    status = 400
    code = 50350


class DatabaseUnavailable(HooklineError):
    """The database cannot be reached right now: it is stopped or restarting, the network
    to it is down, or it refuses new connections. The store raises it in place of the
    driver's error; a request gets 503 with ``Retry-After``, and nothing was written.

    ``reason`` says what the driver saw (for the log: never SQL, never parameters)."""

    status = 503
    code = 20503

    def __init__(self, reason: str) -> None:
        super().__init__("The database is unavailable; retry the request later")
        self.reason = reason

    def __str__(self) -> str:
        # Where it is printed rather than answered (a failed start-up): say why.
        return f"{self.message} ({self.reason})"


class UnknownStreamType(NotFound):
    """An Event Streams type, schema or schema version hookline does not know. The Events
    API answers it with the code of the operation that named it."""
