"""Wiring of the relance pipeline: settings, clock, topics, codecs, the Faust app and the CLI."""
