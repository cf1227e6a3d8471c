"""Benchmark: write camt.054 files of two sizes, ingest each into Kafka, print items/s and peak memory.

Run: RELANCE_STATE_DIR=.relance .venv/bin/python tests/benchmarks/bench_ingest.py [--items 100000]
Each size runs in its own process, so the peak resident memory (ru_maxrss) of one run does not hide the other.
The topics get a fresh prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ENTRY = (
    "<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>"
    "<BookgDt><Dt>2024-05-10</Dt></BookgDt><ValDt><Dt>2024-05-10</Dt></ValDt>"
    "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>"
    "<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{n}</EndToEndId><MndtId>RUM-{n}</MndtId></Refs>"
    "<AmtDtls><InstdAmt><Amt Ccy=\"EUR\">{amount}</Amt></InstdAmt></AmtDtls>"
    "<RltdPties><Dbtr><Nm>Debtor {n}</Nm></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>"
    "</RltdPties><RtrInf><Rsn><Cd>{code}</Cd></Rsn><AddtlInf>/RTYP/RTRN</AddtlInf></RtrInf></TxDtls></NtryDtls></Ntry>\n"
)
CODES = ("AM04", "AC04", "MD06", "MS03", "AC01")


def write_camt054(path: Path, items: int) -> None:
    """Write a camt.054.001.08 notification with `items` returned direct debits, streaming to disk."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
            f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH-{uuid.uuid4().hex[:12]}</MsgId>"
            "<CreDtTm>2024-05-10T08:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N-1</Id><CreDtTm>2024-05-10T08:00:00</CreDtTm>"
            "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>\n"
        )
        for n in range(items):
            handle.write(ENTRY.format(n=n, amount=f"{10 + n % 990}.{n % 100:02d}", code=CODES[n % len(CODES)]))
        handle.write("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n")


def run_one(path: Path, prefix: str) -> dict:
    """Ingest `path` in this process and return the measured figures."""
    from agents.intake.ingest import ingest_files
    from agents.intake.settings import IntakeSettings
    from streams.settings import Settings
    from streams.topics import create_topics

    settings = Settings(topic_prefix=prefix, partitions=3)
    create_topics(settings)
    started = time.perf_counter()
    summary = ingest_files([path], settings, intake_settings=IntakeSettings(debtor_id_rule="mandate_id"))[0]
    elapsed = time.perf_counter() - started
    if summary.failed or summary.published != summary.parsed:
        raise SystemExit(f"benchmark ingest failed: {summary.lines()}")
    return {
        "items": summary.published,
        "file_bytes": path.stat().st_size,
        "seconds": round(elapsed, 2),
        "items_per_second": round(summary.published / elapsed),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def delete_topics(prefix: str) -> None:
    from streams.settings import Settings
    from streams.topics import admin_client

    admin = admin_client(Settings())
    names = [name for name in admin.list_topics(timeout=10).topics if name.startswith(prefix)]
    if not names:
        return
    for future in admin.delete_topics(names, operation_timeout=30).values():
        future.result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="items in the large file; the small one has a tenth")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "PREFIX"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_one(Path(arguments.child[0]), arguments.child[1])))
        return

    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    try:
        with tempfile.TemporaryDirectory() as folder:
            for items in (arguments.items // 10, arguments.items):
                path = Path(folder) / f"camt054-{items}.xml"
                write_camt054(path, items)
                output = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), f"{prefix}{items}."],
                    check=True, capture_output=True, text=True,
                ).stdout
                figures = json.loads(output.strip().splitlines()[-1])
                print(
                    f"{figures['items']:>7} items, {figures['file_bytes'] / 2**20:6.1f} MiB file: "
                    f"{figures['seconds']:6.2f} s, {figures['items_per_second']:>6} items/s, "
                    f"peak RSS {figures['peak_rss_mib']} MiB"
                )
    finally:
        delete_topics(prefix)


if __name__ == "__main__":
    main()
