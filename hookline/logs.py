"""Log set-up for ``serve`` and ``worker``: plain text, or one JSON object a line.

``--log-format json`` writes ``{"time", "level", "logger", "message", …}`` with any
``extra=`` fields of the call (a pre-event call logs ``event``, ``outcome``, ``status``,
``latency_ms``), for log collectors that parse JSON.

A known condition is one line, never a traceback: a background loop (delivery worker,
timers, retention) that logs an exception it will retry after, when that exception is
:class:`~hookline.exceptions.DatabaseUnavailable`, gets its reason on the same line
instead (:class:`KnownConditions`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from hookline.exceptions import DatabaseUnavailable

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


class KnownConditions(logging.Filter):
    """Turns ``log.exception(...)`` of a known condition into one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DatabaseUnavailable):
            record.msg = f"{record.getMessage()}: database unavailable ({error.reason})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure(level: str, log_format: str) -> None:
    """Root logging at ``level`` as ``text`` or ``json`` (uvicorn's loggers propagate here
    in json mode: serving gives uvicorn no logging config of its own then)."""
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    else:
        logging.basicConfig(level=level.upper(), format=TEXT_FORMAT)
    for root_handler in logging.getLogger().handlers:
        if not any(isinstance(f, KnownConditions) for f in root_handler.filters):
            root_handler.addFilter(KnownConditions())
    # Alembic says "Context impl SQLiteImpl." at INFO each time a revision is read (three
    # times per start-up check, in every process); hookline logs one line of its own when
    # a migration really ran ("database schema migrated to …"). At DEBUG they show again.
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
