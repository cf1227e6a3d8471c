"""Stream a pain.002 payment status report into one item per rejected direct debit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from agents.intake.common import (
    Reason,
    account_iban,
    agent_bic,
    party_name,
    read_date,
    read_item,
    read_money,
    read_reason,
    scheme_id,
    total_money,
)
from agents.intake.detect import FileHeader
from agents.intake.errors import BankFileError
from agents.intake.items import BadItem, RawItem, clean_end_to_end_id, clean_text
from agents.intake.money import Money
from agents.intake.xml import find, find_all, local_name, open_iterparse, release, syntax_error, text

ROOT = "/Document/CstmrPmtStsRpt"
REJECTED = "RJCT"
_TAGS = ("CstmrPmtStsRpt", "OrgnlGrpInfAndSts", "OrgnlPmtInfAndSts", "TxInfAndSts")


@dataclass
class _Group:
    status: str | None = None
    reason: Reason = field(default_factory=Reason)
    credit_transfers: bool = False
    """The report is about a pain.001 credit-transfer initiation, so it contains no direct debit."""


@dataclass
class _Batch:
    index: int
    loaded: bool = False
    status: str | None = None
    reason: Reason = field(default_factory=Reason)
    transactions: int = 0

    @property
    def path(self) -> str:
        return f"{ROOT}/OrgnlPmtInfAndSts[{self.index}]"


def parse_pain002(path: Path, header: FileHeader) -> Iterator[RawItem | BadItem]:
    """Yield one RawItem per rejected transaction, or per rejected batch or group that lists no transaction."""
    file = str(path)
    group: _Group | None = None
    batch: _Batch | None = None
    batches = transactions = 0
    where = ROOT
    context = open_iterparse(path, _TAGS)
    try:
        for event, element in context:
            name = local_name(element)
            if event == "start":
                if name == "OrgnlPmtInfAndSts":
                    _require_group(group, file, f"{ROOT}/OrgnlPmtInfAndSts[{batches + 1}]")
                    batches += 1
                    batch = _Batch(batches)
                    where = batch.path
                continue
            if name == "OrgnlGrpInfAndSts":
                group = _read_group(element)
            elif name == "TxInfAndSts":
                transactions += 1
                position = f"{batch.path if batch else ROOT}/TxInfAndSts[{batch.transactions + 1 if batch else transactions}]"
                where = position
                _require_group(group, file, position)
                if batch is not None:
                    _load_batch(batch, element.getparent(), group)
                    batch.transactions += 1
                item = read_item(file, position, element, lambda: _transaction(element, position, header, path, group, batch))
                if item is not None:
                    yield item
                release(element)
            elif name == "OrgnlPmtInfAndSts":
                if batch is not None and batch.transactions == 0:
                    _load_batch(batch, element, group)
                    if batch.status == REJECTED and not group.credit_transfers:
                        yield _level_item(header, path, batch.path, batch.reason)
                release(element)
                batch = None
            elif name == "CstmrPmtStsRpt":
                _require_group(group, file, f"{ROOT}/OrgnlGrpInfAndSts")
                if batches == 0 and transactions == 0 and group.status == REJECTED and not group.credit_transfers:
                    yield _level_item(header, path, f"{ROOT}/OrgnlGrpInfAndSts", group.reason)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(file, where, exc) from exc


def _require_group(group: _Group | None, file: str, where: str) -> None:
    if group is None:
        raise BankFileError(file, where, "OrgnlGrpInfAndSts is missing before the first status; it is mandatory in pain.002")


def _read_group(element: etree._Element) -> _Group:
    original_name = (text(element, "OrgnlMsgNmId") or "").lower()
    return _Group(
        status=clean_text(text(element, "GrpSts")),
        reason=read_reason(find_all(element, "StsRsnInf")),
        credit_transfers=original_name.startswith("pain.001"),
    )


def _load_batch(batch: _Batch, element: etree._Element, group: _Group) -> None:
    """Read the batch status and reason once, from the children that precede its first transaction."""
    if batch.loaded:
        return
    batch.loaded = True
    batch.status = clean_text(text(element, "PmtInfSts")) or group.status
    batch.reason = read_reason(find_all(element, "StsRsnInf")).or_else(group.reason)


def _transaction(
    element: etree._Element, position: str, header: FileHeader, path: Path, group: _Group, batch: _Batch | None
) -> RawItem | None:
    status = clean_text(text(element, "TxSts")) or (batch.status if batch else group.status)
    if status != REJECTED or group.credit_transfers:
        return None
    reference = find(element, "OrgnlTxRef")
    if _is_credit_transfer(reference):
        return None
    inherited = batch.reason if batch else group.reason
    reason = read_reason(find_all(element, "StsRsnInf")).or_else(inherited)
    amount = read_money(find(reference, "Amt", "InstdAmt"))
    return RawItem(
        message_type=header.kind.name,
        message_id=header.message_id,
        file_name=path.name,
        item_position=position,
        occurred_at=header.created_at,
        end_to_end_id=clean_end_to_end_id(text(element, "OrgnlEndToEndId")),
        mandate_id=clean_text(text(reference, "MndtRltdInf", "MndtId")),
        creditor_scheme_id=scheme_id(find(reference, "CdtrSchmeId")),
        debtor_name=party_name(find(reference, "Dbtr")),
        debtor_iban=account_iban(find(reference, "DbtrAcct")),
        debtor_bic=agent_bic(find(reference, "DbtrAgt")),
        original_amount=amount,
        returned_amount=amount,
        charges=_charges(element),
        reason_code=reason.code,
        reason_code_origin=reason.origin,
        additional_info=reason.additional_info,
        kind=_kind(reason.effective_code),
        requested_collection_date=read_date(find(reference, "ReqdColltnDt"), "requested collection date"),
        references=tuple(ref for ref in (text(element, "StsId"), text(element, "OrgnlInstrId")) if ref),
    )


def _is_credit_transfer(reference: etree._Element | None) -> bool:
    """Return True for a transaction with an execution date and neither a collection date nor a mandate."""
    return (
        find(reference, "ReqdExctnDt") is not None
        and find(reference, "ReqdColltnDt") is None
        and find(reference, "MndtRltdInf") is None
    )


def _charges(element: etree._Element) -> Money | None:
    amounts = [find(info, "Amt") for info in find_all(element, "ChrgsInf")]
    return total_money([read_money(amount) for amount in amounts if amount is not None], element)


def _kind(code: str | None) -> str:
    # A refusal is the debtor's own no before settlement; banks report it with MS02.
    return "refusal" if code == "MS02" else "reject"


def _level_item(header: FileHeader, path: Path, position: str, reason: Reason) -> RawItem:
    """Return the one item that stands for a rejected batch or group whose transactions are not listed."""
    return RawItem(
        message_type=header.kind.name,
        message_id=header.message_id,
        file_name=path.name,
        item_position=position,
        occurred_at=header.created_at,
        reason_code=reason.code,
        reason_code_origin=reason.origin,
        additional_info=reason.additional_info,
        kind="reject",
        batch_level=True,
        flags=["no_transactions_listed"],
    )
