"""``serve --workers N``: one delivery worker among the N API processes.

Every process answers requests and writes outbox rows; one of them, the one holding an
exclusive lock on ``<dir>/delivery.lock``, also runs the delivery worker. So N processes
deliver exactly as one does: a conversation-scoped webhook has one delivery in flight
(its events arrive in order) and the per-endpoint concurrency limit holds. When
the leader dies the kernel drops its lock, and the replacement the supervisor starts
takes it (a worker's unfinished rows are taken over when their lease ends, as after any
crash: docs/delivery.md).

The others wake the leader after committing deliveries with a datagram on
``<dir>/wake.sock`` (without it the leader would still find them within its 0.5 s poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import IO


class DeliveryLeader:
    """This process's part in choosing the delivery worker of one ``serve --workers``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.wake_path = str(self.directory / "wake.sock")
        self._lock: IO[bytes] | None = None
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def leads(self) -> bool:
        """Whether this process holds the lock (and so runs the delivery worker)."""
        return self._lock is not None

    def try_lead(self) -> bool:
        """Take the lock if no other process holds it: True when this process delivers."""
        lock = (self.directory / "delivery.lock").open("ab")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            return False
        self._lock = lock
        return True

    def listen(self, wake: Callable[[], None]) -> None:
        """The leader: call ``wake`` whenever another process says it queued deliveries."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.wake_path)  # left by a leader that died
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        receiver.bind(self.wake_path)
        receiver.setblocking(False)
        self._socket = receiver

        def drain() -> None:
            with contextlib.suppress(BlockingIOError, InterruptedError):
                while receiver.recv(64):
                    pass
            wake()

        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(receiver.fileno(), drain)

    def wake_leader(self) -> None:
        """Another process: tell the leader there is work (best effort, never blocks)."""
        if self._socket is None:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.setblocking(False)
        # No leader yet (it is restarting) or its queue is full of wakes already: its
        # poll finds the rows anyway.
        with contextlib.suppress(OSError):
            self._socket.sendto(b"w", self.wake_path)

    def close(self) -> None:
        if self._socket is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None
