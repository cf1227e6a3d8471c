"""Find the event ids already on the rejections topic, so that re-ingesting a file publishes nothing new."""

from __future__ import annotations

import logging

from agents.intake.topic_reader import read_to_end
from streams.codec import AvroCodec
from streams.errors import SchemaError
from streams.settings import Settings
from streams.topics import Topic

log = logging.getLogger(__name__)


def published_event_ids(settings: Settings, message_ids: set[str], codec: AvroCodec | None = None) -> set[str]:
    """Return the ids of the debit_rejected events on the rejections topic that came from `message_ids`.

    The topic is the record of what was published, so this works after a restart and on a fresh machine.
    NOTE: it reads the whole topic once per ingest run; a topic holding millions of events makes that slow.
    """
    codec = codec or AvroCodec()
    found: set[str] = set()
    if not message_ids:
        return found
    for _, value in read_to_end(settings, settings.topic_name(Topic.REJECTIONS.value)):
        try:
            decoded = codec.decode(value)
        except SchemaError:
            continue
        if decoded.schema_name == "debit_rejected" and decoded.record["message_id"] in message_ids:
            found.add(decoded.record["event_id"])
    log.info("published events found message_ids=%d event_ids=%d", len(message_ids), len(found))
    return found
