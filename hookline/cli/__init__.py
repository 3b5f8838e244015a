"""The ``hookline`` command (docs/cli.md).

Each command lives in the module of its kind and is imported only when it runs (or when
``--help`` needs it): client commands must not pay for the server's imports.

- :mod:`hookline.cli.server`: ``serve``, ``worker``, ``migrate`` (the server and store;
  :mod:`hookline.cli.checks` turns start-up mistakes into messages);
- :mod:`hookline.cli.accounts`: ``accounts …`` (the store);
- :mod:`hookline.cli.client`: ``act``, ``events``, ``flows``, ``receipts``, ``clock``, and
  :mod:`hookline.cli.deliveries`: ``deliveries …`` (HTTP to a running server, through
  :mod:`hookline.cli.http`);
- :mod:`hookline.cli.webhooks`: ``webhooks …``, ``conversations create``; and
  :mod:`hookline.cli.trigger`: ``trigger EVENT`` (the zero-code first webhook);
- :mod:`hookline.cli.listen`: ``listen`` (a webhook receiver, or a relay to your app);
- :mod:`hookline.cli.inbound`: ``inbound``, ``faults …`` (HTTP to a running server);
- :mod:`hookline.cli.check`: ``check URL`` (tests a receiver; needs no server).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

#: Command name → ``module:attribute`` of its click command.
COMMANDS = {
    "serve": "hookline.cli.server:serve",
    "worker": "hookline.cli.server:worker",
    "migrate": "hookline.cli.server:migrate",
    "accounts": "hookline.cli.accounts:accounts_group",
    "act": "hookline.cli.client:act",
    "events": "hookline.cli.client:events",
    "deliveries": "hookline.cli.deliveries:deliveries",
    "flows": "hookline.cli.client:flows",
    "receipts": "hookline.cli.client:receipts",
    "clock": "hookline.cli.client:clock",
    "listen": "hookline.cli.listen:listen",
    "inbound": "hookline.cli.inbound:inbound",
    "faults": "hookline.cli.inbound:faults",
    "check": "hookline.cli.check:check",
    "webhooks": "hookline.cli.webhooks:webhooks",
    "conversations": "hookline.cli.webhooks:conversations",
    "trigger": "hookline.cli.trigger:trigger",
}


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is needed."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy_commands, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        show_envvars(command)
        return command


def show_envvars(command: click.Command) -> None:
    """``--help`` names each option's environment variable (click's ``show_envvar``), in
    ``command`` and every subcommand: ``[env var: HOOKLINE_AUTH_TOKEN]``."""
    for param in command.params:
        if isinstance(param, click.Option) and param.envvar:
            param.show_envvar = True
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            show_envvars(sub)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(package_name="hookline", prog_name="hookline")
def main() -> None:
    """hookline: a Twilio-compatible Conversations server that delivers webhooks."""
