"""Hypothesis strategies that generate Python values for any parsed Avro schema."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from hypothesis import strategies as st

_TIMESTAMPS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
_DATES = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 1, 1))


def values_for(schema: Any, named: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    if named is None:
        named = schema.get("__named_schemas", {}) if isinstance(schema, dict) else {}
    if isinstance(schema, list):
        return st.one_of(*(values_for(branch, named) for branch in schema))
    if isinstance(schema, str):
        if schema in named:
            return st.deferred(lambda: values_for(named[schema], named))
        return _primitive(schema)
    logical = schema.get("logicalType")
    if logical == "date":
        return _DATES
    if logical == "timestamp-millis":
        return _TIMESTAMPS
    kind = schema["type"]
    if kind == "record":
        return st.fixed_dictionaries({field["name"]: values_for(field["type"], named) for field in schema["fields"]})
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        return st.lists(values_for(schema["items"], named), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), values_for(schema["values"], named), max_size=3)
    return values_for(kind, named)


def _primitive(kind: str) -> st.SearchStrategy[Any]:
    return {
        "null": st.none(),
        "boolean": st.booleans(),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**63), 2**63 - 1),
        "float": st.floats(allow_nan=False, allow_infinity=False, width=32),
        "double": st.floats(allow_nan=False, allow_infinity=False),
        "string": st.text(max_size=20),
        "bytes": st.binary(max_size=20),
    }[kind]
