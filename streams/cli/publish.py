"""`relance publish SCHEMA FILE.jsonl`: validate JSON records, then produce them all or none."""

from __future__ import annotations

import json
from pathlib import Path

import click

from streams.errors import SchemaError
from streams.json_avro import from_json
from streams.producer import TOPIC_OF_SCHEMA, RelanceProducer
from streams.settings import get_settings
from streams.topics import check_broker


@click.command("publish")
@click.argument("schema_name", metavar="SCHEMA", type=click.Choice(sorted(TOPIC_OF_SCHEMA)))
@click.argument("path", metavar="FILE.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(schema_name: str, path: Path) -> None:
    """Publish one JSON record per line of FILE.jsonl as SCHEMA records, keyed by debtor_id.

    Every line is checked first; one bad line publishes nothing.
    """
    settings = get_settings()
    producer = RelanceProducer(settings)
    schema = producer.codec.registry.schema(schema_name)
    records = []
    errors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            record = from_json(schema, data)
            producer.encode(schema_name, record)
        except json.JSONDecodeError as exc:
            errors.append(f"{path}:{number}: invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        except SchemaError as exc:
            errors.append(f"{path}:{number}: {exc}")
            continue
        records.append(record)
    if errors:
        raise SchemaError(
            f"{len(errors)} of the records in {path} do not fit {schema_name}; nothing was published:\n"
            + "\n".join(errors)
        )
    check_broker(settings)
    count = producer.publish_many((schema_name, record) for record in records)
    click.echo(f"{path}: published {count} {schema_name} records to {settings.topic_name(TOPIC_OF_SCHEMA[schema_name].value)}")
