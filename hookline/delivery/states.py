"""The words a delivery is described in: its states and why an attempt got no answer.

A row's life: ``pending`` → ``sending`` (leased to one worker) → ``delivered`` |
``pending`` (a retry is scheduled) | ``failed`` (given up). ``undeliverable``: the target
has nowhere to go (an unmapped Studio flow, Flex, an account without a token).
``rejected``: a pre-event call the receiver refused with a non-2xx answer, on purpose
(the action was refused; a pre-event call that got no answer is ``failed``). A worker
that stops or dies puts ``sending`` rows back: at once when it stops (SIGTERM), when the
lease it no longer renews runs out when it dies.
"""

from __future__ import annotations

import enum
from typing import Literal, get_args


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    REJECTED = "rejected"
    UNDELIVERABLE = "undeliverable"


#: Why an attempt got no HTTP answer (``OutboundResponse.error_kind``): the phase that
#: failed, which is what retry decisions read (``retry.should_retry``).
ErrorKind = Literal["connect", "read", "total", "egress", "other"]
ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)

#: States in which a row still waits for an attempt.
OPEN_STATES = frozenset({DeliveryState.PENDING, DeliveryState.SENDING})
