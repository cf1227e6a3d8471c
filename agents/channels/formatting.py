"""Amounts and dates written the way a French or an English reader expects them."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """Format an amount in minor units: 1234,56 € in French, €1,234.56 in English.

    NOTE: every currency is assumed to have 2 minor digits, which is wrong for JPY and a few others.
    """
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(amount_minor), 100)
    grouped = f"{units:,}"
    symbol = _SYMBOLS.get(currency.upper())
    if locale == "en":
        number = f"{grouped}.{cents:02d}"
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"
    number = f"{grouped.replace(',', ' ')},{cents:02d}"
    return f"{sign}{number} {symbol or currency.upper()}"


def format_date(value: date, locale: str) -> str:
    """Format a date as 5 mars 2026 in French or 5 March 2026 in English."""
    month = _MONTHS["en" if locale == "en" else "fr"][value.month - 1]
    day = "1er" if locale != "en" and value.day == 1 else str(value.day)
    return f"{day} {month} {value.year}"


def format_variable(value: str, locale: str) -> str:
    """Format a template variable: ISO dates (2026-03-05) become readable dates, other text is kept."""
    if _ISO_DATE.match(value):
        try:
            return format_date(date.fromisoformat(value), locale)
        except ValueError:
            return value
    return value
