"""Every operation of Twilio's Conversations spec (method + path) has a route in hookline.

Each of the spec's operations is called once against a real server: parent SIDs in the path
(``{ChatServiceSid}``, ``{ConversationSid}``, ``{MessageSid}``, ``{UserSid}``) are real
resources, the operation's own ``{Sid}`` is one that does not exist (so nothing is deleted
or changed), POST bodies are empty. Whatever the answer, it must not be:

- 405: the path is routed but not for this method;
- 404 for a path with no SID in it: nothing there can be "not found" but the route;
- a 404 from the router for any path (its message names the whole ``/v1/…`` path, where a
  resource's own 404 names ``/Conversations/CH…`` without ``/v1``);
- a 5xx, or anything but Twilio's error JSON for an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.openapi import error_json_problem, spec_document
from tests.support.server import ServerProcess, start_server

METHODS = ("get", "post", "delete")
MISSING_SID = "ZZ" + "0" * 32


def operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in spec_document()["paths"].items()
        for method in item
        if method in METHODS
    ]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server with one of each parent resource in the default service and in another."""
    server = start_server(tmp_path_factory.mktemp("every-operation"))
    auth = (server.account_sid, server.auth_token)

    def post(path: str, data: dict[str, str]) -> dict[str, Any]:
        response = requests.post(server.base_url + path, data=data, auth=auth, timeout=30)
        assert response.status_code == 201, response.text
        document: dict[str, Any] = response.json()
        return document

    service = post("/v1/Services", {"FriendlyName": "every operation"})["sid"]
    sids: dict[str, dict[str, str]] = {}
    for form, prefix in (("default", "/v1"), ("service", f"/v1/Services/{service}")):
        conversation = post(f"{prefix}/Conversations", {"FriendlyName": "walk"})["sid"]
        message = post(f"{prefix}/Conversations/{conversation}/Messages", {"Body": "hi"})["sid"]
        user = post(f"{prefix}/Users", {"Identity": "walker"})["sid"]
        sids[form] = {
            "ChatServiceSid": service,
            "ConversationSid": conversation,
            "MessageSid": message,
            "UserSid": user,
            "Sid": MISSING_SID,
        }
    yield {"server": server, "auth": auth, "sids": sids}
    server.stop()


def test_the_walk_covers_every_operation_of_the_spec() -> None:
    walked = operations()
    assert len(walked) == len(set(walked)) == 103


@pytest.mark.parametrize(
    ("method", "path"), operations(), ids=[f"{m} {p}" for m, p in operations()]
)
def test_operation_is_routed(world: dict[str, Any], method: str, path: str) -> None:
    server: ServerProcess = world["server"]
    sids = world["sids"]["service" if "{ChatServiceSid}" in path else "default"]
    url_path = re.sub(r"\{(\w+)\}", lambda m: sids[m.group(1)], path)
    response = requests.request(
        method,
        server.base_url + url_path,
        data={} if method == "POST" else None,
        auth=world["auth"],
        timeout=30,
    )
    answer = f"{method} {url_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code != 405, answer
    assert response.status_code < 500, answer
    if response.status_code >= 400:
        assert error_json_problem(response.text, response.status_code) is None, answer
    if response.status_code == 404:
        assert "{" in path, f"a path with no SID in it is not found: {answer}"
        assert "/v1/" not in response.json()["message"], f"no route: {answer}"


def list_operations() -> list[tuple[str, int]]:
    """Every list operation of the spec (one whose path has no ``{Sid}`` of its own and
    takes ``PageSize``) with the largest ``PageSize`` the spec allows for it."""
    lists = []
    for path, item in spec_document()["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            if parameter.get("name") == "PageSize" and path.endswith(("s", "Receipts")):
                lists.append((path, int(parameter["schema"]["maximum"])))
    return lists


@pytest.mark.parametrize(("path", "maximum"), list_operations(), ids=lambda v: str(v))
def test_page_size_maximum_is_the_specs(world: dict[str, Any], path: str, maximum: int) -> None:
    """``PageSize`` up to the spec's maximum for that list is served; one more is a 400."""
    server: ServerProcess = world["server"]
    sids = world["sids"]["service" if "{ChatServiceSid}" in path else "default"]
    url = server.base_url + re.sub(r"\{(\w+)\}", lambda m: sids[m.group(1)], path)
    needs = {"Identity": "walker"} if path.endswith("/ParticipantConversations") else {}
    for size, status in ((maximum, 200), (maximum + 1, 400)):
        params = needs | {"PageSize": str(size)}
        response = requests.get(url, params=params, auth=world["auth"], timeout=30)
        assert response.status_code == status, f"PageSize={size}: {response.text[:300]}"
        if status == 200:
            assert response.json()["meta"]["page_size"] == size
