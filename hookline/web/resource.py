"""The routes of one Twilio REST resource, at both URL forms, from a declaration.

Every handler has the same shape: parse the form, call ONE domain function, render. A
resource module says which domain functions serve it and how its JSON looks; this module
does the rest, so no two resources repeat a handler.

Domain functions are called with the resource's ids — the account SID, the Conversation
Service SID (for service-scoped resources), then each parent reference of the path in
order (e.g. the conversation) — and:

- ``create(rt, actor, *ids, fields)`` → record (201)
- ``fetch(rt, *ids, sid)`` → record
- ``update(rt, actor, *ids, sid, fields)`` → record
- ``delete(rt, actor, *ids, sid)`` → None (204)
- ``listing(rt, *ids, filters, page_request)`` → :class:`~hookline.domain.paging.Page`
  (``filters``: the given ``list_filters``, by field name)

``fields`` is what the resource's ``parse`` makes of the form: by default the named
single-valued fields, by their snake_case names (:meth:`Form.fields`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from hookline.domain.paging import Page
from hookline.naming import snake
from hookline.types import Record
from hookline.web.call import Call, endpoint, json, no_content
from hookline.web.forms import Form
from hookline.web.paging import envelope, page_request

Render = Callable[[Call, Any], Record]
Parse = Callable[[Form], Any]
Write = Callable[..., Awaitable[Any]]
Remove = Callable[..., Awaitable[None]]
Lister = Callable[..., Awaitable[Page[Any]]]


def pick(names: tuple[str, ...]) -> Parse:
    def parse(form: Form) -> dict[str, str]:
        return form.fields(*names)

    return parse


@dataclass(frozen=True)
class Resource:
    #: The collection path under ``/v1`` (and ``/v1/Services/{ChatServiceSid}``).
    path: str
    #: The list body's key.
    key: str
    render: Render
    #: ``service``: ids start with the account and service SIDs; ``account``: account only.
    scope: str = "service"
    #: Whether the resource also lives under ``/v1/Services/{ChatServiceSid}``.
    both_forms: bool = True
    #: Whether it lives under ``/v1/Services/{ChatServiceSid}`` only (e.g. Bindings).
    service_form_only: bool = False
    create: Write | None = None
    create_fields: tuple[str, ...] = ()
    parse_create: Parse | None = None
    fetch: Write | None = None
    update: Write | None = None
    update_fields: tuple[str, ...] = ()
    parse_update: Parse | None = None
    delete: Remove | None = None
    listing: Lister | None = None
    #: Query parameters ``listing`` filters on; they stay in the page URLs.
    list_filters: tuple[str, ...] = ()
    list_maximum: int = 100
    list_default: int = 50

    def ids(self, call: Call) -> tuple[str, ...]:
        parents = [call.path(name) for name in _parents(self.path)]
        if self.scope == "account":
            return (call.account.sid, *parents)
        return (call.account.sid, call.service_sid, *parents)

    def routes(self) -> list[Route]:
        item = self.path + "/{Sid}"
        operations: list[tuple[str, str, Callable[[Call], Awaitable[Response]], tuple[str, ...]]]
        operations = []
        if self.create:
            operations.append((self.path, "POST", self._create, self.create_fields))
        if self.listing:
            operations.append((self.path, "GET", self._list, ()))
        if self.fetch:
            operations.append((item, "GET", self._fetch, ()))
        if self.update:
            operations.append((item, "POST", self._update, self.update_fields))
        if self.delete:
            operations.append((item, "DELETE", self._delete, ()))
        prefixes = ["/v1", "/v1/Services/{ChatServiceSid}"] if self.both_forms else ["/v1"]
        if self.service_form_only:
            prefixes = ["/v1/Services/{ChatServiceSid}"]
        return [
            Route(prefix + path, endpoint(handler, params), methods=[method])
            for path, method, handler, params in operations
            for prefix in prefixes
        ]

    async def _create(self, call: Call) -> Response:
        assert self.create is not None
        fields = (self.parse_create or pick(self.create_fields))(call.form)
        record = await self.create(call.rt, call.actor, *self.ids(call), fields)
        return json(self.render(call, record), 201)

    async def _fetch(self, call: Call) -> Response:
        assert self.fetch is not None
        record = await self.fetch(call.rt, *self.ids(call), call.path("Sid"))
        return json(self.render(call, record))

    async def _update(self, call: Call) -> Response:
        assert self.update is not None
        fields = (self.parse_update or pick(self.update_fields))(call.form)
        record = await self.update(call.rt, call.actor, *self.ids(call), call.path("Sid"), fields)
        return json(self.render(call, record))

    async def _delete(self, call: Call) -> Response:
        assert self.delete is not None
        await self.delete(call.rt, call.actor, *self.ids(call), call.path("Sid"))
        return no_content()

    async def _list(self, call: Call) -> Response:
        assert self.listing is not None
        given = {name: value for name in self.list_filters if (value := call.form.get(name))}
        request = page_request(call, maximum=self.list_maximum, default_size=self.list_default)
        filters = {snake(name): value for name, value in given.items()}
        page = await self.listing(call.rt, *self.ids(call), filters, request)
        # The filters stay in the page URLs, by their parameter names.
        body = envelope(call, self.key, page, request, lambda r: self.render(call, r), given)
        return json(body)


def _parents(path: str) -> list[str]:
    """The path parameters of a collection path, in order (``{ConversationSid}`` …)."""
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
