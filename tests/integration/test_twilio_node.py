"""The README's twilio-node recipes, run with ``node`` against a real server: twilio 5
(form-encoded bodies) and twilio 3.37.1 (multipart bodies, the version Twilio's own
``sample-conversations-masked-numbers`` pins).

Each recipe is read from the README (the ```js block under its heading), so the documented
code is the tested code. twilio is installed from npm into a cache directory under the
system's temporary directory, keyed by the package.json under tests/node*/. Where
``node``/``npm`` are missing the tests skip, except under CI (``CI=true``), where they
fail: .ci/run installs node, and a silently skipped recipe would prove nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import hookline
from tests.support.receiver import Receiver
from tests.support.server import ServerProcess, start_server

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "5": ROOT / "tests" / "node" / "package.json",
    "3": ROOT / "tests" / "node3" / "package.json",
}
HEADINGS = {"5": "### Using twilio-node\n", "3": "### Using twilio-node 3.x\n"}


def missing_node_is_fatal() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def require_node() -> None:
    """Skip without node/npm, except under CI, where that is a failure."""
    if shutil.which("node") and shutil.which("npm"):
        return
    if missing_node_is_fatal():
        pytest.fail("CI=true but node/npm are missing: .ci/run should have installed them")
    pytest.skip("needs node and npm (CI installs them: .ci/run)")


def readme_recipe(version: str) -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(HEADINGS[version], 1)[1]
    match = re.search(r"```js\n(.*?)```", section, re.S)
    assert match, f"the README's twilio-node {version} section has no js block"
    return match.group(1)


@pytest.fixture(scope="module", autouse=True)
def node_tools() -> None:
    require_node()


@pytest.fixture(scope="module")
def node_project() -> Path:
    """twilio 5's project directory, for other modules' node tests (test_event_streams)."""
    require_node()
    return installed_project("5")


def installed_project(version: str) -> Path:
    """A directory with ``node_modules/twilio`` installed (reused across runs)."""
    package = PACKAGES[version]
    key = hashlib.sha256(package.read_bytes()).hexdigest()[:12]
    project = Path(tempfile.gettempdir()) / f"hookline-node-{key}"
    if not (project / "node_modules" / "twilio" / "package.json").exists():
        project.mkdir(exist_ok=True)
        shutil.copy(package, project / "package.json")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=project,
            check=True,
            timeout=600,
        )
    installed = json.loads((project / "node_modules" / "twilio" / "package.json").read_text())
    assert installed["version"].split(".")[0] == version, installed["version"]
    return project


def run_recipe(version: str, server: ServerProcess, **env: str) -> dict[str, str]:
    script = installed_project(version) / f"recipe{version}.js"
    script.write_text(readme_recipe(version))
    environment = (
        os.environ
        | env
        | {
            "HOOKLINE_URL": server.base_url,
            "HOOKLINE_ACCOUNT_SID": server.account_sid,
            "HOOKLINE_AUTH_TOKEN": server.auth_token,
        }
    )
    run = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=120, env=environment
    )
    assert run.returncode == 0, run.stdout + run.stderr
    created: dict[str, str] = json.loads(run.stdout.strip().splitlines()[-1])
    return created


def test_readme_recipe_creates_a_message_and_its_webhook_arrives(server: ServerProcess) -> None:
    client = hookline.client(server.base_url, server.account_sid, server.auth_token)
    with Receiver(server.auth_token) as receiver:
        client.conversations.v1.configuration.webhooks().update(
            filters=["onMessageAdded"], post_webhook_url=receiver.url("/post")
        )
        created = run_recipe("5", server)
        (hook,) = receiver.wait_for(1, path="/post")
    assert hook.event_type == "onMessageAdded" and hook.signature_valid
    assert hook.params["MessageSid"] == created["message"]
    assert hook.params["ConversationSid"] == created["conversation"]
    assert hook.params["Body"] == "hello from node"


def test_twilio_node_3_recipe_with_multipart_bodies_end_to_end(tmp_path: Path) -> None:
    """twilio-node 3.37.1 posts multipart/form-data and cannot send X-Twilio-Webhook-Enabled
    (the README's 3.x recipe runs the server with ``--rest-webhooks always``): its
    conversation, scoped webhook and message are created, and the scoped webhook's signed
    ``onMessageAdded`` arrives at a real receiver."""
    request_client = installed_project("3") / "node_modules/twilio/lib/base/RequestClient.js"
    assert "options.formData = opts.data" in request_client.read_text()  # i.e. multipart
    server = start_server(tmp_path, None, "--rest-webhooks", "always")
    try:
        with Receiver(server.auth_token) as receiver:
            created = run_recipe("3", server, RECEIVER_URL=receiver.url("/scoped"))
            (hook,) = receiver.wait_for(1, path="/scoped")
        client = hookline.client(server.base_url, server.account_sid, server.auth_token)
        conversation = client.conversations.v1.conversations(created["conversation"])
        assert conversation.fetch().friendly_name == "demo from twilio-node 3"
        scoped = conversation.webhooks(created["webhook"]).fetch()
        assert scoped.target == "webhook"
        assert scoped.configuration["filters"] == ["onMessageAdded", "onMessageUpdated"]
        message = conversation.messages(created["message"]).fetch()
        assert (message.author, message.body) == ("alice", "hello from node 3")
    finally:
        server.stop()
    assert hook.event_type == "onMessageAdded" and hook.signature_valid
    assert hook.params["MessageSid"] == created["message"]
    assert hook.params["ConversationSid"] == created["conversation"]
    assert hook.params["Body"] == "hello from node 3"
    assert hook.params["Source"] == "API"
