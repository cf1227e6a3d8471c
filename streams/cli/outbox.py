"""`relance outbox list`: what the local dev SMTP and HTTP provider servers received."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from streams.settings import get_settings


@click.group("outbox")
def command() -> None:
    """Show the messages that the local dev servers received."""


@command.command("list")
def list_messages() -> None:
    """Print one line per e-mail, SMS, call, letter or push that the dev servers received, oldest first."""
    from streams.stack.devservers import list_received

    items = sorted(list_received(get_settings().state_dir.resolve()), key=lambda item: item.received_at)
    for item in items:
        moment = datetime.fromtimestamp(item.received_at, timezone.utc).isoformat(timespec="seconds")
        click.echo(f"{moment} {item.channel:<6} {item.summary}")
    if not items:
        click.echo("the dev servers received nothing yet")
