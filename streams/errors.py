"""Exception base for relance, with narrow subclasses that operators can act on."""


class RelanceError(Exception):
    """Base of every error that relance raises on purpose; its message names the value and the fix."""


class ConfigError(RelanceError):
    """A setting or a configuration file is invalid."""


class SchemaError(RelanceError):
    """A record does not fit its Avro schema, or a schema is unknown."""


class BrokerUnavailable(RelanceError):
    """The Kafka broker did not respond."""


class TopicMismatch(RelanceError):
    """An existing topic differs from its declaration."""


class StackError(RelanceError):
    """A local stack server failed to start or stop."""
