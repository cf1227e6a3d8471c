"""Channel workers: deliver notification commands by e-mail, SMS, voice, letter and push, once per idempotency key."""

from agents.channels.settings import Channel, ChannelSettings
from agents.channels.worker import ChannelWorker, run_worker

__all__ = ["Channel", "ChannelSettings", "ChannelWorker", "run_worker"]
