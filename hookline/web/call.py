"""One authenticated API call: the request, the account, the parsed form, the runtime."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hookline.domain import accounts, services
from hookline.domain.accounts import Account
from hookline.domain.runtime import Actor, Runtime
from hookline.domain.validation import sid as check_sid
from hookline.exceptions import NotFound, Unauthorized
from hookline.web.forms import Form, query_form, read_form

PAGING = ("PageSize", "Page", "PageToken")


@dataclass
class Call:
    request: Request
    rt: Runtime
    account: Account
    form: Form

    @property
    def base_url(self) -> str:
        configured: str | None = self.request.app.state.public_url
        if configured:
            return configured.rstrip("/")
        return str(self.request.base_url).rstrip("/")

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    @property
    def service_sid(self) -> str:
        """``{ChatServiceSid}`` in the path, else the account's default service."""
        if "ChatServiceSid" in self.request.path_params:
            return check_sid(self.path("ChatServiceSid"), "IS", what="Service")
        return self.account.default_service_sid

    @property
    def prefix(self) -> str:
        """The URL prefix this call used, so rendered links keep the caller's URL form."""
        if "ChatServiceSid" in self.request.path_params:
            return f"{self.base_url}/v1/Services/{self.path('ChatServiceSid')}"
        return f"{self.base_url}/v1"

    @property
    def actor(self) -> Actor:
        enabled = self.request.headers.get("x-twilio-webhook-enabled", "").lower() == "true"
        settings = getattr(self.request.app.state, "settings", None)
        # ``--rest-webhooks always``: every REST action fires, as if the header were set.
        always = getattr(settings, "rest_webhooks", "header") == "always"
        return Actor.rest(enabled or always)


Handler = Callable[[Call], Awaitable[Response]]


def _credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized("Authentication required: use HTTP Basic with AccountSid:AuthToken")
    try:
        username, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII base64 text
        raise Unauthorized("Malformed Authorization header") from None
    return username, password


async def _check_path(request: Request, rt: Runtime, account: Account) -> None:
    """Path values never reach the store unchecked, and a ``{ChatServiceSid}`` must be one
    of the caller's services (else even an empty list would answer for a stranger's)."""
    if any("\x00" in str(value) for value in request.path_params.values()):
        raise NotFound(f"The requested resource {request.url.path!r} was not found")
    if "ChatServiceSid" in request.path_params:
        await services.get(rt, account.sid, str(request.path_params["ChatServiceSid"]))


def endpoint(
    handler: Handler, params: Iterable[str] = ()
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a resource handler: authenticate, parse, reject unknown POST fields."""
    allowed = frozenset(params)

    async def run(request: Request) -> Response:
        rt: Runtime = request.app.state.runtime
        username, password = _credentials(request)
        account = await accounts.authenticate(rt, username, password)
        await _check_path(request, rt, account)
        if request.method == "POST":
            form = await read_form(request)
            form.reject_unknown(allowed)
        else:
            form = query_form(request)
        try:
            return await handler(Call(request, rt, account, form))
        finally:
            rt.sink.finished()  # a pre-event call whose action never wrote is logged now

    return run


class FastJSONResponse(JSONResponse):
    """Starlette's JSON response with orjson (the same compact output, several times less
    CPU than ``json.dumps`` for a resource)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json(body: Any, status: int = 200) -> JSONResponse:
    return FastJSONResponse(body, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)
