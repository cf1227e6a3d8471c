"""Provider adapters, one per channel, behind one small interface."""

from __future__ import annotations

from agents.channels.adapters.base import Adapter, SendResult, provider_key
from agents.channels.settings import Channel, ChannelSettings


def build_adapter(channel: Channel, settings: ChannelSettings, key_scope: str) -> Adapter:
    """Return the adapter that the settings configure for `channel`; `key_scope` prefixes every key it sends."""
    if channel is Channel.EMAIL:
        from agents.channels.adapters.email import EmailAdapter

        return EmailAdapter(settings, key_scope)
    if channel is Channel.SMS:
        from agents.channels.adapters.sms import build_sms_adapter

        return build_sms_adapter(settings, key_scope)
    if channel is Channel.VOICE:
        from agents.channels.adapters.webhooks import VoiceAdapter

        return VoiceAdapter(settings, key_scope)
    if channel is Channel.PUSH:
        from agents.channels.adapters.webhooks import PushAdapter

        return PushAdapter(settings, key_scope)
    from agents.channels.adapters.letter import LetterAdapter

    return LetterAdapter(settings, key_scope)


__all__ = ["Adapter", "SendResult", "build_adapter", "provider_key"]
