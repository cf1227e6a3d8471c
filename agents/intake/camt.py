"""Stream camt.052, camt.053 and camt.054 files into one item per returned or refunded direct debit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timezone
from pathlib import Path

from lxml import etree

from agents.intake.common import (
    Reason,
    account_iban,
    agent_bic,
    party_name,
    read_charges,
    read_choice_date,
    read_item,
    read_money,
    read_reason,
    scheme_id,
)
from agents.intake.detect import MESSAGE_ELEMENTS, FileHeader
from agents.intake.items import BadItem, Kind, RawItem, clean_end_to_end_id, clean_text
from agents.intake.xml import find, find_all, local_name, open_iterparse, release, syntax_error, text

# Account containers of each camt message: a report (052), a statement (053) or a notification (054).
CONTAINERS = ("Rpt", "Stmt", "Ntfctn")

# ISO 20022 bank transaction codes, domain PMNT: issued (IDDT) and received (RDDT) direct debits.
DIRECT_DEBIT_FAMILIES = frozenset({"IDDT", "RDDT"})
# Sub-families that book the reversal of a direct debit: returned or unpaid (UPDD), payment reversal (PRDD).
RETURN_SUB_FAMILIES = frozenset({"UPDD", "PRDD"})

# Return type that banks write as /RTYP/<code>/ in the return's additional information.
_RETURN_TYPE = re.compile(r"/RTYP/([A-Z]{4})\b")
_RETURN_TYPES: dict[str, Kind] = {"RTRN": "return", "REFD": "refund", "RJCT": "reject", "RVSL": "reversal"}


@dataclass(frozen=True)
class _BankCode:
    domain: str | None = None
    family: str | None = None
    sub_family: str | None = None


@dataclass(frozen=True)
class _Entry:
    element: etree._Element
    position: str
    reversal: bool
    code: _BankCode
    transactions: int


def parse_camt(path: Path, header: FileHeader) -> Iterator[RawItem | BadItem]:
    """Yield one RawItem per returned direct debit in every entry of every report, statement or notification."""
    file = str(path)
    root = f"/Document/{MESSAGE_ELEMENTS[header.kind.family]}"
    containers = entries = 0
    container_path = root
    where = root
    context = open_iterparse(path, (*CONTAINERS, "Ntry"))
    try:
        for event, element in context:
            name = local_name(element)
            if event == "start":
                if name in CONTAINERS:
                    containers += 1
                    entries = 0
                    container_path = where = f"{root}/{name}[{containers}]"
                elif name == "Ntry":
                    entries += 1
                    where = f"{container_path}/Ntry[{entries}]"
                continue
            if name == "Ntry":
                yield from _entry_items(file, path, header, element, where)
            release(element)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(file, where, exc) from exc


def _entry_items(file: str, path: Path, header: FileHeader, element: etree._Element, position: str):
    details = find_all(element, "NtryDtls")
    transactions = [tx for detail in details for tx in find_all(detail, "TxDtls")]
    entry = _Entry(
        element=element,
        position=position,
        reversal=(text(element, "RvslInd") or "").lower() in ("true", "1"),
        code=_bank_code(element),
        transactions=len(transactions),
    )
    if not transactions:
        item = read_item(file, position, element, lambda: _item(entry, None, position, header, path))
        if item is not None:
            yield item
        return
    for index, transaction in enumerate(transactions, start=1):
        tx_position = f"{position}/{_tx_step(transaction, details, index)}"
        item = read_item(file, tx_position, transaction, lambda: _item(entry, transaction, tx_position, header, path))
        if item is not None:
            yield item


def _tx_step(transaction: etree._Element, details: list[etree._Element], index: int) -> str:
    detail = transaction.getparent()
    detail_step = f"NtryDtls[{details.index(detail) + 1}]" if len(details) > 1 else "NtryDtls"
    return f"{detail_step}/TxDtls[{find_all(detail, 'TxDtls').index(transaction) + 1}]"


def _bank_code(element: etree._Element | None) -> _BankCode:
    domain = find(element, "BkTxCd", "Domn")
    return _BankCode(
        clean_text(text(domain, "Cd")),
        clean_text(text(domain, "Fmly", "Cd")),
        clean_text(text(domain, "Fmly", "SubFmlyCd")),
    )


def _item(entry: _Entry, tx: etree._Element | None, position: str, header: FileHeader, path: Path) -> RawItem | None:
    tx_code = _bank_code(tx) if tx is not None else _BankCode()
    code = tx_code if tx_code.domain or tx_code.family else entry.code
    return_info = find_all(tx, "RtrInf")
    mandate_id = clean_text(text(tx, "Refs", "MndtId"))
    if not _is_direct_debit_return(code, entry.reversal, bool(return_info), mandate_id):
        return None

    reason = read_reason(return_info)
    single = entry.transactions <= 1
    amounts = find(tx, "AmtDtls")
    returned = read_money(find(amounts, "TxAmt", "Amt")) or read_money(find(tx, "Amt"))
    if returned is None and single:
        returned = read_money(find(entry.element, "Amt"))
    charges = read_charges(tx) if find(tx, "Chrgs") is not None else None
    if charges is None and single:
        charges = read_charges(entry.element)
    booking_date = read_choice_date(find(entry.element, "BookgDt"), "booking date")
    parties = find(tx, "RltdPties")

    return RawItem(
        message_type=header.kind.name,
        message_id=header.message_id,
        file_name=path.name,
        item_position=position,
        occurred_at=datetime.combine(booking_date, time(), timezone.utc) if booking_date else header.created_at,
        end_to_end_id=clean_end_to_end_id(text(tx, "Refs", "EndToEndId")),
        mandate_id=mandate_id,
        creditor_scheme_id=scheme_id(find(parties, "Cdtr")),
        debtor_name=party_name(find(parties, "Dbtr")),
        debtor_iban=account_iban(find(parties, "DbtrAcct")),
        debtor_bic=agent_bic(find(tx, "RltdAgts", "DbtrAgt")),
        original_amount=read_money(find(amounts, "InstdAmt", "Amt")),
        returned_amount=returned,
        charges=charges,
        reason_code=reason.code,
        reason_code_origin=reason.origin,
        additional_info=reason.additional_info,
        kind=_kind(reason, code, bool(return_info)),
        booking_date=booking_date,
        value_date=read_choice_date(find(entry.element, "ValDt"), "value date"),
        references=tuple(
            ref for ref in (text(entry.element, "AcctSvcrRef"), text(tx, "Refs", "AcctSvcrRef"), text(tx, "Refs", "TxId")) if ref
        ),
    )


def _is_direct_debit_return(code: _BankCode, reversal: bool, has_return_info: bool, mandate_id: str | None) -> bool:
    """Return True for a direct debit that came back: a return code, the reversal flag or return information.

    An item without a bank transaction code counts as a direct debit when it names a mandate.
    """
    if code.domain not in (None, "PMNT"):
        return False
    if code.family is not None:
        is_direct_debit = code.family in DIRECT_DEBIT_FAMILIES
    else:
        is_direct_debit = mandate_id is not None
    came_back = has_return_info or reversal or code.sub_family in RETURN_SUB_FAMILIES
    return is_direct_debit and came_back


def _kind(reason: Reason, code: _BankCode, has_return_info: bool) -> Kind | None:
    """Return the R-transaction kind that the file shows, from the most to the least specific sign."""
    match = _RETURN_TYPE.search(reason.additional_info or "")
    if match and match.group(1) in _RETURN_TYPES:
        return _RETURN_TYPES[match.group(1)]
    if reason.effective_code == "MD06":
        return "refund"
    if code.family == "RDDT":
        return "refund"
    if code.sub_family == "PRDD":
        return "reversal"
    if code.sub_family == "UPDD" or has_return_info:
        return "return"
    return None
