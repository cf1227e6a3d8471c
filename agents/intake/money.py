"""Amounts from bank files as Money records: integer minor units and an ISO 4217 currency code."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TypedDict


class Money(TypedDict):
    amount_minor: int
    currency: str


# ISO 4217 minor-unit exponents that differ from 2.
_EXPONENTS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
         "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}

# ISO 20022 amounts: at most 18 digits, at most 5 of them after a dot, no sign and no thousands separator.
_ISO_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")
_CURRENCY = re.compile(r"[A-Z]{3}")


class AmountError(ValueError):
    """An amount or currency is invalid; the message gives the reason and the expected format."""


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str | None) -> str:
    if currency is None:
        raise AmountError("the Ccy attribute is missing; every amount needs its ISO 4217 currency")
    if not _CURRENCY.fullmatch(currency):
        raise AmountError(f"invalid currency {currency!r}: write a 3-letter ISO 4217 code such as EUR")
    return currency


def parse_iso_amount(text: str | None, currency: str | None) -> Money:
    """Return an ISO 20022 decimal amount such as 6543.14 as Money; raise AmountError naming the bad value."""
    currency = check_currency(currency)
    if text is None or not text.strip():
        raise AmountError("the amount is empty")
    value = text.strip()
    if "," in value:
        raise AmountError(f"invalid amount {value!r}: use a dot as the decimal separator, for example 100.50")
    if not _ISO_AMOUNT.fullmatch(value):
        raise AmountError(f"invalid amount {value!r}: expected digits with an optional dot, for example 100.50")
    return to_money(Decimal(value), currency)


def to_money(amount: Decimal, currency: str) -> Money:
    """Return `amount` in minor units of `currency`; raise AmountError when it has more decimals than the currency."""
    exponent = currency_exponent(currency)
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise AmountError(f"amount {amount} has more than {exponent} decimals, too many for {currency}")
    return {"amount_minor": int(minor), "currency": currency}


def add_money(items: list[Money]) -> Money | None:
    """Return the sum of `items`, which must share one currency, or None for an empty list."""
    if not items:
        return None
    currencies = {item["currency"] for item in items}
    if len(currencies) > 1:
        raise AmountError(f"charges in several currencies ({', '.join(sorted(currencies))}) cannot be added up")
    return {"amount_minor": sum(item["amount_minor"] for item in items), "currency": items[0]["currency"]}
