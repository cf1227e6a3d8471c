"""Consumer lag of a Kafka consumer group, measured on a background thread and exported to Prometheus."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from confluent_kafka import Consumer, KafkaException, TopicPartition
from prometheus_client import Gauge

from streams.settings import Settings

log = logging.getLogger(__name__)

CONSUMER_LAG = Gauge(
    "relance_consumer_lag",
    "Records in a partition that the consumer group has not committed yet: high watermark minus committed offset.",
    ["group", "topic", "partition"],
)
_WATERMARK_ATTEMPTS = 5


class ConsumerLagMonitor:
    """Measure the lag of one consumer group on its topics every `interval_seconds`, without joining the group.

    The monitor reads committed offsets with the group's id through a consumer that never subscribes, so it
    takes no partitions from the group's members. Every replica of a deployment reports the same group lag,
    so dashboards aggregate it with `max by (group, topic, partition)`.
    """

    def __init__(self, settings: Settings, group: str, topics: Iterable[str], interval_seconds: float = 15.0,
                 timeout_seconds: float = 5.0) -> None:
        self.group = group
        self.topics = tuple(topics)
        self.interval_seconds = interval_seconds
        self.timeout_seconds = timeout_seconds
        self._config = {
            **settings.confluent_config(),
            "group.id": group,
            "enable.auto.commit": False,
            "socket.timeout.ms": int(timeout_seconds * 1000),
        }
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: set[tuple[str, str]] = set()
        self._last_success: float | None = None
        self._failing = False

    def measure(self) -> dict[tuple[str, int], int]:
        """Measure the lag of every partition once, publish it to the gauge and return it by (topic, partition)."""
        consumer = Consumer(self._config)
        try:
            partitions = self._partitions(consumer)
            committed = consumer.committed(partitions, timeout=self.timeout_seconds)
            lag: dict[tuple[str, int], int] = {}
            for position in committed:
                low, high = self._watermarks(consumer, TopicPartition(position.topic, position.partition))
                if position.error is not None:
                    raise KafkaException(position.error)
                # A negative offset (OFFSET_INVALID) means that the group has committed nothing there yet.
                start = position.offset if position.offset >= 0 else low
                lag[(position.topic, position.partition)] = max(0, high - start)
        finally:
            consumer.close()
        self._publish(lag)
        self._last_success = time.monotonic()
        return lag

    def seconds_since_success(self) -> float | None:
        """Return the age of the last successful measurement in seconds, or None before the first one."""
        if self._last_success is None:
            return None
        return time.monotonic() - self._last_success

    def start(self) -> None:
        """Start measuring on a daemon thread; the first measurement runs at once."""
        self._thread = threading.Thread(target=self._run, name=f"consumer-lag-{self.group}", daemon=True)
        self._thread.start()
        log.info("consumer lag monitor started group=%s topics=%s interval_seconds=%s",
                 self.group, ",".join(self.topics), self.interval_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_seconds * 3)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.measure()
            except KafkaException as exc:
                # Log the first failure of a series and the recovery, not every interval of an outage.
                if not self._failing:
                    log.warning("consumer lag measurement failed group=%s error=%s", self.group, exc)
                self._failing = True
            else:
                if self._failing:
                    log.info("consumer lag measurement recovered group=%s", self.group)
                self._failing = False
            self._stop.wait(self.interval_seconds)

    def _partitions(self, consumer: Consumer) -> list[TopicPartition]:
        partitions: list[TopicPartition] = []
        for topic in self.topics:
            metadata = consumer.list_topics(topic, timeout=self.timeout_seconds).topics[topic]
            if metadata.error is not None:
                raise KafkaException(metadata.error)
            partitions.extend(TopicPartition(topic, partition) for partition in sorted(metadata.partitions))
        return partitions

    def _watermarks(self, consumer: Consumer, partition: TopicPartition) -> tuple[int, int]:
        # Right after a topic is created or a leader moves, the client's metadata lags behind for a moment.
        for attempt in range(1, _WATERMARK_ATTEMPTS):
            try:
                return consumer.get_watermark_offsets(partition, timeout=self.timeout_seconds)
            except KafkaException as exc:
                if not exc.args[0].retriable():
                    raise
                log.debug("watermark read retried topic=%s partition=%s attempt=%s error=%s",
                          partition.topic, partition.partition, attempt, exc)
                time.sleep(0.2 * attempt)
        return consumer.get_watermark_offsets(partition, timeout=self.timeout_seconds)

    def _publish(self, lag: dict[tuple[str, int], int]) -> None:
        current = {(topic, str(partition)) for topic, partition in lag}
        for topic, partition in self._reported - current:
            CONSUMER_LAG.remove(self.group, topic, partition)
        for (topic, partition), value in lag.items():
            CONSUMER_LAG.labels(self.group, topic, str(partition)).set(value)
        self._reported = current
