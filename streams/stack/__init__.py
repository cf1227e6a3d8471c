"""The local stack: a real Kafka broker and Redis on 127.0.0.1, started without Docker."""

from streams.stack.manager import LocalStack, ServerStatus

__all__ = ["LocalStack", "ServerStatus"]
