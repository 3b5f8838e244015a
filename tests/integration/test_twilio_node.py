"""The README's twilio-node recipe, run with ``node`` against a real server.

The recipe is read from the README (the ```js block under "Using twilio-node"), so the
documented code is the tested code. twilio is installed from npm into a cache directory
under the system's temporary directory, keyed by tests/node/package.json; the test is
skipped where ``node``/``npm`` are missing.
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
from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tests" / "node" / "package.json"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="needs node and npm"
)


def readme_recipe() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Using twilio-node", 1)[1]
    match = re.search(r"```js\n(.*?)```", section, re.S)
    assert match, "the README's twilio-node section has no js block"
    return match.group(1)


@pytest.fixture(scope="module")
def node_project() -> Path:
    """A directory with ``node_modules/twilio`` installed (reused across runs)."""
    key = hashlib.sha256(PACKAGE.read_bytes()).hexdigest()[:12]
    project = Path(tempfile.gettempdir()) / f"hookline-node-{key}"
    if not (project / "node_modules" / "twilio" / "package.json").exists():
        project.mkdir(exist_ok=True)
        shutil.copy(PACKAGE, project / "package.json")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=project,
            check=True,
            timeout=600,
        )
    return project


def test_readme_recipe_creates_a_message_and_its_webhook_arrives(
    node_project: Path, server: ServerProcess
) -> None:
    client = hookline.client(server.base_url, server.account_sid, server.auth_token)
    with Receiver(server.auth_token) as receiver:
        client.conversations.v1.configuration.webhooks().update(
            filters=["onMessageAdded"], post_webhook_url=receiver.url("/post")
        )
        script = node_project / "recipe.js"
        script.write_text(readme_recipe())
        env = os.environ | {
            "HOOKLINE_URL": server.base_url,
            "HOOKLINE_ACCOUNT_SID": server.account_sid,
            "HOOKLINE_AUTH_TOKEN": server.auth_token,
        }
        run = subprocess.run(
            ["node", str(script)], capture_output=True, text=True, timeout=120, env=env
        )
        assert run.returncode == 0, run.stdout + run.stderr
        created = json.loads(run.stdout.strip().splitlines()[-1])
        (hook,) = receiver.wait_for(1, path="/post")
    assert hook.event_type == "onMessageAdded" and hook.signature_valid
    assert hook.params["MessageSid"] == created["message"]
    assert hook.params["ConversationSid"] == created["conversation"]
    assert hook.params["Body"] == "hello from node"
