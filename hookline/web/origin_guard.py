"""Refuse requests a web browser makes on another site's behalf.

Two attacks reach a hookline that only listens on a developer's machine:

- **Cross-site requests.** Once someone has signed in to the inspector, their browser
  holds hookline's Basic credentials and sends them with any request to hookline's origin,
  including a form that another site submits (``POST /_hookline/reset``, or webhooks
  pointed at the attacker). A state-changing request (POST, PUT, PATCH, DELETE) whose
  ``Origin`` names another origin, or, without ``Origin``, whose ``Sec-Fetch-Site`` says
  ``cross-site`` or ``same-site``, is refused with 403 before anything runs. The SDKs,
  curl and hookline's own clients send neither header; the inspector's requests are
  same-origin.
- **DNS rebinding.** A name the attacker controls is made to resolve to 127.0.0.1: the
  browser then treats hookline as the attacker's origin. Its requests carry the
  attacker's name in ``Host``, so only this server's own names are served
  (and those ``--allowed-hosts`` adds); any other ``Host`` gets 403.

Starlette's ``TrustedHostMiddleware`` checks ``Host`` the same way (names, ``*.domain``,
``*``) but answers ``text/plain``; Twilio's clients expect error JSON, so the check is
here, with the same patterns.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from hookline.web.errors import error_response

#: Methods a browser form or fetch could use to change something.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Sec-Fetch-Site values of a request another page made (``same-site`` is a sibling
#: subdomain or another port's page: still not hookline's own).
FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
DEFAULT_PORTS = {"http": 80, "https": 443}


def split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` (IPv6 in brackets) as a lower-case name and a port; None if invalid."""
    value = value.strip().lower()
    if not value:
        return None
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:]
    else:
        name, _, port_text = value.partition(":")
        if ":" in port_text:
            return None
    if not name:
        return None
    if not port_text:
        return name, None
    if not port_text.isdigit():
        return None
    return name, int(port_text)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    return name == "localhost" or (_is_ip(name) and ipaddress.ip_address(name).is_loopback)


def default_allowed_hosts(bound: str, public_url: str | None) -> list[str]:
    """The names this server always answers to (``--allowed-hosts`` adds others).

    The bound address and ``localhost``, 127.0.0.1 and ::1 (a loopback server can only be
    reached through those); ``--public-url``'s host. Bound to all interfaces (0.0.0.0, ::)
    the server is reached through addresses that come and go (containers, DHCP), so any
    IP address is accepted (``ip``: no DNS is involved, so it cannot be a rebinding), as
    are this machine's host names."""
    hosts = list(LOOPBACK_NAMES)
    bound = bound.strip("[]").lower()
    if bound in WILDCARD_ADDRESSES:
        hosts += ["ip", socket.gethostname().lower(), socket.getfqdn().lower()]
    elif bound not in hosts:
        hosts.append(bound)
    if public_url:
        public_host = urlsplit(public_url).hostname
        if public_host:
            hosts.append(public_host.lower())
    return list(dict.fromkeys(hosts))


def parse_allowed_hosts(text: str) -> list[str]:
    """``--allowed-hosts``: names separated by commas; ``*.example.com`` allows its
    subdomains, ``ip`` any IP address, ``*`` anything. Raises ValueError."""
    hosts = [part.strip().lower().strip("[]") for part in text.split(",") if part.strip()]
    if not hosts:
        raise ValueError("name at least one host (or * for any)")
    for host in hosts:
        if "*" in host[1:] or (host.startswith("*") and host != "*" and not host.startswith("*.")):
            raise ValueError(f"{host!r}: a wildcard must be the whole name or like *.example.com")
        if ":" in host and not _is_ip(host):
            raise ValueError(f"{host!r}: give host names without a port")
    return hosts


class HostPolicy:
    """Which ``Host`` names are served (patterns as :func:`parse_allowed_hosts`)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = [pattern.lower() for pattern in patterns]
        self.allow_any = "*" in self.patterns
        self.allow_ip = "ip" in self.patterns

    def allows(self, name: str) -> bool:
        if self.allow_any or name in self.patterns:
            return True
        if self.allow_ip and _is_ip(name):
            return True
        return any(p.startswith("*.") and name.endswith(p[1:]) for p in self.patterns)


def _same_origin(origin: str, host: tuple[str, int | None] | None, public_url: str | None) -> bool:
    """Whether ``Origin`` is this server: the request's own ``Host`` or the public URL."""
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False  # "null" (a sandboxed frame, a file:// page) or something odd
    try:
        port = parts.port
    except ValueError:
        return False
    if port == DEFAULT_PORTS[parts.scheme]:
        port = None
    if host is not None:
        name, host_port = host
        if host_port in DEFAULT_PORTS.values():
            host_port = None
        if (parts.hostname, port) == (name, host_port):
            return True
    if public_url:
        public = urlsplit(public_url)
        return (public.scheme, public.netloc.lower()) == (parts.scheme, parts.netloc.lower())
    return False


class OriginGuard:
    """ASGI middleware: foreign ``Host`` → 403; cross-site state-changing request → 403.

    A request without ``Host`` (HTTP/1.0, in-process tests) cannot come from a browser and
    is served."""

    def __init__(self, app: ASGIApp, hosts: HostPolicy, public_url: str | None = None) -> None:
        self.app = app
        self.hosts = hosts
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await error_response(403, 20403, refusal)(scope, receive, send)

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, or None."""
        headers = Headers(scope=scope)
        host_header = headers.get("host")
        host = split_host(host_header) if host_header is not None else None
        if host_header is not None and (host is None or not self.hosts.allows(host[0])):
            return (
                f"Host {host_header!r} is not served here "
                "(hookline serve --allowed-hosts names the hosts it answers to)"
            )
        if scope["method"] not in STATE_CHANGING:
            return None
        origin = headers.get("origin")
        if origin is not None:
            if _same_origin(origin, host, self.public_url):
                return None
            return f"Cross-site request refused: Origin {origin!r} is not this server"
        if headers.get("sec-fetch-site", "").lower() in FOREIGN_FETCH_SITES:
            return "Cross-site request refused (Sec-Fetch-Site)"
        return None
