"""Entry point of the `relance` command: one group, with subcommands from the modules listed below."""

from __future__ import annotations

import importlib
import sys

import click

from streams.errors import RelanceError

# Each module defines a click command or group named `command`; they register in this order.
COMMAND_MODULES = (
    "streams.cli.stack",
    "streams.cli.topics",
    "streams.cli.config",
    "streams.cli.publish",
    "streams.cli.worker",
    "streams.cli.demo",
    "streams.cli.channel",
    "streams.cli.outbox",
    "streams.cli.ingest",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """relance: rejected SEPA direct debits and the dunning that follows."""
    from streams.logs import configure_logging
    from streams.settings import get_settings

    configure_logging(get_settings().log_level)


for _module in COMMAND_MODULES:
    cli.add_command(importlib.import_module(_module).command)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RelanceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # pydantic's ValidationError on settings, for one
        if type(exc).__name__ == "ValidationError":
            click.echo(f"error: invalid settings:\n{exc}", err=True)
            sys.exit(2)
        raise
