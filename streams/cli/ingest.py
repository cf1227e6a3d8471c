"""`relance ingest FILE…`: publish the rejections in bank files (pain.002, camt.052/053/054, CFONB 120)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agents.intake.ingest import ingest_files
from streams.settings import get_settings


@click.command("ingest")
@click.argument("paths", metavar="FILE…", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and check the files without connecting to Kafka or publishing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run, print each event as one JSON object per line.")
def command(paths: tuple[Path, ...], dry_run: bool, as_json: bool) -> None:
    """Publish one debit_rejected event per rejected or returned direct debit in each FILE.

    Prints one summary line per file. Re-ingesting a file publishes nothing new. Events whose debtor is not
    found go to the DLQ. The exit status is 1 when a file or an item was rejected.
    """
    if as_json and not dry_run:
        raise click.UsageError("--json prints the events of a dry run; add --dry-run")
    sink = (lambda line: click.echo(line)) if as_json else None
    summaries = ingest_files(list(paths), get_settings(), dry_run=dry_run, event_sink=sink)
    # With --json, stdout carries only events, so the summaries go to stderr.
    for summary in summaries:
        for line in summary.lines():
            click.echo(line, err=as_json)
    if any(summary.failed for summary in summaries):
        sys.exit(1)
