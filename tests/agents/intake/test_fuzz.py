"""Fuzzing: 10,000 seeded mutations of the real bank files raise only BankFileError and invent no event."""

from __future__ import annotations

import html
import random
import re

import pytest

from agents.intake.errors import BankFileError
from agents.intake.parse import parse_file

MUTATIONS = 10_000
SEED = 20_240_503
_ITEM_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:TxInfAndSts|OrgnlPmtInfAndSts|OrgnlGrpInfAndSts|Ntry|TxDtls)[\s>/]")
_JUNK = [b"", b"12,50", b"-1", b"1e5", b" ", b"ZZZZ", b"NARR", b"&amp;", b"&xx;", b"<x>", b"\xff\xfe", b"NOTPROVIDED",
         b"2024-02-30", b"99999999999999999999", b"RJCT", b"<!-- c -->", b"]]>", b"\x00"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    size = len(data)
    start = rng.randrange(size)
    end = min(size, start + rng.randint(1, 200))
    operation = rng.randrange(7)
    if operation == 0:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(size)] = rng.randrange(256)
        return bytes(flipped)
    if operation == 1:
        return data[:start] + data[end:]
    if operation == 2:
        return data[:start]
    if operation == 3:
        return data[:end] + data[start:end] + data[end:]
    if operation == 4:
        texts = [match.span(1) for match in re.finditer(rb">([^<>]{1,40})<", data)]
        if texts:
            text_start, text_end = rng.choice(texts)
            return data[:text_start] + rng.choice(_JUNK) + data[text_end:]
        return data
    if operation == 5:
        lines = data.split(b"\n")
        first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[first], lines[second] = lines[second], lines[first]
        return b"\n".join(lines)
    return data[:start] + rng.choice(_JUNK) + data[start:]


def _item_bound(data: bytes) -> int:
    """Return the most events a file could honestly yield: one per item element, or per CFONB operation record."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return len(_ITEM_TAG.findall(data))
    records = []
    for line in data.split(b"\n"):
        line = line.rstrip(b"\r")
        records += [line[start : start + 120] for start in range(0, max(len(line), 1), 120)]
    return sum(1 for record in records if record.startswith(b"04"))


def _check_not_invented(event: dict, data: bytes) -> None:
    # Compare with the text as XML reads it: comments dropped, entities replaced.
    text = html.unescape(re.sub(r"<!--.*?-->", "", data.decode("latin-1"), flags=re.S))
    for name in ("end_to_end_id", "mandate_id", "creditor_scheme_id"):
        value = event[name]
        if value is not None:
            assert value in " ".join(text.split()), f"{name} {value!r} is not in the mutated file"
    if event["reason_code_origin"] in ("cd", "prtry"):
        assert event["reason_code"].upper() in text.upper()
    if not event["message_id"].startswith("CFONB120-"):
        assert event["message_id"] in text


@pytest.fixture(scope="module")
def originals(bank_files):
    return {path.name: path.read_bytes() for path in sorted(bank_files.iterdir()) if path.name != "SOURCES.md"}


def test_mutations_raise_only_bank_file_error(originals, tmp_path):
    rng = random.Random(SEED)
    names = sorted(originals)
    outcomes = {"events": 0, "rejected": 0, "bad_items": 0}
    for number in range(MUTATIONS):
        name = names[number % len(names)]
        data = _mutate(originals[name], rng)
        path = tmp_path / name
        path.write_bytes(data)
        try:
            parsed = parse_file(path)
            events = list(parsed)
        except BankFileError as exc:
            assert exc.file == str(path)
            assert exc.element_path
            outcomes["rejected"] += 1
            continue
        except Exception as exc:  # the assertion names the mutation that escaped
            pytest.fail(f"mutation {number} of {name} raised {type(exc).__name__}: {exc}")
        outcomes["events"] += len(events)
        outcomes["bad_items"] += len(parsed.bad_items)
        assert len(events) + len(parsed.bad_items) <= _item_bound(data), f"mutation {number} of {name}"
        for event in events:
            _check_not_invented(event, data)

    # The mutations must exercise every path: whole-file errors, bad items and surviving events.
    assert outcomes["rejected"] > 1000
    assert outcomes["events"] > 1000
    assert outcomes["bad_items"] > 10
