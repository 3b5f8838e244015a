"""The client commands against a real server (click's CliRunner, real HTTP)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hookline.cli import main
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, free_port, start_server

SMS = "+15550001111"
FLOW = "FW" + "a" * 32


def runner_for(server: ServerProcess) -> Any:
    """Run ``hookline ARGS…`` with the server's URL and credentials in the environment."""
    env = {
        "HOOKLINE_URL": server.base_url,
        "HOOKLINE_ACCOUNT_SID": server.account_sid,
        "HOOKLINE_AUTH_TOKEN": server.auth_token,
        "COLUMNS": "300",  # wide enough that no table cell is folded
    }

    def run(*args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result

    return run


@pytest.fixture
def hookline(server: ServerProcess) -> Any:
    return runner_for(server)


def _json(result: Result) -> Any:
    return json.loads(result.output)


def test_act_commands(sdk: Any, hookline: Any) -> None:
    conv = sdk.conversations.v1.conversations.create(unique_name="cli")
    joined = _json(hookline("act", "join", "cli", "--as", "alice", "--json"))
    assert joined["identity"] == "alice"
    posted = _json(hookline("act", "message", "cli", "--as", "alice", "--body", "hi", "--json"))
    assert (posted["author"], posted["participant_sid"]) == ("alice", joined["sid"])
    sid = posted["sid"]
    edited = _json(hookline("act", "edit", "cli", sid, "--as", "alice", "--body", "yo", "--json"))
    assert edited["body"] == "yo"
    assert "removed" in hookline("act", "remove", "cli", sid, "--as", "alice").output
    # A channel user may not change the conversation (roles); the REST source may.
    table = hookline("act", "update-conversation", "cli", "--source", "api", "--state", "inactive")
    assert conv.sid[:10] in table.output and "inactive" in table.output
    assert "left" in hookline("act", "leave", "cli", "--as", "alice").output
    sms = hookline("act", "message", "cli", "--as", SMS, "--source", "sms", "--body", "t", "--json")
    assert _json(sms)["author"] == SMS


def test_events_and_receipts(sdk: Any, hookline: Any) -> None:
    conv = sdk.conversations.v1.conversations.create()
    handle = sdk.conversations.v1.conversations(conv.sid)
    phone = handle.participants.create(messaging_binding_address=SMS)
    message = handle.messages.create(body="shipped")
    receipt = _json(
        hookline(
            "receipts", "set", conv.sid, message.sid,
            "--participant", phone.sid, "--status", "sent", "--json",
        )
    )  # fmt: skip
    assert receipt["status"] == "sent"
    hookline(
        "receipts", "set", conv.sid, message.sid, "--participant", SMS, "--status", "read", ok=False
    )
    events = _json(hookline("events", "--type", "onDeliveryUpdated", "--json"))["events"]
    assert [e["params"]["DeliveryReceiptSid"] for e in events] == [receipt["sid"]]
    everything = _json(hookline("events", "--json"))
    assert everything["next_after"] == everything["events"][-1]["seq"]
    later = _json(hookline("events", "--after", str(everything["next_after"]), "--json"))
    assert later["events"] == []
    assert "onDeliveryUpdated" in hookline("events").output


def test_flows(hookline: Any) -> None:
    assert FLOW in hookline("flows", "map", FLOW, "https://example.com/flow").output
    assert _json(hookline("flows", "list", "--json")) == {
        "flows": [{"flow_sid": FLOW, "url": "https://example.com/flow"}]
    }
    hookline("flows", "unmap", FLOW)
    assert _json(hookline("flows", "list", "--json")) == {"flows": []}
    bad = hookline("flows", "map", "FW1", "https://example.com", ok=False)
    assert "code 50367" in bad.output


def test_deliveries(sdk: Any, hookline: Any, receiver: Receiver) -> None:
    sdk.conversations.v1.configuration.webhooks().update(
        filters=["onMessageAdded"], post_webhook_url=receiver.base + "/post", method="POST"
    )
    conv = sdk.conversations.v1.conversations.create()
    sdk.conversations.v1.conversations(conv.sid).participants.create(identity="zed")
    hookline("act", "message", conv.sid, "--as", "zed", "--body", "hello")
    receiver.wait_for(1, path="/post")
    (delivery,) = _json(hookline("deliveries", "list", "--json"))["deliveries"]
    assert delivery["event_type"] == "onMessageAdded"
    shown = hookline("deliveries", "show", delivery["sid"])
    assert delivery["sid"] in shown.output and "onMessageAdded" in shown.output
    # The attempt is recorded just after the receiver answered: wait for the record.
    deadline = time.monotonic() + 30
    while not _json(hookline("deliveries", "show", delivery["sid"], "--json"))["attempt_log"]:
        assert time.monotonic() < deadline, "the attempt was never recorded"
        time.sleep(0.05)
    resent = _json(hookline("deliveries", "resend", delivery["sid"], "--json"))
    assert resent["status"] == "pending"
    receiver.wait_for(2, path="/post")
    # A failed delivery beside the delivered one: the filter must pick it, and only it
    # (under the default policy a 500 is the receiver's final answer).
    receiver.respond("/post", status=500)
    hookline("act", "message", conv.sid, "--as", "zed", "--body", "refused")
    receiver.wait_for(3, path="/post")
    deadline = time.monotonic() + 30
    while not (failed := _json(hookline("deliveries", "list", "--status", "failed", "--json")))[
        "deliveries"
    ]:
        assert time.monotonic() < deadline, "the delivery was never recorded as failed"
        time.sleep(0.05)  # the outcome commits just after the receiver answered
    (only,) = failed["deliveries"]
    assert only["sid"] != delivery["sid"] and only["last_status"] == 500
    delivered = _json(hookline("deliveries", "list", "--status", "delivered", "--json"))
    assert [d["sid"] for d in delivered["deliveries"]] == [delivery["sid"]]


def test_errors_exit_non_zero_with_twilio_message(hookline: Any, server: ServerProcess) -> None:
    missing = hookline("act", "message", "CH" + "0" * 32, "--as", "a", "--body", "x", ok=False)
    assert missing.exit_code == 1 and "HTTP 404 (code 20404)" in missing.output
    no_as = hookline("act", "message", "anything", "--body", "x", ok=False)
    assert "Missing required parameter As" in no_as.output
    assert "code 20404" in hookline("deliveries", "show", "DL1", ok=False).output
    env = {"HOOKLINE_ACCOUNT_SID": server.account_sid, "HOOKLINE_AUTH_TOKEN": "wrong"}
    bad_auth = CliRunner().invoke(main, ["flows", "list", "--url", server.base_url], env=env)
    assert bad_auth.exit_code == 1 and "(HTTP 401, code 20003)" in bad_auth.output
    assert "HOOKLINE_AUTH_TOKEN" in bad_auth.output
    down = CliRunner().invoke(main, ["events", "--url", f"http://127.0.0.1:{free_port()}"], env=env)
    assert down.exit_code == 1 and "cannot reach" in down.output
    unset = CliRunner().invoke(
        main, ["events"], env={"HOOKLINE_ACCOUNT_SID": "", "HOOKLINE_AUTH_TOKEN": ""}
    )
    assert unset.exit_code == 2


def test_clock(hookline: Any, tmp_path: Path) -> None:
    assert _json(hookline("clock", "show", "--json"))["manual"] is False
    assert "HTTP 409" in hookline("clock", "advance", "60", ok=False).output
    manual = start_server(tmp_path, None, "--manual-clock")
    try:
        run = runner_for(manual)
        before = _json(run("clock", "show", "--json"))
        assert before["manual"] is True
        after = _json(run("clock", "advance", "3600", "--json"))
        assert after["now"] > before["now"]
        assert "True" in run("clock", "show").output
        assert run("clock", "advance", "-1", ok=False).exit_code == 2
    finally:
        manual.stop()
