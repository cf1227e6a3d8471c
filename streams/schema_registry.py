"""Schema ids for the Confluent wire format, from the Avro files in schemas/ or from another registry."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

from streams.errors import SchemaError


class SchemaRegistry(Protocol):
    """Interface that the codec needs from a schema registry; a Confluent-compatible client can implement it."""

    def id_for(self, name: str) -> int: ...

    def schema_for_id(self, schema_id: int) -> tuple[str, dict[str, Any]]: ...

    def schema(self, name: str) -> dict[str, Any]: ...


def schema_dir() -> Path:
    return Path(str(resources.files("schemas")))


def load_raw_schemas(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Return each .avsc file in `folder` as JSON, keyed by its file stem (for example debit_rejected)."""
    folder = folder or schema_dir()
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.avsc"))}


def schema_id(raw: dict[str, Any]) -> int:
    """Return a stable id for a schema: the low 31 bits of its CRC-64-AVRO fingerprint."""
    canonical = to_parsing_canonical_form(raw)
    return int(fingerprint(canonical, "CRC-64-AVRO"), 16) & 0x7FFFFFFF


class LocalSchemaRegistry:
    """Registry of the schemas shipped in schemas/, with ids derived from each schema's fingerprint.

    NOTE: only the current version of each schema is loaded, so a record written with an older version
    of a changed schema cannot be decoded. A Confluent-compatible registry keeps every version.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._raw = load_raw_schemas(folder)
        if not self._raw:
            raise SchemaError(f"no .avsc schema found in {folder or schema_dir()}: reinstall relance")
        self._parsed = {name: fastavro.parse_schema(raw) for name, raw in self._raw.items()}
        self._ids = {name: schema_id(raw) for name, raw in self._raw.items()}
        self._by_id = {schema_id_: name for name, schema_id_ in self._ids.items()}
        if len(self._by_id) != len(self._ids):
            raise SchemaError("two schemas in schemas/ share an id; rename a field or a record in one of them")

    @property
    def names(self) -> list[str]:
        return list(self._raw)

    def id_for(self, name: str) -> int:
        try:
            return self._ids[name]
        except KeyError:
            raise SchemaError(f"unknown schema {name!r}; known schemas: {', '.join(self._raw)}") from None

    def schema_for_id(self, schema_id_: int) -> tuple[str, dict[str, Any]]:
        try:
            name = self._by_id[schema_id_]
        except KeyError:
            raise SchemaError(
                f"unknown schema id {schema_id_}: the record was written with a schema this version does not ship"
            ) from None
        return name, self._parsed[name]

    def schema(self, name: str) -> dict[str, Any]:
        self.id_for(name)
        return self._parsed[name]

    def raw_schema(self, name: str) -> dict[str, Any]:
        self.id_for(name)
        return self._raw[name]
