"""Event Streams requests: JSON bodies, bodySHA256 signing (checked with twilio's own
RequestValidator), rows per batch, and the 4-hour retry window."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from twilio.request_validator import RequestValidator

from hookline.delivery import streams
from hookline.delivery.overrides import DEFAULTS
from hookline.domain.runtime import Runtime
from hookline.domain.streams import SinkDelivery
from hookline.sids import SequentialSids

TOKEN = "2" * 32
EVENTS = ({"id": "EV1", "type": "a"}, {"id": "EV2", "type": "b"})


def delivery(batch: bool) -> SinkDelivery:
    return SinkDelivery(
        account_sid="AC" + "1" * 32,
        sink_sid="DG" + "1" * 32,
        destination="http://127.0.0.1:5000/events",
        method="POST",
        batch=batch,
        type="a",
        events=EVENTS,
    )


@pytest.mark.parametrize(
    ("destination", "joiner"),
    [("http://h.test/events", "?"), ("https://h.test:8443/e?x=1", "&"), ("http://h.test/e?", "")],
)
def test_the_request_is_signed_on_twilios_json_path(destination: str, joiner: str) -> None:
    params = {"cloudevents": list(EVENTS), "batch": True}
    request = streams.request(destination, "POST", params, TOKEN, "token")
    body = request.body.decode()
    assert json.loads(body) == list(EVENTS)
    digest = hashlib.sha256(request.body).hexdigest()
    assert request.url == f"{destination}{joiner}bodySHA256={digest}"
    assert parse_qs(urlsplit(request.url).query)["bodySHA256"] == [digest]
    signature = request.header("X-Twilio-Signature")
    assert signature
    validator = RequestValidator(TOKEN)
    assert validator.validate(request.url, body, signature)  # the body's hash checked
    assert validator.validate(request.url, {}, signature)  # the URL alone, too
    assert not validator.validate(request.url, body.replace("EV1", "EV9"), signature)
    assert not RequestValidator("3" * 32).validate(request.url, body, signature)
    assert request.header("Content-Type") == "application/json; charset=utf-8"
    assert request.header("I-Twilio-Idempotency-Token") == "token"
    assert request.total_timeout == streams.TIMEOUT_SECONDS


def test_the_fragment_is_not_a_connection_override() -> None:
    params = {"cloudevents": [EVENTS[0]], "batch": False}
    request = streams.request("http://h.test/e#rc=5&ct=100", "POST", params, TOKEN, "t")
    assert "#" not in request.url and request.connect_timeout == streams.TIMEOUT_SECONDS
    assert json.loads(request.body) == EVENTS[0]  # not batching: the one object


def test_rows_are_one_per_batch_or_one_per_event(rt_free: Runtime) -> None:
    (batched,) = streams.rows(rt_free, [delivery(True)], "EV" + "0" * 32)
    assert batched["target"] == "sink" and batched["webhook_sid"] == "DG" + "1" * 32
    assert batched["params"] == {"cloudevents": list(EVENTS), "batch": True}
    assert batched["endpoint"] == "http://127.0.0.1:5000"
    single = streams.rows(rt_free, [delivery(False)], "EV" + "0" * 32)
    assert [row["params"]["cloudevents"] for row in single] == [[EVENTS[0]], [EVENTS[1]]]
    assert len({row["idempotency_token"] for row in single}) == 2


@pytest.fixture
def rt_free() -> Runtime:
    from hookline.clock import ManualClock

    return Runtime(store=None, clock=ManualClock(), sids=SequentialSids())  # type: ignore[arg-type]


def test_retries_last_four_hours_and_skip_final_answers() -> None:
    created = 1_000.0
    policy = streams.retry_policy(created, now=created)
    assert policy.retry_in(1, 503, None, None, DEFAULTS) is not None
    assert policy.retry_in(1, 429, None, None, DEFAULTS) is not None
    assert policy.retry_in(1, None, "connect", None, DEFAULTS) is not None
    assert policy.retry_in(1, 400, None, None, DEFAULTS) is None  # the receiver's final word
    assert policy.retry_in(1, 404, None, None, DEFAULTS) is None
    # Attempt 40 would be years away on a plain schedule: the cap keeps steps at 5 minutes.
    late = streams.retry_policy(created, now=created + 3 * 3600)
    delay = late.retry_in(40, 503, None, None, DEFAULTS)
    assert delay is not None and delay <= 300 * 1.2
    # Past four hours after the event, nothing more.
    expired = streams.retry_policy(created, now=created + 4 * 3600 - 1)
    assert expired.retry_in(40, 503, None, None, DEFAULTS) is None
