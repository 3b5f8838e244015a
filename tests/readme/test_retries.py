# test_retries.py
import pytest


@pytest.fixture
def hookline_server_options():
    # Retry a failed delivery once, 60 s later. The default policy is Twilio's, which
    # never retries an answer such as a 500 (only a connection that failed).
    return ["--retry-policy", "attempts=2,base=60,jitter=0"]


def test_a_500_is_retried_when_the_clock_moves(hookline_server, webhook_receiver):
    client = hookline_server.client
    client.conversations.v1.configuration.webhooks().update(
        filters=["onMessageAdded"], post_webhook_url=webhook_receiver.url("/post")
    )
    webhook_receiver.respond("/post", status=500, times=1)  # then 200
    conversation = client.conversations.v1.conversations.create()
    conversation.messages.create(author="alice", body="hi", x_twilio_webhook_enabled="true")
    (first,) = webhook_receiver.wait_for(1, path="/post")

    # Past the retry's time (60 s after the failed attempt ended): it is sent at once.
    hookline_server.advance(61)

    first, retry = webhook_receiver.wait_for(2, path="/post")
    assert retry.params["RetryCount"] == "1"
    token = "I-Twilio-Idempotency-Token"
    assert retry.headers[token] == first.headers[token]
    assert retry.signature_valid
