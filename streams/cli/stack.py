"""`relance stack up | down | status`: the local Kafka and Redis servers."""

from __future__ import annotations

import click

from streams.settings import get_settings
from streams.stack import LocalStack


@click.group("stack")
def command() -> None:
    """Run the local stack on 127.0.0.1: Kafka (KRaft) and Redis, without Docker."""


def _stack() -> LocalStack:
    return LocalStack.from_settings(get_settings())


@command.command("up")
def up() -> None:
    """Start every server that is not running yet, and wait until each responds."""
    for status in _stack().up():
        click.echo(f"{status.name}: {status.text}")


@command.command("down")
def down() -> None:
    """Stop the servers that this stack started (SIGTERM, then wait)."""
    for status in _stack().down():
        click.echo(f"{status.name}: {status.text}")


@command.command("status")
def status() -> None:
    """Print whether each server responds; exit 1 when one is down."""
    statuses = _stack().status()
    for item in statuses:
        click.echo(f"{item.name}: {item.text}")
    if any(item.text == "stopped" for item in statuses):
        raise SystemExit(1)
