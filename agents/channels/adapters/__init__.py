"""Provider adapters, one per channel, behind one small interface."""

from __future__ import annotations

from agents.channels.adapters.base import Adapter, SendResult
from agents.channels.settings import Channel, ChannelSettings


def build_adapter(channel: Channel, settings: ChannelSettings) -> Adapter:
    """Return the adapter that the settings configure for `channel`."""
    if channel is Channel.EMAIL:
        from agents.channels.adapters.email import EmailAdapter

        return EmailAdapter(settings)
    if channel is Channel.SMS:
        from agents.channels.adapters.sms import build_sms_adapter

        return build_sms_adapter(settings)
    if channel is Channel.VOICE:
        from agents.channels.adapters.webhooks import VoiceAdapter

        return VoiceAdapter(settings)
    if channel is Channel.PUSH:
        from agents.channels.adapters.webhooks import PushAdapter

        return PushAdapter(settings)
    from agents.channels.adapters.letter import LetterAdapter

    return LetterAdapter(settings)


__all__ = ["Adapter", "SendResult", "build_adapter"]
