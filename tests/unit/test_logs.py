"""A background loop's ``log.exception`` of a known condition is one line."""

from __future__ import annotations

import logging
import sys

from hookline.exceptions import DatabaseUnavailable
from hookline.logs import KnownConditions, configure


def _record(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        return logging.LogRecord(
            "hookline.delivery",
            logging.ERROR,
            "x.py",
            1,
            "claiming %s failed",
            ("rows",),
            sys.exc_info(),
        )


def test_database_unavailable_loses_its_traceback_and_becomes_a_warning() -> None:
    record = _record(DatabaseUnavailable("ConnectionRefusedError: refused"))
    assert KnownConditions().filter(record)
    assert record.exc_info is None and record.levelname == "WARNING"
    assert record.getMessage() == (
        "claiming rows failed: database unavailable (ConnectionRefusedError: refused)"
    )
    assert "\n" not in logging.Formatter().format(record)


def test_other_errors_keep_their_traceback() -> None:
    record = _record(RuntimeError("a bug"))
    assert KnownConditions().filter(record)
    assert record.exc_info is not None and record.levelname == "ERROR"
    assert "Traceback" in logging.Formatter().format(record)


def test_alembic_info_lines_are_quiet_at_info() -> None:
    alembic = logging.getLogger("alembic")
    before = alembic.level
    try:
        alembic.setLevel(logging.NOTSET)
        configure("info", "text")
        assert not alembic.isEnabledFor(logging.INFO)
        assert alembic.isEnabledFor(logging.WARNING)
    finally:
        alembic.setLevel(before)
