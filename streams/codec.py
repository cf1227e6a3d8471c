"""Avro codec in the Confluent wire format: magic byte 0, a 4-byte schema id, then the schemaless body."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

import fastavro
from fastavro.validation import ValidationError, validate

from streams.errors import SchemaError
from streams.json_avro import from_json, to_json
from streams.schema_registry import LocalSchemaRegistry, SchemaRegistry

MAGIC_BYTE = 0
_HEADER = struct.Struct(">bI")


@dataclass(frozen=True)
class Decoded:
    schema_name: str
    record: dict[str, Any]


class AvroCodec:
    """Encode and decode relance records; the schema id in each message selects the writer schema."""

    def __init__(self, registry: SchemaRegistry | None = None) -> None:
        self.registry = registry or LocalSchemaRegistry()

    def validate(self, schema_name: str, record: dict[str, Any]) -> None:
        """Raise SchemaError naming the field when `record` does not fit `schema_name`."""
        schema = self.registry.schema(schema_name)
        try:
            validate(record, schema, raise_errors=True, strict=True)
        except ValidationError as exc:
            raise SchemaError(f"{schema_name}: {_describe_mismatch(schema, record)}") from exc

    def encode(self, schema_name: str, record: dict[str, Any]) -> bytes:
        self.validate(schema_name, record)
        buffer = io.BytesIO()
        buffer.write(_HEADER.pack(MAGIC_BYTE, self.registry.id_for(schema_name)))
        fastavro.schemaless_writer(buffer, self.registry.schema(schema_name), record)
        return buffer.getvalue()

    def encode_json(self, schema_name: str, data: Any) -> bytes:
        """Encode a record given as JSON data, converting dates, timestamps and bytes first."""
        return self.encode(schema_name, from_json(self.registry.schema(schema_name), data))

    def decode(self, payload: bytes | None) -> Decoded:
        if not payload or len(payload) < _HEADER.size:
            raise SchemaError(f"message of {len(payload or b'')} bytes is too short for the Avro wire format")
        magic, schema_id = _HEADER.unpack_from(payload)
        if magic != MAGIC_BYTE:
            raise SchemaError(
                f"message starts with byte {magic}, not the Avro wire-format magic byte 0; "
                "publish it with relance publish or the streams.producer helper"
            )
        name, schema = self.registry.schema_for_id(schema_id)
        try:
            record = fastavro.schemaless_reader(io.BytesIO(payload[_HEADER.size :]), schema, None)
        except (EOFError, ValueError, IndexError, UnicodeDecodeError, struct.error) as exc:
            raise SchemaError(f"message body does not decode as {name}: {exc}") from exc
        return Decoded(name, record)

    def decode_as(self, payload: bytes | None, *expected: str) -> Decoded:
        decoded = self.decode(payload)
        if decoded.schema_name not in expected:
            raise SchemaError(f"expected a {' or '.join(expected)} record on this topic, got {decoded.schema_name}")
        return decoded


def _describe_mismatch(schema: dict[str, Any], record: Any) -> str:
    """Name the first field of `record` that breaks `schema`, by reading it back through the JSON converter."""
    try:
        from_json(schema, to_json(record))
    except SchemaError as exc:
        return str(exc)
    return "record does not fit the schema"
