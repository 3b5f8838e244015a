"""``hookline check URL``: is a webhook receiver ready for Twilio's Conversations webhooks?

No server is needed: the checker builds sample events itself, signs them as Twilio does
(:mod:`hookline.delivery.signature`), and sends, in turn, a correctly signed request, the
same with a wrong signature, the same with no signature, and the signed one again with the
same ``I-Twilio-Idempotency-Token`` (a retried delivery). Each answer is timed against
Twilio's limit (5 s for a pre-event, 15 s for a post-event). With ``--pre`` the signed
answer is read as the pre-event gate would: allow, reject, or modify.

Exit status 1 when a wrongly signed or unsigned request was accepted (2xx), or the signed
one was not (a 4xx/5xx or no answer: then the refused tampered requests prove nothing and
fail too, so a wrong path answering 404 to everything shows no PASS); 0 otherwise (slow or
non-idempotent answers are warnings).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import click

from hookline.delivery.sender import prepare
from hookline.delivery.signature import SIGNATURE_HEADER
from hookline.delivery.transport import OutboundRequest
from hookline.domain.events import ALL_EVENTS, PRE_EVENTS, modifications

PRE_LIMIT = 5.0
POST_LIMIT = 15.0
SAMPLE_ACCOUNT = "AC" + "0" * 32
ANSWER_CAP = 300


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: bytes
    seconds: float
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        what = f"HTTP {self.status}" if self.status is not None else f"no answer ({self.error})"
        return f"{what} in {self.seconds * 1000:.0f} ms"


@dataclass(frozen=True)
class Verdict:
    level: str  # PASS, WARN or FAIL
    check: str
    detail: str


def sample_params(event: str) -> dict[str, str]:
    """Plausible parameters of ``event`` (enough for a receiver to parse and route)."""
    params = {
        "AccountSid": SAMPLE_ACCOUNT,
        "EventType": event,
        "Source": "SDK",
        "ClientIdentity": "hookline-check",
        "ChatServiceSid": "IS" + "0" * 32,
    }
    if not event.startswith("onUser"):
        params["ConversationSid"] = "CH" + "0" * 32
        params["MessagingServiceSid"] = "MG" + "0" * 32
    if event.startswith("onMessage") or event == "onDeliveryUpdated":
        params |= {"Body": "hookline check", "Author": "hookline-check", "Attributes": "{}"}
        if event != "onMessageAdd":
            params |= {"MessageSid": "IM" + "0" * 32, "Index": "0"}
    elif event.startswith("onParticipant"):
        params |= {"Identity": "hookline-check", "Attributes": "{}", "RoleSid": "RL" + "0" * 32}
        if event != "onParticipantAdd":
            params["ParticipantSid"] = "MB" + "0" * 32
    elif event.startswith("onConversation"):
        params |= {"FriendlyName": "hookline check", "Attributes": "{}", "State": "active"}
    elif event.startswith("onUser"):
        params |= {"Identity": "hookline-check", "UserSid": "US" + "0" * 32}
    params["DateCreated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return params


def send(request: OutboundRequest, limit: float, headers: dict[str, str | None]) -> Answer:
    """Send ``request`` with ``headers`` changed (``None`` removes one); wait past the limit."""
    sent = dict(request.headers)
    for name, value in headers.items():
        sent.pop(name, None)
        if value is not None:
            sent[name] = value
    outgoing = urllib.request.Request(
        request.url, data=request.body or None, method=request.method, headers=sent
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(outgoing, timeout=limit + 1) as response:
            return Answer(response.status, response.read(ANSWER_CAP), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(ANSWER_CAP), time.monotonic() - started)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Answer(None, b"", time.monotonic() - started, str(reason))


def wrong_signature(signature: str) -> str:
    """A well-formed signature that is not the right one."""
    return ("A" if signature[0] != "A" else "B") + signature[1:]


def pre_reading(event: str, answer: Answer) -> str:
    """What Twilio's pre-event gate would make of ``answer``."""
    if answer.status is None:
        return "no answer: the action would proceed unchanged"
    if not answer.accepted:
        return f"HTTP {answer.status}: the action would be REJECTED"
    try:
        body = json.loads(answer.body) if answer.body.strip() else None
    except ValueError:
        body = None
    changes = modifications(event, body) if isinstance(body, dict) else {}
    if changes:
        return f"the action would be ALLOWED and MODIFIED: {json.dumps(changes)}"
    return "the action would be ALLOWED unchanged"


def run_checks(url: str, auth_token: str, event: str) -> tuple[list[Verdict], Answer]:
    """Every check's verdict, and the signed request's answer."""
    limit = PRE_LIMIT if event in PRE_EVENTS else POST_LIMIT
    token = uuid.uuid4().hex
    prepared = prepare(url, "POST", sample_params(event), auth_token, token).request
    signature = dict(prepared.headers)[SIGNATURE_HEADER]
    signed = send(prepared, limit, {})
    verdicts = [
        Verdict(
            "PASS" if signed.accepted else "FAIL",
            "correctly signed request",
            signed.describe() + ("" if signed.accepted else ": Twilio's request would fail"),
        )
    ]
    tampered: list[tuple[str, dict[str, str | None]]] = [
        ("wrongly signed request", {SIGNATURE_HEADER: wrong_signature(signature)}),
        ("unsigned request", {SIGNATURE_HEADER: None}),
    ]
    for name, headers in tampered:
        answer = send(prepared, limit, headers)
        verdicts.append(_tampered_verdict(name, answer, signed))
    again = send(prepared, limit, {})
    verdicts.append(
        Verdict(
            "PASS" if again.accepted else "WARN",
            "repeated delivery (same I-Twilio-Idempotency-Token)",
            again.describe()
            + ("" if again.accepted else ": a retried delivery must be answered 2xx too"),
        )
    )
    slowest = max(signed.seconds, again.seconds)
    verdicts.append(
        Verdict(
            "PASS" if slowest <= limit else "WARN",
            f"answer time (Twilio waits {limit:g} s for {event})",
            f"slowest signed answer {slowest:.2f} s",
        )
    )
    return verdicts, signed


def _tampered_verdict(name: str, answer: Answer, signed: Answer) -> Verdict:
    """A wrongly signed or unsigned request's verdict. Refusing it proves something only
    when the correctly signed one was accepted: a receiver answering 404 to everything
    (a wrong path) refuses both, and that is no PASS."""
    if answer.accepted:
        return Verdict("FAIL", name, answer.describe() + ": ACCEPTED, signatures are not checked")
    if not signed.accepted:
        detail = ": refused, but so was the correctly signed request, which proves nothing"
        return Verdict("FAIL", name, answer.describe() + detail)
    return Verdict("PASS", name, answer.describe() + ": refused")


def hint(signed: Answer) -> str | None:
    """What a failed correctly signed request most likely means."""
    if signed.status is None:
        return f"nothing answered ({signed.error}): is the receiver running at that URL?"
    if signed.status == 404:
        return "HTTP 404: is the path right?"
    if signed.status in (401, 403):
        return f"HTTP {signed.status}: does the receiver use this Auth Token (--auth-token)?"
    if signed.status >= 500:
        return f"HTTP {signed.status}: the receiver failed; see its log"
    if not signed.accepted:
        return f"HTTP {signed.status}: Twilio counts only a 2xx answer as delivered"
    return None


def reject_unknown_event(event: str | None, pre: bool) -> str:
    chosen = event or ("onMessageAdd" if pre else "onMessageAdded")
    if chosen not in ALL_EVENTS:
        raise click.BadParameter(f"unknown event {chosen!r}", param_hint="--event")
    if pre and chosen not in PRE_EVENTS:
        raise click.BadParameter(f"{chosen} is not a pre-event", param_hint="--event")
    return chosen
