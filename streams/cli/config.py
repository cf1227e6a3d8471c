"""`relance config`: print the effective settings with secrets hidden."""

from __future__ import annotations

import json

import click

from streams.settings import get_settings


@click.command("config")
def command() -> None:
    """Print the effective settings as JSON; secrets and URL passwords are hidden.

    The top level has the pipeline settings; `intake`, `creditor` and `channels` have the settings of
    the bank-file intake, of the texts debtors read, and of the channel workers. Every variable has the
    prefix RELANCE_ (RELANCE_CREDITOR_ for the creditor).
    """
    from agents.cases.settings import CreditorSettings
    from agents.channels.settings import ChannelSettings
    from agents.intake.settings import IntakeSettings

    values = get_settings().redacted()
    values["intake"] = IntakeSettings().model_dump(mode="json")
    values["creditor"] = CreditorSettings().model_dump(mode="json")
    values["channels"] = ChannelSettings().redacted()
    click.echo(json.dumps(values, indent=2, default=str))
