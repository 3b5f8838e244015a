"""Push credentials (``/v1/Credentials``) and bindings (``/v1/Services/{IS}/Bindings``),
through the official SDK with every response checked exactly against Twilio's spec.

Credentials' secrets are write-only: never in a response, the server's log or even its
database. Bindings are made as a client SDK's push registration would make them, by
``POST /_hookline/Services/{IS}/Bindings`` and ``hookline act register-binding``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import hookline
from tests.support.control import call
from tests.support.server import ServerProcess
from tests.support.strict import StrictSdk, hookline_cli, refused

SECRETS = {
    "secret": "fcm-s3cr3t-8675309-never-shown",
    "certificate": "-----BEGIN CERTIFICATE-----apn-cert-31337-never-shown",
    "private_key": "-----BEGIN RSA PRIVATE KEY-----apn-key-27182-never-shown",
    "api_key": "gcm-api-key-16180-never-shown",
}


BACKENDS = pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True)


def database_bytes(server: ServerProcess) -> bytes:
    """The SQLite database's files (and journal) as bytes; PostgreSQL runs check responses
    and the log only."""
    if not server.database_url.startswith("sqlite:///"):
        return b""
    path = Path(server.database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@BACKENDS
def test_credentials_lifecycle_and_write_only_secrets(server: ServerProcess) -> None:
    client = StrictSdk(server)
    credentials = client.sdk.conversations.v1.credentials
    fcm = credentials.create(type="fcm", friendly_name="android", secret=SECRETS["secret"])
    assert (fcm.type, fcm.friendly_name, fcm.sandbox) == ("fcm", "android", None)
    assert fcm.sid.startswith("CR") and fcm.account_sid == server.account_sid
    assert fcm.url.endswith(f"/v1/Credentials/{fcm.sid}")
    apn = credentials.create(
        type="apn",
        friendly_name="ios",
        certificate=SECRETS["certificate"],
        private_key=SECRETS["private_key"],
        sandbox=True,
    )
    assert (apn.type, apn.sandbox) == ("apn", "true")
    gcm = credentials.create(type="gcm", api_key=SECRETS["api_key"])
    assert gcm.friendly_name is None

    assert [c.sid for c in credentials.list()] == [fcm.sid, apn.sid, gcm.sid]
    assert credentials(apn.sid).fetch().friendly_name == "ios"
    renamed = credentials(apn.sid).update(
        friendly_name="ios prod", sandbox=False, private_key=SECRETS["private_key"]
    )
    assert (renamed.friendly_name, renamed.sandbox, renamed.type) == ("ios prod", "false", "apn")
    assert renamed.date_updated >= renamed.date_created
    assert credentials(fcm.sid).update(secret=SECRETS["secret"]).friendly_name == "android"

    credentials(gcm.sid).delete()
    error = refused(credentials(gcm.sid).fetch, 404, 20404)
    assert error.msg.endswith(f": The requested resource /Credentials/{gcm.sid} was not found")
    refused(credentials(gcm.sid).delete, 404, 20404)
    refused(lambda: credentials(gcm.sid).update(friendly_name="x"), 404, 20404)
    assert [c.sid for c in credentials.list()] == [fcm.sid, apn.sid]

    # Write-only: in no response, not in the server's log, not in its database.
    everything = "\n".join(client.bodies)
    stored = database_bytes(server)
    if server.database_url.startswith("sqlite:///"):
        assert fcm.sid.encode() in stored  # the search below looks where the rows are
    for value in SECRETS.values():
        assert value not in everything
        assert value not in server.log()
        assert value.encode() not in stored
    client.assert_contract(at_least=10)


@BACKENDS
def test_bad_credentials_are_refused(server: ServerProcess) -> None:
    client = StrictSdk(server)
    credentials = client.sdk.conversations.v1.credentials
    error = refused(lambda: credentials.create(type="fcm", friendly_name="no secret"), 400, 20001)
    assert "Secret" in error.msg
    error = refused(
        lambda: credentials.create(type="apn", certificate=SECRETS["certificate"]), 400, 20001
    )
    assert "PrivateKey" in error.msg
    refused(lambda: credentials.create(type="gcm"), 400, 20001)
    refused(lambda: credentials.create(type="sms", secret="x"), 400, 20001)
    refused(lambda: credentials.create(type="fcm", secret="x", friendly_name="n" * 65), 400, 20001)
    fcm = credentials.create(type="fcm", secret=SECRETS["secret"])
    refused(lambda: credentials(fcm.sid).update(type="apn"), 400, 20001)
    for sid in ("CR" + "0" * 32, "CR123", "XX" + "0" * 32):
        error = refused(credentials(sid).fetch, 404, 20404)
        assert error.msg.endswith(f": The requested resource /Credentials/{sid} was not found")
    assert [c.sid for c in credentials.list()] == [fcm.sid]
    for value in SECRETS.values():
        assert value not in server.log()
    client.assert_contract(at_least=2)


def register(server: ServerProcess, service: str, **form: str) -> tuple[int, Any]:
    return call(server, "POST", f"/_hookline/Services/{service}/Bindings", form)


@BACKENDS
def test_bindings_are_registered_listed_fetched_and_deleted(server: ServerProcess) -> None:
    client = StrictSdk(server)
    conversations = client.sdk.conversations.v1
    default = conversations.configuration().fetch().default_chat_service_sid
    fcm = conversations.credentials.create(type="fcm", secret=SECRETS["secret"])
    apn = conversations.credentials.create(
        type="apn", certificate=SECRETS["certificate"], private_key=SECRETS["private_key"]
    )

    status, alice = register(
        server,
        default,
        Identity="alice",
        BindingType="fcm",
        Address="fcm-token-alice",
        CredentialSid=fcm.sid,
    )
    assert status == 201, alice
    assert alice["sid"].startswith("BS")
    assert (alice["identity"], alice["binding_type"], alice["credential_sid"]) == (
        "alice", "fcm", fcm.sid,
    )  # fmt: skip
    assert alice["chat_service_sid"] == default
    assert alice["url"].endswith(f"/v1/Services/{default}/Bindings/{alice['sid']}")

    done = hookline_cli(
        server,
        "act",
        "register-binding",
        "bob",
        "--type",
        "apn",
        "--address",
        "apn-token-bob",
        "--credential",
        apn.sid,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    bob = json.loads(done.stdout)
    assert (bob["identity"], bob["binding_type"], bob["credential_sid"]) == ("bob", "apn", apn.sid)

    bindings = conversations.services(default).bindings
    fetched = bindings(alice["sid"]).fetch()
    assert (fetched.identity, fetched.binding_type, fetched.endpoint) == (
        "alice", "fcm", alice["endpoint"],
    )  # fmt: skip
    assert fetched.message_types == alice["message_types"]
    assert [b.sid for b in bindings.list()] == [alice["sid"], bob["sid"]]
    assert [b.sid for b in bindings.list(binding_type=["apn"])] == [bob["sid"]]
    assert [b.sid for b in bindings.list(identity=["alice"])] == [alice["sid"]]
    assert [
        b.sid for b in bindings.list(identity=["alice", "bob"], binding_type=["fcm", "apn"])
    ] == [
        alice["sid"],
        bob["sid"],
    ]
    assert [b.sid for b in bindings.list(identity=["carol"])] == []
    paged = bindings.page(page_size=1)
    assert [b.sid for b in paged] == [alice["sid"]]
    assert [b.sid for b in paged.next_page()] == [bob["sid"]]

    # The same device registered again moves to the new identity, keeping its SID.
    status, moved = register(
        server,
        default,
        Identity="carol",
        BindingType="fcm",
        Address="fcm-token-alice",
        CredentialSid=fcm.sid,
    )
    assert status == 201 and moved["sid"] == alice["sid"] and moved["identity"] == "carol"
    assert [b.sid for b in bindings.list(identity=["alice"])] == []

    bindings(bob["sid"]).delete()
    error = refused(bindings(bob["sid"]).fetch, 404, 20404)
    assert error.msg.endswith(f": The requested resource /Bindings/{bob['sid']} was not found")
    refused(bindings(bob["sid"]).delete, 404, 20404)

    # A service's bindings are its own.
    other = conversations.services.create(friendly_name="other")
    assert list(conversations.services(other.sid).bindings.list()) == []
    refused(conversations.services(other.sid).bindings(alice["sid"]).fetch, 404, 20404)

    # Deleting a credential deletes the bindings made with it.
    conversations.credentials(fcm.sid).delete()
    assert list(bindings.list()) == []
    client.assert_contract(at_least=15)


@BACKENDS
def test_bad_binding_registrations(server: ServerProcess) -> None:
    sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
    default = sdk.conversations.v1.configuration().fetch().default_chat_service_sid
    fcm = sdk.conversations.v1.credentials.create(type="fcm", secret=SECRETS["secret"])
    good = {
        "Identity": "alice",
        "BindingType": "fcm",
        "Address": "token",
        "CredentialSid": fcm.sid,
    }
    missing = "CR" + "f" * 32
    status, body = register(server, default, **(good | {"CredentialSid": missing}))
    assert (status, body["code"]) == (404, 20404)
    assert body["message"] == f"The requested resource /Credentials/{missing} was not found"
    for field, value in [
        ("BindingType", "sms"),
        ("BindingType", ""),
        ("Identity", ""),
        ("Address", ""),
        ("CredentialSid", "not-a-sid"),
        ("CredentialSid", ""),
    ]:
        status, body = register(server, default, **(good | {field: value}))
        assert (status, body["code"]) == (400, 20001), (field, value, body)
    status, body = register(server, "IS" + "0" * 32, **good)
    assert status == 404 and body["code"] == 20404
    status, body = register(server, default, **good, Unknown="x")
    assert status == 400
    status, body = call(
        server,
        "POST",
        f"/_hookline/Services/{default}/Bindings",
        good,
        auth=(server.account_sid, "wrong-token"),
    )
    assert status == 401
    done = hookline_cli(
        server,
        "act",
        "register-binding",
        "alice",
        "--type",
        "fcm",
        "--address",
        "t",
        "--credential",
        missing,
    )
    assert done.returncode != 0 and f"/Credentials/{missing} was not found" in done.stderr
    assert list(sdk.conversations.v1.services(default).bindings.list()) == []


@BACKENDS
def test_reachability_shows_which_users_have_a_push_binding(server: ServerProcess) -> None:
    client = StrictSdk(server)
    conversations = client.sdk.conversations.v1
    default = conversations.configuration().fetch().default_chat_service_sid
    fcm = conversations.credentials.create(type="fcm", secret=SECRETS["secret"])
    conversations.users.create(identity="pushy")
    conversations.users.create(identity="quiet")
    status, _ = register(
        server,
        default,
        Identity="pushy",
        BindingType="fcm",
        Address="token-pushy",
        CredentialSid=fcm.sid,
    )
    assert status == 201
    # Disabled (the default): null, as Twilio answers.
    assert conversations.users("pushy").fetch().is_notifiable is None

    conversations.services(default).configuration().update(reachability_enabled=True)
    assert conversations.users("pushy").fetch().is_notifiable is True
    assert conversations.users("quiet").fetch().is_notifiable is None
    assert conversations.users("pushy").fetch().is_online is None
    # A list never shows reachability.
    assert {u.is_notifiable for u in conversations.users.list()} == {None}

    conversations.services(default).configuration().update(reachability_enabled=False)
    assert conversations.users("pushy").fetch().is_notifiable is None
    client.assert_contract(at_least=8)


def test_another_account_reaches_none_of_it(server: ServerProcess) -> None:
    """Credentials, bindings and both configurations belong to their account: another
    account's credentials get 404s, change nothing, and list nothing of them."""
    output = subprocess.run(
        [sys.executable, "-m", "hookline", "accounts", "create", "--friendly-name", "intruder",
         "--database-url", server.database_url],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    other = dict(re.findall(r"^(\w+)\s+(\S+)$", output, re.MULTILINE))
    intruder = (other["AccountSid"], other["AuthToken"])

    sdk: Any = hookline.client(server.base_url, server.account_sid, server.auth_token)
    default = sdk.conversations.v1.configuration().fetch().default_chat_service_sid
    fcm = sdk.conversations.v1.credentials.create(type="fcm", secret=SECRETS["secret"])
    status, binding = register(
        server, default, Identity="a", BindingType="fcm", Address="t", CredentialSid=fcm.sid
    )
    assert status == 201
    sdk.conversations.v1.configuration().update(default_inactive_timer="PT5M")

    for method, path, form in [
        ("GET", f"/v1/Credentials/{fcm.sid}", None),
        ("POST", f"/v1/Credentials/{fcm.sid}", {"FriendlyName": "mine"}),
        ("DELETE", f"/v1/Credentials/{fcm.sid}", None),
        ("GET", f"/v1/Services/{default}/Bindings", None),
        ("GET", f"/v1/Services/{default}/Bindings/{binding['sid']}", None),
        ("DELETE", f"/v1/Services/{default}/Bindings/{binding['sid']}", None),
        ("GET", f"/v1/Services/{default}/Configuration", None),
        ("POST", f"/v1/Services/{default}/Configuration", {"ReachabilityEnabled": "true"}),
        ("GET", f"/v1/Services/{default}/Configuration/Notifications", None),
        ("POST", f"/v1/Services/{default}/Configuration/Notifications", {"LogEnabled": "true"}),
        ("POST", "/v1/Configuration", {"DefaultChatServiceSid": default}),
        (
            "POST",
            f"/_hookline/Services/{default}/Bindings",
            {"Identity": "x", "BindingType": "fcm", "Address": "u", "CredentialSid": fcm.sid},
        ),
    ]:
        status, body = call(server, method, path, form, auth=intruder)
        assert status in (400, 404), (method, path, status, body)
    status, body = call(server, "GET", "/v1/Credentials", auth=intruder)
    assert status == 200 and body["credentials"] == []
    status, body = call(server, "GET", "/v1/Configuration", auth=intruder)
    assert body["default_inactive_timer"] is None and body["default_chat_service_sid"] != default

    assert sdk.conversations.v1.credentials(fcm.sid).fetch().friendly_name is None
    assert len(list(sdk.conversations.v1.services(default).bindings.list())) == 1
    assert (
        sdk.conversations.v1.services(default).configuration().fetch().reachability_enabled is False
    )
    assert sdk.conversations.v1.configuration().fetch().default_inactive_timer == "PT5M"
