"""The `relance` command line."""
