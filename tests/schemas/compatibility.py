"""Check that a new Avro schema can read what its previous version wrote."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import fastavro
from fastavro.read import SchemaResolutionError
from hypothesis import HealthCheck, given, settings as hypothesis_settings

from tests.streams.avro_strategies import values_for


def previous_version(repo: Path, relative: str) -> str | None:
    """Return the newest committed text of `relative` that differs from the working tree, or None."""
    current = (repo / relative).read_text()
    commits = subprocess.run(
        ["git", "log", "--format=%H", "--", relative], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    for commit in commits:
        text = subprocess.run(
            ["git", "show", f"{commit}:{relative}"], cwd=repo, capture_output=True, text=True
        )
        if text.returncode == 0 and text.stdout != current:
            return text.stdout
    return None


def fields_without_default(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Return the top-level fields that `new` adds without a default."""
    old_names = {field["name"] for field in old["fields"]}
    return [field["name"] for field in new["fields"] if field["name"] not in old_names and "default" not in field]


def read_failures(old: dict[str, Any], new: dict[str, Any], examples: int = 50) -> list[str]:
    """Write generated records with `old` and read them with `new`; return the errors met."""
    writer = fastavro.parse_schema(old)
    reader = fastavro.parse_schema(new)
    failures: list[str] = []

    @hypothesis_settings(max_examples=examples, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(record=values_for(writer))
    def check(record):
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, writer, record)
        buffer.seek(0)
        try:
            fastavro.schemaless_reader(buffer, writer, reader)
        except (SchemaResolutionError, ValueError, KeyError) as exc:
            failures.append(str(exc))

    check()
    return failures
