"""Which HTTP protocol ``serve`` runs: httptools when installed, else h11, both with limits."""

from __future__ import annotations

import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol

from hookline import serving


def test_httptools_is_used_when_installed() -> None:
    pytest.importorskip("httptools")
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    protocol = serving.protocol_class(2.5, 4096)
    assert issubclass(protocol, HttpToolsProtocol)
    assert (protocol.timeout_request_read, protocol.max_header_bytes) == (2.5, 4096)


def test_h11_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serving, "_httptools_protocol", lambda: None)
    protocol = serving.protocol_class(2.5)
    assert issubclass(protocol, serving.RequestReadTimeoutProtocol)
    assert issubclass(protocol, H11Protocol)
    assert protocol.timeout_request_read == 2.5


def test_a_failed_startup_is_one_line_and_exits_3(capfd: pytest.CaptureFixture[str]) -> None:
    import contextlib
    from collections.abc import AsyncIterator

    from starlette.applications import Starlette

    from hookline.settings import Settings
    from tests.support.server import free_port

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("the database went away")
        yield

    started: list[bool] = []
    app = Starlette(lifespan=lifespan)
    with pytest.raises(SystemExit) as exited:
        serving.run(app, Settings(port=free_port()), after_startup=lambda: started.append(True))
    assert exited.value.code == serving.STARTUP_FAILURE and not started
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    assert "RuntimeError: the database went away" in err
