"""The contract checker itself must be able to fail, or the integration tests prove nothing."""

from __future__ import annotations

import json

from tests.support.openapi import check, error_json_problem

URL = "https://conversations.twilio.com/v1/Configuration/Webhooks"
GOOD = {
    "account_sid": "AC" + "a" * 32,
    "method": "POST",
    "filters": ["onMessageAdded"],
    "pre_webhook_url": None,
    "post_webhook_url": "https://example.com",
    "target": "webhook",
    "url": URL,
}


def test_a_conforming_response_passes() -> None:
    assert check("GET", URL, 200, json.dumps(GOOD), "application/json") is None


def test_a_wrongly_typed_field_is_a_violation() -> None:
    bad = GOOD | {"filters": "onMessageAdded"}
    assert check("GET", URL, 200, json.dumps(bad), "application/json") is not None


def test_an_undocumented_status_is_a_violation() -> None:
    assert check("GET", URL, 202, json.dumps(GOOD), "application/json") is not None


def test_error_json_needs_all_four_fields_and_matching_status() -> None:
    good = {"code": 20404, "message": "gone", "more_info": "https://x", "status": 404}
    assert error_json_problem(json.dumps(good), 404) is None
    assert error_json_problem(json.dumps(good), 400) is not None
    assert error_json_problem(json.dumps({"message": "gone"}), 404) is not None
    assert error_json_problem("<html>", 500) is not None
