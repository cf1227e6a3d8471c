"""Readers shared by the ISO 20022 parsers: amounts, reasons, parties and the per-item error wrapper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lxml import etree

from agents.intake.errors import BankFileError
from agents.intake.items import BadItem, CodeOrigin, RawItem, clean_text
from agents.intake.money import AmountError, Money, add_money, parse_iso_amount
from agents.intake.xml import find, find_all, first_text, parse_date, relative_path, text
from agents.reason_codes import infer_code


class ItemProblem(ValueError):
    """A value of one item is invalid; `element` is where, so the error can name its path."""

    def __init__(self, element: etree._Element | None, reason: str) -> None:
        super().__init__(reason)
        self.element = element
        self.reason = reason


@dataclass(frozen=True)
class Reason:
    code: str | None = None
    origin: CodeOrigin | None = None
    additional_info: str | None = None

    @property
    def effective_code(self) -> str | None:
        """Return the code, or the known code written in the additional information when the code is NARR or absent.

        The event builder records the inference; parsers use this to tell the R-transaction kind.
        """
        if self.code is None or self.code.upper() == "NARR":
            return infer_code(self.additional_info) or self.code
        return self.code

    def or_else(self, fallback: "Reason") -> "Reason":
        """Return this reason, with the code and text of `fallback` where this one has none."""
        if self.code is None:
            return Reason(fallback.code, fallback.origin, self.additional_info or fallback.additional_info)
        return self


def read_reason(holders: list[etree._Element]) -> Reason:
    """Return the reason code (Cd or Prtry) and the additional information of StsRsnInf or RtrInf elements."""
    code: str | None = None
    origin: CodeOrigin | None = None
    infos: list[str] = []
    for holder in holders:
        reason = find(holder, "Rsn")
        if code is None:
            for element_name, element_origin in (("Cd", "cd"), ("Prtry", "prtry")):
                value = clean_text(text(reason, element_name))
                if value:
                    code, origin = value.upper() if element_origin == "cd" else value, element_origin
                    break
        infos += [line for line in (clean_text(element.text) for element in find_all(holder, "AddtlInf")) if line]
    return Reason(code, origin, " ".join(infos) or None)


def read_money(amount: etree._Element | None) -> Money | None:
    """Return the Money of an amount element with a Ccy attribute, or None when the element is absent."""
    if amount is None:
        return None
    try:
        return parse_iso_amount(amount.text, amount.get("Ccy"))
    except AmountError as exc:
        raise ItemProblem(amount, str(exc)) from exc


def read_charges(holder: etree._Element | None) -> Money | None:
    """Return the total of the Chrgs elements below `holder`, in any camt or pain version."""
    amounts: list[Money] = []
    for charges in find_all(holder, "Chrgs"):
        total = find(charges, "TtlChrgsAndTaxAmt")
        records = find_all(charges, "Rcrd")
        if total is not None:
            amounts.append(read_money(total))
        elif records:
            amounts += [read_money(find(record, "Amt")) for record in records if find(record, "Amt") is not None]
        elif find(charges, "Amt") is not None:
            amounts.append(read_money(find(charges, "Amt")))
    return total_money(amounts, holder)


def total_money(amounts: list[Money], holder: etree._Element | None) -> Money | None:
    """Return the sum of `amounts`, or None when empty; amounts in several currencies are an ItemProblem."""
    try:
        return add_money(amounts)
    except AmountError as exc:
        raise ItemProblem(holder, str(exc)) from exc


def party_name(party: etree._Element | None) -> str | None:
    """Return the name of a party, whether it sits directly below the element or below Pty (newer versions)."""
    return clean_text(first_text(party, ("Nm",), ("Pty", "Nm")))


def agent_bic(agent: etree._Element | None) -> str | None:
    return clean_text(first_text(agent, ("FinInstnId", "BIC"), ("FinInstnId", "BICFI")))


def account_iban(account: etree._Element | None) -> str | None:
    return clean_text(text(account, "Id", "IBAN"))


def scheme_id(party: etree._Element | None) -> str | None:
    """Return the creditor scheme id (ICS) from a party's private id, the Othr entry named SEPA or unnamed."""
    for root in (party, find(party, "Pty")):
        private = find(root, "Id", "PrvtId")
        for other in find_all(private, "Othr"):
            scheme = clean_text(first_text(other, ("SchmeNm", "Prtry"), ("SchmeNm", "Cd")))
            if scheme in (None, "SEPA"):
                value = clean_text(text(other, "Id"))
                if value:
                    return value
    return None


def read_item(
    file: str, position: str, anchor: etree._Element, build: Callable[[], RawItem | None]
) -> RawItem | BadItem | None:
    """Run `build` for one item and turn an invalid value into a BadItem that names its element path."""
    try:
        return build()
    except ItemProblem as exc:
        where = position
        if exc.element is not None and exc.element is not anchor:
            where = f"{position}/{relative_path(exc.element, anchor)}"
        return BadItem(BankFileError(file, where, exc.reason))


def read_date(element: etree._Element | None, label: str) -> date | None:
    """Return the ISO date (or the date of an ISO date-time) in `element`, or None when it is absent."""
    if element is None:
        return None
    value = clean_text(element.text)
    if not value:
        raise ItemProblem(element, f"the {label} is empty")
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ItemProblem(element, f"invalid {label} {value!r}: expected an ISO 8601 date such as 2024-05-03") from exc


def read_choice_date(holder: etree._Element | None, label: str) -> date | None:
    """Return the date of a Dt-or-DtTm choice element such as BookgDt, or None when it is absent."""
    for name in ("Dt", "DtTm"):
        element = find(holder, name)
        if element is not None:
            return read_date(element, label)
    return None
