"""Every schema in schemas/ reads data written with its previous version in git."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.schemas.compatibility import fields_without_default, previous_version, read_failures

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = sorted((REPO / "schemas").glob("*.avsc"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda path: path.stem)
def test_schema_reads_previous_version(path):
    relative = str(path.relative_to(REPO))
    old_text = previous_version(REPO, relative)
    new = json.loads(path.read_text())
    old = json.loads(old_text) if old_text is not None else new

    assert fields_without_default(old, new) == [], f"{relative}: new fields need a default"
    assert read_failures(old, new) == []


def test_checker_catches_field_added_without_default():
    old = json.loads((REPO / "schemas" / "payment_received.avsc").read_text())
    new = copy.deepcopy(old)
    new["fields"].append({"name": "channel", "type": "string", "doc": "Added without a default."})

    assert fields_without_default(old, new) == ["channel"]
    assert read_failures(old, new, examples=5) != []


def test_checker_catches_changed_field_type():
    old = json.loads((REPO / "schemas" / "payment_received.avsc").read_text())
    new = copy.deepcopy(old)
    amount = next(field for field in new["fields"] if field["name"] == "debtor_id")
    amount["type"] = "long"

    assert read_failures(old, new, examples=5) != []
