"""`relance config`: print the effective settings with secrets hidden."""

from __future__ import annotations

import json

import click

from streams.settings import get_settings


@click.command("config")
def command() -> None:
    """Print the effective settings as JSON; secrets and URL passwords are hidden."""
    click.echo(json.dumps(get_settings().redacted(), indent=2, default=str))
