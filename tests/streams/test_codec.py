"""Unit tests of the Avro codec: wire format, validation errors and JSON conversion."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

from streams.codec import AvroCodec
from streams.errors import SchemaError
from streams.schema_registry import LocalSchemaRegistry, schema_id
from streams.json_avro import from_json, to_json
from tests.streams.avro_strategies import values_for

REGISTRY = LocalSchemaRegistry()
CODEC = AvroCodec(REGISTRY)

PAYMENT = {
    "event_id": "evt-1",
    "occurred_at": "2026-03-02T09:30:00Z",
    "source": "billing",
    "debtor_id": "D-1",
    "amount": {"amount_minor": 4990, "currency": "EUR"},
    "method": "card",
}


def test_encode_writes_magic_byte_and_schema_id():
    payload = CODEC.encode_json("payment_received", PAYMENT)
    magic, found_id = struct.unpack(">bI", payload[:5])
    assert magic == 0
    assert found_id == REGISTRY.id_for("payment_received")


def test_schema_ids_are_stable_and_distinct():
    ids = {name: REGISTRY.id_for(name) for name in REGISTRY.names}
    assert len(set(ids.values())) == len(ids)
    assert ids["payment_received"] == schema_id(REGISTRY.raw_schema("payment_received"))


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_field_has_a_doc(name):
    def walk(schema):
        if isinstance(schema, dict):
            if schema.get("type") == "record":
                assert schema.get("namespace") or "." in schema["name"], f"{schema['name']} has no namespace"
                for field in schema["fields"]:
                    assert field.get("doc"), f"{name}: field {field['name']} has no doc"
                    walk(field["type"])
            for key in ("items", "values"):
                if key in schema:
                    walk(schema[key])
        elif isinstance(schema, list):
            for branch in schema:
                walk(branch)

    walk(REGISTRY.raw_schema(name))


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_event_has_id_time_and_source(name):
    fields = {field["name"]: field for field in REGISTRY.raw_schema(name)["fields"]}
    assert fields["event_id"]["type"] == "string"
    assert fields["occurred_at"]["type"] == {"type": "long", "logicalType": "timestamp-millis"}
    assert fields["source"]["type"] == "string"


def test_missing_field_is_named():
    record = from_json(REGISTRY.schema("payment_received"), PAYMENT)
    del record["debtor_id"]
    with pytest.raises(SchemaError, match="debtor_id: missing required field"):
        CODEC.encode("payment_received", record)


def test_wrong_type_names_nested_field():
    bad = {**PAYMENT, "amount": {"amount_minor": "49.90", "currency": "EUR"}}
    with pytest.raises(SchemaError, match=r"amount\.amount_minor: expected an integer, got '49.90'"):
        CODEC.encode_json("payment_received", bad)


def test_unknown_enum_symbol_lists_the_symbols():
    with pytest.raises(SchemaError, match="method: 'cheque' is not one of sepa_direct_debit, card"):
        CODEC.encode_json("payment_received", {**PAYMENT, "method": "cheque"})


def test_unknown_field_is_rejected():
    with pytest.raises(SchemaError, match="debtor: unknown field"):
        CODEC.encode_json("payment_received", {**PAYMENT, "debtor": "x"})


def test_naive_timestamp_is_rejected_with_fix():
    with pytest.raises(SchemaError, match="has no time zone; add Z"):
        CODEC.encode_json("payment_received", {**PAYMENT, "occurred_at": "2026-03-02T09:30:00"})


def test_decode_rejects_foreign_bytes():
    with pytest.raises(SchemaError, match="not the Avro wire-format magic byte"):
        CODEC.decode(b'{"json": true}')


def test_decode_rejects_unknown_schema_id():
    with pytest.raises(SchemaError, match="unknown schema id 7"):
        CODEC.decode(struct.pack(">bI", 0, 7) + b"\x00")


def test_decode_rejects_truncated_body():
    payload = CODEC.encode_json("payment_received", PAYMENT)
    with pytest.raises(SchemaError, match="does not decode as payment_received"):
        CODEC.decode(payload[:12])


def test_decode_as_rejects_other_record_type():
    payload = CODEC.encode_json("payment_received", PAYMENT)
    with pytest.raises(SchemaError, match="expected a debit_rejected record"):
        CODEC.decode_as(payload, "debit_rejected")


@pytest.mark.parametrize("name", REGISTRY.names)
@hypothesis_settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_json_conversion_round_trips(name, data):
    schema = REGISTRY.schema(name)
    record = data.draw(values_for(schema))
    assert from_json(schema, to_json(record)) == record
