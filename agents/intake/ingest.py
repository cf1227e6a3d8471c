"""ingest_files: parse bank files, find each event's debtor, drop duplicates, then publish whole files only."""

from __future__ import annotations

import json
import logging
import struct
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from agents.intake.errors import BankFileError
from agents.intake.events import EVENT_ID_NAMESPACE, SOURCE
from agents.intake.metrics import INTAKE_FILES, INTAKE_ITEMS
from agents.intake.parse import ParsedFile, parse_file
from agents.intake.published import published_event_ids
from agents.intake.resolve import DebtorIndex, DebtorResolver, not_found_message
from agents.intake.settings import IntakeSettings
from streams.codec import AvroCodec
from streams.errors import SchemaError
from streams.json_avro import to_json
from streams.producer import RelanceProducer
from streams.settings import Settings
from streams.topics import Topic, check_broker

log = logging.getLogger(__name__)

_REJECTION, _DLQ = 0, 1
_SPOOL_HEADER = struct.Struct(">BII")


@dataclass
class FileSummary:
    """Outcome of ingesting one bank file."""

    path: Path
    dry_run: bool = False
    message_type: str | None = None
    message_id: str | None = None
    parsed: int = 0
    published: int = 0
    duplicates: int = 0
    rejected: int = 0
    unresolved: int = 0
    """Dry run only: events whose debtor the configured rule did not give; a real run sends them to the DLQ."""
    reasons: list[str] = field(default_factory=list)
    error: BankFileError | None = None
    """Set when the file was rejected as a whole; nothing of it was published."""

    @property
    def failed(self) -> bool:
        return self.error is not None or self.rejected > 0

    def reject_item(self, reason: str) -> None:
        self.rejected += 1
        self.reasons.append(reason)

    def reject_file(self, error: BankFileError) -> None:
        self.error = error
        self.published = 0

    def lines(self) -> list[str]:
        """Return the summary line, then one line per rejection reason."""
        name = self.path.name
        if self.error is not None:
            return [f"{name}: rejected as a whole, nothing published: {self.error.element_path}: {self.error.reason}"]
        line = f"{name}: parsed {self.parsed}, published {self.published}, duplicates {self.duplicates}, rejected {self.rejected}"
        if self.dry_run:
            line += f" (dry run: nothing published, duplicates not checked, debtor not found {self.unresolved})"
        return [line, *(f"  rejected: {reason}" for reason in self.reasons)]


@dataclass
class _Run:
    settings: Settings
    codec: AvroCodec
    resolver: DebtorResolver
    published: set[str]
    repeated_message_ids: set[str]
    producer: RelanceProducer | None
    event_sink: Callable[[str], None] | None


def ingest_files(
    paths: list[Path],
    settings: Settings,
    *,
    dry_run: bool = False,
    event_sink: Callable[[str], None] | None = None,
    intake_settings: IntakeSettings | None = None,
) -> list[FileSummary]:
    """Ingest each bank file and return one summary per file, in order.

    A dry run touches no broker: it resolves debtors by the configured rule only and passes each event,
    as one JSON line, to `event_sink`. A real run publishes to the rejections topic and sends events
    whose debtor is not found to the DLQ. A file that is bad as a whole publishes nothing.
    """
    intake_settings = intake_settings or IntakeSettings()
    codec = AvroCodec()
    opened: list[tuple[FileSummary, ParsedFile | None]] = []
    for path in paths:
        summary = FileSummary(Path(path), dry_run=dry_run)
        try:
            parsed = parse_file(Path(path), settings)
        except BankFileError as exc:
            summary.reject_file(exc)
            parsed = None
        else:
            summary.message_type, summary.message_id = parsed.kind.name, parsed.message_id
        opened.append((summary, parsed))

    message_ids = Counter(parsed.message_id for _, parsed in opened if parsed is not None)
    if dry_run:
        run = _Run(settings, codec, DebtorResolver(DebtorIndex(), intake_settings.debtor_id_rule), set(), set(), None, event_sink)
    else:
        check_broker(settings)
        run = _Run(
            settings,
            codec,
            DebtorResolver(DebtorIndex.from_topics(settings, codec), intake_settings.debtor_id_rule),
            published_event_ids(settings, set(message_ids), codec),
            {message_id for message_id, count in message_ids.items() if count > 1},
            RelanceProducer(settings, codec),
            event_sink,
        )

    for summary, parsed in opened:
        if parsed is not None:
            _ingest_one(run, summary, parsed)
        _record(summary)
    return [summary for summary, _ in opened]


def _ingest_one(run: _Run, summary: FileSummary, parsed: ParsedFile) -> None:
    # Spool the file's records on disk until the whole file has parsed: a truncated file publishes nothing,
    # and memory stays flat however many items the file holds.
    with tempfile.TemporaryFile() as spool:
        try:
            for event in parsed:
                summary.parsed += 1
                _spool_event(run, summary, event, spool)
        except BankFileError as exc:
            summary.reject_file(exc)
            return
        for bad in parsed.bad_items:
            summary.reject_item(str(bad.error))

        spool.seek(0)
        if run.producer is None:
            for _, _, line in _read_spool(spool):
                if run.event_sink is not None:
                    run.event_sink(line.decode())
            return
        summary.published = _produce(run, spool, summary.message_id in run.repeated_message_ids)


def _spool_event(run: _Run, summary: FileSummary, event: dict[str, Any], spool: IO[bytes]) -> None:
    debtor_id = run.resolver.resolve(event)
    if run.producer is None:
        if debtor_id is None:
            summary.unresolved += 1
        event["debtor_id"] = debtor_id
        _write_spool(spool, _REJECTION, b"", json.dumps(to_json(event), ensure_ascii=False).encode())
        return

    if debtor_id is None:
        message = not_found_message(event)
        summary.reject_item(f"{event['item_position']}: {message}; the event went to the DLQ")
        _write_spool(spool, _DLQ, b"", run.codec.encode("dlq_record", _dlq_record(run, event, message)))
        return
    event["debtor_id"] = debtor_id
    if event["event_id"] in run.published:
        summary.duplicates += 1
        return
    try:
        value = run.codec.encode("debit_rejected", event)
    except SchemaError as exc:
        summary.reject_item(f"{event['item_position']}: {exc}")
        return
    _write_spool(spool, _REJECTION, debtor_id.encode(), value)


def _dlq_record(run: _Run, event: dict[str, Any], message: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid5(EVENT_ID_NAMESPACE, f"dlq\x1f{event['event_id']}")),
        "occurred_at": datetime.now(timezone.utc),
        "source": SOURCE,
        "error_type": "DebtorNotFound",
        "error": message,
        "source_topic": f"file:{event['file_name']}",
        "source_partition": -1,
        "source_offset": -1,
        "key": None,
        "value": run.codec.encode("debit_rejected", {**event, "debtor_id": ""}),
    }


def _produce(run: _Run, spool: IO[bytes], remember_ids: bool) -> int:
    rejections = run.settings.topic_name(Topic.REJECTIONS.value)
    dlq = run.settings.topic_name(Topic.DLQ.value)
    published = 0
    for kind, key, value in _read_spool(spool):
        if kind == _DLQ:
            run.producer.produce_raw(dlq, None, value)
            continue
        run.producer.produce_raw(rejections, key, value)
        published += 1
        if remember_ids:
            run.published.add(run.codec.decode(value).record["event_id"])
    run.producer.flush()
    return published


def _write_spool(spool: IO[bytes], kind: int, key: bytes, value: bytes) -> None:
    spool.write(_SPOOL_HEADER.pack(kind, len(key), len(value)))
    spool.write(key)
    spool.write(value)


def _read_spool(spool: IO[bytes]) -> Iterator[tuple[int, bytes, bytes]]:
    while header := spool.read(_SPOOL_HEADER.size):
        kind, key_length, value_length = _SPOOL_HEADER.unpack(header)
        yield kind, spool.read(key_length), spool.read(value_length)


def _record(summary: FileSummary) -> None:
    family = (summary.message_type or "unknown").split(".001.")[0]
    if summary.error is not None:
        INTAKE_FILES.labels(outcome="rejected").inc()
        log.warning("bank file rejected file=%s error=%s", summary.path.name, summary.error)
        return
    INTAKE_FILES.labels(outcome="accepted").inc()
    for outcome, count in (
        ("parsed", summary.parsed),
        ("published", summary.published),
        ("duplicate", summary.duplicates),
        ("rejected", summary.rejected),
    ):
        INTAKE_ITEMS.labels(message_family=family, outcome=outcome).inc(count)
    for reason in summary.reasons:
        log.warning("bank file item rejected file=%s reason=%s", summary.path.name, reason)
    log.info(
        "bank file ingested file=%s message_type=%s message_id=%s parsed=%d published=%d duplicates=%d rejected=%d",
        summary.path.name, summary.message_type, summary.message_id,
        summary.parsed, summary.published, summary.duplicates, summary.rejected,
    )
