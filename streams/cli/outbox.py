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
    """Print one line per e-mail, SMS, call, letter or push that the dev servers received, oldest first.

    The list comes from the dev HTTP server on 127.0.0.1:RELANCE_DEV_HTTP_PORT (default 8026), which also
    lists the e-mails of the dev SMTP server on 127.0.0.1:RELANCE_DEV_SMTP_PORT (default 8025), whichever
    stack started them. When that server does not respond, the list comes from the files of the stack in
    RELANCE_STATE_DIR.

    A provider request marked "replayed" carried an Idempotency-Key that had already been answered with
    success on the same path. The dev server returned the stored response and treated the request as a retry
    of the earlier one, so no new message went out.
    """
    from streams.stack.devservers import list_received

    items = sorted(list_received(get_settings().state_dir.resolve()), key=lambda item: item.received_at)
    for item in items:
        moment = datetime.fromtimestamp(item.received_at, timezone.utc).isoformat(timespec="seconds")
        click.echo(f"{moment} {item.channel:<6} {item.summary}")
    if not items:
        click.echo("the dev servers received nothing yet")
    elif any(item.summary.endswith(" replayed") for item in items):
        click.echo('"replayed": the request repeated an answered Idempotency-Key, so no new message went out')
