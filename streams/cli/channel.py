"""`relance channel CHANNEL`: run one channel worker until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import threading

import click

from streams.settings import get_settings

CHANNELS = ("email", "sms", "voice", "letter", "push")


@click.command("channel")
@click.argument("channel", type=click.Choice(CHANNELS))
def command(channel: str) -> None:
    """Deliver the notification commands of CHANNEL, once per idempotency key, until SIGTERM or SIGINT.

    Providers, retries, quiet hours and contact caps come from RELANCE_* settings (see agents/channels/settings.py).
    """
    from agents.channels import ChannelSettings, run_worker

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_worker(channel, get_settings(), stop, ChannelSettings())
