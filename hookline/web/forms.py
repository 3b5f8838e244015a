"""Twilio's form encoding: repeated keys for lists, dotted names for nested fields.

Bodies come as ``application/x-www-form-urlencoded`` (today's SDKs) or
``multipart/form-data`` (twilio-node 3.x and other older clients); Twilio takes both, and
so does hookline, with the same limits and errors for each. Multipart bodies go through
Starlette's parser (python-multipart); file parts are refused, no parameter takes one.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from urllib.parse import parse_qsl

from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from hookline.exceptions import InvalidParameter, UnknownParameter
from hookline.naming import snake

MAX_BODY_BYTES = 1024 * 1024
MAX_FIELDS = 1000


class Form:
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[-1] if values else None

    def getlist(self, name: str) -> list[str] | None:
        """``None`` when absent, so "not given" differs from "given empty"."""
        return list(self._values[name]) if name in self._values else None

    def has(self, name: str) -> bool:
        return name in self._values

    def names(self) -> set[str]:
        return set(self._values)

    def fields(self, *names: str) -> dict[str, str]:
        """The given single-valued parameters ``names``, by their snake_case field names
        (``MessagingBinding.Address`` → ``messaging_binding_address``): from here on the
        program speaks snake_case."""
        return {snake(name): value for name in names if (value := self.get(name)) is not None}

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        unknown = sorted(self.names() - set(allowed))
        if unknown:
            raise UnknownParameter(f"Unknown parameter(s): {', '.join(unknown)}")


async def read_form(request: Request) -> Form:
    """Parse the body as Twilio does: form-encoded or multipart UTF-8, with size limits."""
    body = await _read_limited(request)
    if not body:
        return Form([])
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return Form(_without_nul(await _multipart(request, body)))
    if content_type not in ("application/x-www-form-urlencoded", ""):
        raise InvalidParameter(
            "Content-Type must be application/x-www-form-urlencoded or multipart/form-data"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("The request body is not valid UTF-8") from None
    try:
        # errors="strict": percent-escapes that are not UTF-8 (%FF, surrogates) are refused
        # like raw invalid bytes, instead of turning into U+FFFD silently.
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise InvalidParameter("The request body is not valid UTF-8") from None
    except ValueError:
        raise InvalidParameter(f"Too many form fields (at most {MAX_FIELDS})") from None
    return Form(_without_nul(pairs))


class _Multipart(MultiPartParser):
    """Starlette's parser, noting whether the closing boundary came: python-multipart
    finishes a body cut off mid-part without complaint, and its fields would be kept."""

    complete = False

    def on_part_end(self) -> None:
        # Starlette decodes a part that is not UTF-8 as Latin-1; refuse it like a
        # form-encoded body's invalid bytes instead.
        if self._current_part.file is None:
            bytes(self._current_part.data).decode("utf-8")
        super().on_part_end()

    def on_end(self) -> None:
        self.complete = True


async def _multipart(request: Request, body: bytes) -> list[tuple[str, str]]:
    """The fields of a multipart body in their order (``Filters`` repeats keep theirs)."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = _Multipart(
        request.headers,
        stream(),
        max_files=0,
        max_fields=MAX_FIELDS,
        max_part_size=MAX_BODY_BYTES,
    )
    try:
        data = await parser.parse()
    except MultiPartException as exc:
        raise InvalidParameter(f"Malformed multipart/form-data body: {_why(exc)}") from None
    except UnicodeDecodeError:
        raise InvalidParameter("The request body is not valid UTF-8") from None
    if not parser.complete:
        raise InvalidParameter(
            "Malformed multipart/form-data body: it ends before the closing boundary"
        )
    pairs = []
    for key, value in data.multi_items():
        if not isinstance(value, str):  # a file part; the parser refuses them first
            raise InvalidParameter(f"Parameter {key} must not be a file")
        pairs.append((key, value))
    return pairs


def _why(exc: MultiPartException) -> str:
    message = exc.message
    if message.startswith("Too many files"):
        return "file parts are not accepted"
    if message.startswith("Too many fields"):
        return f"too many fields (at most {MAX_FIELDS})"
    return message


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidParameter("Request body too large", status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise InvalidParameter("Request body too large", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def query_form(request: Request) -> Form:
    return Form(_without_nul(request.query_params.multi_items()))


def _without_nul(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Refuse NUL characters: no parameter takes one, and PostgreSQL text cannot store it."""
    checked = list(pairs)
    if any("\x00" in key or "\x00" in value for key, value in checked):
        raise InvalidParameter("Parameters must not contain NUL characters")
    return checked
