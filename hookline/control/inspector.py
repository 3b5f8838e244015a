"""``GET /_hookline/ui``: the inspector page, a live view of the account's events and
webhook deliveries with replay.

The page is static HTML, CSS and JavaScript shipped in the package (``static/``); it reads
the JSON control endpoints (``/_hookline/events``, ``/_hookline/deliveries``) with the
Basic-auth credentials the browser already holds for the page. Nothing is fetched from
outside the server, and the Content-Security-Policy says so.
"""

from __future__ import annotations

import html
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookline.exceptions import NotFound
from hookline.web.call import Call, endpoint

#: The files the page loads, with their media types; nothing else is served from static/.
ASSETS = {
    "inspector.css": "text/css; charset=utf-8",
    "inspector.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "favicon.ico": "image/x-icon",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _asset(name: str) -> str:
    return _asset_bytes(name).decode("utf-8")


def _asset_bytes(name: str) -> bytes:
    return (resources.files("hookline.control") / "static" / name).read_bytes()


async def page(call: Call) -> Response:
    text = _asset("inspector.html").replace("{{account_sid}}", html.escape(call.account.sid))
    return Response(text, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


async def asset(request: Request) -> Response:
    """The page's script and style sheet: package code, no account data, so no auth."""
    name = str(request.path_params["name"])
    if name not in ASSETS:
        raise NotFound(f"The requested resource {request.url.path} was not found")
    return Response(_asset_bytes(name), media_type=ASSETS[name], headers=SECURITY_HEADERS)


async def favicon(request: Request) -> Response:
    """``/favicon.ico``, which browsers ask for on their own: the icon, not a 404 a load."""
    headers = SECURITY_HEADERS | {"Cache-Control": "public, max-age=86400"}
    return Response(_asset_bytes("favicon.ico"), media_type=ASSETS["favicon.ico"], headers=headers)


routes = [
    Route("/_hookline/ui", endpoint(page), methods=["GET"]),
    Route("/_hookline/ui/static/{name}", asset, methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
]
