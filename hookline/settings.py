"""One settings object: command-line flags override ``HOOKLINE_*`` environment variables,
which override the defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE = "sqlite:///hookline.db"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"HOOKLINE_{name}", default)


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: ``sqlite:///path.db`` (default, under the working directory) or ``postgresql://…``.
    database_url: str = DEFAULT_DATABASE
    #: The URL clients reach this server at; links and page URLs use it. Default: the
    #: request's own scheme and host.
    public_url: str | None = None
    account_sid: str | None = None
    auth_token: str | None = None
    #: Run the delivery worker inside the server process.
    worker: bool = True
    #: ``twilio`` (Twilio's behaviour), ``durable`` or ``attempts=…,base=…`` (see retry.py).
    retry_policy: str = "twilio"
    #: ``local`` (loopback and private receivers allowed) or ``public-only``.
    egress: str = "local"
    allow_metadata: bool = False
    pre_event_timeout: float = 5.0
    retention_days: float = 7.0
    per_endpoint_concurrency: int = 8
    log_level: str = "info"
    #: ``text`` or ``json`` (one object a line, hookline/logs.py).
    log_format: str = "text"
    #: Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``).
    timeout_keep_alive: int = 5
    #: Seconds a client has to send a whole request once it connects or starts sending.
    timeout_request_read: float = 10.0
    #: Connections and requests at once before new requests get 503 (0: no limit).
    limit_concurrency: int = 1000
    #: Largest request line plus headers, in bytes (h11's ``max_incomplete_event_size``).
    max_header_bytes: int = 16 * 1024
    #: Time stands still until ``POST /_hookline/clock`` moves it (tests of timers, retries).
    manual_clock: bool = False
    #: ``header`` (Twilio's behaviour: REST actions fire webhooks only with
    #: ``X-Twilio-Webhook-Enabled: true``) or ``always`` (as if every REST call had it).
    rest_webhooks: str = "header"
    #: Default fault injection for every account, ``duplicate=0.1,delay=2`` (none if unset).
    faults: str | None = None
    #: Seconds start-up waits for an unreachable database (retrying with backoff) before
    #: giving up: containers started in any order find their database a little later.
    database_wait: float = 30.0
    #: Seconds a SIGTERM'd process has to finish what it is doing (in-flight requests)
    #: before it stops anyway.
    shutdown_timeout: int = 20
    #: Host names served besides the server's own (the bound address, localhost and the
    #: public URL's host), separated by commas: ``*.example.com``, ``ip``, ``*`` (any).
    allowed_hosts: str | None = None
    #: API processes sharing the port (``serve --workers``).
    workers: int = 1
    #: Set by ``serve --workers`` for its processes: the directory in which they choose
    #: the one that delivers (hookline/delivery/leader.py).
    supervisor_dir: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        settings = cls()
        text_fields = {
            "HOST": "host",
            "DATABASE_URL": "database_url",
            "PUBLIC_URL": "public_url",
            "ACCOUNT_SID": "account_sid",
            "AUTH_TOKEN": "auth_token",
            "RETRY_POLICY": "retry_policy",
            "EGRESS": "egress",
            "LOG_LEVEL": "log_level",
            "REST_WEBHOOKS": "rest_webhooks",
            "FAULTS": "faults",
            "LOG_FORMAT": "log_format",
            "ALLOWED_HOSTS": "allowed_hosts",
        }
        for env_name, attr in text_fields.items():
            value = _env(env_name)
            if value:
                setattr(settings, attr, value)
        number_fields = {
            "PORT": ("port", int),
            "PRE_EVENT_TIMEOUT": ("pre_event_timeout", float),
            "RETENTION_DAYS": ("retention_days", float),
            "PER_ENDPOINT_CONCURRENCY": ("per_endpoint_concurrency", int),
            "TIMEOUT_KEEP_ALIVE": ("timeout_keep_alive", int),
            "TIMEOUT_REQUEST_READ": ("timeout_request_read", float),
            "LIMIT_CONCURRENCY": ("limit_concurrency", int),
            "MAX_HEADER_BYTES": ("max_header_bytes", int),
            "DATABASE_WAIT": ("database_wait", float),
            "SHUTDOWN_TIMEOUT": ("shutdown_timeout", int),
            "WORKERS": ("workers", int),
        }
        for env_name, (attr, convert) in number_fields.items():
            value = _env(env_name)
            if value:
                setattr(settings, attr, convert(value))
        if _env("WORKER", "true") in ("0", "false", "no"):
            settings.worker = False
        if _env("ALLOW_METADATA", "false") in ("1", "true", "yes"):
            settings.allow_metadata = True
        return settings
