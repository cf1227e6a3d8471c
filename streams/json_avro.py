"""Convert between JSON values and the Python values that fastavro writes, following an Avro schema."""

from __future__ import annotations

import base64
from datetime import date, datetime, timezone
from typing import Any

from streams.errors import SchemaError

_NO_DEFAULT = object()


def from_json(schema: Any, value: Any, path: str = "", named: dict[str, Any] | None = None) -> Any:
    """Return `value`, read from JSON, as the Python value for `schema`, a schema from fastavro.parse_schema.

    Dates are ISO 8601 strings, timestamps ISO 8601 strings or epoch milliseconds, bytes base64, and a
    union takes the plain value of its first matching branch. Raises SchemaError naming the field path.
    """
    if named is None:
        named = schema.get("__named_schemas", {}) if isinstance(schema, dict) else {}
    if isinstance(schema, list):
        return _union_from_json(schema, value, path, named)
    if isinstance(schema, str):
        if schema in named:
            return from_json(named[schema], value, path, named)
        return _primitive_from_json(schema, value, path)
    kind = schema["type"]
    logical = schema.get("logicalType")
    if logical == "date":
        return _date_from_json(value, path)
    if logical in ("timestamp-millis", "timestamp-micros"):
        return _timestamp_from_json(value, path)
    if kind == "record":
        return _record_from_json(schema, value, path, named)
    if kind == "enum":
        if value not in schema["symbols"]:
            raise SchemaError(f"{path or 'value'}: {value!r} is not one of {', '.join(schema['symbols'])}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            raise SchemaError(f"{path or 'value'}: expected a JSON array, got {_json_type(value)}")
        return [from_json(schema["items"], item, f"{path}[{index}]", named) for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise SchemaError(f"{path or 'value'}: expected a JSON object, got {_json_type(value)}")
        return {key: from_json(schema["values"], item, f"{path}.{key}", named) for key, item in value.items()}
    return from_json(kind, value, path, named)


def _record_from_json(schema: dict[str, Any], value: Any, path: str, named: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(f"{path or 'record'}: expected a JSON object for {schema['name']}, got {_json_type(value)}")
    known = {field["name"] for field in schema["fields"]}
    unknown = sorted(set(value) - known)
    if unknown:
        where = f"{path}." if path else ""
        raise SchemaError(f"{where}{unknown[0]}: unknown field for {schema['name']}; remove it or check its spelling")
    result = {}
    for field in schema["fields"]:
        name = field["name"]
        field_path = f"{path}.{name}" if path else name
        if name in value:
            result[name] = from_json(field["type"], value[name], field_path, named)
        elif "default" in field:
            result[name] = field["default"]
        else:
            raise SchemaError(f"{field_path}: missing required field")
    return result


def _union_from_json(branches: list[Any], value: Any, path: str, named: dict[str, Any]) -> Any:
    if value is None:
        if "null" in branches:
            return None
        raise SchemaError(f"{path or 'value'}: null is not allowed here")
    errors = []
    for branch in branches:
        if branch == "null":
            continue
        try:
            return from_json(branch, value, path, named)
        except SchemaError as exc:
            errors.append(str(exc))
    raise SchemaError(errors[0] if len(errors) == 1 else f"{path or 'value'}: {value!r} fits no branch of the union")


def _primitive_from_json(kind: str, value: Any, path: str) -> Any:
    where = path or "value"
    if kind == "null":
        if value is not None:
            raise SchemaError(f"{where}: expected null, got {_json_type(value)}")
        return None
    if kind == "boolean":
        if not isinstance(value, bool):
            raise SchemaError(f"{where}: expected true or false, got {_json_type(value)}")
        return value
    if kind in ("int", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(f"{where}: expected an integer, got {value!r}")
        limit = 2**31 if kind == "int" else 2**63
        if not -limit <= value < limit:
            raise SchemaError(f"{where}: {value} is out of range for an Avro {kind}")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if kind == "string":
        if not isinstance(value, str):
            raise SchemaError(f"{where}: expected a string, got {_json_type(value)}")
        return value
    if kind == "bytes":
        if not isinstance(value, str):
            raise SchemaError(f"{where}: expected base64 text, got {_json_type(value)}")
        try:
            return base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise SchemaError(f"{where}: invalid base64 text") from exc
    raise SchemaError(f"{where}: unknown Avro type {kind!r}")


def _date_from_json(value: Any, path: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise SchemaError(f"{path or 'value'}: invalid date {value!r}; write it as YYYY-MM-DD")


def _timestamp_from_json(value: Any, path: str) -> datetime:
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, timezone.utc)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                raise SchemaError(f"{path or 'value'}: timestamp {value!r} has no time zone; add Z or +01:00")
            return moment.astimezone(timezone.utc)
    raise SchemaError(f"{path or 'value'}: invalid timestamp {value!r}; write ISO 8601 such as 2026-01-31T09:00:00Z")


def to_json(value: Any) -> Any:
    """Return a decoded Avro value as JSON-ready data: dates and timestamps become ISO 8601 strings."""
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
