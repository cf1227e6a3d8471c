"""Errors of the channel workers, each naming the bad value and the fix."""

from __future__ import annotations

from streams.errors import RelanceError


class ChannelError(RelanceError):
    """Base of the channel workers' errors."""


class TemplateRenderError(ChannelError):
    """A template is missing or needs a variable that the command does not carry; nothing is sent."""


class SendError(ChannelError):
    """A provider did not accept a message."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class InvalidRecipient(ChannelError):
    """The command has no usable address for its channel; the command is suppressed, not retried."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
