"""``hookline accounts …``: create and list accounts and API keys in the database."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hookline.cli.server import database_option, with_runtime

console = Console()


@click.group("accounts")
def accounts_group() -> None:
    """Create and list accounts (each fully isolated)."""


@accounts_group.command("create")
@database_option
@click.option("--friendly-name", default="hookline", show_default=True)
def accounts_create(database_url: str, friendly_name: str) -> None:
    from hookline.domain import accounts

    account = with_runtime(
        database_url, lambda rt: accounts.create(rt, friendly_name=friendly_name)
    )
    console.print(
        Text(
            f"AccountSid   {account.sid}\nAuthToken    {account.auth_token}\n"
            f"Service      {account.default_service_sid}"
        )
    )


@accounts_group.command("list")
@database_option
def accounts_list(database_url: str) -> None:
    from hookline.domain import accounts

    table = Table("AccountSid", "AuthToken", "Default service", "Name")
    for account in with_runtime(database_url, accounts.all_accounts):
        # Text cells: a friendly name is user data, never Rich markup.
        values = (account.sid, account.auth_token, account.default_service_sid)
        table.add_row(*map(Text, values), Text(account.friendly_name or ""))
    console.print(table)


@accounts_group.command("api-key")
@database_option
@click.argument("account_sid")
def accounts_api_key(database_url: str, account_sid: str) -> None:
    """Create an API key (SK…) and secret for ACCOUNT_SID."""
    from hookline.domain import accounts

    key = with_runtime(database_url, lambda rt: accounts.create_api_key(rt, account_sid))
    console.print(escape(f"ApiKeySid {key.sid}\nSecret    {key.secret}"))
