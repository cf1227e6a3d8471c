"""Property: generated pain.002 and camt.054 documents parse back to the events they were built from."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.intake.money import currency_exponent
from agents.intake.parse import parse_file
from agents.reason_codes import REASON_CODES, classify
from tests.agents.intake.documents import Item, Style, camt054, pain002

_REFERENCE = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=35)
_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=60).filter(str.strip)
_CODE = st.one_of(
    st.sampled_from(sorted(REASON_CODES)),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4),
    st.just("NARR"),
    st.none(),
)


@st.composite
def items(draw) -> Item:
    currency = draw(st.sampled_from(["EUR", "CHF", "JPY", "KWD"]))
    exponent = currency_exponent(currency)
    minor = draw(st.integers(min_value=0, max_value=10**12))
    amount = str(minor) if exponent == 0 else f"{minor // 10**exponent}.{minor % 10**exponent:0{exponent}d}"
    code = draw(_CODE)
    info = draw(st.one_of(st.none(), _WORDS))
    if code in (None, "NARR") and draw(st.booleans()):
        info = f"motif {draw(st.sampled_from(sorted(REASON_CODES)))} banque"
    return Item(
        end_to_end_id=draw(st.one_of(st.none(), st.just("NOTPROVIDED"), _REFERENCE)),
        mandate_id=draw(st.one_of(st.none(), _REFERENCE)),
        amount=amount,
        currency=currency,
        code=code,
        code_element=draw(st.sampled_from(["Cd", "Prtry"])),
        additional_info=info,
        iban=draw(st.one_of(st.none(), st.sampled_from(["DE89370400440532013000", "DE89370400440532013001"]))),
        debtor_name=draw(st.one_of(st.none(), _WORDS)),
    )


_STYLES = st.builds(Style, prefix=st.one_of(st.none(), st.sampled_from(["p", "ns2", "doc"])), redeclare=st.booleans())


def _expected(item: Item, family: str) -> dict:
    currency_minor = int(item.amount.replace(".", ""))
    info = " ".join(item.additional_info.split()) if item.additional_info else None
    code, origin = item.code, None
    if code is not None:
        origin = "cd" if item.code_element == "Cd" else "prtry"
    if code is None or code == "NARR":
        words = (info or "").upper().split()
        inferred = next((word for word in words if word in REASON_CODES), None)
        if inferred:
            code, origin = inferred, "inferred"
    if code is None:
        origin = "absent"
    if family == "pain.002":
        kind = "refusal" if code == "MS02" else "reject"
    else:
        kind = "refund" if code == "MD06" else "return"
    expected = {
        "end_to_end_id": None if item.end_to_end_id in (None, "NOTPROVIDED") else item.end_to_end_id,
        "mandate_id": item.mandate_id,
        "debtor_name": " ".join(item.debtor_name.split()) if item.debtor_name else None,
        "original_amount": {"amount_minor": currency_minor, "currency": item.currency},
        "returned_amount": {"amount_minor": currency_minor, "currency": item.currency},
        "reason_code": code,
        "reason_code_origin": origin,
        "additional_info": info,
        "kind": kind,
        "debtor_iban_valid": None if item.iban is None else item.iban.endswith("3000"),
    }
    if code is not None and not classify(code).known:
        expected["unknown"] = True
    return expected


def _actual(event: dict, keys) -> dict:
    actual = {key: event[key] for key in keys if key != "unknown"}
    if "unknown_reason_code" in event["flags"]:
        actual["unknown"] = True
    return actual


def _parse(text: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.xml"
        path.write_text(text, encoding="utf-8")
        parsed = parse_file(path)
        events = list(parsed)
        assert parsed.bad_items == []
        return events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(), min_size=1, max_size=6), st.integers(min_value=3, max_value=12), _STYLES)
def test_pain002_round_trip(generated, version, style):
    events = _parse(pain002(generated, version=version, style=style))

    expected = [_expected(item, "pain.002") for item in generated]
    assert [_actual(event, keys) for event, keys in zip(events, expected)] == expected
    assert len(events) == len(generated)
    assert all(event["message_id"] == "MSG-1" for event in events)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(), min_size=1, max_size=6), st.integers(min_value=2, max_value=12), _STYLES)
def test_camt054_round_trip(generated, version, style):
    events = _parse(camt054(generated, version=version, style=style))

    expected = [_expected(item, "camt.054") for item in generated]
    assert [_actual(event, keys) for event, keys in zip(events, expected)] == expected
    assert len(events) == len(generated)
    assert len({event["event_id"] for event in events}) == len(events)
