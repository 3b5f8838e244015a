"""``hookline deliveries list|show|resend``: the webhook delivery log (docs/cli.md)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from hookline.cli.http import Server, segment, wide_option, with_server

DELIVERY = ("sid", "created_at", "event_type", "url", "status", "attempts", "last_status")
#: What fits 80 columns: the SID (whole, to copy), what fired, how it went (``outcome``:
#: the status and the last HTTP answer, ``delivered 200``).
DELIVERY_NARROW = ("sid", "event_type", "outcome")
STATUSES = ("pending", "sending", "delivered", "failed", "rejected", "undeliverable")
#: Statuses a delivery leaves later: ``--follow`` reports the change.
UNFINISHED = ("pending", "sending")
TIMES = ("created_at", "updated_at", "next_attempt_at")


def iso(value: Any) -> Any:
    """A store timestamp (seconds since the epoch) as ISO 8601 UTC; anything else unchanged."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="milliseconds")
    return value


def readable(delivery: dict[str, Any]) -> dict[str, Any]:
    row = {key: iso(value) if key in TIMES else value for key, value in delivery.items()}
    answer = delivery.get("last_status")
    row["outcome"] = f"{delivery.get('status')}" + (f" {answer}" if answer is not None else "")
    return row


@click.group()
def deliveries() -> None:
    """The delivery log: every post-event target (webhooks and Event Streams sinks), its
    attempts, resend."""


def _filters(opts: dict[str, Any]) -> dict[str, Any]:
    return {
        "Status": opts["status"],
        "EventType": opts["event_type"],
        "ConversationSid": opts["conversation"],
    }


@deliveries.command("list")
@click.option("--limit", type=click.IntRange(1, 999), default=20, show_default=True)
@click.option("--status", type=click.Choice(STATUSES), help="Only deliveries in this status.")
@click.option(
    "--event",
    "--type",
    "event_type",
    help="Only this EventType (onMessageAdded …, or a sink's CloudEvent type).",
)
@click.option("--conversation", help="Only this ConversationSid.")
@click.option("--follow", "-f", is_flag=True, help="Then print new deliveries as they come.")
@click.option("--interval", type=click.FloatRange(0.1, 60), default=1.0, hidden=True)
@with_server
@wide_option
def deliveries_list(server: Server, limit: int, follow: bool, interval: float, **opts: Any) -> None:
    """The newest deliveries first (one per event and target)."""
    filters = _filters(opts)
    # One more than asked: whether older deliveries exist, for the hint.
    params = filters | {"Order": "desc", "Limit": limit + 1}
    body = server.call("GET", "/_hookline/deliveries", params)
    rows = [readable(row) for row in body["deliveries"]]
    more = len(rows) > limit
    shown = rows[:limit]
    if not follow or server.as_json:
        page = body | {"deliveries": body["deliveries"][:limit]}
        server.show(page, shown, DELIVERY, narrow=DELIVERY_NARROW)
    else:
        for row in reversed(shown):
            _line(row)
    if more and not server.as_json:
        click.echo(f"(the newest {limit} shown; older ones exist: --limit N shows more)", err=True)
    if follow:
        _follow(server, filters, body["next_after"], shown, interval)


def _line(row: dict[str, Any], change: str = "") -> None:
    status = row.get("status")
    answer = f" {row['last_status']}" if row.get("last_status") is not None else ""
    latency = f" {row['latency_ms']:.0f} ms" if row.get("latency_ms") is not None else ""
    text = (
        f"{row.get('created_at')} {row['sid']} {row.get('event_type')} → {row.get('url')} "
        f"{change}{status}{answer}{latency} (attempts {row.get('attempts')})"
    )
    # Text, not markup: URLs and event data are the user's.
    Console(soft_wrap=True).print(Text(text))


def _follow(
    server: Server, filters: dict[str, Any], after: int, seen: list[dict[str, Any]], pause: float
) -> None:
    """Poll for deliveries after ``after``; also report when an unfinished one finishes."""
    unfinished = {row["sid"]: row["status"] for row in seen if row["status"] in UNFINISHED}
    click.echo("following new deliveries — Ctrl-C to stop", err=True)
    try:
        while True:
            body = server.call("GET", "/_hookline/deliveries", filters | {"After": after})
            for row in map(readable, body["deliveries"]):
                _line(row)
                if row["status"] in UNFINISHED:
                    unfinished[row["sid"]] = row["status"]
            after = body["next_after"]
            for sid, status in list(unfinished.items()):
                current = readable(server.call("GET", f"/_hookline/deliveries/{segment(sid)}"))
                if current["status"] != status:
                    _line(current, change=f"{status} → ")
                if current["status"] in UNFINISHED:
                    unfinished[sid] = current["status"]
                else:
                    del unfinished[sid]
            time.sleep(pause)
    except KeyboardInterrupt:
        pass


@deliveries.command("show")
@click.argument("sid")
@with_server
def deliveries_show(server: Server, sid: str) -> None:
    """One delivery with its parameters and every attempt (request and response)."""
    body = server.call("GET", f"/_hookline/deliveries/{segment(sid)}")
    if server.as_json:
        server.show(body, [], ())
        return
    delivery = readable(body)
    fields = [
        {"field": key, "value": value}
        for key, value in delivery.items()
        if key not in ("attempt_log", "params")
    ]
    server.show(body, fields, ("field", "value"))
    # Wrapped at the terminal's width like the table above (a long URL or error folds).
    console = Console()
    console.print(Text("parameters:"), Text(json.dumps(body.get("params"), indent=2)))
    for attempt in body.get("attempt_log") or []:
        console.print(Text(_attempt(attempt)))


def _attempt(attempt: dict[str, Any]) -> str:
    request, response = attempt.get("request") or {}, attempt.get("response") or {}
    outcome = response.get("status") or attempt.get("error")
    lines = [
        f"attempt {attempt.get('attempt')} at {attempt.get('at')}: {outcome} "
        f"in {attempt.get('latency_ms')} ms",
        f"  request: {request.get('method')} {request.get('url')}",
        *(f"    {name}: {value}" for name, value in (request.get("headers") or {}).items()),
        f"  response body: {_pretty(response.get('body') or '')}",
    ]
    if attempt.get("next_attempt_at") is not None:
        lines.append(f"  next attempt at {iso(attempt['next_attempt_at'])}")
    return "\n".join(lines)


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2) if body.strip() else "(empty)"
    except ValueError:
        return body


@deliveries.command("resend")
@click.argument("sid")
@with_server
def deliveries_resend(server: Server, sid: str) -> None:
    """Queue a delivery again (same body, same idempotency token)."""
    body = server.call("POST", f"/_hookline/deliveries/{segment(sid)}/Resend")
    server.show_one(readable(body), DELIVERY)
