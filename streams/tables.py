"""Faust tables keyed by debtor id: the case state and the debtor profiles, both JSON in compacted changelogs."""

from __future__ import annotations

import faust

CASES_TABLE = "cases"
PROFILES_TABLE = "profiles"


def declare_tables(app: faust.App) -> tuple[faust.Table, faust.Table]:
    """Declare the cases and profiles tables; only the case agent writes them."""
    cases = app.Table(CASES_TABLE, default=None, key_type=str, value_type=None, help="Case state per debtor id.")
    profiles = app.Table(PROFILES_TABLE, default=None, key_type=str, value_type=None, help="Debtor profile per debtor id, from the debtors topic.")
    return cases, profiles
