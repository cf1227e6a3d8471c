"""`relance topics create`: create the declared topics, or check the ones that exist."""

from __future__ import annotations

import click

from streams.settings import get_settings
from streams.topics import create_topics


@click.group("topics")
def command() -> None:
    """Manage the Kafka topics declared in streams/topics.py."""


@command.command("create")
def create() -> None:
    """Create missing topics; check existing ones and exit non-zero on any difference."""
    create_topics(get_settings(), report=lambda item: click.echo(f"{item.name}: {item.status}"))
