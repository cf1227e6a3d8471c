"""Turn a parsed bank-file item into a debit_rejected record: classified code, masked and hashed IBAN, stable id."""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from agents.intake.items import RawItem
from agents.intake.metrics import UNKNOWN_REASON_CODES
from agents.reason_codes import classify, infer_code

log = logging.getLogger(__name__)

# Namespace of the event ids; changing it would make every re-ingested file publish again.
EVENT_ID_NAMESPACE = uuid.UUID("5b0b8a5e-0c1f-4d47-9c55-2f3a8f1e7d21")
SOURCE = "relance-ingest"
NARRATIVE_CODE = "NARR"


def event_id(item: RawItem) -> str:
    """Return the event id of `item`, derived from the message id and the item's references, never random."""
    family = item.message_type.split(".001.")[0]
    parts = [family, item.message_id, item.item_position, *item.references, item.end_to_end_id or ""]
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, "\x1f".join(parts)))


def normalize_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


def mask_iban(iban: str) -> str:
    """Return the IBAN with every character masked but the country code and the last 4."""
    value = normalize_iban(iban)
    if len(value) <= 6:
        return value[:2] + "*" * (len(value) - 2)
    return value[:2] + "*" * (len(value) - 6) + value[-4:]


def hash_iban(iban: str, key: bytes) -> str:
    """Return the hex HMAC-SHA256 of the normalised IBAN, for matching without storing the IBAN."""
    return hmac.new(key, normalize_iban(iban).encode(), hashlib.sha256).hexdigest()


def is_valid_iban(iban: str) -> bool:
    try:
        IBAN(normalize_iban(iban))
    except SchwiftyException:
        return False
    return True


def build_event(item: RawItem, hash_key: bytes) -> dict[str, Any]:
    """Return the debit_rejected record of `item`, with an empty debtor_id that resolution fills in."""
    flags = list(item.flags)
    code, origin = item.reason_code, item.reason_code_origin
    if code is None or code.upper() == NARRATIVE_CODE:
        inferred = infer_code(item.additional_info)
        if inferred is not None:
            code, origin = inferred, "inferred"
            flags.append("reason_code_inferred")
    if code is None:
        origin = "absent"
        flags.append("reason_code_absent")
    elif not classify(code).known:
        flags.append("unknown_reason_code")
        UNKNOWN_REASON_CODES.labels(origin=origin).inc()
        log.warning("unknown reason code message_id=%s position=%s origin=%s", item.message_id, item.item_position, origin)

    iban_masked = iban_hash = iban_valid = None
    if item.debtor_iban:
        iban_masked = mask_iban(item.debtor_iban)
        iban_hash = hash_iban(item.debtor_iban, hash_key)
        iban_valid = is_valid_iban(item.debtor_iban)
        if not iban_valid:
            flags.append("invalid_iban")

    return {
        "event_id": event_id(item),
        "occurred_at": item.occurred_at,
        "source": f"{SOURCE}:{item.message_type}",
        "debtor_id": "",
        "end_to_end_id": item.end_to_end_id,
        "mandate_id": item.mandate_id,
        "creditor_scheme_id": item.creditor_scheme_id,
        "debtor_name": item.debtor_name,
        "debtor_iban_masked": iban_masked,
        "debtor_iban_hash": iban_hash,
        "debtor_iban_valid": iban_valid,
        "debtor_bic": item.debtor_bic,
        "original_amount": item.original_amount,
        "returned_amount": item.returned_amount,
        "charges": item.charges,
        "reason_code": code,
        "reason_code_origin": origin,
        "additional_info": item.additional_info,
        "kind": item.kind,
        "requested_collection_date": item.requested_collection_date,
        "booking_date": item.booking_date,
        "value_date": item.value_date,
        "message_id": item.message_id,
        "file_name": item.file_name,
        "item_position": item.item_position,
        "batch_level": item.batch_level,
        "flags": flags,
    }
