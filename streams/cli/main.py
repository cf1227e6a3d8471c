"""Entry point of the `relance` command: one group, with subcommands from the modules listed below."""

from __future__ import annotations

import importlib
import sys

import click
from pydantic import ValidationError

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
    except ValidationError as exc:
        click.echo(f"error: invalid settings:\n{describe_settings_error(exc)}", err=True)
        sys.exit(2)


def describe_settings_error(exc: ValidationError) -> str:
    """List each invalid setting by its environment variable, hiding the value of secrets."""
    fields, prefix = _settings_fields(exc.title)
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        variable = f"{prefix}{name}".upper() if prefix else name
        message = error["msg"].removeprefix("Value error, ")
        field = fields.get(name)
        secret = field is not None and "SecretStr" in str(field.annotation)
        shown = "" if secret or "input" not in error else f" (got {error['input']!r})"
        lines.append(f"  {variable}: {message}{shown}")
    return "\n".join(lines)


def _settings_fields(title: str) -> tuple[dict, str]:
    """Return the fields and the environment prefix of the settings class named `title`."""
    from agents.cases.settings import CreditorSettings
    from agents.channels.settings import ChannelSettings
    from agents.intake.settings import IntakeSettings
    from streams.settings import Settings

    for settings_class in (Settings, CreditorSettings, ChannelSettings, IntakeSettings):
        if settings_class.__name__ == title:
            return settings_class.model_fields, settings_class.model_config.get("env_prefix", "")
    return {}, ""
