"""Fixtures for every test: the real local stack, started once when it is not already running."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streams.errors import StackError
from streams.stack import LocalStack

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "bank-files"


@pytest.fixture(scope="session")
def stack() -> LocalStack:
    """The local Kafka broker and Redis; a test that needs them fails, never skips, when they cannot start."""
    state_dir = Path(os.environ.get("RELANCE_STATE_DIR", REPO / ".relance")).resolve()
    local = LocalStack(state_dir)
    try:
        local.up()
    except StackError as exc:
        pytest.fail(f"the local stack could not start: {exc}")
    return local


@pytest.fixture(scope="session")
def bank_files() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"bank-file fixtures not found at {FIXTURES}; the tests read them from ../shared beside the repo")
    return FIXTURES
