"""`relance demo [FILE...]`: run the whole dunning scenario on the local stack and print what happened."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from streams.settings import Settings, get_settings

DEMO_TIME_SCALE = 43200.0  # one scenario day every 2 real seconds
DAY_SECONDS = 86400 / DEMO_TIME_SCALE
RUN_DAYS = 16.5
READY_TIMEOUT_SECONDS = 120


@dataclass
class DemoDebtor:
    debtor_id: str
    mandate_id: str
    reason_code: str
    amount: dict[str, Any]
    end_to_end_id: str | None = None
    presented: bool = False
    """True when the file names no mandate, so the demo publishes the collection (payment_presented) itself."""
    behaviour: str = "no reply"
    extra: dict[str, Any] = field(default_factory=dict)


@click.command("demo")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(files: tuple[Path, ...]) -> None:
    """Run the dunning engine end to end on the local stack, about 45 s.

    Ingests FILE... (pain.002, camt.05x or CFONB bank files), or a sample pain.002 when none is given,
    then scripts debtor behaviour and prints each debtor's timeline, the commands, actions and KPIs.
    """
    from agents.intake.ingest import ingest_files
    from streams.stack import LocalStack
    from streams.topics import create_topics

    base = get_settings()
    # The demo's own lines tell the story; the library logs stay at warnings unless RELANCE_LOG_LEVEL is set.
    if "RELANCE_LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)

    # 1. The bank files, the ones given or a sample, read once without publishing.
    workdir = Path(tempfile.mkdtemp(prefix="relance-demo-"))
    paths = list(files) or [_sample_file(workdir)]
    debtors, unmatched = _debtors_in(paths, base)
    for event in unmatched:
        click.echo(f"skipped {event['file_name']} {event['item_position']}: the item has neither a mandate id nor "
                   "an end-to-end id, so no debtor profile can match it (relance ingest sends it to the DLQ)")
    if not debtors:
        raise click.ClickException(
            f"no rejected direct debit with a mandate id or an end-to-end id found in {', '.join(map(str, paths))}"
        )

    # 2. The local stack, and topics of this run's own.
    click.echo("starting the local stack (Kafka and Redis on 127.0.0.1)...")
    LocalStack.from_settings(base).up()
    token = uuid.uuid4().hex[:8]
    settings = base.model_copy(update={
        "topic_prefix": f"demo-{token}.", "app_id": f"relance-demo-{token}", "store": "memory://",
        "time_scale": DEMO_TIME_SCALE, "clock_origin": time.time(), "web_port": _free_port(),
    })
    create_topics(settings)

    # 3. Debtor profiles for the mandates in those files, published before the files.
    _assign_behaviours(debtors)
    _publish_profiles(settings, debtors)

    # 4. The channel workers and the case worker, then the files.
    demo_started = time.time()
    channels = _start_channel_workers(settings, workdir)
    worker = _start_worker(settings, workdir / "worker.log")
    try:
        for summary in ingest_files(paths, settings):
            click.echo(f"ingested {summary.path.name}: {summary.published} rejections published")
        started = time.monotonic()
        click.echo(f"running {RUN_DAYS:g} scenario days at 1 day = {DAY_SECONDS:g} s...")
        _script_behaviour(settings, debtors, started)
        time.sleep(max(0.0, started + RUN_DAYS * DAY_SECONDS - time.monotonic()))
        # Let the channel workers deliver the last commands before they stop.
        time.sleep(3 * DAY_SECONDS)
    finally:
        _stop_worker(worker)
        channels.stop()

    # 5. What happened.
    _print_report(settings, debtors, workdir / "worker.log")
    _print_deliveries(base.state_dir.resolve(), demo_started, workdir)


def _sample_file(workdir: Path) -> Path:
    from agents.cases.demo_sample import write_sample_pain002

    return write_sample_pain002(workdir, datetime.now(timezone.utc).date())


def _debtors_in(paths: list[Path], settings: Settings) -> tuple[list[DemoDebtor], list[dict[str, Any]]]:
    """Read the files without publishing; name one demo debtor per mandate, and return the items none can match."""
    from agents.intake.ingest import ingest_files

    events: list[dict[str, Any]] = []
    ingest_files(paths, settings, dry_run=True, event_sink=lambda line: events.append(json.loads(line)))
    debtors: dict[str, DemoDebtor] = {}
    unmatched = []
    for event in events:
        match_key = event.get("mandate_id") or event.get("end_to_end_id")
        if match_key is None:
            unmatched.append(event)
            continue
        if match_key not in debtors:
            debtor_id = f"DEBTOR-{len(debtors) + 1:03d}"
            debtors[match_key] = DemoDebtor(
                debtor_id=debtor_id, mandate_id=event.get("mandate_id") or f"DEMO-MANDATE-{debtor_id}",
                reason_code=event.get("reason_code") or "none",
                amount=event.get("returned_amount") or event.get("original_amount") or {"amount_minor": 0, "currency": "EUR"},
                end_to_end_id=event.get("end_to_end_id"), presented=not event.get("mandate_id"),
            )
    return list(debtors.values()), unmatched


def _assign_behaviours(debtors: list[DemoDebtor]) -> None:
    """Give four debtors a scripted behaviour, each to a debtor whose cause makes it meaningful."""
    from agents.reason_codes import Cause, classify

    free = list(debtors)

    def take(predicate) -> DemoDebtor | None:
        chosen = next((debtor for debtor in free if predicate(classify(debtor.reason_code))), None)
        if chosen is not None:
            free.remove(chosen)
        return chosen

    for behaviour, predicate in (
        ("is rejected twice", lambda code: code.may_represent),
        ("disputes", lambda code: code.cause == Cause.OPPOSITION),
        ("pays after the first reminder", lambda code: True),
        ("opts out of SMS", lambda code: True),
    ):
        chosen = take(predicate)
        if chosen is not None:
            chosen.behaviour = behaviour


def _publish_profiles(settings: Settings, debtors: list[DemoDebtor]) -> None:
    from streams.producer import RelanceProducer

    now = datetime.now(timezone.utc)
    with RelanceProducer(settings) as producer:
        producer.publish_many(("debtor_profile", {
            "event_id": f"demo-profile-{debtor.debtor_id}", "occurred_at": now, "source": "relance.demo",
            "debtor_id": debtor.debtor_id, "name": f"Demo debtor {index}", "locale": "fr",
            "email": f"debtor{index}@example.org", "phone": f"+3361234560{index % 10}",
            "postal_address": {"lines": [f"{index} rue de la Paix"], "postcode": "75002", "city": "Paris", "country": "FR"},
            "consents": ["email", "sms", "voice", "letter"], "mandate_ids": [debtor.mandate_id],
        }) for index, debtor in enumerate(debtors, start=1))
        # A debtor matched by end-to-end id needs the collection that carried that id.
        producer.publish_many(("payment_presented", {
            "event_id": f"demo-presented-{debtor.debtor_id}", "occurred_at": now, "source": "relance.demo",
            "debtor_id": debtor.debtor_id, "payment_id": f"demo-payment-{debtor.debtor_id}",
            "mandate_id": debtor.mandate_id, "end_to_end_id": debtor.end_to_end_id, "amount": debtor.amount,
            "due_date": now.date(),
        }) for debtor in debtors if debtor.presented)


def _script_behaviour(settings: Settings, debtors: list[DemoDebtor], started: float) -> None:
    """Publish the scripted replies, payments and second rejection at their scenario days."""
    from streams.producer import RelanceProducer

    plan: list[tuple[float, str, DemoDebtor, str, dict[str, Any]]] = []
    for debtor in debtors:
        amount = f"{debtor.amount['amount_minor'] / 100:.2f} {debtor.amount['currency']}"
        if debtor.behaviour == "opts out of SMS":
            plan.append((0.3, "debtor_reply", debtor, "opts out of SMS", {"reply_type": "opt_out", "channel": "sms"}))
            plan.append((9.0, "payment_received", debtor, f"pays {amount} through the payment link",
                         {"amount": debtor.amount, "method": "payment_link"}))
            plan.append((9.1, "debtor_reply", debtor, "rates the service 4/5",
                         {"reply_type": "satisfaction", "csat_score": 4}))
        elif debtor.behaviour == "pays after the first reminder":
            plan.append((1.5, "payment_received", debtor, f"pays {amount} by card",
                         {"amount": debtor.amount, "method": "card"}))
            plan.append((1.6, "debtor_reply", debtor, "rates the service 5/5",
                         {"reply_type": "satisfaction", "csat_score": 5}))
        elif debtor.behaviour == "is rejected twice":
            plan.append((4.5, "debit_rejected", debtor, f"re-presentation rejected again ({debtor.reason_code})", {
                "mandate_id": debtor.mandate_id, "end_to_end_id": debtor.end_to_end_id,
                "reason_code": debtor.reason_code, "original_amount": debtor.amount,
                "message_id": "RELANCE-DEMO-REPRESENTATION", "file_name": "demo", "item_position": "1"}))
        elif debtor.behaviour == "disputes":
            plan.append((5.0, "debtor_reply", debtor, "disputes the debt",
                         {"reply_type": "dispute", "channel": "voice"}))
    with RelanceProducer(settings) as producer:
        for day, schema_name, debtor, label, fields in sorted(plan, key=lambda item: item[0]):
            time.sleep(max(0.0, started + day * DAY_SECONDS - time.monotonic()))
            record = {"event_id": f"demo-{uuid.uuid4()}", "occurred_at": datetime.now(timezone.utc),
                      "source": "relance.demo", "debtor_id": debtor.debtor_id, **fields}
            producer.publish_many([(schema_name, record)])
            click.echo(f"  day {day:4.1f}  {debtor.debtor_id} {label}")


def _start_worker(settings: Settings, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, **{f"RELANCE_{name.upper()}": str(value) for name, value in {
        "topic_prefix": settings.topic_prefix, "app_id": settings.app_id, "store": settings.store,
        "time_scale": settings.time_scale, "clock_origin": repr(settings.clock_origin), "web_port": settings.web_port,
        "state_dir": settings.state_dir.resolve(),
    }.items()}}
    log = open(log_path, "w")
    worker = subprocess.Popen([sys.executable, "-c", "from streams.cli.main import main; main()", "worker"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    click.echo(f"starting the worker (log: {log_path})...")
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise click.ClickException(f"the worker exited with status {worker.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://{settings.web_host}:{settings.web_port}/ready", timeout=1) as response:
                if response.status == 200:
                    return worker
        except OSError:
            pass
        time.sleep(0.5)
    _stop_worker(worker)
    raise click.ClickException(f"the worker was not ready within {READY_TIMEOUT_SECONDS} s; see {log_path}")


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def _read(settings: Settings, base: str) -> list[tuple[str, dict[str, Any]]]:
    from agents.intake.topic_reader import read_to_end
    from streams.codec import AvroCodec

    codec = AvroCodec()
    decoded = (codec.decode(value) for _, value in read_to_end(settings, settings.topic_name(base)) if value)
    return [(item.schema_name, item.record) for item in decoded]


def _print_report(settings: Settings, debtors: list[DemoDebtor], log_path: Path) -> None:
    from agents.cases.report import kpis, timelines

    events = [record for _, record in _read(settings, "case-events")]
    commands = [record for _, record in _read(settings, "notification-commands")]
    actions = _read(settings, "actions")
    replies = [record for _, record in _read(settings, "replies")]

    stories = timelines(events, commands, actions)
    for debtor in debtors:
        click.echo(f"\n{debtor.debtor_id}  mandate {debtor.mandate_id}  code {debtor.reason_code}  "
                   f"{debtor.amount['amount_minor'] / 100:.2f} {debtor.amount['currency']}  ({debtor.behaviour})")
        for line in stories.get(debtor.debtor_id, []):
            click.echo(f"  day {line.day:4.1f}  {line.text}")
        if debtor.debtor_id not in stories:
            click.echo(f"  no case: the worker did not see this debtor's rejection; see {log_path}")

    click.echo(f"\n{len(commands)} notification commands, {len(actions)} actions, {len(events)} case events "
               f"on topics {settings.topic_prefix}*")
    click.echo("\nKPIs")
    for line in kpis(events, replies).lines():
        click.echo(f"  {line}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _ChannelWorkers:
    """The five channel workers, each in a thread of this process, on the demo's clock and topics."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        import threading

        from agents.channels.settings import Channel, ChannelSettings
        from agents.channels.worker import run_worker
        from streams.settings import make_clock

        channel_settings = ChannelSettings(letter_outbox_dir=workdir / "letters")
        self.stop_event = threading.Event()
        self.threads = [
            threading.Thread(
                target=run_worker, name=f"channel-{channel.value}", daemon=True,
                args=(channel, settings, self.stop_event, channel_settings, make_clock(settings)),
            )
            for channel in Channel
        ]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _start_channel_workers(settings: Settings, workdir: Path) -> _ChannelWorkers:
    click.echo("starting the channel workers (email, sms, voice, letter, push)...")
    return _ChannelWorkers(settings, workdir)


def _print_deliveries(state_dir: Path, since: float, workdir: Path) -> None:
    """Print what the dev SMTP and HTTP provider servers received during this run, and one e-mail in full."""
    from streams.stack.devservers import list_received, received_emails

    received = [item for item in list_received(state_dir) if item.received_at >= since - 1]
    letters = sorted((workdir / "letters").glob("**/*.pdf"))
    click.echo(f"\nDelivered on the dev servers: {len(received)} messages, and {len(letters)} letter(s) as PDF in "
               f"{workdir / 'letters'}")
    for item in sorted(received, key=lambda item: item.received_at):
        click.echo(f"  {item.channel:<6} {item.summary}")

    mails = received_emails(state_dir, since=since - 1)
    if mails:
        first = mails[0]
        body = first.get_body(preferencelist=("plain",))
        click.echo(f"\nFirst e-mail, as the debtor reads it (Subject: {first['Subject']}):")
        for line in (body.get_content() if body is not None else "").strip().splitlines():
            click.echo(f"  | {line}")
