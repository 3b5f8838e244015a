"""The contract checker itself must be able to fail, or the integration tests prove nothing."""

from __future__ import annotations

import json

from tests.support.openapi import check, error_json_problem, undocumented_properties

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


SERVICE_MESSAGES = (
    "https://conversations.twilio.com/v1/Services/IS"
    + "a" * 32
    + ("/Conversations/CH" + "a" * 32 + "/Messages/IM" + "a" * 32)
)
MESSAGE = {
    "account_sid": "AC" + "a" * 32,
    "chat_service_sid": "IS" + "a" * 32,
    "conversation_sid": "CH" + "a" * 32,
    "sid": "IM" + "a" * 32,
    "index": 0,
    "author": "alice",
    "body": "hi",
    "media": None,
    "attributes": "{}",
    "participant_sid": None,
    "date_created": "2026-01-01T00:00:00Z",
    "date_updated": "2026-01-01T00:00:00Z",
    "delivery": None,
    "url": SERVICE_MESSAGES,
    "links": {"delivery_receipts": SERVICE_MESSAGES + "/Receipts"},
    "content_sid": None,
}


def test_a_complete_message_passes() -> None:
    assert check("GET", SERVICE_MESSAGES, 200, json.dumps(MESSAGE), "application/json") is None


def test_a_missing_documented_property_is_a_violation_though_nothing_is_required() -> None:
    body = {k: v for k, v in MESSAGE.items() if k != "chat_service_sid"}
    problem = check("GET", SERVICE_MESSAGES, 200, json.dumps(body), "application/json")
    assert problem is not None and "chat_service_sid" in problem


def test_null_is_not_missing() -> None:
    body = GOOD | {"pre_webhook_url": None, "post_webhook_url": None}
    assert check("GET", URL, 200, json.dumps(body), "application/json") is None
    del body["pre_webhook_url"]
    problem = check("GET", URL, 200, json.dumps(body), "application/json")
    assert problem is not None and "pre_webhook_url" in problem


def test_a_missing_property_inside_a_list_page_is_a_violation() -> None:
    listing = SERVICE_MESSAGES.rsplit("/", 1)[0]
    meta = {
        "page": 0,
        "page_size": 50,
        "first_page_url": listing + "?PageSize=50&Page=0",
        "previous_page_url": None,
        "next_page_url": None,
        "url": listing + "?PageSize=50&Page=0",
        "key": "messages",
    }
    page = {"messages": [MESSAGE], "meta": meta}
    assert check("GET", listing, 200, json.dumps(page), "application/json") is None
    short = {"messages": [MESSAGE | {}], "meta": {k: v for k, v in meta.items() if k != "key"}}
    del short["messages"][0]["content_sid"]
    problem = check("GET", listing, 200, json.dumps(short), "application/json")
    assert problem is not None
    assert "messages[0].content_sid" in problem and "meta.key" in problem


def test_an_undocumented_property_is_found_and_free_form_objects_are_not_looked_into() -> None:
    path = SERVICE_MESSAGES.removeprefix("https://conversations.twilio.com")
    assert undocumented_properties("GET", path, 200, MESSAGE) == []
    links = MESSAGE["links"] | {"anything": "goes"}  # ``links`` is a free-form uri-map
    body = MESSAGE | {"subject": None, "links": links}
    assert undocumented_properties("GET", path, 200, body) == ["subject"]
    default_form = "/v1/Conversations/CH" + "a" * 32 + "/Messages/IM" + "a" * 32
    assert undocumented_properties("GET", default_form, 200, MESSAGE) == ["chat_service_sid"]
