"""Opening the database at start-up: wait for it, migrate it, or say in one line why not.

Containers start in any order: a ``serve`` may come up before its PostgreSQL accepts
connections. Start-up retries an unreachable database with backoff for
``--database-wait`` seconds, one line per retry, then gives up with one line (exit 1).
A database that answers but cannot be used (a wrong password, no such database, a
malformed URL) is a configuration mistake: one line at once, never a traceback, never
the password.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING

import click

from hookline.exceptions import DatabaseUnavailable
from hookline.redact import MASK, redact_url

if TYPE_CHECKING:
    from hookline.store import Store

#: First pause between attempts, and the longest one (the pause doubles in between).
FIRST_PAUSE = 0.5
LONGEST_PAUSE = 5.0
_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#@:]*:([^/?#@]+)@", re.IGNORECASE)


def _scrub(text: str, url: str) -> str:
    """``text`` without ``url``'s password (a driver's message may quote the URL)."""
    found = _PASSWORD.match(url)
    return text.replace(found.group(1), MASK) if found else text


async def open_when_ready(url: str, wait: float, *, migrate: bool = True) -> Store:
    """The store of ``url`` (migrated), once the database answers; a
    :class:`click.ClickException` of one line when it does not within ``wait`` seconds
    or cannot be used at all."""
    from hookline.store import failure_reason, open_store

    shown = redact_url(url)
    deadline = time.monotonic() + wait
    pause = FIRST_PAUSE
    while True:
        try:
            return await open_store(url, migrate=migrate)
        except DatabaseUnavailable as exc:
            left = deadline - time.monotonic()
            reason = _scrub(exc.reason, url)
            if left <= 0:
                waited = f" (waited {wait:g} s)" if wait > 0 else ""
                raise click.ClickException(
                    f"cannot reach database {shown}: {reason}{waited}"
                ) from None
            pause = min(pause, left)
            click.echo(
                f"waiting for database {shown}: {reason}; retrying in {pause:.1f} s", err=True
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
        except Exception as exc:  # a configuration mistake: what the driver said, one line
            raise click.ClickException(
                f"cannot use database {shown}: {_scrub(failure_reason(exc), url)}"
            ) from None


def prepare_database(url: str, wait: float) -> None:
    """Wait for the database and migrate it before a server or worker starts (their
    event loop opens it again, at once): what can go wrong goes wrong here, in one line."""

    async def run() -> None:
        store = await open_when_ready(url, wait)
        await store.close()

    asyncio.run(run())
